"""Statistics: `variance` (np.var), `std`, `average` (with weights), `quantile`/`percentile`/`median`,
`nansum`, `nanmean`.

Their rules spread a reduction's cotangent back over x (`restore_axes`) times a weight of
x's shape: the deviation from the mean for var, the weights for average, and for the order
statistics a constant weight on the one or two sorted entries the result interpolates.
"""

import ast

import numpy as np

from .constant import _constant, float_dtype
from .core import Op, defop, ndim_of, register, shape_of
from .domain import Case, Domain, Real, reduction_cases
from .elementwise import div, mul, sub
from .reductions import _count, _kept_shape, _normalise_axes, mean, restore_axes, sum
from .shape import broadcast_to, reshape
from .structure import real_values


def deviation_scale(shape, axis, ddof):
    """2 / (N - ddof), N the number of entries each result of a reduction over `axis` sees.

    >>> deviation_scale((2, 3), 1, 1)
    1.0
    """
    return 2.0 / (_count(shape, axis) - ddof)


# The derivative of var(x, axis, ddof) entry by entry, 2 (x - mean) / (N - ddof), with x's shape
# (a lambda of registry ops: inlined into generated code like the rules that call it).
deviation_weights = lambda x, axis, ddof: mul(sub(x, mean(x, axis, True)), deviation_scale(shape_of(x), axis, ddof))  # noqa: E731


# (named variance: `var` is adlib's function that puts an input on its tape)
variance = defop(
    "variance", lambda x, axis=None, ddof=0, keepdims=False: np.var(real_values(x, "np.var"), axis=axis, ddof=ddof,
                                                                    keepdims=keepdims),
    jvp=(lambda t, out, x, axis=None, ddof=0, keepdims=False: sum(mul(t, deviation_weights(x, axis, ddof)), axis, keepdims),),
    vjp=(lambda g, out, x, axis=None, ddof=0, keepdims=False: mul(restore_axes(g, x, axis, keepdims),
                                                                  deviation_weights(x, axis, ddof)),),
    domain=Domain((Real(),), reduction_cases() + (Case(((2, 3),), {"axis": 1, "ddof": 1}),)),
    aliases=(np.var,),
    doc="Variance over `axis`: mean((x - mean(x))**2) * N / (N - ddof).\n\n"
        ">>> float(variance(np.array([1.0, 3.0])))\n1.0")


def _spread(x, axis=None, ddof=0, keepdims=False, gap=0.05):
    """True where std is smooth: the entries over `axis` are not all (nearly) equal."""
    return bool(np.all(np.std(x, axis=axis, ddof=ddof) >= gap))


def _reduced_size(case):
    (shape,), axis = case.shapes, case.params["axis"]
    return _count(shape, axis) if shape else 1


# d std = d var / (2 std)
std = defop(
    "std", lambda x, axis=None, ddof=0, keepdims=False: np.std(real_values(x, "np.std"), axis=axis, ddof=ddof,
                                                               keepdims=keepdims),
    jvp=(lambda t, out, x, axis=None, ddof=0, keepdims=False: div(
        sum(mul(t, deviation_weights(x, axis, ddof)), axis, keepdims), mul(out, 2.0)),),
    vjp=(lambda g, out, x, axis=None, ddof=0, keepdims=False: mul(restore_axes(div(g, mul(out, 2.0)), x, axis, keepdims),
                                                                  deviation_weights(x, axis, ddof)),),
    domain=Domain((Real(),), tuple(c for c in reduction_cases() if _reduced_size(c) > 1)
                  + (Case(((2, 3),), {"axis": 1, "ddof": 1}),), valid=_spread),
    aliases=(np.std,),
    doc="Standard deviation over `axis`: sqrt(var(x, axis, ddof)); not differentiable where all entries "
        "are equal.\n\n>>> float(std(np.array([1.0, 3.0])))\n1.0")


# -- average: sum(w x) / sum(w) over `axis` ---------------------------------------------------------

def aligned_shape(w_shape, x_ndim, axis):
    """The shape that makes average's weights broadcast against x: a 1-D w runs along `axis`.

    >>> aligned_shape((3,), 2, 0), aligned_shape((2, 3), 2, None)
    ((3, 1), (2, 3))
    """
    if len(w_shape) in (0, x_ndim) or axis is None:
        return tuple(w_shape)
    return tuple(w_shape[0] if i == axis % x_ndim else 1 for i in range(x_ndim))


def other_axes(w_shape, x_ndim, axis):
    """The axes of x a 1-D w does not run along (its cotangent is summed over them).

    >>> other_axes((3,), 2, 0), other_axes((2, 3), 2, 1), other_axes((), 2, None)
    ((1,), (), (0, 1))
    """
    if len(w_shape) == 0:  # one weight for every entry
        return tuple(range(x_ndim))
    if len(w_shape) == x_ndim or axis is None:
        return ()
    return tuple(i for i in range(x_ndim) if i != axis % x_ndim)


def _average(x, w, axis=None, keepdims=False):
    x, w = np.asarray(x), np.asarray(w)
    if w.ndim not in (0, x.ndim) and (w.ndim != 1 or axis is None or not isinstance(axis, (int, np.integer))):
        raise ValueError("np.average: weights must have a's shape, or be 1-D along an integer axis")
    w = np.broadcast_to(w.reshape(aligned_shape(w.shape, x.ndim, axis)), x.shape)
    return np.sum(x * w, axis=axis, keepdims=keepdims) / np.sum(w, axis=axis, keepdims=keepdims)


# The weights, shaped to broadcast against x, and their sums over `axis` (kept as length 1).
_weights = lambda w, x, axis: reshape(w, aligned_shape(shape_of(w), ndim_of(x), axis))  # noqa: E731
_weight_sums = lambda w, x, axis: sum(broadcast_to(_weights(w, x, axis), shape_of(x)), axis, True)  # noqa: E731


class _NumPyAverage(Op):
    """`np.average(a, axis=None, weights=None, returned=False, *, keepdims=False)`, recorded as
    average(a, weights, axis=..., keepdims=...) (the form engines and generated code call)."""

    def bind(self, args, kwargs):
        if len(args) == 2 and "axis" in kwargs:  # the recorded form (never a valid NumPy call)
            return super().bind(args, kwargs)
        names = ("a", "axis", "weights", "returned", "keepdims")
        given = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names or key in given:
                raise TypeError(f"average() got an unexpected or repeated argument {key!r}")
            given[key] = value
        if given.get("returned", False):
            raise TypeError("np.average(..., returned=True) is not supported on traced values: compute the "
                            "sum of the weights with np.sum")
        # (adsct binds the call's syntax: the values filled in are then AST constants)
        value = ast.Constant if isinstance(given["a"], ast.AST) else (lambda v: v)
        weights = given.get("weights", value(1.0))  # unweighted: weight 1
        return (given["a"], weights), {"axis": given.get("axis", value(None)),
                                       "keepdims": given.get("keepdims", value(False))}

    def __call__(self, *args, **kwargs):
        return self.apply(*self.bind(args, kwargs))

    def numpy_arguments(self, inputs, params):
        """(args, kwargs) calling np.average as this op's `inputs` and `params` do."""
        x, weights = inputs
        return (x,), dict(params, weights=weights)


average = register(_NumPyAverage(
    "average", _average, 2,
    jvp=(lambda t, out, x, w, axis=None, keepdims=False: sum(div(mul(t, _weights(w, x, axis)), _weight_sums(w, x, axis)),
                                                             axis, keepdims),
         lambda t, out, x, w, axis=None, keepdims=False: sum(div(mul(_weights(t, x, axis), sub(x, restore_axes(out, x, axis, keepdims))),
                                                                 _weight_sums(w, x, axis)), axis, keepdims)),
    vjp=(lambda g, out, x, w, axis=None, keepdims=False: mul(restore_axes(g, x, axis, keepdims), div(
             broadcast_to(_weights(w, x, axis), shape_of(x)), _weight_sums(w, x, axis))),
         lambda g, out, x, w, axis=None, keepdims=False: reshape(sum(mul(
             div(restore_axes(g, x, axis, keepdims), _weight_sums(w, x, axis)), sub(x, restore_axes(out, x, axis, keepdims))),
             other_axes(shape_of(w), ndim_of(x), axis), True), shape_of(w))),
    domain=Domain((Real(), Real(0.2, 2.0)), (Case(((3,), (3,)), {"axis": None, "keepdims": False}),
                                             Case(((2, 3), (2, 3)), {"axis": 1, "keepdims": False}),
                                             Case(((2, 3), (2,)), {"axis": 0, "keepdims": True}),
                                             Case(((2, 3), (3,)), {"axis": -1, "keepdims": False}),
                                             Case(((2, 3), ()), {"axis": None, "keepdims": False}))),
    aliases=(np.average,),
    doc="Weighted mean sum(w * x) / sum(w) over `axis` (np.average; weights of x's shape or 1-D along "
        "`axis`, 1 when not given).\n\n>>> float(average(np.array([1.0, 3.0]), weights=np.array([3.0, 1.0])))\n1.5"))


# -- order statistics: quantile, percentile, median ----------------------------------------------------

def _order_weights(x, q, axis=None):
    x = np.asarray(x)
    axes = _normalise_axes(axis, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    lanes = moved.reshape(moved.shape[:moved.ndim - len(axes)] + (-1,))
    order = np.argsort(lanes, axis=-1, kind="stable")
    n = lanes.shape[-1]
    dtype = np.result_type(x, 1.0).type(0).real.dtype
    result = []
    for one_q in np.ravel(q):  # NumPy's default ("linear") interpolation between two order statistics
        position = float(one_q) * (n - 1)
        low = int(np.floor(position))
        high, fraction = min(low + 1, n - 1), position - low
        sorted_weights = np.zeros(lanes.shape, dtype=dtype)
        sorted_weights[..., low] += 1.0 - fraction
        sorted_weights[..., high] += fraction
        weights = np.empty_like(sorted_weights)
        np.put_along_axis(weights, order, sorted_weights, axis=-1)
        result.append(np.moveaxis(weights.reshape(moved.shape), tuple(range(x.ndim - len(axes), x.ndim)), axes))
    return np.stack(result)


order_weights = _constant(
    "order_weights", _order_weights,
    domain=Domain((Real(),), (Case(((2, 3),), {"q": 0.3, "axis": 1}),)),
    doc="Weights of x's entries in quantile(x, q, axis), one x-shaped array per q (a leading axis): 1 - f "
        "and f on the two order statistics it interpolates (at ties, those argsort puts first); constant "
        "in x.\n\n>>> order_weights(np.array([3.0, 1.0, 2.0]), 0.25)\narray([[0. , 0.5, 0.5]])")


def quantile_axes(ndim, axis):
    """The reduced axes of x once order_weights has put one axis for the q in front.

    >>> quantile_axes(2, None), quantile_axes(2, -1)
    ((1, 2), (2,))
    """
    return tuple(a + 1 for a in _normalise_axes(axis, ndim))


def quantile_kept(q, x_shape, axis):
    """The shape a quantile's cotangent takes to broadcast against order_weights: one entry per q,
    then x's shape with the reduced axes as 1.

    >>> quantile_kept([0.1, 0.9], (2, 3), 1)
    (2, 2, 1)
    """
    return (int(np.size(q)),) + _kept_shape(tuple(x_shape), axis)


def _percent(q):
    return np.asarray(q, dtype=float) / 100.0


def _no_ties(x, *args, **params):
    values = np.sort(np.ravel(x))
    return bool(np.all(np.diff(values) >= 0.05))


# The order statistics are linear in x once its order is fixed: out = sum(weights * x) over the axes,
# for each q (so several q at once work as one).
_quantile_tangent = lambda t, out, x, q, axis, keepdims: reshape(  # noqa: E731
    sum(mul(order_weights(x, q, axis), t), quantile_axes(ndim_of(x), axis), True), shape_of(out))
_quantile_cotangent = lambda g, x, q, axis: sum(mul(reshape(g, quantile_kept(q, shape_of(x), axis)),  # noqa: E731
                                                    order_weights(x, q, axis)), 0)

_QUANTILE_CASES = (Case(((5,),), {}), Case(((2, 3),), {"axis": 1}), Case(((2, 3),), {"axis": 0, "keepdims": True}),
                   Case(((2, 3, 2),), {"axis": (0, 2)}))

quantile = defop(
    "quantile", lambda x, q, axis=None, keepdims=False: np.quantile(real_values(x, "np.quantile"), q, axis=axis,
                                                                    keepdims=keepdims),
    jvp=(lambda t, out, x, q, axis=None, keepdims=False: _quantile_tangent(t, out, x, q, axis, keepdims),),
    vjp=(lambda g, out, x, q, axis=None, keepdims=False: _quantile_cotangent(g, x, q, axis),),
    domain=Domain((Real(),), tuple(Case(c.shapes, {"q": 0.3, **c.params}) for c in _QUANTILE_CASES)
                  # (q in float32: NumPy gives a float64 q's dtype to the result, and the tests check float32)
                  + (Case(((2, 3),), {"q": np.array([0.1, 0.5, 0.8], np.float32), "axis": 1}),), valid=_no_ties),
    aliases=(np.quantile,),
    doc="The q-th quantile over `axis` (0 <= q <= 1, or an array of them; NumPy's linear interpolation). "
        "The derivative goes to the one or two entries interpolated; at tied entries, to those argsort "
        "puts first.\n\n>>> float(quantile(np.array([1.0, 2.0, 3.0, 4.0]), 0.5))\n2.5")

percentile = defop(
    "percentile", lambda x, q, axis=None, keepdims=False: np.percentile(real_values(x, "np.percentile"), q, axis=axis,
                                                                        keepdims=keepdims),
    jvp=(lambda t, out, x, q, axis=None, keepdims=False: _quantile_tangent(t, out, x, _percent(q), axis, keepdims),),
    vjp=(lambda g, out, x, q, axis=None, keepdims=False: _quantile_cotangent(g, x, _percent(q), axis),),
    domain=Domain((Real(),), tuple(Case(c.shapes, {"q": 75.0, **c.params}) for c in _QUANTILE_CASES)
                  + (Case(((2, 3),), {"q": np.array([5.0, 95.0], np.float32), "axis": 0, "keepdims": True}),),
                  valid=_no_ties),
    aliases=(np.percentile,),
    doc="The q-th percentile over `axis` (quantile of q / 100).\n\n"
        ">>> float(percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50))\n2.5")

median = defop(
    "median", lambda x, axis=None, keepdims=False: np.median(real_values(x, "np.median"), axis=axis, keepdims=keepdims),
    jvp=(lambda t, out, x, axis=None, keepdims=False: _quantile_tangent(t, out, x, 0.5, axis, keepdims),),
    vjp=(lambda g, out, x, axis=None, keepdims=False: _quantile_cotangent(g, x, 0.5, axis),),
    domain=Domain((Real(),), _QUANTILE_CASES + (Case(((4,),), {}),), valid=_no_ties),
    aliases=(np.median,),
    doc="The median over `axis`: the middle entry, or the mean of the two middle ones (they share the "
        "derivative); at ties, the entries argsort puts there get it.\n\n"
        ">>> float(median(np.array([3.0, 1.0, 2.0])))\n2.0")


# -- NaN-ignoring reductions: NaN entries count as absent, and get no derivative ----------------------

def _present(x):
    return np.logical_not(np.isnan(x)).astype(float_dtype(x))  # (counts of it keep x's float dtype)


present = _constant("present", _present, domain=Domain((Real(),), (Case(((3,),), {}),)),
                    doc="1 where x is not NaN, 0 where it is, in x's float dtype; constant in x.\n\n"
                        ">>> present(np.array([1.0, np.nan]))\narray([1., 0.])")

nansum = defop(
    "nansum", lambda x, axis=None, keepdims=False: np.nansum(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, out, x, axis=None, keepdims=False: sum(mul(t, present(x)), axis, keepdims),),
    vjp=(lambda g, out, x, axis=None, keepdims=False: mul(restore_axes(g, x, axis, keepdims), present(x)),),
    domain=Domain((Real(),), reduction_cases()), aliases=(np.nansum,), holomorphic=True,
    doc="Sum over `axis` with NaN entries left out (their derivative is 0).\n\n"
        ">>> float(nansum(np.array([1.0, np.nan, 2.0])))\n3.0")

nanmean = defop(
    "nanmean", lambda x, axis=None, keepdims=False: np.nanmean(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, out, x, axis=None, keepdims=False: div(sum(mul(t, present(x)), axis, keepdims),
                                                          sum(present(x), axis, keepdims)),),
    vjp=(lambda g, out, x, axis=None, keepdims=False: mul(restore_axes(div(g, sum(present(x), axis, keepdims)), x, axis, keepdims),
                                                          present(x)),),
    domain=Domain((Real(),), reduction_cases()), aliases=(np.nanmean,), holomorphic=True,
    doc="Mean over `axis` of the entries that are not NaN (NaN entries get derivative 0).\n\n"
        ">>> float(nanmean(np.array([1.0, np.nan, 2.0])))\n1.5")
