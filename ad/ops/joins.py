"""NumPy's functions that join arrays: `hstack`, `vstack`, `dstack`, `column_stack`, `append`.

Each input's entries land, in their own order, somewhere in the result: the forward rule
scatters an input's tangent there, the reverse rule gathers its cotangent back (`joined`
finds the places by joining arrays of labels with NumPy's own function).
"""

import numpy as np

from .constant import zeros_like
from .core import defop, shape_of
from .domain import Case, Domain, Real
from .shape import getitem, reshape, scatter_add
from .structure import ravel


def joined(fn, i, xs):
    """Where the entries of xs[i] land in `fn(xs)` (np.hstack, np.vstack, ...), as an index tuple
    listing them in xs[i]'s own order (joins never reorder an input).

    >>> joined(np.hstack, 1, (np.zeros(2), np.zeros(1)))
    (array([2]),)
    """
    labels = fn([np.full(shape_of(x), k) for k, x in enumerate(xs)])
    return np.nonzero(labels == i)


def _join(name, fn, cases, doc, impl=None, aliases=()):
    # (variadic rules are called through the registry, with the op's parameters as keywords)
    return defop(
        name, impl or (lambda *xs: fn(xs)), nin=None,
        jvp=lambda i, t, out, *xs, **params: scatter_add(ravel(t), joined(fn, i, xs), shape_of(out)),
        vjp=lambda i, g, out, *xs, **params: reshape(getitem(g, joined(fn, i, xs)), shape_of(xs[i])),
        domain=Domain(Real(), tuple(Case(shapes, {}) for shapes in cases)), aliases=(fn,) + aliases,
        holomorphic=True, doc=doc)


# (np.row_stack, deprecated and gone in later NumPy, is vstack: it calls np.vstack with dtype= and casting=)
hstack = _join("hstack", np.hstack, (((3,), (2,)), ((2, 3), (2, 1)), ((), ())),
               "Join along the second axis (the first for vectors).\n\n"
               ">>> hstack([np.ones(2), np.zeros(1)])\narray([1., 1., 0.])",
               impl=lambda *xs, dtype=None, casting="same_kind": np.hstack(xs, dtype=dtype, casting=casting))
vstack = _join("vstack", np.vstack, (((3,), (3,)), ((2, 3), (3,), (1, 3))),
               "Join along the first axis, vectors as rows.\n\n>>> vstack([np.ones(2), np.zeros(2)]).shape\n(2, 2)",
               impl=lambda *xs, dtype=None, casting="same_kind": np.vstack(xs, dtype=dtype, casting=casting),
               aliases=(np.row_stack,) if hasattr(np, "row_stack") else ())
dstack = _join("dstack", np.dstack, (((3,), (3,)), ((2, 3), (2, 3, 2))),
               "Join along the third axis.\n\n>>> dstack([np.ones((2, 2)), np.zeros((2, 2))]).shape\n(2, 2, 2)")
column_stack = _join("column_stack", np.column_stack, (((3,), (3,)), ((3,), (3, 2))),
                     "Join vectors as columns (matrices along their second axis).\n\n"
                     ">>> column_stack([np.ones(2), np.zeros(2)]).shape\n(2, 2)")


def _append_slot(x_shape, axis, part):
    """Where arr (part 0) or values (part 1) sit in np.append(arr, values, axis)."""
    if axis is None:
        n = int(np.prod(x_shape))
        return slice(0, n) if part == 0 else slice(n, None)
    n = x_shape[axis]
    return (slice(None),) * (axis % len(x_shape)) + (slice(0, n) if part == 0 else slice(n, None),)


append = defop(
    "append", lambda x, values, axis=None: np.append(x, values, axis), nin=2,
    jvp=(lambda t, out, x, values, axis=None: append(t, zeros_like(values), axis),
         lambda t, out, x, values, axis=None: append(zeros_like(x), t, axis)),
    vjp=(lambda g, out, x, values, axis=None: reshape(getitem(g, _append_slot(shape_of(x), axis, 0)), shape_of(x)),
         lambda g, out, x, values, axis=None: reshape(getitem(g, _append_slot(shape_of(x), axis, 1)), shape_of(values))),
    domain=Domain((Real(), Real()), (Case(((3,), (2,)), {}), Case(((2, 3), ()), {}), Case(((2, 3), (1, 3)), {"axis": 0}),
                                     Case(((2, 3), (2, 2)), {"axis": -1}))),
    aliases=(np.append,), holomorphic=True,
    doc="values added at the end of x along `axis` (both flattened when None).\n\n"
        ">>> append(np.ones(2), 0.0)\narray([1., 1., 0.])")
