"""Ops that model NumPy's writes into arrays as new values: `copy`, `astype`, `index_update`,
`scatter_set`.

NumPy code changes arrays in place (`y[i] = v`, `y += x`, `y = x.copy(); y *= 2`).  An
engine never changes a value it has recorded, so it records a write as a new value:
`index_update(x, v, index)` is x with `x[index] = v` done on a copy.  The engines then make
the written name (and its aliases and views) hold that new value (see `ad.adoo.inplace`).
All four ops are linear, so each rule is an op of this file or its transpose.
"""

import numpy as np

from .core import defop, shape_of
from .domain import Case, Domain, Real, unary_cases
from .elementwise import mul
from .shape import _INDEX_CASES, broadcast_to, cotangent_of, getitem, sum_to


def _last_writes(index, shape):
    """1.0, or a boolean mask over `zeros(shape)[index]` marking the entries that survive when an
    integer-array index names a position twice (NumPy keeps the last write there).

    >>> _last_writes(np.array([0, 0, 1]), (2,))
    array([False,  True,  True])
    >>> _last_writes(slice(1, None), (3,))
    1.0
    """
    parts = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(p, (list, np.ndarray)) and np.asarray(p).dtype.kind in "iu" for p in parts):
        return 1.0  # slices, integers and masks name each position once
    region_shape = np.zeros(shape)[index].shape
    order = np.arange(int(np.prod(region_shape))).reshape(region_shape)
    marks = np.full(shape, -1)
    marks[index] = order
    survivors = marks[index] == order
    return 1.0 if survivors.all() else survivors  # (a boolean mask keeps the cotangent's dtype)


def _index_update(x, value, index):
    out = np.array(x, copy=True)  # x's dtype, as NumPy's assignment keeps it
    out[index] = value
    return out


def _scatter_set(x, index, shape):
    dtype = getattr(x, "dtype", np.float64)
    out = np.zeros(shape, dtype=dtype if np.issubdtype(dtype, np.inexact) else np.float64)
    out[index] = x
    return out


def _write_cases():
    cases = []
    for case in _INDEX_CASES:
        (shape,), index = case.shapes, case.params["index"]
        region = np.zeros(shape)[index].shape
        cases.append(Case((shape, region), {"index": index}))
        cases.append(Case((shape, ()), {"index": index}))  # one value broadcast over the region
    return tuple(cases)


def _scatter_set_cases():
    return tuple(Case((case.shapes[1],), {"index": case.params["index"], "shape": case.shapes[0]})
                 for case in _write_cases())


copy = defop(
    "copy", lambda x: np.array(x, copy=True),
    jvp=(lambda t, out, x: t,), vjp=(lambda g, out, x: g,),
    domain=Domain((Real(),), unary_cases()), aliases=(np.copy,), holomorphic=True,
    doc="A new array with x's entries (`x.copy()`): later writes into it leave x alone.\n\n"
        ">>> copy(np.ones(2))\narray([1., 1.])")

astype = defop(
    "astype", lambda x, dtype: np.asarray(x).astype(dtype),
    jvp=(lambda t, out, x, dtype: cotangent_of(t, out),),  # (cotangent_of casts to its second input's dtype)
    vjp=(lambda g, out, x, dtype: cotangent_of(g, x),),
    domain=Domain((Real(),), unary_cases(dtype="float64")),  # (finite differences cannot see float32)
    doc="x converted to `dtype` (`x.astype(np.float32)`); the derivative is converted back.\n\n"
        ">>> astype(np.ones(2), np.float32).dtype\ndtype('float32')")

index_update = defop(
    "index_update", _index_update, nin=2,
    # (x's tangent may be a plain 0.0 where x is a constant that code writes into: spread it first)
    jvp=(lambda t, out, x, value, index: index_update(broadcast_to(t, shape_of(out)), 0.0, index),
         lambda t, out, x, value, index: scatter_set(t, index, shape_of(out))),
    vjp=(lambda g, out, x, value, index: index_update(g, 0.0, index),
         lambda g, out, x, value, index: mul(getitem(g, index), _last_writes(index, shape_of(out)))),
    domain=Domain((Real(), Real()), _write_cases()), holomorphic=True,
    doc="A copy of x with `x[index] = value` done on it (value broadcasts; where an index repeats, "
        "the last write wins, as in NumPy).\n\n>>> index_update(np.zeros(3), 5.0, slice(1, None))\n"
        "array([0., 5., 5.])")

scatter_set = defop(
    "scatter_set", _scatter_set,
    jvp=(lambda t, out, x, index, shape: scatter_set(t, index, shape),),
    # (x may broadcast over the region: the rule sums back itself, as one-input rules must for adsct)
    vjp=(lambda g, out, x, index, shape: sum_to(mul(getitem(g, index), _last_writes(index, shape)), shape_of(x)),),
    domain=Domain((Real(),), _scatter_set_cases()), holomorphic=True,
    doc="Zeros of `shape` with x written at `index` (the last write wins where an index repeats).\n\n"
        ">>> scatter_set(np.array([1.0, 2.0]), np.array([0, 0]), (2,))\narray([2., 0.])")
