"""Variants of generated code for plain inputs: Python floats, and plain NumPy arrays.

The float variant: `math` instead of NumPy, no broadcasting helpers.

On Python floats a NumPy call costs about a microsecond and `math` a few tens of
nanoseconds, so for scalar arguments the generated code is rewritten: registry ops whose
scalar form is a `math` function call it, `**` becomes `math.pow` (which refuses a negative
base with a fractional exponent instead of returning a complex number), and the
broadcasting helpers go (floats do not broadcast).  The variant is used only when every
argument is a float, and its results are checked to be floats; anything else (an array
constant in the function, a math domain error) falls back to the general code.
"""

from __future__ import annotations

import ast
import math

from .. import ops
from .astutil import clone

_DROPPED = {"unbroadcast", "broadcast_like", "cotangent_of"}


def _math_name(op_name: str):
    op = ops.REGISTRY.get(op_name)
    fn = op.scalar[0] if op is not None and op.scalar else None
    if fn is not None and getattr(math, getattr(fn, "__name__", ""), None) is fn:
        return fn.__name__
    return None


class _ToScalar(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in _DROPPED and node.args:
            return node.args[0]
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "ops" \
                and not node.keywords:
            name = _math_name(func.attr)
            if name is not None:
                return ast.Call(ast.Attribute(ast.Name("math", ast.Load()), name, ast.Load()), node.args, [])
        return node

    def visit_BinOp(self, node: ast.BinOp):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            return ast.Call(ast.Attribute(ast.Name("math", ast.Load()), "pow", ast.Load()), [node.left, node.right], [])
        return node


def scalar_variant(function: ast.FunctionDef) -> ast.FunctionDef:
    """The function rewritten for Python-float arguments (same name with `_floats`).

    >>> tree = ast.parse("def f_vjp(x, b):\\n    y = ops.sin(x) ** 2\\n    return unbroadcast(y, x)\\n")
    >>> print(ast.unparse(scalar_variant(tree.body[0])))
    def f_vjp_floats(x, b):
        y = math.pow(math.sin(x), 2)
        return y
    """
    variant = _ToScalar().visit(clone(function))
    variant.name = function.name + "_floats"
    return ast.fix_missing_locations(variant)


class _PlainOps:
    """`ops` for generated code whose inputs are plain NumPy arrays: each fixed-arity op is its
    NumPy implementation, called directly (no dispatch on the argument types, which costs a
    microsecond per call on the small arrays of rules).  Anything else is `ad.ops`' own.

    >>> PLAIN_OPS.exp is ops.get("exp").impl
    True
    """

    def __getattr__(self, name):
        op = ops.REGISTRY.get(name)
        value = op.impl if op is not None and op.nin is not None else getattr(ops, name)
        setattr(self, name, value)  # looked up once
        return value


PLAIN_OPS = _PlainOps()
