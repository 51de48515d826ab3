"""Reductions over axes (`sum`, `mean`, `prod`, `max`, `min`, `logsumexp`) and the
normalisations `softmax` and `log_softmax`.

A reduction's VJP spreads the output's cotangent back over the reduced axes: `restore_axes`
puts the reduced axes back (as length 1), and `unreduce` broadcasts to the input's shape.
"""

import math

import numpy as np

from .constant import float_dtype
from .core import defop, shape_of
from .domain import Case, Domain, Kink, Real, axis_cases, distinct_extremes, reduction_cases
from .elementwise import div, exp, mul, sub, where
from .shape import broadcast_to, expand_dims, reshape, transpose


def _normalise_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes) if ndim else ()


def _kept_shape(shape, axis):
    """The shape a reduction over `axis` has with keepdims=True."""
    axes = _normalise_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape, axis) -> float:
    """How many entries each output of a reduction over `axis` sums."""
    return float(math.prod([shape[a] for a in _normalise_axes(axis, len(shape))]))


def _restore_axes(y, x, axis=None, keepdims=False):
    if keepdims or not shape_of(y):  # a scalar broadcasts against anything as it is
        return y
    kept = _kept_shape(shape_of(x), axis)
    return y if shape_of(y) == kept else np.reshape(y, kept)


# (the shape of a reduction's result (or its cotangent), the shape of x; the reduction's parameters)
_REDUCED_CASES = (Case(((2,), (2, 3)), {"axis": 1}), Case(((3,), (2, 3)), {"axis": 0}), Case(((), (2, 3)), {}),
                  Case(((2, 1), (2, 3)), {"axis": 1, "keepdims": True}), Case(((2,), (2, 3, 4)), {"axis": (1, -1)}))

restore_axes = defop(
    "restore_axes", _restore_axes, nin=2,
    jvp=(lambda t, out, y, x, axis=None, keepdims=False: restore_axes(t, x, axis, keepdims), None),
    vjp=(lambda g, out, y, x, axis=None, keepdims=False: reshape(g, shape_of(y)), None),  # x: only its shape
    domain=Domain((Real(), Real()), _REDUCED_CASES),
    holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="The result y of a reduction of x over `axis`, with the reduced axes put back as length 1, so "
        "that it broadcasts against x (reduction rules spread cotangents with it).\n\n"
        ">>> restore_axes(np.ones(2), np.ones((2, 3)), axis=1).shape\n(2, 1)")


def _unreduce(g, x, axis=None, keepdims=False):
    kind = type(g)
    if (kind is float or kind is np.float64) and type(x) is np.ndarray and x.ndim:  # a full reduction's cotangent: one fill
        spread = np.empty(x.shape)
        spread.fill(g)
        return spread
    return broadcast_to.impl(_restore_axes(g, x, axis, keepdims), shape_of(x))


unreduce = defop(
    "unreduce", _unreduce,
    nin=2,
    jvp=(lambda t, out, g, x, axis=None, keepdims=False: unreduce(t, x, axis, keepdims), None),
    vjp=(lambda h, out, g, x, axis=None, keepdims=False: sum(h, axis, keepdims), None),  # x: only its shape
    domain=Domain((Real(), Real()), _REDUCED_CASES),
    holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="The cotangent g of a reduction of x over `axis` spread back over x's shape (the VJP of sum).\n\n"
        ">>> unreduce(np.array([1.0, 2.0]), np.zeros((2, 3)), axis=1)\narray([[1., 1., 1.],\n       [2., 2., 2.]])")


def _tie_share_weights(x, out, axis=None, keepdims=False):
    x = np.asarray(x)
    out = _restore_axes(np.asarray(out), x, axis, keepdims)
    share = np.equal(x, out).astype(float_dtype(x))
    count = np.add.reduce(share, axis=axis, keepdims=True)
    if (count != 1.0).any():  # ties split evenly; no hit at all means the result is nan: so is its derivative
        share = np.where(count == 0.0, np.asarray(np.nan, share.dtype), share / np.maximum(count, 1.0))
    return share if share.ndim else share[()]


# Piecewise constant in x, so a constant op: one NumPy function instead of four op calls in
# every max/min VJP, and higher derivatives through it are zero as they should be.
tie_share = defop(
    "tie_share", _tie_share_weights, nin=2, differentiable=False,
    domain=Domain((Real(), Real()), (Case(((2, 3), (2, 1)), {"axis": 1, "keepdims": True}),)),
    doc="Weights of a max/min reduction over `axis` whose result is `out`: 1 at the extreme "
        "entry, split evenly between ties, nan over a lane whose result is nan.\n\n"
        ">>> tie_share(np.array([1.0, 3.0, 3.0]), 3.0)\narray([0. , 0.5, 0.5])")


def _reducer(ufunc, fallback):
    """`fallback` (np.sum, np.max, ...) through the ufunc's C-level `reduce` for float arrays:
    NumPy's Python wrapper costs more than the work on the small arrays of reduction rules."""
    def reduce(x, axis=None, keepdims=False):
        if type(x) is np.ndarray and x.dtype.kind == "f":
            return ufunc.reduce(x, axis=axis, keepdims=keepdims)
        return fallback(x, axis=axis, keepdims=keepdims)
    return reduce


def _reduction(name, impl, jvp, vjp, *, values=Real(), valid=None, aliases=(), holomorphic=True, doc="", kinks=()):
    return defop(name, impl, jvp=(jvp,), vjp=(vjp,), domain=Domain((values,), reduction_cases(), valid=valid),
                 aliases=aliases, holomorphic=holomorphic, doc=doc, kinks=kinks)


sum = _reduction(
    "sum", _reducer(np.add, np.sum),
    lambda t, out, x, axis=None, keepdims=False: sum(t, axis, keepdims),
    lambda g, out, x, axis=None, keepdims=False: unreduce(g, x, axis, keepdims),
    aliases=(np.sum,), doc="Sum over `axis` (all axes when None).\n\n>>> float(sum(np.ones((2, 3))))\n6.0")

_FLOAT64, _FLOAT32 = np.dtype(np.float64), np.dtype(np.float32)


def _mean(x, axis=None, keepdims=False):
    if type(x) is np.ndarray and (x.dtype is _FLOAT64 or x.dtype is _FLOAT32):  # np.mean's sum and division, without its wrapper
        return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x.shape, axis)
    return np.mean(x, axis=axis, keepdims=keepdims)


mean = _reduction(
    "mean", _mean,
    lambda t, out, x, axis=None, keepdims=False: mean(t, axis, keepdims),
    lambda g, out, x, axis=None, keepdims=False: div(unreduce(g, x, axis, keepdims), _count(shape_of(x), axis)),
    aliases=(np.mean,), doc="Mean over `axis`.\n\n>>> float(mean(np.array([1.0, 3.0])))\n2.0")

# -- prod: its derivative without dividing by x (exact at zero entries, to any order) ---------

def _prod_others(x):
    x = np.asarray(x)
    if x.shape[-1] == 0:
        return x.copy()
    ones = np.ones_like(x[..., :1])
    before = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)  # exclusive scans:
    after = np.cumprod(np.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]  # no division
    return before * after


def _off_diagonal(shape):
    """True off the diagonal of the (n, n) pairs of a last axis of length n (from x's shape
    only, so generated code sees a constant)."""
    return ~np.eye(shape[-1], dtype=bool)


# The products leaving out two entries i != j, and 0 for i == j (the Hessian of prod over the
# last axis): prod_others of x with entry i set to 1, in row i.
_pair_products = lambda x: where(_off_diagonal(shape_of(x)), prod_others(where(_off_diagonal(shape_of(x)), expand_dims(x, -2), 1.0)), 0.0)  # noqa: E731

# Symmetric (a Hessian), so one rule serves forward and reverse.
_prod_others_rule = (lambda t, out, x: sum(mul(_pair_products(x), expand_dims(t, -2)), -1),)

prod_others = defop(
    "prod_others", _prod_others, jvp=_prod_others_rule, vjp=_prod_others_rule,
    domain=Domain((Real(),), (Case(((3,),), {}), Case(((1,),), {}), Case(((2, 3),), {}), Case(((2, 3, 2),), {}))),
    holomorphic=True,
    doc="For each entry along the last axis, the product of the other entries of its row: the "
        "derivative of prod, formed without division, so exact at zero entries.\n\n"
        ">>> prod_others(np.array([0.0, 2.0, 3.0]))\narray([6., 0., 0.])")


def _lanes_axes(ndim, axis):
    """The permutation putting the reduced axes last."""
    reduced = _normalise_axes(axis, ndim)
    return tuple(a for a in range(ndim) if a not in reduced) + reduced


def _lanes_shape(shape, axis):
    """x's shape with its reduced axes moved last and joined into one."""
    reduced = _normalise_axes(axis, len(shape))
    return tuple(n for a, n in enumerate(shape) if a not in reduced) + (int(np.prod([shape[a] for a in reduced])),)


def _permuted_shape(shape, axis):
    return tuple(shape[a] for a in _lanes_axes(len(shape), axis))


def _inverse(axes):
    return tuple(int(a) for a in np.argsort(axes))


# prod_others over any reduced axes: move them last as one axis, and back.
_others_in_lanes = lambda x, axis: transpose(reshape(prod_others(reshape(transpose(x, _lanes_axes(len(shape_of(x)), axis)), _lanes_shape(shape_of(x), axis))), _permuted_shape(shape_of(x), axis)), _inverse(_lanes_axes(len(shape_of(x)), axis)))  # noqa: E731

prod = _reduction(
    "prod", lambda x, axis=None, keepdims=False: np.prod(x, axis=axis, keepdims=keepdims),
    lambda t, out, x, axis=None, keepdims=False: sum(mul(t, _others_in_lanes(x, axis)), axis, keepdims),
    lambda g, out, x, axis=None, keepdims=False: mul(restore_axes(g, x, axis, keepdims), _others_in_lanes(x, axis)),
    values=Real(-2.0, 2.0), aliases=(np.prod,),
    doc="Product over `axis`; its derivative is the product of the other entries (`prod_others`), "
        "exact at zeros.\n\n>>> float(prod(np.array([2.0, 3.0])))\n6.0")

def _extreme(name, ufunc, fallback, aliases, doc, kinks):
    """max or min over `axis`: the derivative goes to the extreme entries, ties share it."""
    return _reduction(
        name, _reducer(ufunc, fallback),
        lambda t, out, x, axis=None, keepdims=False: sum(mul(t, tie_share(x, out, axis, keepdims)), axis, keepdims),
        lambda g, out, x, axis=None, keepdims=False: mul(restore_axes(g, x, axis, keepdims), tie_share(x, out, axis, keepdims)),
        valid=distinct_extremes, aliases=aliases, holomorphic=False, doc=doc, kinks=kinks)


_TIED = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])  # a tie of two in one row, of three in the other

max = _extreme("max", np.maximum, np.max, (np.max, np.amax),
               "Largest entry over `axis`; tied maxima share the derivative evenly.\n\n"
               ">>> float(max(np.array([1.0, 3.0, 2.0])))\n3.0",
               kinks=(Kink((_TIED,), (np.array([[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]),)),
                      Kink((_TIED,), (np.array([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]),), {"axis": 1})))
min = _extreme("min", np.minimum, np.min, (np.min, np.amin),
               "Smallest entry over `axis`; tied minima share the derivative evenly.\n\n"
               ">>> float(min(np.array([1.0, 3.0, 2.0])))\n1.0",
               kinks=(Kink((-_TIED,), (np.array([[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]),)),
                      Kink((-_TIED,), (np.array([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]),), {"axis": 1})))


def _logsumexp(x, axis=None, keepdims=False):
    # Shift by the (real) maximum so exp never overflows; any shift gives the same value,
    # so the result stays analytic and complex-step still works.
    x = np.asarray(x)
    shift = np.max(np.real(x), axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    total = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    return total if keepdims else np.squeeze(total, axis=axis)


_softmax_weights = lambda x, out, axis, keepdims: exp(sub(x, restore_axes(out, x, axis, keepdims)))  # noqa: E731


logsumexp = _reduction(
    "logsumexp", _logsumexp,
    lambda t, out, x, axis=None, keepdims=False: sum(mul(t, _softmax_weights(x, out, axis, keepdims)), axis, keepdims),
    lambda g, out, x, axis=None, keepdims=False: mul(restore_axes(g, x, axis, keepdims), _softmax_weights(x, out, axis, keepdims)),
    doc="log(sum(exp(x))) over `axis`, without overflow.\n\n"
        ">>> round(float(logsumexp(np.array([0.0, 0.0]))), 4)\n0.6931")


def _softmax(x, axis=-1):
    z = np.exp(x - np.max(np.real(x), axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


# softmax's Jacobian is symmetric, so one rule serves forward and reverse: s * (t - <s, t>).
_softmax_rule = (lambda t, out, x, axis=-1: mul(out, sub(t, sum(mul(out, t), axis, True))),)

softmax = defop(
    "softmax", _softmax, jvp=_softmax_rule, vjp=_softmax_rule,
    domain=Domain((Real(),), axis_cases()), holomorphic=True,
    doc="exp(x) / sum(exp(x)) along `axis`, without overflow.\n\n"
        ">>> softmax(np.array([0.0, 0.0]))\narray([0.5, 0.5])")

log_softmax = defop(
    "log_softmax", lambda x, axis=-1: x - _logsumexp(x, axis=axis, keepdims=True),
    jvp=(lambda t, out, x, axis=-1: sub(t, sum(mul(exp(out), t), axis, True)),),
    vjp=(lambda g, out, x, axis=-1: sub(g, mul(exp(out), sum(g, axis, True))),),
    domain=Domain((Real(),), axis_cases()), holomorphic=True,
    doc="x - logsumexp(x) along `axis`: log-probabilities, stable.\n\n"
        ">>> log_softmax(np.array([0.0, 0.0]))\narray([-0.69314718, -0.69314718])")
