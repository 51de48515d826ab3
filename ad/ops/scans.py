"""Running sums and products along an axis: `cumsum`, `cumprod`, and `linear_scan`, the
recurrence u[i] = h[i] + a[i] * u[i - 1] that cumprod's rules are made of.

cumsum's reverse rule is a reversed cumsum.  cumprod's rules never divide by x (so they are
exact where x has zeros): its tangent obeys the recurrence dy[i] = dx[i] y[i-1] + x[i] dy[i-1],
a linear scan, and its cotangent the same recurrence run backwards.
"""

import numpy as np

from .core import defop, ndim_of, shape_of
from .domain import Case, Domain, Real
from .elementwise import mul
from .shape import getitem, reshape
from .structure import flip, pad, roll


def scan_axis(axis):
    """The axis a scan runs along once x is flattened for axis=None.

    >>> scan_axis(None), scan_axis(1)
    (0, 1)
    """
    return 0 if axis is None else axis


def lane_shape(shape, axis):
    """x's shape for a scan along `axis`: flattened when axis is None, else unchanged.

    >>> lane_shape((2, 3), None), lane_shape((2, 3), 0)
    ((-1,), (2, 3))
    """
    return (-1,) if axis is None else tuple(shape)


def first_pad(ndim, axis):
    """pad_width putting one entry before the start of `axis`.

    >>> first_pad(2, -1)
    ((0, 0), (1, 0))
    """
    width = [(0, 0)] * ndim
    width[axis % ndim] = (1, 0)
    return tuple(width)


def all_but_last(ndim, axis):
    """The index dropping the last entry along `axis`.

    >>> all_but_last(2, 1)
    (slice(None, None, None), slice(0, -1, None))
    """
    return (slice(None),) * (axis % ndim) + (slice(0, -1),)


# u shifted one place along `axis`, `fill` coming in first: the previous entry, u[i - 1].
_previous = lambda u, axis, fill: getitem(pad(u, first_pad(ndim_of(u), axis), "constant", fill),  # noqa: E731
                                          all_but_last(ndim_of(u), axis))
# The recurrence v[i] = g[i] + a[i + 1] * v[i + 1], from the last entry back: linear_scan reversed.
_reversed_scan = lambda g, a, axis: flip(linear_scan(flip(g, axis), roll(flip(a, axis), 1, axis), axis), axis)  # noqa: E731


def _linear_scan(h, a, axis=-1):
    h, a = np.broadcast_arrays(np.asarray(h), np.asarray(a))
    result = np.array(np.moveaxis(h, axis, 0), dtype=np.result_type(h, a, 1.0))
    coefficients = np.moveaxis(a, axis, 0)
    for i in range(1, len(result)):  # (a loop over one axis; each step is vectorised over the others)
        result[i] += coefficients[i] * result[i - 1]
    return np.moveaxis(result, 0, axis)


linear_scan = defop(
    "linear_scan", _linear_scan, nin=2,
    jvp=(lambda t, out, h, a, axis=-1: linear_scan(t, a, axis),
         lambda t, out, h, a, axis=-1: linear_scan(mul(t, _previous(out, axis, 0.0)), a, axis)),
    vjp=(lambda g, out, h, a, axis=-1: _reversed_scan(g, a, axis),
         lambda g, out, h, a, axis=-1: mul(_reversed_scan(g, a, axis), _previous(out, axis, 0.0))),
    domain=Domain((Real(), Real()), (Case(((4,), (4,)), {}), Case(((2, 3), (2, 3)), {"axis": 0}),
                                     Case(((2, 3), (2, 3)), {"axis": 1}))),
    holomorphic=True,
    doc="u[i] = h[i] + a[i] * u[i - 1] along `axis`, from u[0] = h[0] (a[0] is not used).\n\n"
        ">>> linear_scan(np.ones(3), np.full(3, 2.0))\narray([1., 3., 7.])")

cumsum = defop(
    "cumsum", lambda x, axis=None: np.cumsum(x, axis),
    jvp=(lambda t, out, x, axis=None: cumsum(t, axis),),
    vjp=(lambda g, out, x, axis=None: reshape(flip(cumsum(flip(g, scan_axis(axis)), scan_axis(axis)), scan_axis(axis)),
                                              shape_of(x)),),
    domain=Domain((Real(),), (Case(((4,),), {}), Case(((2, 3),), {}), Case(((2, 3),), {"axis": 0}),
                              Case(((2, 3),), {"axis": -1}), Case(((),), {}))),
    aliases=(np.cumsum,), holomorphic=True,
    doc="Running sums along `axis` (of the flattened array when None).\n\n"
        ">>> cumsum(np.array([1.0, 2.0, 3.0]))\narray([1., 3., 6.])")

cumprod = defop(
    "cumprod", lambda x, axis=None: np.cumprod(x, axis),
    jvp=(lambda t, out, x, axis=None: linear_scan(
        mul(reshape(t, lane_shape(shape_of(x), axis)), _previous(out, scan_axis(axis), 1.0)),
        reshape(x, lane_shape(shape_of(x), axis)), scan_axis(axis)),),
    vjp=(lambda g, out, x, axis=None: reshape(mul(_previous(out, scan_axis(axis), 1.0), _reversed_scan(
        g, reshape(x, lane_shape(shape_of(x), axis)), scan_axis(axis))), shape_of(x)),),
    domain=Domain((Real(),), (Case(((4,),), {}), Case(((2, 3),), {}), Case(((2, 3),), {"axis": 0}),
                              Case(((2, 3),), {"axis": -1}), Case(((),), {}))),
    aliases=(np.cumprod,), holomorphic=True,
    doc="Running products along `axis` (of the flattened array when None); exact where x has zeros.\n\n"
        ">>> cumprod(np.array([1.0, 2.0, 3.0]))\narray([1., 2., 6.])")
