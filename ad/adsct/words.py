"""The constructs adsct refuses, named as a Python programmer names them.

Accepts a statement or expression the normaliser met and cannot handle; gives back the
UnsupportedSyntaxError to raise: it points at the user's file, line and column, says what
the construct is ("a with statement", "a set comprehension"), never the AST class, and
where there is a way that works, a hint that leads to it.
"""

from __future__ import annotations

import ast

from ..errors import UnsupportedSyntaxError
from .parse import Parsed

_SUBSET = "adsct takes assignments, if/elif/else, for and while loops with break and continue, return, " \
          "pass, assert, raise and print"

# kind of statement -> (what it is, a hint)
_STATEMENTS = {
    ast.With: ("a with statement", "compute the values outside the with block, or differentiate with "
                                   "ad.adoo (operator overloading), which runs any Python"),
    ast.AsyncWith: ("an async with statement", ""),
    ast.Try: ("a try statement", "check the inputs with if ... raise instead of catching errors"),
    ast.Delete: ("a del statement of an item, an attribute or a name not assigned before it, or inside a loop "
                 "or branch", "del plain local names at the function's top level only"),
    ast.Global: ("a global declaration", "read module-level values freely, but return what you compute"),
    ast.Nonlocal: ("a nonlocal declaration", "return what you compute instead of writing it to an outer scope"),
    ast.Import: ("an import inside the function", "import at the top of the module"),
    ast.ImportFrom: ("an import inside the function", "import at the top of the module"),
    ast.ClassDef: ("a class definition inside the function", "define the class at module level"),
    ast.AsyncFunctionDef: ("an async function definition", ""),
    ast.AsyncFor: ("an async for loop", ""),
    ast.Match: ("a match statement", "write it as if/elif/else"),
}


def _statement_words(node: ast.stmt) -> tuple:
    if isinstance(node, ast.For) and node.orelse:
        return "a for loop with an else: clause", "set a flag before break and test it after the loop"
    if isinstance(node, ast.While) and node.orelse:
        return "a while loop with an else: clause", "set a flag before break and test it after the loop"
    if isinstance(node, ast.For):
        return f"a loop variable like `{ast.unparse(node.target)}`", "loop with plain names: for a, b in ..."
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(t, ast.Subscript) for t in targets):
            return "an assignment into an array element", "build the array from pieces: np.where(mask, new, y), " \
                                                         "np.concatenate([...]), np.stack([...])"
        if any(isinstance(t, ast.Attribute) for t in targets):
            return "an assignment to an attribute", "keep the value in a local variable"
        if any(isinstance(t, ast.Starred) for e in targets for t in ast.walk(e)):
            return "unpacking with a starred name (a, *rest = ...)", "take the items by position: a, rest = x[0], x[1:]"
        return "this assignment", "assign to plain names: y = ..., a, b = ..."
    if isinstance(node, ast.Expr):
        if isinstance(node.value, ast.Call):
            return f"a call whose result is not used ({_callee(node.value)}(...) on a line of its own)", \
                "assign its result to a name; only print, warnings and logging calls run for their effect alone"
        return "an expression on a line of its own", "assign it to a name"
    if isinstance(node, (ast.Return, ast.Break, ast.Continue)):
        return f"this {type(node).__name__.lower()}", ""
    if isinstance(node, ast.FunctionDef):
        return "a function definition inside the function", "define it at module level and call it"
    for kinds, words in _STATEMENTS.items():
        if isinstance(node, kinds):
            return words
    return "this statement", ""


_EXPRESSIONS = {
    ast.Lambda: ("a lambda", "define the function with def at module level and call it by name"),
    ast.ListComp: ("a list comprehension", "write a for loop"),
    ast.SetComp: ("a set comprehension", "write a for loop"),
    ast.DictComp: ("a dict comprehension", "write the dict out: {'w': w, 'b': b}"),
    ast.GeneratorExp: ("a generator expression", "write a for loop that adds up the terms"),
    ast.Set: ("a set", "use a tuple or a list"),
    ast.Starred: ("*unpacking", "pass the items one by one"),
    ast.NamedExpr: ("an assignment expression (:=)", "assign on a line of its own first"),
    ast.Await: ("await", ""),
    ast.Yield: ("yield (a generator function)", "return the values as a tuple"),
    ast.YieldFrom: ("yield from (a generator function)", "return the values as a tuple"),
    ast.Slice: ("a slice outside a subscript", ""),
}


def _expression_words(node: ast.expr) -> tuple:
    if isinstance(node, ast.BinOp):
        symbol = {ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&"}.get(
            type(node.op), "this operator")
        return f"the {symbol} operator", "for a mask write np.logical_and / np.logical_or / np.logical_not"
    if isinstance(node, ast.UnaryOp):
        return "the ~ operator", "for a mask write np.logical_not(mask)"
    if isinstance(node, ast.Compare):
        return "this comparison", "compare with <, <=, >, >=, ==, !=, is, in"
    for kinds, words in _EXPRESSIONS.items():
        if isinstance(node, kinds):
            return words
    return "this expression", ""


def _callee(call: ast.Call) -> str:
    try:
        return ast.unparse(call.func)
    except Exception:  # (a tree built by hand without every field)
        return "a function"


def unsupported_statement(parsed: Parsed, node: ast.stmt) -> UnsupportedSyntaxError:
    """The error for a statement outside the subset, in the user's words.

    >>> fn = ast.parse("def f(x):\\n    with open('a') as a:\\n        pass\\n    return x\\n").body[0]
    >>> parsed = Parsed(fn, "example.py", 1, ["def f(x):", "    with open('a') as a:"])
    >>> str(unsupported_statement(parsed, fn.body[0])).split(" (hint")[0]
    'example.py:2:5: a with statement is not supported by adsct'
    """
    what, hint = _statement_words(node)
    return parsed.error(node, f"{what} is not supported by adsct", hint or _SUBSET)


def unsupported_expression(parsed: Parsed, node: ast.expr) -> UnsupportedSyntaxError:
    """The error for an expression outside the subset, in the user's words.

    >>> fn = ast.parse("def f(x):\\n    return {x}\\n").body[0]
    >>> parsed = Parsed(fn, "example.py", 1, ["def f(x):", "    return {x}"])
    >>> str(unsupported_expression(parsed, fn.body[0].value))
    'example.py:2:12: a set is not supported by adsct (hint: use a tuple or a list)'
    """
    what, hint = _expression_words(node)
    return parsed.error(node, f"{what} is not supported by adsct",
                        hint or "rewrite it with arithmetic and calls to NumPy functions")
