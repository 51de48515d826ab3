"""The symbolic engine: `ad.ops` hands every op call with an expression among its inputs to
`apply`, which builds the (simplified) expression node.

This is what makes the registry's JVP and VJP rules produce derivative *expressions*: a rule
is an ordinary function of registry ops, so calling it on expressions calls this engine, op
by op, exactly as calling it on adoo's `Dual` values calls adoo's.  No rule is written twice.

A symbol stands for a number, so the engine follows numbers and elementwise functions only;
an op that looks at a whole array (`sum`, `matmul`, indexing) is refused with an error that
names it, since on a number it would not do what it does on the user's array.
"""

from __future__ import annotations

from .. import ops
from ..errors import NotDifferentiableError, user_line
from ..ops import complex_ops, constant, elementwise, elementwise_extra
from .expr import Const, Expr, Node, Symbol
from .simplify import build

__all__ = ["apply", "ELEMENTWISE"]


def _ops_of(module) -> set:
    return {value.name for value in vars(module).values() if isinstance(value, ops.Op)}


# The ops that act on each number alone (so an expression of numbers is also an expression of
# arrays, elementwise), and the shape ops that leave a number as it is (the registry's rules
# call them to undo broadcasting).
ELEMENTWISE = frozenset((_ops_of(elementwise) | _ops_of(elementwise_extra) | _ops_of(complex_ops)
                         | _ops_of(constant) | {"sum_to", "broadcast_to", "unbroadcast", "cotangent_of"})
                        - {"argmax", "argmin"})


def apply(op, inputs, params):
    """The engine hook: `op` on inputs of which at least one is an expression.

    >>> from ad.symbolic import symbols
    >>> x = symbols("x")
    >>> str(apply(ops.mul, (2.0, x), {}))
    '2*x'
    """
    if op.name not in ELEMENTWISE:
        raise NotDifferentiableError(
            f"{op.name} is not elementwise: ad.symbolic's symbols stand for numbers (or elementwise for arrays), "
            f"and on a number {op.name} would not compute what it computes on your array. Differentiate this "
            f"function with an AD strategy (ad.adoo or ad.adsct)" + user_line())
    return build(op, tuple(x if isinstance(x, Expr) else Const(x) for x in inputs), params)


for _kind in (Symbol, Const, Node):
    ops.register_engine(_kind, apply)
