"""`np.linalg.norm`: vector and matrix norms, every `ord`, `axis` and `keepdims` NumPy has
(and NumPy 2's `np.linalg.vector_norm` and `np.linalg.matrix_norm`).

The derivative of every norm is a weighting of x: d norm = sum(w * dx) over the reduced axes.
The weights of each family:
- p-norms (the default 2-norm, 'fro', any finite p): sign(x) (|x| / norm)^(p - 1);
- max/min of |x| (vector inf, -inf): sign(x) at the extreme entries (ties share);
- max/min of column or row sums (matrix 1, -1, inf, -inf): sign(x) in the extreme column or row;
- the nuclear and spectral norms ('nuc', 2, -2): u vh of the singular vectors involved;
- ord=0 (a count of non-zeros): none, it is piecewise constant.
The family is chosen from the static parameters, so generated code keeps only one branch.
"""

import numpy as np

from .core import defop, ndim_of
from .constant import zeros_like
from .decompositions import svd_u, svd_vh
from .domain import Case, Domain, Real, distinct_extremes
from .complex_ops import abs
from .constant import sign
from .elementwise import div, mul, pow
from .linalg import matmul
from .linsolve import real_only
from .reductions import restore_axes, sum, tie_share
from .shape import getitem, transpose


def _family(ord, axis, ndim: int, vector: bool = False):
    """(family, the reduced axes) of np.linalg.norm(x, ord, axis) for an x of `ndim` dimensions;
    with vector=True, of np.linalg.vector_norm (a vector norm over any axes, all by default)."""
    if vector:
        axes = tuple(range(ndim)) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        family = "max" if ord in (np.inf, -np.inf) else "count" if ord == 0 else "p"
        return family, tuple(a % ndim for a in axes)
    if axis is None:
        if ord is None:
            return "p", tuple(range(ndim))
        axes = tuple(range(ndim))
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a % ndim for a in axes)
    if len(axes) == 1:
        if ord in (np.inf, -np.inf):
            return "max", axes
        return ("count" if ord == 0 else "p"), axes
    if ord in (None, "fro"):
        return "p", axes
    if ord in ("nuc", 2, -2):
        return "spectral", axes
    return "maxsum", axes


def _of_family(ord, axis, ndim, family, vector=False) -> bool:
    return _family(ord, axis, ndim, vector)[0] == family


def _axes(ord, axis, ndim, vector=False) -> tuple:
    return _family(ord, axis, ndim, vector)[1]


def _p_minus_one(ord) -> float:
    return 1.0 if ord in (None, "fro", "f") else float(ord) - 1.0


def _summed_axis(ord, axes) -> int:
    """The axis whose sums matrix norms 1/-1 (columns: over rows) and inf/-inf (rows) compare."""
    return axes[0] if ord in (1, -1) else axes[1]


def _to_end(axes, ndim) -> tuple:
    """The permutation moving the matrix axes of a matrix norm last (rows, then columns)."""
    return tuple(a for a in range(ndim) if a not in axes) + tuple(axes)


def _from_end(axes, ndim) -> tuple:
    return tuple(int(i) for i in np.argsort(_to_end(axes, ndim)))


_SINGULAR = {"nuc": slice(None), 2: slice(0, 1), -2: slice(-1, None)}


def _singular_columns(ord):
    """The columns of u the weights use: all of them ('nuc'), the first (2) or the last (-2)."""
    return (Ellipsis, slice(None), _SINGULAR[ord])


def _singular_rows(ord):
    """The rows of vh the weights use."""
    return (Ellipsis, _SINGULAR[ord], slice(None))


_p_weights = lambda x, out, ord, axes, keepdims: mul(sign(x), pow(  # noqa: E731
    div(abs(x), restore_axes(out, x, axes, keepdims)), _p_minus_one(ord)))
_max_weights = lambda x, out, axes, keepdims: mul(sign(x), tie_share(abs(x), out, axes, keepdims))  # noqa: E731
_maxsum_weights = lambda x, out, ord, axes, keepdims: mul(sign(x), tie_share(  # noqa: E731
    sum(abs(x), _summed_axis(ord, axes), True), out, axes, keepdims))
_uv = lambda y, ord: matmul(getitem(svd_u(y, False), _singular_columns(ord)),  # noqa: E731
                            getitem(svd_vh(y, False), _singular_rows(ord)))
_spectral_weights = lambda x, ord, axes: transpose(_uv(transpose(x, _to_end(axes, ndim_of(x))), ord),  # noqa: E731
                                                   _from_end(axes, ndim_of(x)))
_weights = lambda x, out, ord, axis, keepdims, vector: (  # noqa: E731
    _p_weights(x, out, ord, _axes(ord, axis, ndim_of(x), vector), keepdims)
    if _of_family(ord, axis, ndim_of(x), "p", vector) else
    _max_weights(x, out, _axes(ord, axis, ndim_of(x), vector), keepdims)
    if _of_family(ord, axis, ndim_of(x), "max", vector) else
    _maxsum_weights(x, out, ord, _axes(ord, axis, ndim_of(x), vector), keepdims)
    if _of_family(ord, axis, ndim_of(x), "maxsum", vector) else
    _spectral_weights(x, ord, _axes(ord, axis, ndim_of(x), vector))
    if _of_family(ord, axis, ndim_of(x), "spectral", vector) else
    zeros_like(x))
# The JVP and VJP of every norm: the weights summed against t, or spread by g.
_norm_jvp = lambda t, out, x, ord, axis, keepdims, vector: sum(  # noqa: E731
    mul(t, _weights(x, out, ord, axis, keepdims, vector)), _axes(ord, axis, ndim_of(x), vector), keepdims)
_norm_vjp = lambda g, out, x, ord, axis, keepdims, vector: mul(  # noqa: E731
    restore_axes(g, x, _axes(ord, axis, ndim_of(x), vector), keepdims), _weights(x, out, ord, axis, keepdims, vector))


def _smooth_here(x, ord=None, axis=None, keepdims=False, vector=False, gap=0.1) -> bool:
    """Whether the norm is differentiable at x with room for finite differences: no ties between
    extremes, distinct and non-zero singular values."""
    x = np.asarray(x, dtype=np.float64)
    family, axes = _family(ord, axis, x.ndim, vector)
    if family == "max":
        return distinct_extremes(np.abs(x), axes)
    if family == "maxsum":
        sums = np.sum(np.abs(x), axis=_summed_axis(ord, axes), keepdims=True)
        other = axes[1] if _summed_axis(ord, axes) == axes[0] else axes[0]
        return distinct_extremes(sums, other)
    if family == "spectral":
        s = np.linalg.svd(np.transpose(x, _to_end(axes, x.ndim)), compute_uv=False)
        return bool(np.all(s[..., -1] > gap) and np.all(-np.diff(s, axis=-1) > gap))
    return True


_AWAY_FROM_ZERO = Real(-2.0, 2.0, avoid=(0.0,), gap=0.1)  # (|x|^(p-1) and sign(x) are smooth there)
_VECTOR = [((3,), {}), ((3,), {"ord": 1}), ((3,), {"ord": 3}), ((3,), {"ord": 0.5}), ((3,), {"ord": -1}),
           ((3,), {"ord": np.inf}), ((3,), {"ord": -np.inf}), ((3,), {"ord": 0}), ((2, 3), {}),
           ((2, 3), {"axis": 1}), ((2, 3), {"axis": 0, "ord": 1, "keepdims": True}),
           ((2, 3, 2), {"axis": -1, "ord": np.inf}), ((2, 3, 2), {"keepdims": True})]
_MATRIX = [((3, 3), {"ord": "fro"}), ((3, 2), {"ord": "nuc"}), ((2, 3), {"ord": 2}), ((3, 3), {"ord": -2}),
           ((3, 2), {"ord": 1}), ((3, 2), {"ord": -1}), ((2, 3), {"ord": np.inf}), ((2, 3), {"ord": -np.inf}),
           ((2, 3, 2), {"axis": (0, 2), "ord": "nuc"}), ((2, 3, 2), {"axis": (2, 1), "ord": 1, "keepdims": True}),
           ((3, 2, 2), {"axis": (1, 2), "ord": 2})]

norm = defop(
    "norm", real_only(lambda x, ord=None, axis=None, keepdims=False: np.linalg.norm(x, ord, axis, keepdims),
                      "np.linalg.norm"),
    jvp=(lambda t, out, x, ord=None, axis=None, keepdims=False: _norm_jvp(t, out, x, ord, axis, keepdims, False),),
    vjp=(lambda g, out, x, ord=None, axis=None, keepdims=False: _norm_vjp(g, out, x, ord, axis, keepdims, False),),
    domain=Domain((_AWAY_FROM_ZERO,), tuple(Case((s,), p) for s, p in _VECTOR + _MATRIX),
                  valid=_smooth_here),
    aliases=(np.linalg.norm,),
    doc="np.linalg.norm: vector norms (the 2-norm by default, any ord along an axis) and matrix norms "
        "('fro', 'nuc', 1, -1, 2, -2, inf, -inf over two axes).\n\n"
        ">>> float(norm(np.array([3.0, 4.0]))), float(norm(np.eye(2), 'nuc'))\n(5.0, 2.0)")


vector_norm = defop(
    "vector_norm", real_only(lambda x, axis=None, keepdims=False, ord=2:
                             np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord), "np.linalg.vector_norm"),
    jvp=(lambda t, out, x, axis=None, keepdims=False, ord=2: _norm_jvp(t, out, x, ord, axis, keepdims, True),),
    vjp=(lambda g, out, x, axis=None, keepdims=False, ord=2: _norm_vjp(g, out, x, ord, axis, keepdims, True),),
    domain=Domain((_AWAY_FROM_ZERO,), tuple(Case((s,), p) for s, p in (
        ((3,), {}), ((2, 3), {}), ((2, 3), {"ord": 1, "axis": 0}), ((2, 3, 2), {"ord": np.inf, "axis": (0, 2)}),
        ((2, 3), {"ord": -np.inf, "keepdims": True}), ((2, 3), {"ord": 3, "axis": (0, 1)}), ((3,), {"ord": 0}))),
        valid=lambda x, axis=None, keepdims=False, ord=2: _smooth_here(x, ord, axis, keepdims, vector=True)),
    aliases=(np.linalg.vector_norm,),
    doc="np.linalg.vector_norm: a vector norm over `axis` (all axes by default, whatever x's shape).\n\n"
        ">>> float(vector_norm(np.array([[3.0], [4.0]])))\n5.0")

matrix_norm = defop(
    "matrix_norm", real_only(lambda x, keepdims=False, ord="fro": np.linalg.matrix_norm(x, keepdims=keepdims, ord=ord),
                             "np.linalg.matrix_norm"),
    jvp=(lambda t, out, x, keepdims=False, ord="fro": _norm_jvp(t, out, x, ord, (-2, -1), keepdims, False),),
    vjp=(lambda g, out, x, keepdims=False, ord="fro": _norm_vjp(g, out, x, ord, (-2, -1), keepdims, False),),
    domain=Domain((_AWAY_FROM_ZERO,), tuple(Case((s,), p) for s, p in (
        ((3, 3), {}), ((2, 3, 2), {"ord": "nuc"}), ((3, 2), {"ord": 2, "keepdims": True}), ((2, 3), {"ord": 1}),
        ((2, 2, 3), {"ord": -np.inf}))),
        valid=lambda x, keepdims=False, ord="fro": _smooth_here(x, ord, (-2, -1), keepdims)),
    aliases=(np.linalg.matrix_norm,),
    doc="np.linalg.matrix_norm: a matrix norm of each matrix in the last two axes ('fro' by default).\n\n"
        ">>> float(matrix_norm(np.eye(2), ord='nuc'))\n2.0")
