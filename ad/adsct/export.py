"""Step 8 (on request): generated derivative code as a standalone module, `export(f, path, mode, argnums)`.

Accepts what `source(f, mode, argnums)` accepts; guarantees a file that imports only numpy and
math (never ad), with the derivative function, for reverse mode a gradient function calling it,
and exactly the helpers they call (writeout.py says how each name is written out).  Comments of
the generated code are kept; the text is the same on every run.
"""

from __future__ import annotations

import ast
import os
import re
import textwrap
import types

import astor

from .. import tree
from .astutil import fresh_name
from .pipeline import _generate, _remember_source
from .writeout import Module, Unwritable, write_out

__all__ = ["export"]

_COMMENT = "__ad_export_comment_{}__"  # a comment line of the generated code, while it is a syntax tree


def export(f, path, mode: str = "reverse", argnums=0, *, source=None, args=None) -> str:
    """Write f's generated derivative code to `path` as a standalone Python module; returns its text.

    The module imports only numpy and math: registry ops become NumPy calls where they are
    NumPy functions, and each helper the code calls is defined in it, written out in plain
    NumPy.  Reverse mode writes `<f>_vjp(*args, cotangent)` and `<f>_grad(*args)` (the
    gradient: the cotangent 1.0); forward mode writes `<f>_jvp(*args, *tangents)`.  The text
    is the same on every run.  `source=` gives f's source where `inspect` cannot read it;
    `args=(...)` example arguments where some are tuples, lists or dicts (the code then has a
    parameter per array in them, and no `<f>_grad`).

    Raises UnsupportedSyntaxError for f outside adsct's subset, ValueError for an unknown
    mode or for generated code that needs something with no standalone spelling (named).

    >>> import os, runpy, tempfile
    >>> def f(x1, x2):
    ...     return np.log(x1) + x1 * x2 - np.sin(x2)
    >>> src = "def f(x1, x2):\\n    return np.log(x1) + x1 * x2 - np.sin(x2)\\n"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     text = export(f, os.path.join(folder, "f_grad.py"), argnums=(0, 1), source=src)
    ...     module = runpy.run_path(os.path.join(folder, "f_grad.py"))
    >>> [float(g) for g in module["f_grad"](2.0, 5.0)]
    [5.5, 1.7163378145367738]
    >>> "import numpy as np" in text, "ad" in text.split()
    (True, False)
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"export: mode must be 'reverse' or 'forward', got {mode!r}")
    if getattr(f, "__ad_derivative__", None) is not None:
        raise ValueError(f"export: {f.__name__} is a derivative function; export the function it differentiates "
                         f"(its reverse-mode module has the gradient as <f>_grad)")
    _remember_source(f, source)
    selected = argnums if isinstance(argnums, tuple) else (argnums,)
    structures = n_args = None
    if args is not None:
        structures, n_args = tuple(tree.flatten(a)[1] for a in args), len(args)
    compiled, text = _generate(f, mode, selected, structures, n_args=n_args)
    pytrees = args is not None and any(isinstance(a, (tuple, list, dict)) or a is None for a in args)
    written = module_text(text, compiled.__globals__, mode, argnums, f, entry=not pytrees)
    with open(os.fspath(path), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(written)
    return written


def module_text(text: str, namespace: dict, mode: str, argnums, f, entry: bool = True) -> str:
    """The standalone module for generated code `text` whose names mean what they mean in
    `namespace` (with `entry`, reverse mode gets `<f>_grad` too)."""
    function, comments = _parse_with_comments(text)
    module = Module()
    try:
        write_out(function, namespace, module)
    except Unwritable as error:
        raise ValueError(f"export: the {mode}-mode code of {getattr(f, '__name__', f)} cannot be written as a "
                         f"standalone module: it needs {error}") from None
    functions = [function] + ([_grad_entry(function, argnums)] if mode == "reverse" and entry else [])
    names = module.name(functions)
    parts = [_header(functions, mode, argnums, f) + "\n\n" + "\n".join(module.preamble(names))]
    parts += [_to_text(node, comments) for node in functions]
    helpers = module.definitions()
    if helpers:  # (printed without comments: ast.unparse keeps each statement on one line)
        parts.append("# -- the helpers the code above calls, in plain NumPy --")
        parts += [ast.unparse(ast.fix_missing_locations(node)) for node in helpers]
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n"


# -- text -----------------------------------------------------------------------------------------

def _parse_with_comments(text: str):
    """The generated function parsed, its comment lines kept as marker statements."""
    comments: dict = {}
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            marker = _COMMENT.format(len(comments))
            comments[marker] = stripped
            line = line[:len(line) - len(line.lstrip())] + marker
        lines.append(line)
    return ast.parse("\n".join(lines)).body[0], comments


def _to_text(node, comments: dict) -> str:
    text = astor.to_source(node)
    return re.sub(r"^(\s*)(__ad_export_comment_\d+__)$", lambda m: m.group(1) + comments[m.group(2)], text,
                  flags=re.M)


def _grad_entry(function: ast.FunctionDef, argnums) -> ast.FunctionDef:
    """`<f>_grad(*args)`: the vjp with a cotangent of 1.0, returning the gradient alone."""
    params = [a.arg for a in function.args.args][:-1]
    base = function.name[:-len("_vjp")]
    taken = set(params) | {function.name}
    value, grads = (fresh_name(n, taken) for n in ("value", "grads"))
    single = isinstance(argnums, int)
    text = (f"def {fresh_name(base + '_grad', taken)}({', '.join(params)}):\n"
            f"    {(f'The gradient of {base}: the adjoints {function.name} gives for a cotangent of 1.0.')!r}\n"
            f"    {value}, {grads} = {function.name}({', '.join(params + ['1.0'])})\n"
            f"    return {grads}{'[0]' if single else ''}\n")
    return ast.parse(text).body[0]


def _header(functions: list, mode: str, argnums, f) -> str:
    """The module's docstring: what it computes, how it was made, what it defines."""
    code = functions[0].name
    plain = isinstance(f, types.FunctionType)  # (else the name adsct gave it: a repr may hold an address)
    what = f.__qualname__ if plain else code[:code.rindex("_")]
    title = f"{mode.capitalize()}-mode derivative of {what}" + (f" (module {f.__module__})" if plain else "")
    made = (f"Written by ad.adsct.export(..., mode={mode!r}, argnums={argnums!r}) from the code adsct generates: "
            f"a standalone module that imports only numpy and math.  Comments in the code quote the lines of "
            f"{what} they come from.")
    defined = [f"{node.name}({', '.join(a.arg for a in node.args.args)}): "
               + ast.get_docstring(node).split(": ", 1)[-1].replace("its value", f"the value of {what}", 1)
               for node in functions]
    paragraphs = [title + ".", textwrap.fill(made, 100)] + [textwrap.fill(d, 100, subsequent_indent="    ")
                                                             for d in defined]
    return '"""' + "\n\n".join(paragraphs) + '\n"""'
