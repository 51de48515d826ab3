"""Ops that move entries around without changing their values.

All of them are linear, so each rule is the op itself or its transpose: `reshape` undoes
`reshape`, `sum_to` (the one unbroadcast step every VJP shares) undoes `broadcast_to`,
`scatter_add` undoes `getitem`.
"""

import operator

import numpy as np

from .core import defop, is_complex, narrower_float, shape_of
from .domain import Case, Domain, Real


def _sum_to(x, shape):
    shape, x_shape = tuple(shape), shape_of(x)
    if x_shape == shape:
        return x
    lead = len(x_shape) - len(shape)
    if lead < 0:
        raise ValueError(f"sum_to: cannot sum shape {x_shape} to the larger shape {shape}")
    kept = tuple(lead + i for i, n in enumerate(shape) if n == 1 and x_shape[lead + i] != 1)
    # add.reduce: np.sum's Python wrapper costs more than the work on small cotangents
    total = np.add.reduce if type(x) is np.ndarray and x.dtype.kind == "f" else np.sum
    if not kept:  # only leading axes: a plain sum gives the shape directly
        return total(x, axis=tuple(range(lead)))
    if not lead:  # only axes kept as 1: keepdims gives the shape directly
        return total(x, axis=kept, keepdims=True)
    return total(x, axis=tuple(range(lead)) + kept, keepdims=True).reshape(shape)


def _broadcast_cases():
    pairs = [((), (3,)), ((), (2, 3)), ((3,), (2, 3)), ((1, 3), (2, 3)), ((3,), (3,)), ((2, 1), (2, 3))]
    return tuple(Case((small,), {"shape": big}) for small, big in pairs)


def _sum_to_cases():
    pairs = [((3,), ()), ((2, 3), ()), ((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), (2, 1)), ((3,), (3,))]
    return tuple(Case((big,), {"shape": small}) for big, small in pairs)


sum_to = defop(
    "sum_to", _sum_to,
    jvp=(lambda t, out, x, shape: sum_to(t, shape),),
    vjp=(lambda g, out, x, shape: broadcast_to(g, shape_of(x)),),
    domain=Domain((Real(),), _sum_to_cases()), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Sum x down to `shape`, undoing NumPy broadcasting (the step every VJP shares).\n\n"
        ">>> sum_to(np.ones((2, 3)), (3,))\narray([2., 2., 2.])")

def _broadcast_to(x, shape):
    # A filled copy rather than np.broadcast_to's read-only view: several times faster to
    # make for the small arrays of reduction rules, and writable like every other result.
    shape, x_shape = tuple(shape), shape_of(x)
    if x_shape == shape:
        return x
    if len(x_shape) > len(shape):  # (assignment below would drop leading 1s; broadcasting does not)
        np.broadcast_shapes(x_shape, shape)  # NumPy's error for shapes that do not broadcast
        raise ValueError(f"cannot broadcast shape {x_shape} to the smaller shape {shape}")
    out = np.empty(shape, dtype=x.dtype if type(x) is np.ndarray else np.result_type(x))
    out[...] = x  # raises NumPy's broadcasting error for incompatible shapes
    return out


broadcast_to = defop(
    "broadcast_to", _broadcast_to,
    jvp=(lambda t, out, x, shape: broadcast_to(t, shape),),
    vjp=(lambda g, out, x, shape: sum_to(g, shape_of(x)),),
    domain=Domain((Real(),), _broadcast_cases()), aliases=(np.broadcast_to,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Broadcast x to `shape` (a read-only view).\n\n>>> broadcast_to(1.0, (2,))\narray([1., 1.])")

def _unbroadcast(value, like):
    kind = type(value)  # the common cases first: nothing to undo
    if kind is np.ndarray and type(like) is np.ndarray and value.dtype is like.dtype:  # (no dtype to change)
        shape = like.shape
        if value.shape == shape:
            return value
        return _to_shape(value, shape)
    if kind is float or kind is np.float64:  # a scalar's cotangent: a float64 scalar is already one
        other = type(like)
        if other is np.float64 or other is float:
            return value
    if is_complex(value) and not is_complex(like):  # a real value's cotangent (or tangent) is real
        value = np.real(value)
    narrower = narrower_float(value, like)  # (and a float32 value's is float32)
    if narrower is not None:
        value = np.asarray(value).astype(narrower)[()]
    shape = shape_of(like)
    if shape_of(value) == shape:  # most calls: nothing was broadcast
        return value
    return _to_shape(value, shape)


def _to_shape(value, shape):
    """value broadcast up or summed down to `shape`, whichever fits."""
    value_shape = shape_of(value)
    lead = len(value_shape) - len(shape)
    if lead < 0:
        return _broadcast_to(value, shape)
    summed, spread = [], False  # (one pass over the axes: these arrays are small, calls cost more)
    for i, n in enumerate(shape, lead):
        v = value_shape[i]
        if v != n:
            if n == 1:
                summed.append(i)
            else:
                spread = True
    if spread:
        return _broadcast_to(value, shape) if not lead and not summed else _sum_to(value, shape)  # (_sum_to: NumPy's error)
    if type(value) is not np.ndarray or value.dtype.kind != "f":
        return _sum_to(value, shape)
    if not lead:  # only axes kept as 1: keepdims gives the shape directly
        return np.add.reduce(value, axis=tuple(summed), keepdims=True)
    if not summed:  # only leading axes
        return np.add.reduce(value, axis=tuple(range(lead)))
    return _sum_to(value, shape)


unbroadcast = defop(
    "unbroadcast", _unbroadcast, nin=2,
    jvp=(lambda t, out, value, like: unbroadcast(t, like), None),  # `like` gives only its shape
    vjp=(lambda g, out, value, like: unbroadcast(g, value), None),
    domain=Domain((Real(), Real()), tuple(Case(pair, {}) for pair in (
        ((2, 3), (3,)), ((2, 3), ()), ((3,), (2, 3)), ((), (2, 3)), ((1, 3), (2, 3)), ((2, 3), (1, 3)),
        ((2, 3), (2, 1)), ((3,), (3,))))), holomorphic=False,  # (its real part for a real `like`)
    view=True,  # (NumPy returns a view, or the input itself)
    doc="value summed down or broadcast up to the shape of `like`: `sum_to` or `broadcast_to`, whichever "
        "fits, and its real part if `like` is real.  Generated derivative code uses it to undo broadcasting.\n\n"
        ">>> unbroadcast(np.ones((2, 3)), np.zeros(3))\narray([2., 2., 2.])")


def _cotangent_of(cotangent, output):
    if type(cotangent) is float and type(output) is np.float64:  # (the seed 1.0 of a gradient: nothing to check)
        return cotangent
    if shape_of(cotangent) != shape_of(output):
        raise ValueError(f"the cotangent has shape {shape_of(cotangent)} but the output has shape "
                         f"{shape_of(output)}; for a non-scalar output use vjp or jacobian")
    return plain_in_dtype_of(cotangent, output)


def plain_in_dtype_of(cotangent, output):
    """A plain cotangent in its output's dtype, so that a float32 sweep stays float32.

    >>> plain_in_dtype_of(1.0, np.float32(2.0)).dtype
    dtype('float32')
    """
    dtype = getattr(output, "dtype", None)
    if dtype is None or np.result_type(cotangent) == dtype:
        return cotangent
    return np.asarray(cotangent, dtype=dtype)


cotangent_of = defop(
    "cotangent_of", _cotangent_of, nin=2,
    jvp=(lambda t, out, cotangent, output: cotangent_of(t, output), None),
    vjp=(lambda g, out, cotangent, output: g, None),
    domain=Domain((Real(), Real()), tuple(Case((s, s), {}) for s in ((), (3,), (2, 3)))),  # (casts to a real dtype)
    view=True,  # (NumPy returns a view, or the input itself)
    doc="The cotangent a reverse sweep starts from: checked to have the output's shape, in the output's "
        "dtype.\n\n>>> cotangent_of(1.0, np.float32(2.0)).dtype\ndtype('float32')")


reshape = defop(
    "reshape", lambda x, shape: np.reshape(x, shape),
    jvp=(lambda t, out, x, shape: reshape(t, shape),),
    vjp=(lambda g, out, x, shape: reshape(g, shape_of(x)),),
    domain=Domain((Real(),), (Case(((2, 3),), {"shape": (3, 2)}), Case(((2, 3),), {"shape": (-1,)}),
                              Case(((6,),), {"shape": (2, 1, 3)}), Case(((),), {"shape": (1, 1)}))),
    aliases=(np.reshape,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Same entries in a new shape.\n\n>>> reshape(np.arange(6.0), (2, 3)).shape\n(2, 3)")


def _inverse_axes(axes, ndim):
    if axes is None:
        return None
    axes = [a % ndim for a in axes]
    return tuple(np.argsort(axes))


transpose = defop(
    "transpose", lambda x, axes=None: np.transpose(x, axes),
    jvp=(lambda t, out, x, axes=None: transpose(t, axes),),
    vjp=(lambda g, out, x, axes=None: transpose(g, _inverse_axes(axes, len(shape_of(x)))),),
    domain=Domain((Real(),), (Case(((2, 3),), {}), Case(((3,),), {}), Case(((2, 3, 2),), {"axes": (1, 2, 0)}),
                              Case(((2, 3, 2),), {"axes": (-1, 0, 1)}))),
    aliases=(np.transpose,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Permute axes (reverse them when `axes` is None).\n\n>>> transpose(np.ones((2, 3))).shape\n(3, 2)")

swapaxes = defop(
    "swapaxes", lambda x, axis1, axis2: np.swapaxes(x, axis1, axis2),
    jvp=(lambda t, out, x, axis1, axis2: swapaxes(t, axis1, axis2),),
    vjp=(lambda g, out, x, axis1, axis2: swapaxes(g, axis1, axis2),),
    domain=Domain((Real(),), (Case(((2, 3),), {"axis1": 0, "axis2": 1}),
                              Case(((2, 3, 2),), {"axis1": -1, "axis2": -2}))),
    aliases=(np.swapaxes,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Exchange two axes.\n\n>>> swapaxes(np.ones((2, 3)), 0, 1).shape\n(3, 2)")

expand_dims = defop(
    "expand_dims", lambda x, axis: np.expand_dims(x, axis),
    jvp=(lambda t, out, x, axis: expand_dims(t, axis),),
    vjp=(lambda g, out, x, axis: reshape(g, shape_of(x)),),
    domain=Domain((Real(),), (Case(((),), {"axis": 0}), Case(((3,),), {"axis": 0}), Case(((3,),), {"axis": -1}),
                              Case(((2, 3),), {"axis": 1}), Case(((2, 3),), {"axis": (0, 3)}))),
    aliases=(np.expand_dims,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Insert length-1 axes.\n\n>>> expand_dims(np.ones(3), 0).shape\n(1, 3)")

squeeze = defop(
    "squeeze", lambda x, axis=None: np.squeeze(x, axis),
    jvp=(lambda t, out, x, axis=None: squeeze(t, axis),),
    vjp=(lambda g, out, x, axis=None: reshape(g, shape_of(x)),),
    domain=Domain((Real(),), (Case(((1, 3),), {}), Case(((1, 3),), {"axis": 0}), Case(((2, 1),), {"axis": -1}),
                              Case(((3,),), {}))),
    aliases=(np.squeeze,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Drop length-1 axes.\n\n>>> squeeze(np.ones((1, 3))).shape\n(3,)")


def _integer_positions(index, ndim):
    """The integer arrays of an index naming one position per axis, or None for other indices."""
    parts = index if isinstance(index, tuple) else (index,)
    if len(parts) != ndim or not all(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts):
        return None
    return parts


def _is_basic(index) -> bool:
    """Whether an index is NumPy's basic indexing (ints, slices, ..., None), which names each
    position at most once.

    >>> _is_basic((slice(None), 0)), _is_basic(np.array([0, 0])), _is_basic(True)
    (True, False, False)
    """
    for part in index if isinstance(index, tuple) else (index,):
        kind = type(part)
        if not (kind is slice or kind is int or part is Ellipsis or part is None or isinstance(part, np.integer)):
            return False
    return True


def _scatter_add(x, index, shape):
    dtype = np.dtype(getattr(x, "dtype", np.float64))
    dtype = dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)
    if _is_basic(index):  # no position twice: assignment adds, ~10x faster than add.at on small arrays
        result = np.zeros(shape, dtype=dtype)
        result[index] = x
        return result
    positions = _integer_positions(index, len(shape)) if dtype.kind == "f" else None
    if positions is not None and shape:  # (the reverse rules of copies: bincount is ~10x faster than add.at)
        flat = np.ravel_multi_index(np.broadcast_arrays(*positions), shape, mode="wrap")  # (wrap: -1 is the last)
        weights = np.broadcast_to(x, flat.shape).ravel()
        return np.bincount(flat.ravel(), weights, minlength=int(np.prod(shape))).reshape(shape).astype(dtype, copy=False)
    result = np.zeros(shape, dtype=dtype)
    np.add.at(result, index, x)  # add.at accumulates repeated indices, unlike result[index] += x
    return result


_INDEX_CASES = (
    Case(((3,),), {"index": 1}),
    Case(((3,),), {"index": slice(0, 2)}),
    Case(((3,),), {"index": np.array([0, 2, 2])}),  # a repeated index must accumulate
    Case(((2, 3),), {"index": 0}),
    Case(((2, 3),), {"index": (slice(None), 1)}),
    Case(((2, 3),), {"index": (Ellipsis, slice(None, None, -1))}),
    Case(((2, 3),), {"index": (np.array([1, 0, 1]), np.array([0, 2, 0]))}),
    Case(((2, 3),), {"index": np.array([[True, False, True], [False, True, False]])}),
    Case(((2, 3),), {"index": (None, 1)}),
)

getitem = defop(
    "getitem", lambda x, index: x[index] if isinstance(x, np.ndarray) else np.asarray(x)[index],
    jvp=(lambda t, out, x, index: getitem(t, index),),
    vjp=(lambda g, out, x, index: scatter_add(g, index, shape_of(x)),),
    domain=Domain((Real(),), _INDEX_CASES), aliases=(operator.getitem,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="x[index]: integers, slices, Ellipsis, None, integer and boolean arrays.\n\n"
        ">>> getitem(np.arange(4.0), slice(1, 3))\narray([1., 2.])")


def _scatter_cases():
    cases = []
    for case in _INDEX_CASES:
        (shape,), index = case.shapes, case.params["index"]
        cases.append(Case((np.zeros(shape)[index].shape,), {"index": index, "shape": shape}))
    return tuple(cases)


scatter_add = defop(
    "scatter_add", _scatter_add,
    jvp=(lambda t, out, x, index, shape: scatter_add(t, index, shape),),
    vjp=(lambda g, out, x, index, shape: getitem(g, index),),
    domain=Domain((Real(),), _scatter_cases()), holomorphic=True,
    doc="Zeros of `shape` with x added at `index` (repeats accumulate): the transpose of getitem.\n\n"
        ">>> scatter_add(np.ones(2), np.array([0, 0]), (2,))\narray([2., 0.])")


def _slot(axis, position, ndim):
    """Index selecting `position` along `axis` (a slice or an int) of an ndim-array."""
    return (slice(None),) * (axis % ndim) + (position,)


def _concatenate_slot(i, xs, axis):
    ndim = len(shape_of(xs[0]))
    start = sum(shape_of(x)[axis] for x in xs[:i])
    return _slot(axis, slice(start, start + shape_of(xs[i])[axis]), ndim)


concatenate = defop(
    "concatenate", lambda *xs, axis=0: np.concatenate(xs, axis=axis), nin=None,
    jvp=lambda i, t, out, *xs, axis=0: scatter_add(t, _concatenate_slot(i, xs, axis), shape_of(out)),
    vjp=lambda i, g, out, *xs, axis=0: getitem(g, _concatenate_slot(i, xs, axis)),
    domain=Domain(Real(), (Case(((3,), (2,)), {}), Case(((2, 3), (1, 3)), {}), Case(((2, 3), (2, 1), (2, 2)), {"axis": 1}),
                           Case(((2, 3), (2, 3)), {"axis": -1}))),
    aliases=(np.concatenate,), holomorphic=True,
    doc="Join arrays along an existing axis.\n\n>>> concatenate([np.ones(2), np.zeros(1)])\narray([1., 1., 0.])")

stack = defop(
    "stack", lambda *xs, axis=0: np.stack(xs, axis=axis), nin=None,
    jvp=lambda i, t, out, *xs, axis=0: scatter_add(t, _slot(axis, i, len(shape_of(out))), shape_of(out)),
    vjp=lambda i, g, out, *xs, axis=0: getitem(g, _slot(axis, i, len(shape_of(out)))),
    domain=Domain(Real(), (Case(((), ()), {}), Case(((3,), (3,)), {}), Case(((2, 3), (2, 3), (2, 3)), {"axis": 1}),
                           Case(((2, 3), (2, 3)), {"axis": -1}))),
    aliases=(np.stack,), holomorphic=True,
    doc="Join arrays along a new axis.\n\n>>> stack([np.ones(2), np.zeros(2)]).shape\n(2, 2)")
