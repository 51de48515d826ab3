"""Matrix products: `matmul` (NumPy's `@`, with batching and 1-D operands) and `dot`.

The 1-D cases follow NumPy: a 1-D left operand is a row vector, a 1-D right operand a
column vector, and the added axis is dropped again.  Batch axes broadcast; their
cotangents are summed back by the registry like any other broadcast.
"""

import operator

import numpy as np

from .core import defop, ndim_of
from .domain import Case, Domain, Real
from .contract import tensordot  # (dot's rules are tensordots)
from .structure import moveaxis


# -- the products matmul's rules are made of ------------------------------------------------------
# A product of a and b whose ranks are given (a_ndim, b_ndim) rather than read off the operands:
# rank 0 multiplies, rank 1 is a vector, rank 2 and more a stack of matrices.  Unlike np.matmul,
# a vector operand may carry batch axes (a cotangent of a broadcast vector does), so the three
# ops below are closed under differentiation: each rule is one of them again.

def _as_matrices(x, ndim, role):
    """x as a stack of matrices: a vector becomes a row (role "a") or a column (role "b")."""
    if ndim != 1:
        return x
    return np.expand_dims(x, -2) if role == "a" else np.expand_dims(x, -1)


def _from_matrices(c, a_ndim, b_ndim):
    """A product of matrices with the axes _as_matrices added taken out again."""
    if b_ndim == 1:
        c = c[..., 0]
    if a_ndim == 1:
        c = c[..., 0] if b_ndim == 1 else c[..., 0, :]
    return c


def _ranked_matmul(a, b, a_ndim, b_ndim):
    if a_ndim == 0 or b_ndim == 0:
        return np.multiply(a, b)
    return _from_matrices(np.matmul(_as_matrices(a, a_ndim, "a"), _as_matrices(b, b_ndim, "b")), a_ndim, b_ndim)


def _matmul_vjp_a(g, b, a_ndim, b_ndim):
    if a_ndim == 2 and b_ndim == 2:  # (matrices, the common case: no axes to put back or take out)
        return _product(g, _transposed(b))
    return _matmul_vjp(g, b, a_ndim, b_ndim, "a")


def _matmul_vjp_b(g, a, a_ndim, b_ndim):
    if a_ndim == 2 and b_ndim == 2:
        return _product(_transposed(a), g)
    return _matmul_vjp(g, a, a_ndim, b_ndim, "b")


def _matmul_vjp(g, other, a_ndim, b_ndim, of):
    """The cotangent of operand `of` ("a" or "b") of a @ b, where `other` is the other operand:
    g (with the product's dropped axes put back) times the other operand's transpose."""
    if a_ndim == 0 or b_ndim == 0:
        return np.multiply(g, other)
    g_matrices = _as_matrices(_as_matrices(g, b_ndim, "b"), a_ndim, "a")
    if of == "a":
        return _from_matrices(_product(g_matrices, _transposed(_as_matrices(other, b_ndim, "b"))), a_ndim, 2)
    return _from_matrices(_product(_transposed(_as_matrices(other, a_ndim, "a")), g_matrices), 2, b_ndim)


def _transposed(x):
    """A stack of matrices transposed (the array method: np.swapaxes' wrapper costs more than
    the product of small matrices)."""
    return x.swapaxes(-1, -2) if type(x) is np.ndarray else np.swapaxes(x, -1, -2)


def _product(a, b):
    """a @ b of stacks of matrices; an outer product (one column times one row, as the weight
    gradient of a batch of one is) by broadcasting, which NumPy does 2-3x faster than matmul."""
    if a.shape[-1] == 1:
        return np.multiply(a, b)
    return np.matmul(a, b)


# (a shape, b shape, a_ndim, b_ndim); the last two have batches of vectors.
_RANKED_PAIRS = (((3,), (3,), 1, 1), ((2, 3), (3,), 2, 1), ((3,), (3, 2), 1, 2), ((2, 3), (3, 4), 2, 2),
                 ((2, 2, 3), (3, 2), 3, 2), ((2, 3), (2, 3, 4), 2, 3), ((3,), (2, 3, 2), 1, 3),
                 ((2, 2, 3), (3,), 3, 1), ((), (2, 3), 0, 2), ((3,), (), 1, 0),
                 ((2, 3), (2, 3), 1, 1), ((2, 3), (2, 3, 2), 1, 3))


def _ranked_cases(role):
    """Cases for the three products: the operands' shapes ("product"), or the shapes of the
    output's cotangent and the other operand ("a": the cotangent of a, "b": of b)."""
    cases = []
    for a, b, a_ndim, b_ndim in _RANKED_PAIRS:
        out = np.shape(_ranked_matmul(np.zeros(a), np.zeros(b), a_ndim, b_ndim))
        cases.append(Case({"product": (a, b), "a": (out, b), "b": (out, a)}[role],
                          {"a_ndim": a_ndim, "b_ndim": b_ndim}))
    return tuple(cases)


_RANKED_DOC = ("\n\na_ndim and b_ndim are the ranks the operands stand for: 0 a scalar, 1 a vector (possibly "
               "with batch axes), 2 or more a stack of matrices.")

ranked_matmul = defop(
    "ranked_matmul", _ranked_matmul, nin=2,
    jvp=(lambda t, out, a, b, a_ndim, b_ndim: ranked_matmul(t, b, a_ndim, b_ndim),
         lambda t, out, a, b, a_ndim, b_ndim: ranked_matmul(a, t, a_ndim, b_ndim)),
    vjp=(lambda g, out, a, b, a_ndim, b_ndim: matmul_vjp_a(g, b, a_ndim, b_ndim),
         lambda g, out, a, b, a_ndim, b_ndim: matmul_vjp_b(g, a, a_ndim, b_ndim)),
    domain=Domain((Real(), Real()), _ranked_cases("product")), holomorphic=True,
    doc="a @ b for operands of the given ranks (the product the rules of matmul_vjp_a and matmul_vjp_b "
        "need)." + _RANKED_DOC + "\n\n>>> ranked_matmul(np.ones((2, 3)), np.ones(3), 1, 1)\narray([3., 3.])")

# Each is linear in both its inputs and the transpose of a product: their rules are the product
# and the other cotangent, with the incoming cotangent in the role of an operand.
matmul_vjp_a = defop(
    "matmul_vjp_a", _matmul_vjp_a, nin=2,
    jvp=(lambda t, out, g, b, a_ndim, b_ndim: matmul_vjp_a(t, b, a_ndim, b_ndim),
         lambda t, out, g, b, a_ndim, b_ndim: matmul_vjp_a(g, t, a_ndim, b_ndim)),
    vjp=(lambda h, out, g, b, a_ndim, b_ndim: ranked_matmul(h, b, a_ndim, b_ndim),
         lambda h, out, g, b, a_ndim, b_ndim: matmul_vjp_b(g, h, a_ndim, b_ndim)),
    domain=Domain((Real(), Real()), _ranked_cases("a")), holomorphic=True,
    doc="The cotangent of a in a @ b, given the product's cotangent g (before summing over broadcast "
        "axes)." + _RANKED_DOC + "\n\n>>> matmul_vjp_a(np.ones((2, 4)), np.ones((3, 4)), 2, 2)\n"
        "array([[4., 4., 4.],\n       [4., 4., 4.]])")

matmul_vjp_b = defop(
    "matmul_vjp_b", _matmul_vjp_b, nin=2,
    jvp=(lambda t, out, g, a, a_ndim, b_ndim: matmul_vjp_b(t, a, a_ndim, b_ndim),
         lambda t, out, g, a, a_ndim, b_ndim: matmul_vjp_b(g, t, a_ndim, b_ndim)),
    vjp=(lambda h, out, g, a, a_ndim, b_ndim: ranked_matmul(a, h, a_ndim, b_ndim),
         lambda h, out, g, a, a_ndim, b_ndim: matmul_vjp_a(g, h, a_ndim, b_ndim)),
    domain=Domain((Real(), Real()), _ranked_cases("b")), holomorphic=True,
    doc="The cotangent of b in a @ b, given the product's cotangent g (before summing over broadcast "
        "axes)." + _RANKED_DOC + "\n\n>>> matmul_vjp_b(np.ones(2), np.ones(2), 1, 1)\narray([1., 1.])")


_MATMUL_CASES = tuple(Case(shapes, {}) for shapes in (
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 2)), ((2, 3), (2, 3, 4)), ((1, 2, 3), (2, 3, 2)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,)),
))

matmul = defop(
    "matmul", np.matmul,
    nin=2,
    jvp=(lambda t, out, a, b: matmul(t, b),
         lambda t, out, a, b: matmul(a, t)),
    vjp=(lambda g, out, a, b: matmul_vjp_a(g, b, ndim_of(a), ndim_of(b)),
         lambda g, out, a, b: matmul_vjp_b(g, a, ndim_of(a), ndim_of(b))),
    domain=Domain((Real(), Real()), _MATMUL_CASES), aliases=(np.matmul, np.linalg.matmul, operator.matmul), holomorphic=True,
    doc="Matrix product a @ b (NumPy semantics: batching, 1-D operands).\n\n"
        ">>> matmul(np.eye(2), np.array([1.0, 2.0]))\narray([1., 2.])")


def dot_transposed(a_ndim, b_ndim, of):
    """tensordot's `axes` for operand `of`'s cotangent of np.dot(a, b): tensordot(g, b, axes) for
    "a", tensordot(a, g, axes) for "b" (a scalar operand multiplies).

    >>> dot_transposed(2, 2, "a"), dot_transposed(2, 2, "b")
    (([1], [1]), ([0], [0]))
    """
    if a_ndim == 0 or b_ndim == 0:
        scalar_is_mine = (a_ndim == 0) == (of == "a")
        return (b_ndim if of == "a" else a_ndim) if scalar_is_mine else 0
    if of == "a":  # g's axes: a's leading ones, then b's without its contracted one
        kept_b = [k for k in range(b_ndim) if k != max(b_ndim - 2, 0)]
        return list(range(a_ndim - 1, a_ndim - 1 + len(kept_b))), kept_b
    return list(range(a_ndim - 1)), list(range(a_ndim - 1))


def dot_contracted_axis(a_ndim, b_ndim, end):
    """moveaxis's `end` ("source" or "destination") putting b's contracted axis, first in
    tensordot(a, g, ...), back in second to last place (nowhere to move for a scalar).

    >>> dot_contracted_axis(2, 3, "source"), dot_contracted_axis(2, 3, "destination")
    ([0], [1])
    """
    if a_ndim == 0 or b_ndim == 0:
        return []
    return [0] if end == "source" else [max(b_ndim - 2, 0)]


dot = defop(
    "dot", lambda a, b: np.dot(a, b), nin=2,
    jvp=(lambda t, out, a, b: dot(t, b),
         lambda t, out, a, b: dot(a, t)),
    vjp=(lambda g, out, a, b: tensordot(g, b, dot_transposed(ndim_of(a), ndim_of(b), "a")),
         lambda g, out, a, b: moveaxis(tensordot(a, g, dot_transposed(ndim_of(a), ndim_of(b), "b")),
                                       dot_contracted_axis(ndim_of(a), ndim_of(b), "source"),
                                       dot_contracted_axis(ndim_of(a), ndim_of(b), "destination"))),
    domain=Domain((Real(), Real()), tuple(Case(s, {}) for s in (
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((), (2, 3)), ((3,), ()),
        ((2, 2, 3), (3,)), ((2, 3), (2, 3, 2)), ((2, 2, 3), (2, 3, 2)), ((3,), (2, 3, 2))))),
    aliases=(np.dot,), holomorphic=True,
    doc="np.dot: a product over a's last axis and b's second to last (its only one for a vector); a "
        "scalar operand multiplies.\n\n"
        ">>> float(dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))\n11.0")
