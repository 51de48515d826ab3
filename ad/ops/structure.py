"""NumPy's functions that move, copy or select entries: `ravel`, `flip`, `roll`, `pad`, `tile`,
`diagonal`, `take`, `sort`, ...

Each is linear in its input (sort and partition are, once their permutation is fixed), so its
forward rule is the op itself applied to the tangent.  Its reverse rule sends each entry of
the cotangent back to the entry of x it was copied from: `sources` finds those positions by
applying the same NumPy function to the positions of x (`np.arange(x.size)`), and
`scatter_add` adds the cotangent there (entries copied twice get both contributions).  No
Jacobian is ever built: the positions are one integer array of the output's size.
"""

import numpy as np

from .constant import _constant
from .core import defop, ndim_of, shape_of
from .domain import Case, Domain, Real
from .elementwise import mul
from .shape import getitem, reshape, scatter_add, transpose


def real_values(x, what):
    """x, checked to be real: `what` (sorting, variance, ...) has no rule for complex values.

    >>> real_values(np.ones(2), "np.sort")
    array([1., 1.])
    """
    if np.iscomplexobj(x):
        raise ValueError(f"{what} of complex values has no derivative rule in ad.ops")
    return x


def sources(fn, shape, *args):
    """Where in an array of `shape` each entry of `fn(x, *args)` comes from, as an index tuple.

    >>> sources(np.flip, (3,))
    (array([2, 1, 0]),)
    """
    positions = fn(np.arange(int(np.prod(shape))).reshape(shape), *args)
    return np.unravel_index(np.maximum(positions, 0), shape or (1,))


def vector_if_scalar(shape):
    """`shape`, or (1,) for a 0-d shape: `sources` indexes a 0-d array as if it had one axis.

    >>> vector_if_scalar(()), vector_if_scalar((2, 3))
    ((1,), (2, 3))
    """
    return tuple(shape) or (1,)


# The reverse rule of every copy: g's entries added at the `positions` of x they were copied from.
# (A lambda of registry ops, inlined into generated code like the rules that call it.)
_added_back = lambda g, x, positions: reshape(scatter_add(g, positions, vector_if_scalar(shape_of(x))), shape_of(x))  # noqa: E731


def copied(fn, shape, *args):
    """1.0 if every entry of `fn(x, *args)` is copied from x, else a 0/1 mask that is 0 where
    fn fills in zeros (padding, the off-diagonal entries of `diag`).

    >>> copied(np.diag, (2,))
    array([[ True, False],
           [False,  True]])
    """
    kept = fn(np.ones(shape), *args) != 0  # (a boolean mask keeps the cotangent's dtype)
    return 1.0 if kept.all() else kept


ravel = defop(
    "ravel", lambda x: np.ravel(x),
    jvp=(lambda t, out, x: ravel(t),),
    vjp=(lambda g, out, x: reshape(g, shape_of(x)),),
    domain=Domain((Real(),), (Case(((2, 3),), {}), Case(((),), {}), Case(((3,),), {}))),
    aliases=(np.ravel,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="The entries of x as a 1-D array (x.ravel(), x.flatten()).\n\n>>> ravel(np.ones((2, 2))).shape\n(4,)")

flip = defop(
    "flip", lambda x, axis=None: np.flip(x, axis),
    jvp=(lambda t, out, x, axis=None: flip(t, axis),),
    vjp=(lambda g, out, x, axis=None: flip(g, axis),),
    domain=Domain((Real(),), (Case(((3,),), {}), Case(((2, 3),), {"axis": 1}), Case(((2, 3, 2),), {"axis": (0, 2)}))),
    aliases=(np.flip,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Reverse the order of entries along `axis` (all axes when None).\n\n>>> flip(np.arange(3.0))\narray([2., 1., 0.])")

flipud = defop(
    "flipud", lambda x: np.flipud(x),
    jvp=(lambda t, out, x: flipud(t),), vjp=(lambda g, out, x: flipud(g),),
    domain=Domain((Real(),), (Case(((3,),), {}), Case(((2, 3),), {}))), aliases=(np.flipud,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Reverse the rows (axis 0).\n\n>>> flipud(np.arange(3.0))\narray([2., 1., 0.])")

fliplr = defop(
    "fliplr", lambda x: np.fliplr(x),
    jvp=(lambda t, out, x: fliplr(t),), vjp=(lambda g, out, x: fliplr(g),),
    domain=Domain((Real(),), (Case(((2, 3),), {}), Case(((2, 3, 2),), {}))), aliases=(np.fliplr,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Reverse the columns (axis 1).\n\n>>> fliplr(np.array([[1.0, 2.0]]))\narray([[2., 1.]])")

rot90 = defop(
    "rot90", lambda x, k=1, axes=(0, 1): np.rot90(x, k, axes),
    jvp=(lambda t, out, x, k=1, axes=(0, 1): rot90(t, k, axes),),
    vjp=(lambda g, out, x, k=1, axes=(0, 1): rot90(g, -k, axes),),
    domain=Domain((Real(),), (Case(((2, 3),), {}), Case(((2, 3),), {"k": 2}),
                              Case(((2, 3, 2),), {"k": -1, "axes": (2, 0)}))),
    aliases=(np.rot90,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Rotate by k quarter turns in the plane of `axes`.\n\n"
        ">>> rot90(np.array([[1.0, 2.0]]))\narray([[2.],\n       [1.]])")


def _negated(shift):
    return -np.asarray(shift)


roll = defop(
    "roll", lambda x, shift, axis=None: np.roll(x, shift, axis),
    jvp=(lambda t, out, x, shift, axis=None: roll(t, shift, axis),),
    vjp=(lambda g, out, x, shift, axis=None: roll(g, _negated(shift), axis),),
    domain=Domain((Real(),), (Case(((3,),), {"shift": 1}), Case(((2, 3),), {"shift": -4}),
                              Case(((2, 3),), {"shift": (1, 2), "axis": (0, 1)}), Case(((2, 3),), {"shift": 2, "axis": 1}))),
    aliases=(np.roll,), holomorphic=True,
    doc="Shift entries cyclically by `shift` along `axis` (of the flattened array when None).\n\n"
        ">>> roll(np.arange(3.0), 1)\narray([2., 0., 1.])")

moveaxis = defop(
    "moveaxis", lambda x, source, destination: np.moveaxis(x, source, destination),
    jvp=(lambda t, out, x, source, destination: moveaxis(t, source, destination),),
    vjp=(lambda g, out, x, source, destination: moveaxis(g, destination, source),),
    domain=Domain((Real(),), (Case(((2, 3, 2),), {"source": 0, "destination": -1}),
                              Case(((2, 3, 2),), {"source": (0, 1), "destination": (2, 0)}))),
    aliases=(np.moveaxis,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Move axes to new positions, keeping the order of the others.\n\n"
        ">>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape\n(3, 4, 2)")


def _rollaxis_inverse(ndim, axis, start):
    """The axes that undo np.rollaxis(x, axis, start) for an ndim-array x (its permutation
    read off the shape it gives an array whose axis lengths are 2, 3, 4, ...)."""
    rolled = np.rollaxis(np.empty(tuple(range(2, ndim + 2)), dtype=bool), axis, start).shape
    return tuple(int(i) for i in np.argsort([n - 2 for n in rolled]))


rollaxis = defop(
    "rollaxis", lambda x, axis, start=0: np.rollaxis(x, axis, start),
    jvp=(lambda t, out, x, axis, start=0: rollaxis(t, axis, start),),
    vjp=(lambda g, out, x, axis, start=0: transpose(g, _rollaxis_inverse(ndim_of(x), axis, start)),),
    domain=Domain((Real(),), (Case(((2, 3, 2),), {"axis": 2}), Case(((2, 3, 2),), {"axis": 0, "start": 2}))),
    aliases=(np.rollaxis,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="Move `axis` to position `start` (np.rollaxis).\n\n>>> rollaxis(np.ones((2, 3, 4)), 2).shape\n(4, 2, 3)")


def _at_least(name, fn, doc):
    rank = int(name[-2])
    cases = tuple(Case((shape,), {}) for shape in ((), (3,), (2, 3), (2, 3, 2)) if len(shape) <= rank + 1)
    op = defop(name, lambda x: fn(x),
               jvp=(lambda t, out, x: reshape(t, shape_of(out)),),
               vjp=(lambda g, out, x: reshape(g, shape_of(x)),),
               domain=Domain((Real(),), cases), aliases=(fn,), holomorphic=True, doc=doc,
               view=True)  # (NumPy returns a view, or the input itself)
    return op


atleast_1d = _at_least("atleast_1d", np.atleast_1d, "x with at least one axis.\n\n>>> atleast_1d(2.0)\narray([2.])")
atleast_2d = _at_least("atleast_2d", np.atleast_2d, "x with at least two axes (a vector becomes a row).\n\n"
                                                    ">>> atleast_2d(np.ones(2)).shape\n(1, 2)")
atleast_3d = _at_least("atleast_3d", np.atleast_3d, "x with at least three axes (np.atleast_3d's placement).\n\n"
                                                    ">>> atleast_3d(np.ones(2)).shape\n(1, 2, 1)")

# -- copies: the reverse rule adds each cotangent entry back where it was copied from -------------

_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _pad(x, pad_width, mode="constant", constant_values=0):
    if mode not in _PAD_MODES:
        raise ValueError(f"np.pad(..., mode={mode!r}) has no derivative rule in ad.ops; "
                         f"the differentiable modes are {', '.join(_PAD_MODES)}")
    if mode == "constant":
        return np.pad(x, pad_width, mode, constant_values=constant_values)
    return np.pad(x, pad_width, mode)


def _pad_with_zeros(x, pad_width, mode):
    return _pad(x, pad_width, mode)


pad = defop(
    "pad", _pad,
    jvp=(lambda t, out, x, pad_width, mode="constant", constant_values=0: pad(t, pad_width, mode),),
    vjp=(lambda g, out, x, pad_width, mode="constant", constant_values=0: _added_back(
        mul(g, copied(_pad_with_zeros, shape_of(x), pad_width, mode)), x,
        sources(_pad_with_zeros, shape_of(x), pad_width, mode)),),
    domain=Domain((Real(),), (Case(((3,),), {"pad_width": 2}),
                              Case(((2, 3),), {"pad_width": ((1, 0), (0, 2)), "constant_values": 1.5}),
                              Case(((3,),), {"pad_width": (1, 2), "mode": "edge"}),
                              Case(((2, 3),), {"pad_width": 2, "mode": "reflect"}),
                              Case(((2, 3),), {"pad_width": ((1, 1), (2, 0)), "mode": "symmetric"}),
                              Case(((3,),), {"pad_width": 4, "mode": "wrap"}))),
    aliases=(np.pad,), holomorphic=True,
    doc="x padded by `pad_width` entries (modes constant, edge, reflect, symmetric, wrap).\n\n"
        ">>> pad(np.array([1.0, 2.0]), 1, 'edge')\narray([1., 1., 2., 2.])")

repeat = defop(
    "repeat", lambda x, repeats, axis=None: np.repeat(x, repeats, axis),
    jvp=(lambda t, out, x, repeats, axis=None: repeat(t, repeats, axis),),
    vjp=(lambda g, out, x, repeats, axis=None: _added_back(g, x, sources(np.repeat, shape_of(x), repeats, axis)),),
    domain=Domain((Real(),), (Case(((3,),), {"repeats": 2}), Case(((2, 3),), {"repeats": 2, "axis": 1}),
                              Case(((2, 3),), {"repeats": np.array([1, 0, 3]), "axis": -1}), Case(((),), {"repeats": 3}))),
    aliases=(np.repeat,), holomorphic=True,
    doc="Each entry repeated `repeats` times along `axis` (of the flattened array when None).\n\n"
        ">>> repeat(np.array([1.0, 2.0]), 2)\narray([1., 1., 2., 2.])")

tile = defop(
    "tile", lambda x, reps: np.tile(x, reps),
    jvp=(lambda t, out, x, reps: tile(t, reps),),
    vjp=(lambda g, out, x, reps: _added_back(g, x, sources(np.tile, shape_of(x), reps)),),
    domain=Domain((Real(),), (Case(((3,),), {"reps": 2}), Case(((2, 3),), {"reps": (2, 1)}), Case(((3,),), {"reps": (2, 1, 2)}),
                              Case(((),), {"reps": 2}))),
    aliases=(np.tile,), holomorphic=True,
    doc="x repeated `reps` times along each axis.\n\n>>> tile(np.array([1.0, 2.0]), 2)\narray([1., 2., 1., 2.])")

diagonal = defop(
    "diagonal", lambda x, offset=0, axis1=0, axis2=1: np.diagonal(x, offset, axis1, axis2).copy(),
    jvp=(lambda t, out, x, offset=0, axis1=0, axis2=1: diagonal(t, offset, axis1, axis2),),
    vjp=(lambda g, out, x, offset=0, axis1=0, axis2=1: _added_back(
        g, x, sources(np.diagonal, shape_of(x), offset, axis1, axis2)),),
    domain=Domain((Real(),), (Case(((3, 3),), {}), Case(((2, 3),), {"offset": 1}), Case(((3, 2),), {"offset": -1}),
                              Case(((2, 3, 2),), {"axis1": 1, "axis2": 2}), Case(((2, 3, 3),), {"axis1": -1, "axis2": -2}))),
    aliases=(np.diagonal,), holomorphic=True,
    doc="The entries x[..., i, i + offset] of the plane (axis1, axis2), as a new last axis.\n\n"
        ">>> diagonal(np.eye(2))\narray([1., 1.])")

diag = defop(
    "diag", lambda x, k=0: np.diag(x, k),
    jvp=(lambda t, out, x, k=0: diag(t, k),),
    vjp=(lambda g, out, x, k=0: _added_back(mul(g, copied(np.diag, shape_of(x), k)), x, sources(np.diag, shape_of(x), k)),),
    domain=Domain((Real(),), (Case(((3,),), {}), Case(((3,),), {"k": -1}), Case(((3, 3),), {}), Case(((2, 3),), {"k": 1}))),
    aliases=(np.diag,), holomorphic=True,
    view=True,  # (NumPy returns a view, or the input itself)
    doc="A vector's diagonal matrix (on diagonal k), or a matrix's k-th diagonal.\n\n"
        ">>> diag(np.array([1.0, 2.0]))\narray([[1., 0.],\n       [0., 2.]])")

tril = defop(
    "tril", lambda x, k=0: np.tril(x, k),
    jvp=(lambda t, out, x, k=0: tril(t, k),), vjp=(lambda g, out, x, k=0: tril(g, k),),
    domain=Domain((Real(),), (Case(((3, 3),), {}), Case(((2, 3),), {"k": 1}), Case(((2, 3, 3),), {"k": -1}))),
    aliases=(np.tril,), holomorphic=True,
    doc="x with the entries above diagonal k set to zero.\n\n>>> tril(np.ones((2, 2)))\narray([[1., 0.],\n       [1., 1.]])")

triu = defop(
    "triu", lambda x, k=0: np.triu(x, k),
    jvp=(lambda t, out, x, k=0: triu(t, k),), vjp=(lambda g, out, x, k=0: triu(g, k),),
    domain=Domain((Real(),), (Case(((3, 3),), {}), Case(((2, 3),), {"k": 1}), Case(((2, 3, 3),), {"k": -1}))),
    aliases=(np.triu,), holomorphic=True,
    doc="x with the entries below diagonal k set to zero.\n\n>>> triu(np.ones((2, 2)))\narray([[1., 1.],\n       [0., 1.]])")

take = defop(
    "take", lambda x, indices, axis=None: np.take(x, indices, axis),
    jvp=(lambda t, out, x, indices, axis=None: take(t, indices, axis),),
    vjp=(lambda g, out, x, indices, axis=None: _added_back(g, x, sources(np.take, shape_of(x), indices, axis)),),
    domain=Domain((Real(),), (Case(((3,),), {"indices": np.array([2, 0, 2])}), Case(((2, 3),), {"indices": 4}),
                              Case(((2, 3),), {"indices": np.array([[1, 0], [-1, 1]]), "axis": 1}),
                              Case(((),), {"indices": np.array([0, 0])}))),
    aliases=(np.take,), holomorphic=True,
    doc="Entries at `indices` along `axis` (of the flattened array when None); repeats accumulate.\n\n"
        ">>> take(np.array([1.0, 2.0, 3.0]), [2, 0])\narray([3., 1.])")

take_along_axis = defop(
    "take_along_axis", lambda x, indices, axis=-1: np.take_along_axis(x, indices, axis),
    jvp=(lambda t, out, x, indices, axis=-1: take_along_axis(t, indices, axis),),
    vjp=(lambda g, out, x, indices, axis=-1: _added_back(g, x, sources(np.take_along_axis, shape_of(x), indices, axis)),),
    domain=Domain((Real(),), (Case(((3,),), {"indices": np.array([2, 0, 2])}),
                              Case(((2, 3),), {"indices": np.array([[1, 0], [2, 2]]), "axis": 1}),
                              Case(((2, 3),), {"indices": np.array([[1, 0, 1]]), "axis": 0}),
                              Case(((2, 3),), {"indices": np.array([5, 0]), "axis": None}))),
    aliases=(np.take_along_axis,), holomorphic=True,
    doc="x's entries at `indices` along `axis` (indices has x's number of axes).\n\n"
        ">>> take_along_axis(np.array([[1.0, 2.0]]), np.array([[1]]), 1)\narray([[2.]])")

# -- sorting: a permutation found on x's values, then a gather through it -------------------------

argsort = _constant("argsort", lambda x, axis=-1, kind=None: np.argsort(x, axis=axis, kind=kind), aliases=(np.argsort,),
                    doc="The permutation that sorts x along `axis`; constant in x.\n\n"
                        ">>> argsort(np.array([3.0, 1.0, 2.0]))\narray([1, 2, 0])")
argpartition = _constant("argpartition", lambda x, kth, axis=-1: np.argpartition(x, kth, axis=axis),
                         aliases=(np.argpartition,),
                         doc="The permutation np.partition applies along `axis`; constant in x.\n\n"
                             ">>> int(argpartition(np.array([3.0, 1.0, 2.0]), 0)[0])\n1")


def _no_ties(x, *params, axis=-1, **other):
    """True when x's entries are at least 0.05 apart (sorting is smooth there: a tie is a kink)."""
    values = np.sort(np.ravel(x))
    return bool(np.all(np.diff(values) >= 0.05))


_SORT_CASES = (Case(((4,),), {}), Case(((2, 3),), {}), Case(((2, 3),), {"axis": 0}), Case(((2, 3),), {"axis": None}))

sort = defop(
    "sort", lambda x, axis=-1, kind=None: np.sort(real_values(x, "np.sort"), axis=axis, kind=kind),
    jvp=(lambda t, out, x, axis=-1, kind=None: take_along_axis(t, argsort(x, axis, kind), axis),),
    vjp=(lambda g, out, x, axis=-1, kind=None: _added_back(
        g, x, sources(np.take_along_axis, shape_of(x), argsort(x, axis, kind), axis)),),
    domain=Domain((Real(),), _SORT_CASES, valid=_no_ties), aliases=(np.sort,),
    doc="x's entries in increasing order along `axis` (flattened when None); the derivative follows "
        "each entry to its sorted place (at ties, the place argsort gives it).\n\n"
        ">>> sort(np.array([3.0, 1.0, 2.0]))\narray([1., 2., 3.])")

partition = defop(
    "partition", lambda x, kth, axis=-1: np.partition(real_values(x, "np.partition"), kth, axis=axis),
    jvp=(lambda t, out, x, kth, axis=-1: take_along_axis(t, argpartition(x, kth, axis), axis),),
    vjp=(lambda g, out, x, kth, axis=-1: _added_back(
        g, x, sources(np.take_along_axis, shape_of(x), argpartition(x, kth, axis), axis)),),
    domain=Domain((Real(),), (Case(((5,),), {"kth": 2}), Case(((3, 2),), {"kth": (0, 2), "axis": 0}),
                              Case(((2, 3),), {"kth": -1})), valid=_no_ties),
    aliases=(np.partition,),
    doc="x rearranged so that entry kth is where sorting would put it, smaller ones before and larger "
        "ones after (np.partition); the derivative follows each entry to its place.\n\n"
        ">>> float(partition(np.array([3.0, 1.0, 2.0]), 1)[1])\n2.0")


def _axis_pad(ndim, axis, n):
    """pad_width putting n zeros at both ends of `axis`."""
    width = [(0, 0)] * ndim
    width[axis % ndim] = (n, n)
    return tuple(width)


def _sign_of_order(n):
    return -1.0 if n % 2 else 1.0


def _diff(x, n=1, axis=-1, prepend=None, append=None):
    ends = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    return np.diff(x, n, axis, **ends)


def zero_end(end):
    """The tangent of a constant `prepend=`/`append=` of np.diff: zeros of its shape (None stays None).

    >>> zero_end(np.ones(2)), zero_end(None)
    (array([0., 0.]), None)
    """
    return None if end is None else np.zeros_like(np.asarray(end, dtype=float))[()]


def diff_slot(x_shape, axis, prepend):
    """Where x sits along `axis` in the array np.diff extends with `prepend=`.

    >>> diff_slot((3,), -1, None), diff_slot((3,), -1, 0.0)
    ((slice(0, 3, None),), (slice(1, 4, None),))
    """
    axis = axis % len(x_shape)
    start = 0 if prepend is None else (np.shape(prepend)[axis] if np.ndim(prepend) == len(x_shape) else 1)
    return (slice(None),) * axis + (slice(start, start + x_shape[axis]),)


# The transpose of a difference is minus a difference of the zero-padded cotangent (then x's part of
# the array np.diff extended with prepend= and append=, which are constants here).  (Those two are
# tested in tests/test_numpy_structure.py, not by the domain: NumPy's result takes their float64.)
diff = defop(
    "diff", _diff,
    jvp=(lambda t, out, x, n=1, axis=-1, prepend=None, append=None: diff(t, n, axis, zero_end(prepend), zero_end(append)),),
    vjp=(lambda g, out, x, n=1, axis=-1, prepend=None, append=None: getitem(
        mul(diff(pad(g, _axis_pad(ndim_of(x), axis, n)), n, axis), _sign_of_order(n)), diff_slot(shape_of(x), axis, prepend)),),
    domain=Domain((Real(),), (Case(((4,),), {}), Case(((4,),), {"n": 2}), Case(((2, 3),), {"axis": 0}),
                              Case(((2, 4),), {"n": 3}))),
    aliases=(np.diff,), holomorphic=True,
    doc="n-th differences x[i + 1] - x[i] along `axis`, x first extended by the constants `prepend` and "
        "`append` if given.\n\n>>> diff(np.array([1.0, 4.0, 9.0]), prepend=0.0)\narray([1., 3., 5.])")
