"""Tensor contractions: `einsum`, `tensordot`, `outer`, `inner`, `kron`, `cross`.

Each is linear in every operand, so a forward rule is the contraction with one operand
replaced by its tangent, and a reverse rule is another contraction: the cotangent contracted
with the other operands.  `einsum`'s reverse rule is itself an einsum whose output may repeat
an index (written onto a diagonal: the transpose of reading one) or name an index no input
has (broadcast along it), so `einsum` is closed under differentiation.
"""

import string

import numpy as np

from .core import Op, defop, ndim_of, register, shape_of
from .domain import Case, Domain, Real
from .shape import reshape, transpose
from .structure import ravel


# -- einsum ---------------------------------------------------------------------------------------

def explicit_subscripts(subscripts, ndims):
    """(input subscripts, output subscripts) with `...` spelled out in letters and the implicit
    output of NumPy (the letters used once, in alphabetical order) made explicit.

    >>> explicit_subscripts("ij,jk", (2, 2))
    (['ij', 'jk'], 'ik')
    >>> explicit_subscripts("...i->...", (3,))
    (['ABi'], 'AB')
    """
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum: {subscripts!r} names {len(terms)} operands but {len(ndims)} are given")
    used = set(subscripts) - set(".,->")
    spare = [c for c in string.ascii_uppercase + string.ascii_lowercase if c not in used]
    broadcast = max([n - len(t.replace("...", "")) for t, n in zip(terms, ndims) if "..." in t], default=0)
    letters = "".join(spare[:broadcast])
    explicit = [t.replace("...", letters[broadcast - (n - len(t.replace("...", ""))):]) if "..." in t else t
                for t, n in zip(terms, ndims)]
    if arrow:
        return explicit, output.replace("...", letters)
    counts = {c: inputs.count(c) for c in set(inputs) - set(".,")}
    return explicit, letters + "".join(sorted(c for c, k in counts.items() if k == 1))


def _einsum(*xs, subscripts, shape=None, optimize=False):
    terms, output = explicit_subscripts(subscripts, [np.ndim(x) for x in xs])
    present = set("".join(terms))
    unique = "".join(dict.fromkeys(output))
    if unique == output and present.issuperset(output):  # NumPy's einsum
        return np.einsum(",".join(terms) + "->" + output, *xs, optimize=optimize)
    # An output index repeated (a diagonal) or absent from the inputs (broadcast along it): the
    # einsum of the present indices, written into zeros of `shape` through a diagonal view.
    sizes = {}
    for term, x in zip(terms, xs):
        for c, n in zip(term, np.shape(x)):
            sizes[c] = max(sizes.get(c, 1), n)
    if shape is None:
        if not present.issuperset(output):
            raise ValueError(f"einsum: output {output!r} names an index no input has: give its shape")
        shape = tuple(sizes[c] for c in output)
    kept = "".join(c for c in unique if c in present)
    value = np.einsum(",".join(terms) + "->" + kept, *xs, optimize=optimize)
    value = np.expand_dims(value, tuple(i for i, c in enumerate(unique) if c not in present))
    result = np.zeros(shape, dtype=value.dtype if value.dtype.kind in "fc" else np.float64)
    np.einsum(output + "->" + unique, result)[...] = value  # (a writable view of result's diagonal)
    return result


def _others(xs, i, t):
    return [t if j == i else x for j, x in enumerate(xs)]


def einsum_transposed(subscripts, i, ndims, out_ndim=None):
    """The subscripts of the einsum giving operand i's cotangent: the output's cotangent first,
    then the other operands, producing operand i's indices.

    >>> einsum_transposed("ij,jk->ik", 0, (2, 2))
    'ik,jk->ij'
    """
    terms, output = explicit_subscripts(subscripts, ndims)
    others = [t for j, t in enumerate(terms) if j != i]
    return ",".join([output] + others) + "->" + terms[i]


def _cotangent_operands(xs, i, g):
    return [g] + [x for j, x in enumerate(xs) if j != i]


class _SubscriptsFirst(Op):
    """A variadic op called as NumPy's einsum is: `einsum(subscripts, *operands)`; the registry's
    own form, `einsum([operands...], subscripts)`, is accepted too (rules call that)."""

    subscripts_first = True

    def bind(self, args, kwargs):
        if args and not isinstance(args[0], (list, tuple)):
            if not isinstance(args[0], str):
                raise TypeError("einsum's interleaved form einsum(a, [0, 1], b, [1, 2]) is not supported on "
                                "traced values: write einsum('ij,jk->ik', a, b)")
            args = (list(args[1:]), args[0])
        return super().bind(args, kwargs)

    def numpy_arguments(self, inputs, params):
        """(args, kwargs) calling np.einsum as this op's `inputs` and `params` do."""
        params = dict(params)
        return (params.pop("subscripts"), *inputs), params


einsum = register(_SubscriptsFirst(
    "einsum", _einsum, None,
    jvp=lambda i, t, out, *xs, subscripts, shape=None, optimize=False: einsum(
        _others(xs, i, t), subscripts, shape, optimize),
    vjp=lambda i, g, out, *xs, subscripts, shape=None, optimize=False: einsum(
        _cotangent_operands(xs, i, g), einsum_transposed(subscripts, i, [ndim_of(x) for x in xs]), shape_of(xs[i]),
        optimize),
    domain=Domain(Real(), tuple(Case(shapes, {"subscripts": s}) for s, shapes in (
        ("ij,jk->ik", ((2, 3), (3, 2))), ("i,i", ((3,), (3,))), ("ij->", ((2, 3),)), ("ij", ((2, 3),)),
        ("ii", ((3, 3),)), ("ii->i", ((3, 3),)), ("i,j->ij", ((2,), (3,))), ("...ij,...jk->...ik", ((2, 2, 3), (3, 2))),
        ("bij,bj->bi", ((2, 3, 2), (2, 2))), ("ij,ij,j->i", ((2, 3), (2, 3), (3,))), ("i->ii", ((3,),))))),
    aliases=(np.einsum,), holomorphic=True,
    view=True,  # (np.einsum('ij->ji', x) is a view of x)
    doc="Einstein summation, np.einsum(subscripts, *operands) (`...`, implicit outputs; an output may "
        "also repeat an index, written on the diagonal, with `shape` given).\n\n"
        ">>> einsum('ij,j->i', np.eye(2), np.array([1.0, 2.0]))\narray([1., 2.])"))


# -- tensordot, inner, outer, dot: contractions of two operands over given axes ----------------------

def _normalise_axes(axes, a_ndim, b_ndim):
    """tensordot's `axes` as two lists of non-negative axes."""
    if isinstance(axes, (int, np.integer)):
        return list(range(a_ndim - axes, a_ndim)), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    return [a % a_ndim for a in axes_a], [b % b_ndim for b in axes_b]


def tensordot_transposed(a_ndim, b_ndim, axes, of):
    """(axes, permutation) for operand `of`'s cotangent of np.tensordot(a, b, axes): for "a",
    transpose(tensordot(g, b, axes), permutation); for "b", transpose(tensordot(a, g, axes), ...).

    >>> tensordot_transposed(2, 2, 1, "a")
    (([1], [1]), (0, 1))
    """
    axes_a, axes_b = _normalise_axes(axes, a_ndim, b_ndim)
    free_a = [i for i in range(a_ndim) if i not in axes_a]
    free_b = [i for i in range(b_ndim) if i not in axes_b]
    if of == "a":  # g's axes: free_a then free_b; contract its free_b part with b's free axes
        axes = (list(range(len(free_a), len(free_a) + len(free_b))), free_b)
        order = free_a + [axes_a[k] for k in np.argsort(axes_b)]  # (b's contracted axes come in b's order)
    else:  # contract a's free axes with g's free_a part; the result's axes: a's contracted ones, then free_b
        axes = (free_a, list(range(len(free_a))))
        order = [axes_b[k] for k in np.argsort(axes_a)] + free_b
    return axes, tuple(int(k) for k in np.argsort(order))


tensordot = defop(
    "tensordot", lambda a, b, axes=2: np.tensordot(a, b, axes), nin=2,
    jvp=(lambda t, out, a, b, axes=2: tensordot(t, b, axes),
         lambda t, out, a, b, axes=2: tensordot(a, t, axes)),
    vjp=(lambda g, out, a, b, axes=2: transpose(
             tensordot(g, b, tensordot_transposed(ndim_of(a), ndim_of(b), axes, "a")[0]),
             tensordot_transposed(ndim_of(a), ndim_of(b), axes, "a")[1]),
         lambda g, out, a, b, axes=2: transpose(
             tensordot(a, g, tensordot_transposed(ndim_of(a), ndim_of(b), axes, "b")[0]),
             tensordot_transposed(ndim_of(a), ndim_of(b), axes, "b")[1])),
    domain=Domain((Real(), Real()), tuple(Case(shapes, {"axes": axes}) for shapes, axes in (
        (((2, 3), (3, 2)), 1), (((2, 3), (2, 3)), 2), (((2, 3, 2), (3, 2)), 2), (((2, 3), (3,)), 1),
        (((3,), (2,)), 0), (((2, 3, 2), (2, 3)), ([0, 1], [0, 1])), (((2, 3, 2), (2, 2, 3)), ([2, 1], [0, 2])),
        (((), (2,)), 0)))),
    aliases=(np.tensordot,), holomorphic=True,
    doc="Sum of products over the axes paired by `axes` (an int n: a's last n with b's first n).\n\n"
        ">>> float(tensordot(np.ones((2, 3)), np.ones((2, 3)), 2))\n6.0")


def inner_transposed(a_ndim, b_ndim, of):
    """tensordot's `axes` giving operand `of`'s cotangent of np.inner(a, b): tensordot(g, b, axes)
    for "a", tensordot(g, a, axes) for "b" (a scalar operand multiplies).

    >>> inner_transposed(2, 1, "a"), inner_transposed(2, 1, "b")
    (([], []), ([0], [0]))
    """
    if a_ndim == 0 or b_ndim == 0:
        scalar_is_mine = (a_ndim == 0) == (of == "a")
        return (b_ndim if of == "a" else a_ndim) if scalar_is_mine else 0
    if of == "a":  # g's axes: a's leading ones, then b's
        return list(range(a_ndim - 1, a_ndim + b_ndim - 2)), list(range(b_ndim - 1))
    return list(range(a_ndim - 1)), list(range(a_ndim - 1))


inner = defop(
    "inner", lambda a, b: np.inner(a, b), nin=2,
    jvp=(lambda t, out, a, b: inner(t, b), lambda t, out, a, b: inner(a, t)),
    vjp=(lambda g, out, a, b: tensordot(g, b, inner_transposed(ndim_of(a), ndim_of(b), "a")),
         lambda g, out, a, b: tensordot(g, a, inner_transposed(ndim_of(a), ndim_of(b), "b"))),
    domain=Domain((Real(), Real()), tuple(Case(s, {}) for s in (
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 3), (2, 2, 3)), ((), (2, 3)), ((3,), ())))),
    aliases=(np.inner,), holomorphic=True,
    doc="Sum of products over the last axes of a and b (a scalar operand multiplies).\n\n"
        ">>> float(inner(np.array([1.0, 2.0]), np.array([3.0, 4.0])))\n11.0")

outer = defop(
    "outer", lambda a, b: np.outer(a, b), nin=2,
    jvp=(lambda t, out, a, b: outer(t, b), lambda t, out, a, b: outer(a, t)),
    vjp=(lambda g, out, a, b: reshape(tensordot(g, ravel(b), 1), shape_of(a)),
         lambda g, out, a, b: reshape(tensordot(ravel(a), g, 1), shape_of(b))),
    domain=Domain((Real(), Real()), tuple(Case(s, {}) for s in (((3,), (2,)), ((2, 2), (3,)), ((), (2,))))),
    aliases=(np.outer,), holomorphic=True,
    doc="The matrix a[i] * b[j] of the flattened operands.\n\n>>> outer(np.ones(2), np.ones(3)).shape\n(2, 3)")


def _padded(shape, other):
    """`shape` with leading 1s up to the number of axes of `other` (np.kron's alignment)."""
    return (1,) * (len(other) - len(shape)) + tuple(shape)


def kron_split(a_shape, b_shape):
    """The shape of np.kron(a, b) with each of its axes split in (a's part, b's part).

    >>> kron_split((2,), (3, 4))
    (1, 3, 2, 4)
    """
    return tuple(n for pair in zip(_padded(a_shape, b_shape), _padded(b_shape, a_shape)) for n in pair)


def kron_transposed(a_ndim, b_ndim, of):
    """The einsum giving operand `of`'s cotangent from the split cotangent and the other operand.

    >>> kron_transposed(1, 1, "a")
    'aA,A->a'
    """
    n = max(a_ndim, b_ndim)
    lower, upper = string.ascii_lowercase[:n], string.ascii_uppercase[:n]
    split = "".join(l + u for l, u in zip(lower, upper))
    return f"{split},{upper}->{lower}" if of == "a" else f"{split},{lower}->{upper}"


kron = defop(
    "kron", lambda a, b: np.kron(a, b), nin=2,
    jvp=(lambda t, out, a, b: kron(t, b), lambda t, out, a, b: kron(a, t)),
    vjp=(lambda g, out, a, b: reshape(einsum([reshape(g, kron_split(shape_of(a), shape_of(b))),
                                              reshape(b, _padded(shape_of(b), shape_of(a)))],
                                             kron_transposed(ndim_of(a), ndim_of(b), "a")), shape_of(a)),
         lambda g, out, a, b: reshape(einsum([reshape(g, kron_split(shape_of(a), shape_of(b))),
                                              reshape(a, _padded(shape_of(a), shape_of(b)))],
                                             kron_transposed(ndim_of(a), ndim_of(b), "b")), shape_of(b))),
    domain=Domain((Real(), Real()), tuple(Case(s, {}) for s in (((2,), (3,)), ((2, 2), (2, 3)), ((2,), (2, 2)), ((), (2,))))),
    aliases=(np.kron,), holomorphic=True,
    doc="Kronecker product: blocks a[i, j] * b.\n\n>>> kron(np.eye(2), np.ones((2, 2))).shape\n(4, 4)")


def _cross(a, b, axis=-1):
    if np.shape(a)[axis] != 3 or np.shape(b)[axis] != 3:
        raise ValueError("np.cross of 2-vectors (deprecated in NumPy) has no derivative rule in ad.ops: "
                         "append a zero third component")
    return np.cross(a, b, axis=axis)


# <g, a x b> = <a, b x g> = <b, g x a>: each cotangent is another cross product.
cross = defop(
    "cross", _cross, nin=2,
    jvp=(lambda t, out, a, b, axis=-1: cross(t, b, axis), lambda t, out, a, b, axis=-1: cross(a, t, axis)),
    vjp=(lambda g, out, a, b, axis=-1: cross(b, g, axis), lambda g, out, a, b, axis=-1: cross(g, a, axis)),
    domain=Domain((Real(), Real()), (Case(((3,), (3,)), {}), Case(((2, 3), (3,)), {}), Case(((3, 2), (3, 2)), {"axis": 0}))),
    aliases=(np.cross,), holomorphic=True,
    doc="Cross product of 3-vectors along `axis`.\n\n"
        ">>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))\narray([0., 0., 1.])")
