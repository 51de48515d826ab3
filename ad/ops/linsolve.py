"""Linear algebra without a factorisation in the result: `trace` (and np.linalg's `trace` and
`matrix_transpose`), `inv`, `solve`, `det`, `slogdet`, `matrix_power` and `pinv`, on stacks of
matrices as NumPy has them.

The rules stay matrix-shaped, never a dense Jacobian: `inv`'s reuses its output, `solve`'s
solves with the transposed matrix, `det`'s scales the inverse's transpose by the output.
`mT` is the transpose of the last two axes (a stack of matrices transposes matrix by matrix).
"""

import inspect

import numpy as np

from ..errors import NotDifferentiableError
from .constant import zeros_like
from .core import defop, ndim_of, shape_of
from .multi import Multi, register_multi
from .domain import Case, Domain, Real
from .elementwise import add, mul, neg, sub
from .linalg import matmul, matmul_vjp_a, ranked_matmul
from .reductions import sum
from .shape import concatenate, expand_dims, getitem, swapaxes

mT = lambda x: swapaxes(x, -1, -2)  # noqa: E731  (inlined into the rules by adsct)


def real_only(fn, name: str):
    """fn, refusing complex input: its rules are those of a real function (not holomorphic).

    >>> real_only(np.abs, "abs")(np.array([1j]))
    Traceback (most recent call last):
    ...
    ad.errors.NotDifferentiableError: abs of a complex array has no derivative rule here (only real arrays)
    """
    def checked(a, *args, **kwargs):
        if np.iscomplexobj(a):
            raise NotDifferentiableError(f"{name} of a complex array has no derivative rule here (only real arrays)")
        return fn(a, *args, **kwargs)
    checked.__signature__ = inspect.signature(fn)
    return checked


def conditioned(*matrices, bound: float = 30.0) -> bool:
    """True when every (square) matrix among the inputs has a condition number below `bound`
    and no singular value below 1/bound: the domain of the ops that invert, where finite
    differences are accurate (a 1x1 matrix has condition number 1 however near 0 it is).

    >>> conditioned(np.eye(2)), conditioned(np.ones((2, 2))), conditioned(np.array([[0.01]]))
    (True, False, False)
    """
    for a in matrices:
        a = np.asarray(a, dtype=np.float64)
        if a.ndim >= 2 and a.shape[-1] == a.shape[-2]:
            singular_values = np.linalg.svd(a, compute_uv=False)
            smallest, largest = singular_values[..., -1], singular_values[..., 0]
            if not (np.all(smallest > 1.0 / bound) and np.all(largest < bound * smallest)):
                return False
    return True


# The square shapes the property tests use: one matrix, a stack, and a 1x1.
_SQUARE = ((3, 3), (2, 3, 3), (1, 1))
_WELL_CONDITIONED = lambda cases: Domain((Real(-2.0, 2.0),), cases, valid=lambda a, **_: conditioned(a))  # noqa: E731


# -- trace: a reduction over two axes, and the linear op its VJP is ---------------------------------

def _trace_vjp(g, x, offset=0, axis1=0, axis2=1):
    """g spread on the `offset` diagonal of an array shaped like x over axes (axis1, axis2)."""
    shape = shape_of(x)
    axis1, axis2 = axis1 % len(shape), axis2 % len(shape)
    eye = np.eye(shape[axis1], shape[axis2], k=offset, dtype=bool)
    if axis1 > axis2:  # (the mask's rows run along axis1)
        eye = eye.T
    eye_shape = [1] * len(shape)
    eye_shape[axis1], eye_shape[axis2] = shape[axis1], shape[axis2]
    g = np.expand_dims(np.asarray(g), tuple(sorted((axis1, axis2))))
    return np.where(eye.reshape(eye_shape), g, np.zeros((), dtype=np.result_type(g)))


_TRACE_CASES = (Case(((3, 3),), {}), Case(((2, 3),), {"offset": 1}), Case(((2, 3, 4),), {"axis1": 1, "axis2": 2}),
                Case(((3, 2, 3),), {"axis1": -1, "axis2": 0, "offset": -1}))

trace = defop(
    "trace", lambda x, offset=0, axis1=0, axis2=1: np.trace(x, offset, axis1, axis2),
    jvp=(lambda t, out, x, offset=0, axis1=0, axis2=1: trace(t, offset, axis1, axis2),),
    vjp=(lambda g, out, x, offset=0, axis1=0, axis2=1: trace_vjp(g, x, offset, axis1, axis2),),
    domain=Domain((Real(),), _TRACE_CASES), aliases=(np.trace,), holomorphic=True,
    doc="np.trace: the sum of a diagonal (axes 0 and 1 by default, as in NumPy).\n\n"
        ">>> float(trace(np.arange(4.0).reshape(2, 2)))\n3.0")

trace_vjp = defop(
    "trace_vjp", _trace_vjp, nin=2,
    jvp=(lambda t, out, g, x, offset=0, axis1=0, axis2=1: trace_vjp(t, x, offset, axis1, axis2), None),
    vjp=(lambda h, out, g, x, offset=0, axis1=0, axis2=1: trace(h, offset, axis1, axis2), None),  # x: its shape
    domain=Domain((Real(), Real()), (Case(((), (3, 3)), {}), Case(((), (2, 3)), {"offset": 1, "axis1": 1, "axis2": 0}),
                                     Case(((3,), (2, 3, 3)), {"axis1": 1, "axis2": 2}))),
    holomorphic=True,
    doc="The cotangent of trace: g on the diagonal of an array shaped like x, zero elsewhere.\n\n"
        ">>> trace_vjp(2.0, np.zeros((2, 2)))\narray([[2., 0.],\n       [0., 2.]])")


matrix_trace = defop(
    "matrix_trace", lambda x, offset=0: np.trace(x, offset, -2, -1),
    jvp=(lambda t, out, x, offset=0: trace(t, offset, -2, -1),),
    vjp=(lambda g, out, x, offset=0: trace_vjp(g, x, offset, -2, -1),),
    domain=Domain((Real(),), (Case(((3, 3),), {}), Case(((2, 3, 2),), {"offset": -1}))),
    aliases=(np.linalg.trace,), holomorphic=True,
    doc="np.linalg.trace: the trace of each matrix in the last two axes.\n\n"
        ">>> matrix_trace(np.stack([np.eye(2), 2 * np.eye(2)]))\narray([2., 4.])")

matrix_transpose = defop(
    "matrix_transpose", lambda x: np.swapaxes(x, -1, -2),
    jvp=(lambda t, out, x: matrix_transpose(t),), vjp=(lambda g, out, x: matrix_transpose(g),),
    domain=Domain((Real(),), (Case(((2, 3),), {}), Case(((2, 3, 2),), {}))),
    aliases=(np.linalg.matrix_transpose,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="np.linalg.matrix_transpose: each matrix in the last two axes transposed.\n\n"
        ">>> matrix_transpose(np.array([[1.0, 2.0]]))\narray([[1.],\n       [2.]])")


# -- inverse and solve -----------------------------------------------------------------------------

inv = defop(
    "inv", np.linalg.inv,
    jvp=(lambda t, out, a: neg(matmul(out, matmul(t, out))),),
    vjp=(lambda g, out, a: neg(matmul(mT(out), matmul(g, mT(out)))),),
    domain=_WELL_CONDITIONED(tuple(Case((s,), {}) for s in _SQUARE)), aliases=(np.linalg.inv,), holomorphic=True,
    doc="np.linalg.inv, on a matrix or a stack of them.\n\n>>> inv(np.diag([2.0, 4.0]))\n"
        "array([[0.5 , 0.  ],\n       [0.  , 0.25]])")


def _solve(a, b, vector=None):
    if vector is None or vector == (np.ndim(b) == 1):
        return np.linalg.solve(a, b)
    if vector:  # a stack of vectors (the rules' cotangents of a 1-D b broadcast against a stack of matrices)
        return np.linalg.solve(a, np.asarray(b)[..., None])[..., 0]
    raise ValueError("solve: a 1-D b is a vector")


def _vector(b_ndim: int, vector=None) -> bool:
    """Whether b is one vector per matrix: NumPy's rule is b.ndim == 1; the rules pass it on, as the
    cotangent of a vector b solved against a stack of matrices is a stack of vectors."""
    return b_ndim == 1 if vector is None else bool(vector)


def _rank(b_ndim: int, out_ndim: int, vector=None) -> int:
    """The rank solve's output stands for in a product (1: vectors; see ranked_matmul)."""
    return 1 if _vector(b_ndim, vector) else out_ndim


solve = defop(
    "solve", _solve, nin=2,
    jvp=(lambda t, out, a, b, vector=None: neg(solve(a, ranked_matmul(t, out, ndim_of(a), _rank(ndim_of(b), ndim_of(out), vector)),
                                                     _vector(ndim_of(b), vector))),
         lambda t, out, a, b, vector=None: solve(a, t, _vector(ndim_of(b), vector))),
    vjp=(lambda g, out, a, b, vector=None: neg(matmul_vjp_a(solve(mT(a), g, _vector(ndim_of(b), vector)), out, ndim_of(a),
                                                            _rank(ndim_of(b), ndim_of(out), vector))),
         lambda g, out, a, b, vector=None: solve(mT(a), g, _vector(ndim_of(b), vector))),
    domain=Domain((Real(-2.0, 2.0), Real()), tuple(Case(s, p) for s, p in (
        (((3, 3), (3,)), {}), (((3, 3), (3, 2)), {}), (((2, 3, 3), (2, 3, 2)), {}), (((2, 3, 3), (2, 3)), {"vector": True}),
        (((2, 3, 3), (3,)), {}), (((2, 3, 3), (3, 2)), {}))),
        valid=lambda a, b, **_: conditioned(a)),
    aliases=(np.linalg.solve,), holomorphic=True,
    doc="np.linalg.solve: x with a @ x = b (b a vector when 1-D, else a stack of matrices; `vector=True` "
        "makes it a stack of vectors, as the rules need).\n\n"
        ">>> solve(np.diag([2.0, 4.0]), np.array([1.0, 1.0]))\narray([0.5 , 0.25])")


# -- determinants -------------------------------------------------------------------------------

# The derivative of log|det a| is inv(a)^T; of det a, det a times that.
_scaled_inverse_transpose = lambda g, a: mul(expand_dims(expand_dims(g, -1), -1), mT(inv(a)))  # noqa: E731

det = defop(
    "det", np.linalg.det,
    jvp=(lambda t, out, a: mul(out, sum(mul(mT(inv(a)), t), axis=(-2, -1))),),
    vjp=(lambda g, out, a: _scaled_inverse_transpose(mul(g, out), a),),
    domain=_WELL_CONDITIONED(tuple(Case((s,), {}) for s in _SQUARE)), aliases=(np.linalg.det,), holomorphic=True,
    doc="np.linalg.det, on a matrix or a stack of them.\n\n>>> float(det(np.diag([2.0, 3.0])))\n6.0")

slogdet_logabsdet = defop(
    "slogdet_logabsdet", real_only(lambda a: np.linalg.slogdet(a)[1], "np.linalg.slogdet"),
    jvp=(lambda t, out, a: sum(mul(mT(inv(a)), t), axis=(-2, -1)),),
    vjp=(lambda g, out, a: _scaled_inverse_transpose(g, a),),
    domain=_WELL_CONDITIONED(tuple(Case((s,), {}) for s in _SQUARE)),
    doc="log|det a|, the second output of np.linalg.slogdet.\n\n"
        ">>> float(slogdet_logabsdet(np.diag([-1.0, np.e])))\n1.0")

slogdet_sign = defop(
    "slogdet_sign", lambda a: np.linalg.slogdet(a)[0], differentiable=False,
    domain=Domain((Real(),), tuple(Case((s,), {}) for s in _SQUARE)),
    doc="The sign of det a, the first output of np.linalg.slogdet (piecewise constant: no derivative).\n\n"
        ">>> float(slogdet_sign(np.diag([-1.0, 2.0])))\n-1.0")

register_multi(Multi("slogdet", (slogdet_sign, slogdet_logabsdet), aliases=(np.linalg.slogdet,),
                     result=type(np.linalg.slogdet(np.eye(1))),
                     doc="np.linalg.slogdet: (sign, log|det|), each an op (the sign has no derivative)."))


# -- matrix_power -------------------------------------------------------------------------------
# For an analytic matrix function f, f([[a, t], [0, a]]) = [[f(a), Df(a)[t]], [0, f(a)]]: the
# tangent is the corner of the power of a block matrix (log2(n) products of twice the size, also
# for negative n).  Powers have real coefficients, so the VJP is Df(a^T)[g].

def _corner_index(shape) -> tuple:
    """The index of the top-right n x n block of a stack of 2n x 2n matrices (n = shape[-1])."""
    n = shape[-1]
    return (Ellipsis, slice(None, n), slice(n, None))


_corner = lambda x, shape: getitem(x, _corner_index(shape))  # noqa: E731
_block = lambda a, t: concatenate([concatenate([a, t], axis=-1),  # noqa: E731
                                   concatenate([zeros_like(a), a], axis=-1)], axis=-2)

matrix_power = defop(
    "matrix_power", lambda a, n: np.linalg.matrix_power(a, n),
    jvp=(lambda t, out, a, n: _corner(matrix_power(_block(a, t), n), shape_of(a)),),
    vjp=(lambda g, out, a, n: _corner(matrix_power(_block(mT(a), g), n), shape_of(a)),),
    domain=Domain((Real(-1.0, 1.0),), tuple(Case((s,), {"n": n}) for s, n in (
        ((3, 3), 3), ((2, 3, 3), 2), ((3, 3), 0), ((3, 3), 1), ((3, 3), -2), ((1, 1), 5))),
        valid=lambda a, n: n >= 0 or conditioned(a)),
    aliases=(np.linalg.matrix_power,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="np.linalg.matrix_power: a @ a @ ... (n times; the inverse's powers for n < 0).\n\n"
        ">>> matrix_power(np.diag([2.0, 3.0]), 2)\narray([[4., 0.],\n       [0., 9.]])")


# -- pinv ----------------------------------------------------------------------------------------
# Smooth where the rank is constant: the domain is full-rank matrices.  With p = pinv(a):
# dp = -p da p + p p^T da^T (1 - a p) + (1 - p a) da^T p^T p.

_residual_rows = lambda x, a, p: sub(x, matmul(a, matmul(p, x)))  # (1 - a p) x  # noqa: E731
_residual_cols = lambda x, a, p: sub(x, matmul(matmul(x, p), a))  # x (1 - p a)  # noqa: E731

pinv = defop(
    "pinv", real_only(lambda a: np.linalg.pinv(a), "np.linalg.pinv"),
    jvp=(lambda t, out, a: add(neg(matmul(out, matmul(t, out))),
                               add(matmul(matmul(out, mT(out)), mT(_residual_rows(t, a, out))),
                                   matmul(mT(_residual_cols(t, a, out)), matmul(mT(out), out)))),),
    vjp=(lambda g, out, a: add(neg(matmul(mT(out), matmul(g, mT(out)))),
                               add(_residual_rows(matmul(mT(g), matmul(out, mT(out))), a, out),
                                   _residual_cols(matmul(matmul(mT(out), out), mT(g)), a, out))),),
    domain=Domain((Real(-2.0, 2.0),), tuple(Case((s,), {}) for s in ((3, 2), (2, 3), (3, 3), (2, 3, 2))),
                  valid=lambda a: _full_rank(a)),
    aliases=(np.linalg.pinv,),
    doc="np.linalg.pinv, the pseudo-inverse, differentiable where the rank does not change (full rank).\n\n"
        ">>> pinv(np.array([[2.0, 0.0]]))\narray([[0.5],\n       [0. ]])")


def _full_rank(a, bound: float = 30.0) -> bool:
    s = np.linalg.svd(np.asarray(a, dtype=np.float64), compute_uv=False)
    return bool(np.all(s[..., -1] * bound > s[..., 0]))
