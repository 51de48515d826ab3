"""Ops without a derivative: comparisons, rounding, signs, arg-reductions, masks.

Their derivative is zero wherever it exists, so engines pass their outputs on as constants
(`differentiable=False`).  Several of them build the masks that other ops' rules use.
"""

import math
import operator

import numpy as np

from ..errors import NotDifferentiableError
from .core import defop
from .domain import Boolean, Domain, Real, axis_cases, broadcast_cases, unary_cases


def _constant(name, impl, nin=1, aliases=(), doc="", domain=None):
    return defop(name, impl, nin=nin, aliases=aliases, differentiable=False, doc=doc, domain=domain)


_ANY1 = Domain((Real(),), unary_cases())
_ANY2 = Domain((Real(), Real()), broadcast_cases(2))

def _real_sign(x):
    if np.iscomplexobj(x):  # z / |z| moves with z: treating it as a constant would be silently wrong
        raise NotDifferentiableError("numpy.sign of a complex value has a derivative (z / |z| changes with z), "
                                     "and ad has no rule for it: write z / np.abs(z)")
    return np.sign(x)


# NumPy functions whose results carry no derivative: shapes, counts, truth values, positions.
# Engines call them on plain values; what they return is a constant.
NO_DERIVATIVE = frozenset({
    np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj, np.isrealobj, np.allclose, np.array_equal,
    np.array_equiv, np.isclose, np.count_nonzero, np.nonzero, np.flatnonzero, np.argwhere, np.argsort,
    np.any, np.all, np.searchsorted, np.digitize, np.isreal, np.iscomplex, np.isneginf, np.isposinf,
    np.linalg.matrix_rank, np.shares_memory, np.may_share_memory})


sign = _constant("sign", _real_sign, aliases=(np.sign,), domain=_ANY1,
                 doc="Sign of x: -1, 0 or 1, in x's dtype (real x only: a complex sign has a derivative).\n\n"
                     ">>> sign(-2.0)\n-1.0")
floor = _constant("floor", np.floor, aliases=(np.floor, math.floor), domain=_ANY1,
                  doc="Largest integer <= x.\n\n>>> floor(2.7)\n2.0")
ceil = _constant("ceil", np.ceil, aliases=(np.ceil, math.ceil), domain=_ANY1,
                 doc="Smallest integer >= x.\n\n>>> ceil(2.1)\n3.0")
round = _constant("round", lambda x, decimals=0: np.round(x, decimals), aliases=(np.round,), domain=_ANY1,
                  doc="Round to `decimals` places (half to even).\n\n>>> round(2.5)\n2.0")

greater = _constant("greater", np.greater, 2, (np.greater, operator.gt), "x > y elementwise.\n\n>>> greater(2.0, 1.0)\nTrue", _ANY2)
greater_equal = _constant("greater_equal", np.greater_equal, 2, (np.greater_equal, operator.ge),
                          "x >= y elementwise.\n\n>>> greater_equal(1.0, 1.0)\nTrue", _ANY2)
less = _constant("less", np.less, 2, (np.less, operator.lt), "x < y elementwise.\n\n>>> less(2.0, 1.0)\nFalse", _ANY2)
less_equal = _constant("less_equal", np.less_equal, 2, (np.less_equal, operator.le),
                       "x <= y elementwise.\n\n>>> less_equal(1.0, 2.0)\nTrue", _ANY2)
equal = _constant("equal", np.equal, 2, (np.equal, operator.eq), "x == y elementwise.\n\n>>> equal(1.0, 1.0)\nTrue", _ANY2)
not_equal = _constant("not_equal", np.not_equal, 2, (np.not_equal, operator.ne),
                      "x != y elementwise.\n\n>>> not_equal(1.0, 1.0)\nFalse", _ANY2)

isfinite = _constant("isfinite", np.isfinite, aliases=(np.isfinite, math.isfinite), domain=_ANY1,
                     doc="True where x is neither infinite nor nan.\n\n>>> isfinite(1.0)\nTrue")
isnan = _constant("isnan", np.isnan, aliases=(np.isnan, math.isnan), domain=_ANY1,
                  doc="True where x is nan.\n\n>>> isnan(1.0)\nFalse")
isinf = _constant("isinf", np.isinf, aliases=(np.isinf, math.isinf), domain=_ANY1,
                  doc="True where x is infinite.\n\n>>> isinf(1.0)\nFalse")

def float_dtype(x):
    """x's dtype if it is a float type, else float64: the dtype of masks and weights made
    from x (so that float32 code stays float32).

    >>> float_dtype(np.float32(1.0)), float_dtype(3)
    (dtype('float32'), <class 'numpy.float64'>)
    """
    dtype = getattr(x, "dtype", None)
    return dtype if dtype is not None and dtype.kind == "f" else np.float64


def _step(x, y):
    x = np.asarray(x)
    dtype = float_dtype(x)
    greater = np.greater(x, y)
    share = greater.astype(dtype)
    if not (greater | np.less(x, y)).all():  # ties or nan somewhere: rare, so found in one pass first
        ties = np.equal(x, y)
        share = np.where(ties, np.asarray(0.5, dtype), share)
        unordered = np.isnan(x) | np.isnan(y)  # maximum(x, nan) is nan, and so is its derivative
        share = np.where(unordered, np.asarray(np.nan, dtype), share)
    return share if share.ndim else share[()]


step = _constant("step", _step, 2, (), "1 where x > y, 1/2 where x == y, 0 where x < y, nan where either is "
                 "nan, in x's float dtype: the derivative of maximum(x, y) in x, ties split evenly.\n\n"
                 ">>> step(np.array([-1.0, 0.0, 2.0, np.nan]), 0.0)\narray([0. , 0.5, 1. , nan])", _ANY2)

def _inside(x, a_min=None, a_max=None):
    inside = np.ones(np.shape(x), dtype=bool) if a_min is None else np.greater_equal(x, a_min)
    return inside if a_max is None else np.logical_and(inside, np.less_equal(x, a_max))


inside = _constant("inside", _inside, domain=Domain((Real(),), unary_cases(a_min=-1.0, a_max=1.0)),
                   doc="True where a_min <= x <= a_max (a bound of None is no bound): where clip passes x "
                       "through, so its derivative is 1.\n\n"
                       ">>> inside(np.array([-2.0, 0.5, 1.0]), -1.0, 1.0)\narray([False,  True,  True])")

_BOOL2 = Domain((Boolean(), Boolean()), broadcast_cases(2))
logical_and = _constant("logical_and", np.logical_and, 2, (np.logical_and,), "a and b elementwise.\n\n>>> logical_and(True, False)\nFalse", _BOOL2)
logical_or = _constant("logical_or", np.logical_or, 2, (np.logical_or,), "a or b elementwise.\n\n>>> logical_or(True, False)\nTrue", _BOOL2)
logical_not = _constant("logical_not", np.logical_not, 1, (np.logical_not,), "not a elementwise.\n\n>>> logical_not(True)\nFalse",
                        Domain((Boolean(),), unary_cases()))

argmax = _constant("argmax", lambda x, axis=None: np.argmax(x, axis=axis), aliases=(np.argmax,),
                   domain=Domain((Real(),), axis_cases()),
                   doc="Index of the largest entry (along `axis`).\n\n>>> int(argmax(np.array([1.0, 3.0, 2.0])))\n1")
argmin = _constant("argmin", lambda x, axis=None: np.argmin(x, axis=axis), aliases=(np.argmin,),
                   domain=Domain((Real(),), axis_cases()),
                   doc="Index of the smallest entry (along `axis`).\n\n>>> int(argmin(np.array([1.0, 3.0, 2.0])))\n0")

zeros_like = _constant("zeros_like", np.zeros_like, aliases=(np.zeros_like,), domain=_ANY1,
                       doc="Zeros with x's shape and dtype; constant in x.\n\n>>> zeros_like(np.ones(2))\narray([0., 0.])")
# NumPy leaves empty_like's entries unset (code writes them before reading); zeros are one such value.
empty_like = _constant("empty_like", np.zeros_like, aliases=(np.empty_like,), domain=_ANY1,
                       doc="An array with x's shape and dtype, to be filled; constant in x (its entries are\n"
                           "zeros here, where NumPy leaves whatever memory held).\n\n"
                           ">>> empty_like(np.ones(2)).shape\n(2,)")
ones_like = _constant("ones_like", np.ones_like, aliases=(np.ones_like,), domain=_ANY1,
                      doc="Ones with x's shape and dtype; constant in x.\n\n>>> ones_like(np.zeros(2))\narray([1., 1.])")


def _indicator(condition, like):
    mask = np.asarray(condition, dtype=float_dtype(like))
    unknown = np.isnan(like)
    if unknown.any():  # a kink's derivative at nan is nan, as the op's value there is
        mask = np.where(unknown, np.asarray(np.nan, mask.dtype), mask)
    return mask if mask.ndim else mask[()]


indicator = _constant("indicator", _indicator, 2, domain=Domain((Boolean(), Real()), broadcast_cases(2)),
                      doc="1.0 where `condition` holds, else 0.0, and nan where `like` is nan, in the float "
                          "dtype of `like` (so masks never promote float32 to float64): the derivative of "
                          "a piecewise-linear op of `like`.\n\n"
                          ">>> indicator(np.array([True, False]), np.float32(1))\narray([1., 0.], dtype=float32)\n"
                          ">>> indicator(np.array([True, False]), np.array([1.0, np.nan]))\narray([ 1., nan])")


def _stopped(x):
    return x.copy() if isinstance(x, np.ndarray) else x  # a copy: writing into it never changes x


stop_gradient = _constant(
    "stop_gradient", _stopped, domain=_ANY1,
    doc="x's value, treated as a constant: its derivative is zero in every strategy and at every order "
        "(JAX's stop_gradient, PyTorch's detach).  An array comes back as a copy, never a view of x.\n\n"
        ">>> stop_gradient(np.array([1.0, 2.0]))\narray([1., 2.])")
