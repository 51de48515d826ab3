"""NumPy functions written as short Python functions of NumPy calls that have registry ops.

`np.ptp(x)` is `np.max(x) - np.min(x)`; `np.trapezoid(y)` is a sum of neighbour means.  Such a
function needs no rules of its own: run on traced values, every call inside it is traced, so
the derivative (at any order) comes from the ops it calls.  adoo finds a recipe when NumPy
hands it a function it has no op for (`composite` in compose.py); adsct inlines the recipe's
source like a user's helper function, so generated code shows the recipe's steps.

Each recipe keeps its NumPy signature (unsupported keywords raise TypeError) and has a
`Domain`, so the property tests check its value against NumPy and its derivative against
finite differences with no test code of its own.

>>> import numpy as np
>>> float(ptp(np.array([1.0, 4.0, 2.0])))
3.0
>>> RECIPES[np.ptp] is ptp
True
"""

import numpy as np

from .domain import Case, Domain, Increasing, Real, distinct_extremes, reduction_cases

RECIPES = {}  # NumPy function -> recipe


def recipe(*numpy_functions, domain=None):
    """Register the decorated function as the recipe for each NumPy function given.

    >>> @recipe(domain=None)
    ... def twice(x):
    ...     return x + x
    >>> twice.domain is None
    True
    """
    def register(function):
        function.domain = domain
        function.numpy_functions = numpy_functions
        for numpy_function in numpy_functions:
            RECIPES[numpy_function] = function
        return function
    return register


def _no_ties(a, axis=None, keepdims=False):
    return distinct_extremes(a, axis, keepdims)


_TRAPEZOID = getattr(np, "trapezoid", None) or getattr(np, "trapz")


# -- reductions -----------------------------------------------------------------------------------

@recipe(np.ptp, domain=Domain((Real(),), reduction_cases(), _no_ties))
def ptp(a, axis=None, keepdims=False):
    """Peak to peak: the largest entry minus the smallest.

    >>> float(ptp(np.array([[1.0, 5.0], [2.0, 3.0]])))
    4.0
    """
    return np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)


@recipe(np.vdot, domain=Domain((Real(), Real()), (Case(((3,), (3,)), {}), Case(((2, 3), (6,)), {}))))
def vdot(a, b):
    """The dot product of the flattened arrays, conjugating the first.

    >>> float(vdot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    return np.sum(np.conj(np.ravel(a)) * np.ravel(b))


@recipe(_TRAPEZOID, domain=Domain((Real(),), (Case(((4,),), {}), Case(((2, 3),), {}), Case(((3, 2),), dict(axis=0)),
                                            Case(((4,),), dict(dx=0.5)))))
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The trapezoidal rule along `axis`, with sample points `x` or a constant spacing `dx`.

    >>> float(trapezoid(np.array([0.0, 1.0, 4.0])))
    3.0
    """
    y = np.moveaxis(y, axis, -1)
    if x is None:
        spacing = dx
    elif np.ndim(x) == 1:
        spacing = np.diff(x)
    else:
        spacing = np.diff(np.moveaxis(x, axis, -1), axis=-1)
    return np.sum(spacing * (y[..., 1:] + y[..., :-1]) / 2.0, axis=-1)


# -- the nan-ignoring reductions ------------------------------------------------------------------
# A nan entry is replaced before the reduction by a value that cannot change it, so its
# derivative is zero and no nan reaches a rule (0 * nan would be nan).

@recipe(np.nanmax, domain=Domain((Real(),), reduction_cases(), _no_ties))
def nanmax(a, axis=None, keepdims=False):
    """The largest entry, ignoring nans (nan where a whole slice is nan, as NumPy).

    >>> float(nanmax(np.array([1.0, np.nan, 3.0])))
    3.0
    """
    missing = np.isnan(a)
    largest = np.max(np.where(missing, -np.inf, a), axis=axis, keepdims=keepdims)
    return np.where(np.all(missing, axis=axis, keepdims=keepdims), np.nan, largest)


@recipe(np.nanmin, domain=Domain((Real(),), reduction_cases(), _no_ties))
def nanmin(a, axis=None, keepdims=False):
    """The smallest entry, ignoring nans (nan where a whole slice is nan, as NumPy).

    >>> float(nanmin(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    missing = np.isnan(a)
    smallest = np.min(np.where(missing, np.inf, a), axis=axis, keepdims=keepdims)
    return np.where(np.all(missing, axis=axis, keepdims=keepdims), np.nan, smallest)


@recipe(np.nanprod, domain=Domain((Real(0.2, 2.0),), reduction_cases()))
def nanprod(a, axis=None, keepdims=False):
    """The product, with nans taken as 1.

    >>> float(nanprod(np.array([2.0, np.nan, 3.0])))
    6.0
    """
    return np.prod(np.where(np.isnan(a), 1.0, a), axis=axis, keepdims=keepdims)


@recipe(np.nancumsum, domain=Domain((Real(),), tuple(Case((s,), dict(axis=ax)) for s in ((3,), (2, 3)) for ax in (None, 0))))
def nancumsum(a, axis=None):
    """The running sum, with nans taken as 0.

    >>> nancumsum(np.array([1.0, np.nan, 2.0])).tolist()
    [1.0, 1.0, 3.0]
    """
    return np.cumsum(np.where(np.isnan(a), 0.0, a), axis=axis)


@recipe(np.nanvar, domain=Domain((Real(),), reduction_cases({"ddof": 0}) + (Case(((4,),), dict(ddof=1)),)))
def nanvar(a, axis=None, ddof=0, keepdims=False):
    """The variance of the entries that are not nan.

    >>> float(nanvar(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    present = ~np.isnan(a)
    count = np.sum(present, axis=axis, keepdims=True)
    mean = np.nansum(a, axis=axis, keepdims=True) / count
    deviation = np.where(present, a, mean) - mean  # exactly 0 at a nan, so no nan reaches a rule
    squares = np.sum(deviation * deviation, axis=axis, keepdims=keepdims)
    return squares / (np.sum(present, axis=axis, keepdims=keepdims) - ddof)


_SPREAD_CASES = tuple(Case((shape,), dict(axis=axis, keepdims=keepdims)) for shape, axis in
                      (((4,), None), ((2, 3), None), ((2, 3), 1), ((3, 2), 0), ((2, 3, 2), (0, 2))) for keepdims in (False, True))


@recipe(np.nanstd, domain=Domain((Real(),), _SPREAD_CASES))  # (a lane of one entry: std's kink at 0)
def nanstd(a, axis=None, ddof=0, keepdims=False):
    """The standard deviation of the entries that are not nan.

    >>> float(nanstd(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    return np.sqrt(nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims))


# -- covariance -----------------------------------------------------------------------------------

_COV_CASES = (Case(((3, 5),), {}), Case(((5,),), {}), Case(((5, 3),), dict(rowvar=False)), Case(((2, 4),), dict(bias=True)),
              Case(((2, 4),), dict(ddof=0)))


@recipe(np.cov, domain=Domain((Real(),), _COV_CASES))
def cov(m, y=None, rowvar=True, bias=False, ddof=None):
    """The covariance matrix of the variables in the rows of m (columns with rowvar=False).

    >>> cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    x = np.atleast_2d(m)
    if not rowvar and np.shape(x)[0] != 1:
        x = np.transpose(x)
    if y is not None:
        y = np.atleast_2d(y)
        if not rowvar and np.shape(y)[0] != 1:
            y = np.transpose(y)
        x = np.concatenate((x, y), axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    centred = x - np.mean(x, axis=1, keepdims=True)
    return np.squeeze(centred @ np.transpose(np.conj(centred)) / (np.shape(x)[1] - ddof))


@recipe(np.corrcoef, domain=Domain((Real(),), (Case(((3, 5),), {}), Case(((5, 2),), dict(rowvar=False)))))
def corrcoef(x, y=None, rowvar=True):
    """Pearson correlation coefficients (clipped to [-1, 1], as NumPy does).

    >>> bool(corrcoef(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]]))[0, 1] < 0)
    True
    """
    c = cov(x, y, rowvar)
    if np.ndim(c) == 0:
        return c / c
    spread = np.sqrt(np.real(np.diagonal(c)))
    c = c / spread[:, None] / spread[None, :]
    return np.clip(c, -1.0, 1.0)


# -- convolution ----------------------------------------------------------------------------------

def _lagged(n: int, m: int) -> np.ndarray:
    """Row i holds the positions in `a` padded by m-1 on both sides that meet v[0..m-1] at lag i."""
    return np.arange(n + m - 1)[:, None] - np.arange(m)[None, :] + (m - 1)


_CONVOLVE_CASES = (Case(((5,), (3,)), {}), Case(((5,), (3,)), dict(mode="same")), Case(((5,), (3,)), dict(mode="valid")),
                   Case(((2,), (4,)), {}), Case(((3,), (4,)), dict(mode="same")))


@recipe(np.convolve, domain=Domain((Real(), Real()), _CONVOLVE_CASES))
def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-D sequences, as a product with a lag matrix.

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).tolist()
    [0.0, 1.0, 2.5, 4.0, 1.5]
    """
    n, m = np.size(a), np.size(v)
    if n < m:  # convolution is symmetric; NumPy lets the longer one slide
        a, v, n, m = v, a, m, n
    full = np.pad(a, (m - 1, m - 1))[_lagged(n, m)] @ v
    if mode == "full":
        return full
    if mode == "same":
        start = (m - 1) // 2
        return full[start:start + n]
    if mode == "valid":
        return full[m - 1:n]
    raise ValueError(f"mode must be 'full', 'same' or 'valid', not {mode!r}")


@recipe(np.correlate, domain=Domain((Real(), Real()), _CONVOLVE_CASES))
def correlate(a, v, mode="valid"):
    """Cross-correlation of two 1-D sequences: c[k] = sum_n a[n + k] * conj(v[n]).

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0])).tolist()
    [2.0, 3.0]
    """
    if np.size(a) < np.size(v):  # NumPy: the same as correlating the other way round, reversed
        return np.conj(correlate(v, a, mode)[::-1])
    return convolve(a, np.conj(v[::-1]), mode)


# -- interpolation ----------------------------------------------------------------------------------

def _away_from_knots(x, xp, fp, **params) -> bool:
    """x keeps off the sample points, where the interpolant has kinks (and off their neighbours)."""
    x, xp = np.asarray(x, dtype=float), np.asarray(xp, dtype=float)
    return bool(np.all(np.diff(xp) > 0.1) and np.all(np.abs(x[..., None] - xp) > 0.05))


@recipe(np.interp, domain=Domain((Real(-2.5, 2.5), Increasing(-2.0, 2.0), Real()),
                                 (Case(((3,), (4,), (4,)), {}), Case(((), (3,), (3,)), {}),
                                  Case(((2, 3), (5,), (5,)), dict(left=-1.0, right=0.5))), _away_from_knots))
def interp(x, xp, fp, left=None, right=None):
    """Piecewise-linear interpolation through (xp, fp), evaluated at x; `left`/`right` outside.
    Differentiable in x, xp and fp; at a sample point, x's derivative is the right-hand segment's slope.

    >>> interp(np.array([0.5, 2.5]), np.array([0.0, 1.0, 2.0]), np.array([0.0, 2.0, 0.0])).tolist()
    [1.0, 0.0]
    """
    if isinstance(xp, (list, tuple)):  # (sample points written out: np.interp(x, [0, 1], [2, 3]))
        xp = np.asarray(xp, dtype=float)
    if isinstance(fp, (list, tuple)):
        fp = np.asarray(fp, dtype=float)
    last = np.size(xp) - 1
    segment = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, last - 1)  # (positions: constants)
    start, end = xp[segment], xp[segment + 1]
    low, high = fp[segment], fp[segment + 1]
    inside = low + (x - start) / (end - start) * (high - low)
    below = fp[0] if left is None else left
    above = fp[last] if right is None else right
    inside = np.where(x == xp[last], fp[last], inside)  # (exactly fp's last value there, as NumPy)
    return np.where(x < xp[0], below, np.where(x > xp[last], above, inside))


# -- polynomials, grids and differences -------------------------------------------------------------

@recipe(np.polyval, domain=Domain((Real(), Real()), (Case(((3,), ()), {}), Case(((4,), (3,)), {}), Case(((1,), (2,)), {}))))
def polyval(p, x):
    """The polynomial with coefficients p (highest power first) at x, by Horner's rule.

    >>> float(polyval(np.array([1.0, 0.0, -2.0]), 3.0))
    7.0
    """
    result = x * 0.0
    for i in range(len(p)):
        result = result * x + p[i]
    return result


@recipe(np.ediff1d, domain=Domain((Real(),), (Case(((4,),), {}), Case(((2, 3),), {}))))
def ediff1d(ary):
    """Differences between consecutive entries of the flattened array.

    >>> ediff1d(np.array([1.0, 4.0, 9.0])).tolist()
    [3.0, 5.0]
    """
    return np.diff(np.ravel(ary))


def _one_gradient(f, axis, spacing, edge_order):
    g = np.moveaxis(f, axis, -1)
    inner = (g[..., 2:] - g[..., :-2]) / (2.0 * spacing)
    if edge_order == 1:
        first = (g[..., 1:2] - g[..., 0:1]) / spacing
        last = (g[..., -1:] - g[..., -2:-1]) / spacing
    else:
        first = (-3.0 * g[..., 0:1] + 4.0 * g[..., 1:2] - g[..., 2:3]) / (2.0 * spacing)
        last = (3.0 * g[..., -1:] - 4.0 * g[..., -2:-1] + g[..., -3:-2]) / (2.0 * spacing)
    return np.moveaxis(np.concatenate((first, inner, last), axis=-1), -1, axis)


@recipe(np.gradient, domain=Domain((Real(),), (Case(((5,),), {}), Case(((3, 4),), {}), Case(((4, 3),), dict(axis=1)),
                                              Case(((5,),), dict(edge_order=2)))))
def gradient(f, *varargs, axis=None, edge_order=1):
    """Central differences inside, one-sided at the edges, along each axis (evenly spaced
    samples: the spacings are numbers; sample coordinates as arrays are not supported).

    >>> gradient(np.array([1.0, 4.0, 9.0, 16.0])).tolist()
    [3.0, 4.0, 6.0, 7.0]
    """
    ndim = np.ndim(f)
    axes = tuple(range(ndim)) if axis is None else (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(a % ndim for a in axes)
    spacings = varargs * len(axes) if len(varargs) == 1 else varargs or (1.0,) * len(axes)
    if len(spacings) != len(axes) or any(np.ndim(h) != 0 for h in spacings):
        raise TypeError("np.gradient on traced values takes one number per axis as the spacing "
                        "(sample coordinates as arrays are not supported)")
    if edge_order not in (1, 2):
        raise ValueError("edge_order must be 1 or 2")
    result = tuple(_one_gradient(f, a, h, edge_order) for a, h in zip(axes, spacings))
    return result[0] if len(result) == 1 else result


@recipe(np.meshgrid, domain=Domain(Real(), (Case(((3,), (2,)), {}), Case(((3,), (2,), (2,)), dict(indexing="ij")),
                                            Case(((2,), (3,)), dict(sparse=True)))))
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from coordinate vectors (each input broadcast along the others' axes).

    >>> [g.shape for g in meshgrid(np.arange(3.0), np.arange(2.0))]
    [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError("indexing must be 'xy' or 'ij'")
    n = len(xi)
    shapes = [[1] * n for _ in xi]
    for i in range(n):
        shapes[i][i] = -1
    if indexing == "xy" and n > 1:
        shapes[0][0], shapes[0][1] = 1, -1
        shapes[1][0], shapes[1][1] = -1, 1
    grids = [np.reshape(x, tuple(s)) for x, s in zip(xi, shapes)]
    if not sparse:
        full = np.broadcast_shapes(*(np.shape(g) for g in grids))
        grids = [np.broadcast_to(g, full) for g in grids]
        grids = [g * 1.0 if copy else g for g in grids]
    return tuple(grids)


# -- linear algebra built from the decompositions -------------------------------------------------------

def _well_conditioned(a, *rest, **params):
    return bool(np.linalg.cond(np.asarray(a, dtype=float)) < 30.0)  # (also for a tall lstsq matrix)


@recipe(np.linalg.cond, domain=Domain((Real(),), (Case(((3, 3),), {}), Case(((2, 2),), dict(p="fro"))), _well_conditioned))
def cond(x, p=None):
    """The condition number: largest over smallest singular value (p None or 2), else
    norm(x, p) * norm(inv(x), p).

    >>> float(cond(np.diag([4.0, 2.0])))
    2.0
    """
    if p is None or p == 2:
        s = np.linalg.svd(x, compute_uv=False)
        return s[..., 0] / s[..., -1]
    if p == -2:
        s = np.linalg.svd(x, compute_uv=False)
        return s[..., -1] / s[..., 0]
    return np.linalg.norm(x, p, axis=(-2, -1)) * np.linalg.norm(np.linalg.inv(x), p, axis=(-2, -1))


@recipe(np.linalg.lstsq, domain=Domain((Real(), Real()), (Case(((5, 3), (5,)), {}), Case(((4, 2), (4, 3)), {}),
                                                          Case(((2, 3), (2,)), {})), _well_conditioned))
def lstsq(a, b, rcond=None):
    """Least squares: (solution, residuals, rank, singular values) as NumPy returns them, the
    solution through the pseudo-inverse (differentiable where the rank is constant).

    >>> x, residuals, rank, s = lstsq(np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), np.array([1.0, 2.0, 3.0]))
    >>> x.tolist(), residuals.tolist(), int(rank)
    ([1.0, 1.0], [9.0], 2)
    """
    m, n = np.shape(a)[-2:]
    cutoff = np.finfo(float).eps * max(m, n) if rcond is None else rcond
    s = np.linalg.svd(a, compute_uv=False)
    rank = np.linalg.matrix_rank(a, tol=cutoff * s[0])  # (a count: engines run it on plain values)
    x = np.linalg.pinv(a) @ b  # (full rank: the same solution; the rank below decides the residuals)
    if rank < n or m <= n:
        residuals = np.zeros((0,))
    else:
        r = b - a @ x
        residuals = np.sum(r * r, axis=0) if np.ndim(b) == 2 else np.reshape(np.sum(r * r), (1,))
    return x, residuals, rank, s



# -- ufunc methods: np.add.reduce, np.multiply.accumulate, np.subtract.outer ---------------------------

def _reduce_with(reduction):
    def reduce(array, axis=0, keepdims=False):
        return reduction(array, axis=axis, keepdims=keepdims)
    return reduce


def _accumulate_with(scan):
    def accumulate(array, axis=0):
        return scan(array, axis=axis)
    return accumulate


def _outer_of(ufunc):
    def outer(a, b):
        return ufunc(np.reshape(a, np.shape(a) + (1,) * np.ndim(b)), b)
    return outer


_REDUCE_CASES = tuple(Case((s,), dict(axis=ax)) for s in ((3,), (2, 3)) for ax in (0, -1))
for _ufunc, _reduction in ((np.add, np.sum), (np.multiply, np.prod), (np.maximum, np.max), (np.minimum, np.min)):
    recipe(_ufunc.reduce, domain=Domain((Real(),), _REDUCE_CASES, _no_ties))(_reduce_with(_reduction))
for _ufunc, _scan in ((np.add, np.cumsum), (np.multiply, np.cumprod)):
    recipe(_ufunc.accumulate, domain=Domain((Real(),), _REDUCE_CASES))(_accumulate_with(_scan))
_OUTER_CASES = (Case(((3,), (2,)), {}), Case(((2, 2), (3,)), {}))
for _ufunc in (np.add, np.subtract, np.multiply):
    recipe(_ufunc.outer, domain=Domain((Real(), Real()), _OUTER_CASES))(_outer_of(_ufunc))
for _ufunc in (np.divide, np.power, np.maximum, np.minimum, np.arctan2, np.hypot, np.logaddexp):
    recipe(_ufunc.outer)(_outer_of(_ufunc))
