"""Step 1 of source transformation: a function's source, parsed.

`inspect` finds the source of functions defined in files (and of code registered with
`linecache`, as our own generated functions are).  For code typed at a REPL, in a notebook
cell whose source is gone, or passed to `python -c`, give the source text with `source=`.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass

from ..errors import UnsupportedSyntaxError


@dataclass
class Parsed:
    """A function's definition: the `ast.FunctionDef`, where it came from, and its text."""

    node: ast.FunctionDef
    filename: str
    first_line: int  # line number of the `def` in `filename`
    lines: list  # the dedented source lines, for comments in generated code

    def text_of(self, node) -> str:
        """The source text of a statement or expression of this function (first line only)."""
        index = getattr(node, "lineno", 1) - 1
        return self.lines[index].strip() if 0 <= index < len(self.lines) else ""

    def error(self, node, message: str, hint: str = "", kind=UnsupportedSyntaxError) -> UnsupportedSyntaxError:
        """An UnsupportedSyntaxError (or the subclass `kind`) pointing at `node` in the original file."""
        line = self.first_line + getattr(node, "lineno", 1) - 1
        return kind(message, self.filename, line, getattr(node, "col_offset", 0) + 1, self.text_of(node), hint)


def parse_function(f, source: str | None = None) -> Parsed:
    """Parse f's definition; a lambda becomes `def <lambda>(...): return <body>`.

    >>> def square(x):
    ...     return x * x
    >>> parse_function(square, source="def square(x):\\n    return x * x\\n").node.name
    'square'
    """
    if isinstance(f, types.MethodType):  # obj.method: `self` is a constant, not a parameter
        return _without_first_parameter(parse_function(f.__func__, source))
    code = getattr(f, "__code__", None)
    filename = getattr(code, "co_filename", "<unknown>")
    if source is None:
        try:  # (from the code object: inspect would follow a decorator's __wrapped__ to another body)
            lines, first_line = inspect.getsourcelines(code if code is not None else f)
        except (OSError, TypeError) as error:
            raise UnsupportedSyntaxError(
                f"cannot read the source of {getattr(f, '__name__', f)!r}: {error}", filename, None, None, None,
                "pass the function's source text with source=... (REPL, notebook or python -c code)") from None
        text = "".join(lines)
    else:
        text, first_line = source, getattr(getattr(f, "__code__", None), "co_firstlineno", 1)
    text = textwrap.dedent(text)
    try:
        module = ast.parse(text)
    except SyntaxError:
        module = _parse_lambda_line(text, filename, first_line)
    node = _find_definition(module, f, filename, first_line)
    return Parsed(node, filename, first_line, text.splitlines())


def _parse_lambda_line(text: str, filename: str, first_line: int) -> ast.Module:
    """A lambda's source line is often not a statement of its own (`g = grad(lambda x: ...)`)."""
    start = text.find("lambda")
    if start < 0:
        raise UnsupportedSyntaxError("cannot parse the function's source", filename, first_line, 1, text.strip())
    for end in range(len(text), start, -1):  # the longest prefix that parses as an expression
        try:
            return ast.parse("(" + text[start:end].strip() + ")")
        except SyntaxError:
            continue
    raise UnsupportedSyntaxError("cannot parse the lambda's source", filename, first_line, 1, text.strip())


def _without_first_parameter(parsed: Parsed) -> Parsed:
    """A method's definition without its `self` parameter (bound to the instance)."""
    fn = parsed.node
    if not fn.args.args:
        raise parsed.error(fn, "a method without a `self` parameter cannot be called bound to an instance")
    fn.args = ast.arguments(posonlyargs=fn.args.posonlyargs, args=fn.args.args[1:], vararg=fn.args.vararg,
                            kwonlyargs=fn.args.kwonlyargs, kw_defaults=fn.args.kw_defaults, kwarg=fn.args.kwarg,
                            defaults=fn.args.defaults)
    return parsed


def _find_definition(module: ast.Module, f, filename: str, first_line: int) -> ast.FunctionDef:
    code = getattr(f, "__code__", None)
    name = code.co_name if code is not None else getattr(f, "__name__", "")  # (wraps copies __name__)
    if name == "<lambda>":
        lambdas = [n for n in ast.walk(module) if isinstance(n, ast.Lambda)]
        arg_names = list(f.__code__.co_varnames[: f.__code__.co_argcount])
        matching = [n for n in lambdas if [a.arg for a in n.args.args] == arg_names]
        if len(matching) != 1:
            raise UnsupportedSyntaxError(
                "cannot tell which lambda on this line is the function", filename, first_line, 1, None,
                "define it with def, or put one lambda per line")
        lam = matching[0]
        node = ast.FunctionDef(name="lambda_", args=lam.args, body=[ast.Return(lam.body, lineno=lam.lineno,
                                                                            col_offset=lam.col_offset)],
                               decorator_list=[], returns=None, lineno=lam.lineno, col_offset=lam.col_offset)
        return ast.fix_missing_locations(node)
    found = [node for node in ast.walk(module) if isinstance(node, ast.FunctionDef) and node.name == name]
    starting_here = [node for node in found if min([node.lineno] + [d.lineno for d in node.decorator_list]) == 1]
    if found:  # (the source read starts at f's own `def` or first decorator)
        return (starting_here or found)[0]
    raise UnsupportedSyntaxError(f"no definition of {name!r} in its source", filename, first_line, 1, None,
                                 "async functions and callables that are not functions are not supported")


_REGISTERED: dict = {}


def register_source(filename: str, text: str) -> None:
    """Make generated code readable by `inspect` and tracebacks, without a file on disk."""
    lines = text.splitlines(keepends=True)
    linecache.cache[filename] = (len(text), None, lines, filename)
    _REGISTERED[filename] = text


def define(text: str, name: str, scope: dict, filename: str):
    """Run `text`, the definition of `name`, in `scope` under `filename` (registered, so that
    `inspect` and tracebacks read it); returns the function.

    >>> define("def one():\\n    return 1\\n", "one", {}, "<example>")()
    1
    """
    register_source(filename, text)
    exec(compile(text, filename, "exec"), scope)
    return scope[name]


def registered_source(filename: str) -> str | None:
    """The text registered for a generated file (None for other files)."""
    return _REGISTERED.get(filename)
