"""The linear ops of triangles and gaps that the factorisations' rules are made of.

`eigh` and `cholesky` read one triangle of their input: `from_triangle` is the symmetric
matrix they see, `onto_triangle` its transpose (a cotangent back onto the triangle).  Being
ops, not helper expressions, each appears once in generated code however often a rule uses it.
`lower_axis` is -1 for the lower triangle, -2 for the upper one (the mirror image).
"""

import numpy as np

from .core import defop
from .domain import Case, Domain, Real
from .elementwise import mul, neg, sub
from .reductions import sum
from .shape import expand_dims


def tri(shape, k=0):
    """The lower-triangle mask of the matrices of `shape` (on and below the k-th diagonal).

    >>> tri((2, 2))
    array([[ True, False],
           [ True,  True]])
    """
    return np.tri(shape[-2], shape[-1], k, dtype=bool)


def _mirrored(fn):
    """fn on the lower triangle, applied to the upper one when lower_axis is -2."""
    def on_triangle(x, lower_axis=-1):
        x = np.asarray(x)
        if lower_axis == -1:
            return fn(x)
        return np.swapaxes(fn(np.swapaxes(x, -1, -2)), -1, -2)
    return on_triangle


def _zero(x):
    return np.zeros((), dtype=x.dtype)


@_mirrored
def _from_lower(x):
    shape = x.shape
    return np.where(tri(shape), x, _zero(x)) + np.swapaxes(np.where(tri(shape, -1), x, _zero(x)), -1, -2)


@_mirrored
def _onto_lower(g):
    shape = g.shape
    return np.where(tri(shape), g, _zero(g)) + np.where(tri(shape, -1), np.swapaxes(g, -1, -2), _zero(g))


_TRIANGLE_CASES = (Case(((3, 3),), {}), Case(((2, 3, 3),), {}), Case(((3, 3),), {"lower_axis": -2}))

from_triangle = defop(
    "from_triangle", _from_lower,
    jvp=(lambda t, out, x, lower_axis=-1: from_triangle(t, lower_axis),),
    vjp=(lambda g, out, x, lower_axis=-1: onto_triangle(g, lower_axis),),
    domain=Domain((Real(),), _TRIANGLE_CASES), holomorphic=True,
    doc="The symmetric matrix made of x's lower triangle (upper with lower_axis=-2): what eigh and "
        "cholesky read.\n\n>>> from_triangle(np.array([[1.0, 9.0], [2.0, 3.0]]))\n"
        "array([[1., 2.],\n       [2., 3.]])")

onto_triangle = defop(
    "onto_triangle", _onto_lower,
    jvp=(lambda t, out, g, lower_axis=-1: onto_triangle(t, lower_axis),),
    vjp=(lambda h, out, g, lower_axis=-1: from_triangle(h, lower_axis),),
    domain=Domain((Real(),), _TRIANGLE_CASES), holomorphic=True,
    doc="The transpose of from_triangle: g's lower triangle plus its upper one folded onto it.\n\n"
        ">>> onto_triangle(np.array([[1.0, 9.0], [2.0, 3.0]]))\narray([[ 1.,  0.],\n       [11.,  3.]])")


def _half_lower(x):
    x = np.asarray(x)
    half = np.where(np.eye(x.shape[-2], x.shape[-1], dtype=bool), x * 0.5, _zero(x))
    return np.where(tri(x.shape, -1), x, half)


half_lower = defop(
    "half_lower", _half_lower,
    jvp=(lambda t, out, x: half_lower(t),), vjp=(lambda g, out, x: half_lower(g),),
    domain=Domain((Real(),), (Case(((3, 3),), {}), Case(((2, 3, 3),), {}))), holomorphic=True,
    doc="The strictly lower triangle of x with half its diagonal (cholesky's rules).\n\n"
        ">>> half_lower(np.array([[2.0, 9.0], [4.0, 6.0]]))\narray([[1., 0.],\n       [4., 3.]])")


def _strict_lower(x):
    x = np.asarray(x)
    return np.where(tri(x.shape, -1), x, _zero(x))


strict_lower = defop(
    "strict_lower", _strict_lower,
    jvp=(lambda t, out, x: strict_lower(t),), vjp=(lambda g, out, x: strict_lower(g),),
    domain=Domain((Real(),), (Case(((3, 2),), {}), Case(((2, 3, 3),), {}))), holomorphic=True,
    doc="x below its diagonal, zero elsewhere (np.tril(x, -1) of each matrix).\n\n"
        ">>> strict_lower(np.array([[2.0, 9.0], [4.0, 6.0]]))\narray([[0., 0.],\n       [4., 0.]])")


def _inverse_gaps(w):
    w = np.asarray(w)
    gaps = w[..., None, :] - w[..., :, None]
    eye = np.eye(w.shape[-1], dtype=bool)
    with np.errstate(divide="ignore"):  # (a repeated value: inf, see decompositions)
        return np.where(eye, _zero(gaps), 1.0 / np.where(eye, np.ones((), gaps.dtype), gaps))


def _distinct(w, gap=0.1):
    return bool(np.all(np.abs(np.asarray(w)[..., :, None] - np.asarray(w)[..., None, :])
                       + np.eye(np.shape(w)[-1]) * gap >= gap))


# d out[i, j] = -out[i, j]^2 (dw[j] - dw[i]); h = g out^2 gives the VJP's two sums.
inverse_gaps = defop(
    "inverse_gaps", _inverse_gaps,
    jvp=(lambda t, out, w: neg(mul(mul(out, out), sub(expand_dims(t, -2), expand_dims(t, -1)))),),
    vjp=(lambda g, out, w: sub(sum(mul(g, mul(out, out)), axis=-1), sum(mul(g, mul(out, out)), axis=-2)),),
    domain=Domain((Real(),), (Case(((3,),), {}), Case(((2, 3),), {})), valid=lambda w: _distinct(w)),
    holomorphic=True,
    doc="F[..., i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it (eigh's and svd's rules).\n\n"
        ">>> inverse_gaps(np.array([1.0, 3.0]))\narray([[ 0. ,  0.5],\n       [-0.5,  0. ]])")


def lower_axis(uplo="L", upper=False) -> int:
    """-1 when NumPy reads the lower triangle, -2 for the upper one (swapaxes(x, -1, -2) mirrors it).

    >>> lower_axis("U"), lower_axis(upper=False)
    (-2, -1)
    """
    return -2 if (upper is True or str(uplo).upper() == "U") else -1



def _antisymmetric(x):
    return np.asarray(x) - np.swapaxes(x, -1, -2)


antisymmetric = defop(
    "antisymmetric", _antisymmetric,
    jvp=(lambda t, out, x: antisymmetric(t),), vjp=(lambda g, out, x: antisymmetric(g),),
    domain=Domain((Real(),), (Case(((3, 3),), {}), Case(((2, 3, 3),), {}))), holomorphic=True,
    doc="x - x^T of each matrix (svd's and qr's rules).\n\n"
        ">>> antisymmetric(np.array([[1.0, 2.0], [0.0, 1.0]]))\narray([[ 0.,  2.],\n       [-2.,  0.]])")


def _qr_fold(c, transpose=False):
    c = np.asarray(c)
    if transpose:
        return c + np.swapaxes(_strict_lower(c), -1, -2) - _strict_lower(c)
    return c + _strict_lower(np.swapaxes(c, -1, -2) - c)


qr_fold = defop(
    "qr_fold", _qr_fold,
    jvp=(lambda t, out, c, transpose=False: qr_fold(t, transpose),),
    vjp=(lambda g, out, c, transpose=False: qr_fold(g, not transpose),),
    domain=Domain((Real(),), (Case(((3, 3),), {}), Case(((2, 3, 3),), {"transpose": True}))), holomorphic=True,
    doc="c + tril(c^T - c, -1), or its transpose with transpose=True: how qr's VJP folds the "
        "cotangent of q^T da r^-1 onto its independent entries.\n\n"
        ">>> qr_fold(np.array([[1.0, 2.0], [3.0, 4.0]]))\narray([[1., 2.],\n       [2., 4.]])")
