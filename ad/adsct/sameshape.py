"""Part of specialise (for its float64-array hot path, array_entry): drop `unbroadcast(e, like)`
where `e` is known to have the shape and the float64 dtype of `like`, so it would return `e`
itself.

Accepts straight-line reverse-mode code whose parameters are all float64 arrays (the code
specialise.array_entry fuses).  Guarantees the same results with fewer helper calls.  Each
value gets a class: values of one class have one shape and are float64.  A parameter has a
class of its own; an elementwise real op (`+ - * / **`, `ops.sin`, `ops.maximum`, ...) of
operands of one class, or of one class and Python numbers, has that class; `unreduce(g, x)`
and `unbroadcast(e, x)` of a known g or e have x's class; sums, means, maxima and minima
over every axis share one class (float64 scalars).  Anything else (a matrix product,
an index, a global) is unknown, and its unbroadcast stays.

>>> import ast
>>> from ad.adsct.astutil import HELPER as h
>>> body = ast.parse(f"t = {h}ops.sin(x) * 2.0\\nbx = {h}unbroadcast(b * t, x)\\nbt = {h}unbroadcast(b * y, t)")
>>> print(ast.unparse(drop_known_unbroadcasts(body.body, ["x", "y"], ["b"])).replace(h, ""))
t = ops.sin(x) * 2.0
bx = b * t
bt = unbroadcast(b * y, t)
"""

from __future__ import annotations

import ast

from .astutil import is_helper
from .codegen import COMMENT

__all__ = ["drop_known_unbroadcasts"]

# Registry ops that map float64 arrays to float64 arrays entry by entry (NaN where out of domain)
_ELEMENTWISE = {"sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh", "cosh", "arctan", "abs", "neg",
                "square", "log1p", "expm1", "maximum", "minimum", "step"}
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)  # (names of their own)
_NUMBER = "number"  # the class of a Python number: it keeps the other operand's shape and dtype
_REDUCTIONS = {"sum", "mean", "max", "min"}  # over every axis: a float64 scalar
_SCALAR = "()"  # the class of those scalars


def drop_known_unbroadcasts(statements: list, arrays: list, numbers=()) -> list:
    """The statements (changed in place) without the unbroadcast calls that would return their
    value, where the names `arrays` hold float64 arrays and `numbers` Python numbers (the
    fused entry's seed 1.0)."""
    if not all(_is_plain(s) for s in statements) or any(
            isinstance(n, _SCOPES + (ast.NamedExpr,)) for s in statements for n in ast.walk(s)):
        return statements  # (loops, branches, inner scopes, names bound inside expressions: left as they are)
    classes = {name: name for name in arrays}
    classes.update((name, _NUMBER) for name in numbers)
    for statement in statements:
        if isinstance(statement, ast.Assign):
            statement.value = _Dropper(classes).visit(statement.value)
            if len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                classes[statement.targets[0].id] = _class_of(statement.value, classes)
            else:
                for target in statement.targets:
                    for node in ast.walk(target):
                        if isinstance(node, ast.Name):
                            classes[node.id] = None
    return statements


def _is_plain(statement) -> bool:
    if isinstance(statement, ast.Expr):  # (a comment)
        value = statement.value
        return isinstance(value, ast.Constant) or (isinstance(value, ast.Name) and value.id.startswith(COMMENT))
    return isinstance(statement, (ast.Assign, ast.Delete))


class _Dropper(ast.NodeTransformer):
    def __init__(self, classes: dict):
        self.classes = classes

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        if is_helper(node.func, "unbroadcast") and len(node.args) == 2 and not node.keywords:
            value, like = (_class_of(a, self.classes) for a in node.args)
            if value is not None and value is not _NUMBER and value == like:
                return node.args[0]
        return node


def _class_of(node, classes: dict):
    """The class of an expression's value (see the module docstring), or None: unknown."""
    if isinstance(node, ast.Name):
        return classes.get(node.id)
    if isinstance(node, ast.Constant):
        kind = type(node.value)
        return _NUMBER if kind is int or kind is float else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _class_of(node.operand, classes)
    if isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC):
        return _combined([node.left, node.right], classes)
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and is_helper(func.value, "ops"):
        if func.attr in _ELEMENTWISE and 1 <= len(node.args) <= 2:
            return _combined(node.args, classes)
        if func.attr == "unreduce" and len(node.args) >= 2:
            return _spread(node.args, classes)
        if func.attr in _REDUCTIONS and len(node.args) == 1:
            return _SCALAR if _class_of(node.args[0], classes) not in (None, _NUMBER) else None
    if is_helper(func, "unbroadcast") and len(node.args) == 2:
        return _spread(node.args, classes)
    return None


def _combined(operands: list, classes: dict):
    """The class of an elementwise op's result: its array operands' one class."""
    found = {_class_of(a, classes) for a in operands} - {_NUMBER}
    if not found:
        return _NUMBER if len(operands) == 2 else None  # (2.0 * 3.0; a unary op of a number: unknown)
    return found.pop() if len(found) == 1 and None not in found else None


def _spread(args: list, classes: dict):
    """unreduce(g, x, ...) and unbroadcast(e, x): x's class, where g or e is float64 (known)."""
    value, like = _class_of(args[0], classes), _class_of(args[1], classes)
    return like if value is not None and like is not _NUMBER else None
