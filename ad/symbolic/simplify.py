"""Simplification as expressions are built: the rewrites a reader does by hand.

`build(op, args, params)` returns the simplest expression equal to the op applied to
`args`.  It is deterministic (the same inputs give the very same node, see
`ad.symbolic.expr`) and applies, at the node being built only (arguments are already simple):

- constant folding: an op of constants is its value (computed by the op's NumPy impl);
- identities: x + x = 2 * x (exact in floating point too), x + 0 = x, x - 0 = x, 0 - x = -x, x * 1 = x, x / 1 = x, x ** 1 = x,
  x ** 0 = 1, -(-x) = x, +x = x, and of a real expression (no complex constant in it)
  real(x) = conj(x) = x and imag(x) = 0;
- annihilation: x * 0 = 0, 0 / x = 0, x - x = 0;
- signs: x + (-y) = x - y, (-x) + y = y - x, x - (-y) = x + y, (-x) * y = x * (-y) = -(x * y),
  -(c * x) = (-c) * x, a negative factor in a sum becomes a subtraction;
- numeric factors collected in front: x * c = c * x, c1 * (c2 * x) = (c1 c2) * x, -1 * x = -x;
- logic: a and a = a, a and False = False, a and True = a (or likewise), and
  where(True, a, b) = a, where(c, a, a) = a;
- shape ops that do nothing to a number (sum_to, broadcast_to, unbroadcast to a number's shape).

Every rewrite keeps the value in real arithmetic, for finite values: x * 0 = 0 and x - x = 0
assume x is not inf or nan (as algebra by hand does), and combining numeric factors rounds
once where NumPy would round twice (a difference in the last bit at most).  Symbols stand for
real numbers; an expression is complex only where a complex constant enters it.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from .expr import Const, Expr, Node

__all__ = ["build"]

_SHAPE_IDENTITIES = {"sum_to", "broadcast_to", "unbroadcast", "cotangent_of"}
_REAL_IDENTITIES = {"real", "conj"}


def _number(e: Expr):
    """The scalar value of a constant expression, else None."""
    if isinstance(e, Const) and isinstance(e.value, (bool, int, float)):
        return e.value
    return None


def _is(e: Expr, value) -> bool:
    number = _number(e)
    return number is not None and not isinstance(number, bool) and number == value


def _fold(op, args, params):
    with np.errstate(all="ignore"):
        value = op.compute([a.value for a in args], params)
    return Const(value)


def _neg(x: Expr) -> Expr:
    return build(ops.neg, (x,), {})


def _mul(a: Expr, b: Expr) -> Expr:
    return build(ops.mul, (a, b), {})


def _is_negative_term(e: Expr) -> bool:
    """-x, or c * x with c < 0: a term that reads better as a subtraction."""
    if e.op is ops.neg:
        return True
    if e.op is ops.mul:
        c = _number(e.args[0])
        return c is not None and not isinstance(c, bool) and c < 0
    return False


def _negated(e: Expr) -> Expr:
    """-e for a term `_is_negative_term` accepts, without a new negation."""
    return e.args[0] if e.op is ops.neg else _mul(Const(-e.args[0].value), e.args[1])


def build(op, args, params) -> Expr:
    """The op applied to expressions, simplified (see the module docstring).

    >>> from ad.symbolic import symbols
    >>> x, y = symbols("x y")
    >>> str(build(ops.add, (x, build(ops.mul, (Const(-2.0), y), {})), {}))
    'x - 2*y'
    """
    args = tuple(args)
    name = op.name
    if params and name not in _SHAPE_IDENTITIES:
        return Node.make(op, args, params)
    if all(isinstance(a, Const) for a in args) and args:
        return _fold(op, args, params)
    rule = _RULES.get(name)
    if rule is not None:
        simpler = rule(*args)
        if simpler is not None:
            return simpler
    return Node.make(op, args, params)


def _add(x, y):
    if x is y:
        return _mul(Const(2.0), x)
    if _is(y, 0):
        return x
    if _is(x, 0):
        return y
    if _is_negative_term(y):
        return build(ops.sub, (x, _negated(y)), {})
    if _is_negative_term(x):
        return build(ops.sub, (y, _negated(x)), {})
    return None


def _sub(x, y):
    if x is y:
        return Const(0.0)
    if _is(y, 0):
        return x
    if _is(x, 0):
        return _neg(y)
    if _is_negative_term(y):
        return build(ops.add, (x, _negated(y)), {})
    return None


def _mul_rule(x, y):
    if _is(x, 0) or _is(y, 0):
        return Const(0.0)
    if _is(y, 1):
        return x
    if _is(x, 1):
        return y
    if _is(x, -1):
        return _neg(y)
    if _is(y, -1):
        return _neg(x)
    if x.op is ops.neg:
        return _neg(_mul(x.args[0], y))
    if y.op is ops.neg:
        return _neg(_mul(x, y.args[0]))
    cx, cy = _number(x), _number(y)
    if cy is not None and cx is None:  # numeric factors in front
        return _mul(y, x)
    if cx is not None and y.op is ops.mul and _number(y.args[0]) is not None:
        return _mul(Const(cx * y.args[0].value), y.args[1])
    if cx is None and x.op is ops.mul and _number(x.args[0]) is not None:  # (c * a) * b = c * (a * b)
        return _mul(x.args[0], _mul(x.args[1], y))
    return None


def _div(x, y):
    if _is(y, 1):
        return x
    if _is(x, 0):
        return Const(0.0)
    if x.op is ops.neg:
        return _neg(build(ops.div, (x.args[0], y), {}))
    return None


def _pow(x, y):
    if _is(y, 1):
        return x
    if _is(y, 0):
        return Const(1.0)
    return None


def _neg_rule(x):
    if x.op is ops.neg:
        return x.args[0]
    if x.op is ops.mul and _number(x.args[0]) is not None:
        return _mul(Const(-x.args[0].value), x.args[1])
    if x.op is ops.sub:  # -(a - b) = b - a
        return build(ops.sub, (x.args[1], x.args[0]), {})
    return None


def _logical_and(a, b):
    if a is b:
        return a
    for known, other in ((_number(a), b), (_number(b), a)):
        if known is not None:
            return other if known else Const(False)
    return None


def _logical_or(a, b):
    if a is b:
        return a
    for known, other in ((_number(a), b), (_number(b), a)):
        if known is not None:
            return Const(True) if known else other
    return None


def _where(condition, a, b):
    if a is b:
        return a
    known = _number(condition)
    if known is not None:
        return a if known else b
    return None


def _identity(x, *rest):
    return x


def _real_part(x):
    return None if x._is_complex() else x


def _imaginary_part(x):
    return None if x._is_complex() else Const(0.0)


_RULES = {"add": _add, "sub": _sub, "mul": _mul_rule, "div": _div, "pow": _pow, "neg": _neg_rule,
          "logical_and": _logical_and, "logical_or": _logical_or, "where": _where,
          "positive": _identity, "imag": _imaginary_part, **dict.fromkeys(_REAL_IDENTITIES, _real_part),
          **dict.fromkeys(_SHAPE_IDENTITIES, _identity)}
