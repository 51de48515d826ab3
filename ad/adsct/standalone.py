"""Plain NumPy versions of the helpers generated code calls, for modules written by export.py.

Generated code runs with ad's helpers (`unbroadcast`, `cotangent_of`, `ops.unreduce`, ...),
which dispatch on engine values so that the code can be differentiated again.  A module that
`export` writes needs none of that: it gets these definitions instead, written out from the
functions below (so their text is what a reader of the module sees).  Each one computes what
its counterpart in ad computes on plain floats and arrays (tests/test_adsct_export.py checks
them against the registry on the ops' own test cases), and uses only numpy and the other
functions here.

>>> unbroadcast(np.ones((2, 3)), np.zeros(3))
array([2., 2., 2.])
>>> unreduce(np.array([1.0, 2.0]), np.zeros((2, 3)), axis=1)
array([[1., 1., 1.],
       [2., 2., 2.]])
"""

import numpy as np


def in_dtype_of(value, like):
    """value cast to like's float dtype where that is the narrower one (float32 code stays float32)."""
    to = getattr(like, "dtype", None)
    if to is None or to.kind != "f" or to.itemsize >= 8:
        return value
    source = np.result_type(value)
    if source.kind == "f" and source.itemsize > to.itemsize:
        return np.asarray(value).astype(to)[()]
    return value


def unbroadcast(value, like):
    """A cotangent `value` summed back (or spread out) to the shape of `like`, real where like is real."""
    if np.iscomplexobj(value) and not np.iscomplexobj(like):
        value = np.real(value)
    value = in_dtype_of(value, like)
    shape, value_shape = np.shape(like), np.shape(value)
    if value_shape == shape:
        return value
    if len(value_shape) < len(shape) or (len(value_shape) == len(shape) and all(
            v == 1 or v == n for v, n in zip(value_shape, shape))):
        return broadcast_to(value, shape)
    return sum_to(value, shape)


def broadcast_like(value, like):
    """A tangent `value` spread out (or summed) to the shape of `like`, real where like is real."""
    return unbroadcast(value, like)


def broadcast_to(x, shape):
    """x broadcast to `shape`, as a new writable array."""
    shape = tuple(shape)
    if np.shape(x) == shape:
        return x
    if np.ndim(x) > len(shape):
        raise ValueError(f"cannot broadcast shape {np.shape(x)} to the smaller shape {shape}")
    out = np.empty(shape, dtype=np.result_type(x))
    out[...] = x
    return out


def sum_to(x, shape):
    """x summed over the axes that broadcasting added or stretched, down to `shape`."""
    shape, x_shape = tuple(shape), np.shape(x)
    if x_shape == shape:
        return x
    lead = len(x_shape) - len(shape)
    if lead < 0:
        raise ValueError(f"cannot sum shape {x_shape} to the larger shape {shape}")
    kept = tuple(lead + i for i, n in enumerate(shape) if n == 1 and x_shape[lead + i] != 1)
    if not kept:
        return np.sum(x, axis=tuple(range(lead)))
    return np.sum(x, axis=tuple(range(lead)) + kept, keepdims=True).reshape(shape)


def unreduce(g, x, axis=None, keepdims=False):
    """The cotangent g of a reduction of x over `axis` (None: all axes), spread back over x's shape."""
    if not keepdims and np.ndim(g) > 0:
        g = np.expand_dims(g, axis)
    return broadcast_to(g, np.shape(x))


def cotangent_of(cotangent, output):
    """The output's cotangent, checked to have the output's shape, in the output's dtype."""
    if np.shape(cotangent) != np.shape(output):
        raise ValueError(f"the cotangent has shape {np.shape(cotangent)} but the output has shape "
                         f"{np.shape(output)}; for a non-scalar output give a cotangent of its shape")
    dtype = getattr(output, "dtype", None)
    if dtype is None or np.result_type(cotangent) == dtype:
        return cotangent
    return np.asarray(cotangent, dtype=dtype)


def zeros_like(x):
    """A zero of x's shape and float dtype."""
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=x.dtype if x.dtype.kind in "fc" else np.float64)
    if isinstance(x, np.floating):
        return x * 0
    return 0.0


def same_array(value, other, messages, k):
    """Whether `other` is the very array `value` holds (an in-place update of value then changes
    other too); a ValueError (messages[k]) where they share only part of their memory."""
    if not isinstance(value, np.ndarray):
        return False
    if other is value:
        return True
    if isinstance(other, np.ndarray) and np.may_share_memory(value, other):
        raise ValueError(messages[k])
    return False
