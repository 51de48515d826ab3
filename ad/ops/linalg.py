"""Matrix products: `matmul` (NumPy's `@`, with batching and 1-D operands) and `dot`.

The 1-D cases follow NumPy: a 1-D left operand is a row vector, a 1-D right operand a
column vector, and the added axis is dropped again.  Batch axes broadcast; their
cotangents are summed back by the registry like any other broadcast.
"""

import operator

import numpy as np

from .core import defop, ndim_of
from .domain import Case, Domain, Real
from .elementwise import mul
from .reductions import sum
from .shape import expand_dims, squeeze, swapaxes


def _matmul_vjp_a(g, out, a, b):
    if ndim_of(b) == 1:  # (..., n) @ (n,): each output row saw all of b
        return mul(expand_dims(g, -1), b)
    if ndim_of(a) == 1:  # (n,) @ (..., n, k)
        return squeeze(matmul(b, expand_dims(g, -1)), -1)
    return matmul(g, swapaxes(b, -1, -2))


def _matmul_vjp_b(g, out, a, b):
    if ndim_of(a) == 1 and ndim_of(b) == 1:  # inner product
        return mul(g, a)
    if ndim_of(a) == 1:  # (n,) @ (..., n, k): outer product of a with g
        return mul(expand_dims(a, -1), expand_dims(g, -2))
    if ndim_of(b) == 1:  # (..., m, n) @ (n,)
        return sum(mul(a, expand_dims(g, -1)), -2)
    return matmul(swapaxes(a, -1, -2), g)


_MATMUL_CASES = tuple(Case(shapes, {}) for shapes in (
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 2)), ((2, 3), (2, 3, 4)), ((1, 2, 3), (2, 3, 2)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,)),
))

matmul = defop(
    "matmul", np.matmul,
    nin=2,
    jvp=(lambda t, out, a, b: matmul(t, b),
         lambda t, out, a, b: matmul(a, t)),
    vjp=(_matmul_vjp_a,
         _matmul_vjp_b),
    domain=Domain((Real(), Real()), _MATMUL_CASES), aliases=(np.matmul, operator.matmul), holomorphic=True,
    doc="Matrix product a @ b (NumPy semantics: batching, 1-D operands).\n\n"
        ">>> matmul(np.eye(2), np.array([1.0, 2.0]))\narray([1., 2.])")


def _dot(a, b):
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        raise ValueError("dot: arrays with more than 2 dimensions are not supported; use matmul")
    return np.dot(a, b)


def _dot_rule(kind, i):
    """dot is mul when an operand is a scalar and matmul otherwise; reuse their rules."""
    def rule(t, out, a, b):
        op = mul if ndim_of(a) == 0 or ndim_of(b) == 0 else matmul
        return getattr(op, kind)[i](t, out, a, b)
    return rule


dot = defop(
    "dot", _dot, nin=2,
    jvp=(_dot_rule("jvp", 0), _dot_rule("jvp", 1)),
    vjp=(_dot_rule("vjp", 0), _dot_rule("vjp", 1)),
    domain=Domain((Real(), Real()), tuple(Case(s, {}) for s in (
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((), (2, 3)), ((3,), ())))),
    aliases=(np.dot,), holomorphic=True,
    doc="np.dot for operands of at most 2 dimensions (a scalar operand multiplies).\n\n"
        ">>> float(dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))\n11.0")
