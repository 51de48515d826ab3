"""Object arrays of traced values: what NumPy builds from `np.array([x, y])`, and back.

Users write `np.array([x, y])`, `np.asarray(x)` or `np.r_[x, y]`; NumPy builds those arrays
itself, asking each element for `__array__`.  An engine value answers with an object array
of its traced scalars (`as_object_array`), so NumPy assembles an object array holding traced
values with exactly the shape it gives plain values.  NumPy's object loops then call the
elements' own operators and methods, so values and derivatives stay right.  As soon as such
an array meets an op (or is returned by f), `lift` turns it back into one traced array: the
pieces of one traced array are recognised and replaced by that array, the rest are stacked.

>>> lift(np.array([1.0, 2.0], dtype=object)) is None   # (no traced values: nothing to lift)
True
"""

from __future__ import annotations

import weakref

import numpy as np

from .core import _ENGINES, REGISTRY

OBJECT = np.dtype(object)

# The traced scalars handed to NumPy by as_object_array: id(piece) -> (weak piece, source,
# index, source's contents then).  Lifting recognises a block of pieces of one source and puts
# the source back in one step, unless the source was updated in place since (`x += 1` gives it
# new contents; the array keeps the values it was built from, as NumPy's copy does).
_PIECES: dict[int, tuple] = {}


def _forget(key):
    return lambda _: _PIECES.pop(key, None)


def as_object_array(x, shape: tuple) -> np.ndarray:
    """An object array of shape `shape` whose elements are x's traced scalars (x[i, j, ...]);
    a 0-d x is its own element.  This is what `__array__` gives NumPy for a traced value.

    >>> as_object_array(2.5, ()).dtype
    dtype('O')
    """
    out = np.empty(shape, dtype=OBJECT)
    if not shape:
        out[()] = x
        return out
    getitem, contents = REGISTRY["getitem"], x._value()
    for index in np.ndindex(shape):
        piece = getitem(x, index)
        key = id(piece)
        _PIECES[key] = (weakref.ref(piece, _forget(key)), x, index, contents)
        out[index] = piece
    return out


def holds_traced(array: np.ndarray) -> bool:
    """Whether an object array holds at least one engine value.

    >>> holds_traced(np.array([1.0, None], dtype=object))
    False
    """
    return any(type(e) in _ENGINES for e in array.flat)


def lift(array):
    """The traced value an object array of traced values stands for, or None when it holds no
    traced value (a plain object array stays what it is).

    >>> lift(np.array([1.0, 2.0]))   # (only object arrays are lifted)
    """
    if type(array) is not np.ndarray or array.dtype is not OBJECT or not holds_traced(array):
        return None
    return _rebuild(array)


def lift_all(values: tuple):
    """`values` with every object array of traced values lifted, or None if none was.

    >>> lift_all((1.0, np.ones(2))) is None
    True
    """
    lifted = [lift(v) for v in values]
    if all(v is None for v in lifted):
        return None
    return tuple(v if new is None else new for v, new in zip(values, lifted))


def _rebuild(block):
    if type(block) is not np.ndarray:  # an element: a traced value or a constant
        return block
    source = _whole_source(block)
    if source is not None:
        return source
    if block.ndim == 0:
        return block[()]
    if not holds_traced(block):  # constants among traced rows: plain numbers, as NumPy would store them
        return np.array(block.tolist())
    return REGISTRY["stack"]([_rebuild(block[i]) for i in range(len(block))])


def _whole_source(block: np.ndarray):
    """The traced array whose pieces fill `block` in their own places, or None."""
    if block.size == 0 or block.ndim == 0:
        return None
    first = _PIECES.get(id(block.flat[0]))
    if first is None:
        return None
    source, contents = first[1], first[3]
    if source._value() is not contents or tuple(source.shape) != block.shape:
        return None
    for index in np.ndindex(block.shape):
        entry = _PIECES.get(id(block[index]))
        if entry is None or entry[1] is not source or entry[2] != index or entry[0]() is not block[index]:
            return None
    return source
