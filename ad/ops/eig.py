"""The eigen-decomposition of a general square matrix: `np.linalg.eig` and `np.linalg.eigvals`.

a = V diag(w) V^-1 with complex w and V in general.  With M = V^-1 da V and
F[i, j] = 1 / (w[j] - w[i]) off the diagonal:

    dw = diag(M)          dV = V (F * M) + V diag(c)

The second term keeps NumPy's normalisation of each eigenvector, which the first alone
would not: unit length (Re c = -Re(v^H dv)) and, as LAPACK returns them, its largest entry
real (Im c = -Im(dv[k] / v[k])).  So the derivative is that of the function NumPy computes.
The VJPs are the transposes under the pairing Re(sum(u * v)) (ad's complex convention), and
end in `unbroadcast(..., a)`, which keeps the real part for a real matrix (as `imag`'s rule does).

Where eigenvalues repeat, the eigenvectors have no derivative: the rules divide by the gaps
and give inf or nan there, never a finite wrong number.

>>> import numpy as np
>>> w = eig_values(np.array([[2.0, 1.0], [0.0, 3.0]]))
>>> w.tolist()
[2.0, 3.0]
"""

import numpy as np

from .constant import _constant
from .core import defop
from .complex_ops import conj, imag, real
from .decompositions import _continuous_near
from .domain import Case, Domain, Real
from .elementwise import add, div, mul, neg, sub
from .linalg import matmul
from .linsolve import inv, mT
from .memo import factorise
from .multi import Multi, register_multi
from .reductions import sum
from .shape import expand_dims, unbroadcast
from .triangles import inverse_gaps


def _eig(a):
    return factorise("eig", np.linalg.eig, a)


def _largest_entries(v):
    """1 where an eigenvector (a column) has its entry of largest modulus (the one LAPACK makes real)."""
    v = np.abs(np.asarray(v))
    return (np.arange(v.shape[-2])[:, None] == np.argmax(v, axis=-2)[..., None, :]).astype(v.dtype)  # (float32 stays)


largest_entries = _constant("largest_entries", _largest_entries,
                            doc="1 at each column's entry of largest modulus, 0 elsewhere; constant.\n\n"
                                ">>> largest_entries(np.array([[1.0, 0.2], [-3.0, 0.1]]))\n"
                                "array([[0., 1.],\n       [1., 0.]])")


def _well_separated(a, gap: float = 0.3) -> bool:
    """Distinct eigenvalues, well-conditioned eigenvectors, one clearly largest entry in each and
    LAPACK's choices (order, signs) steady nearby: where finite differences of np.linalg.eig mean
    something."""
    a = np.asarray(a, dtype=np.float64)
    w, v = np.linalg.eig(a)
    n = w.shape[-1]
    gaps = np.abs(w[..., :, None] - w[..., None, :]) + np.eye(n) * gap
    top = np.sort(np.abs(v), axis=-2)
    return bool(np.all(gaps >= gap) and np.all(np.linalg.cond(v) < 20) and np.all(top[..., -1, :] - top[..., -2, :] > 0.05)
                and _continuous_near(lambda x: np.linalg.eig(x)[1], a, h=0.01)
                and _continuous_near(lambda x: np.linalg.eig(x)[0], a, h=0.01))


_DOMAIN = Domain((Real(),), (Case(((2, 2),), {}), Case(((3, 3),), {}), Case(((2, 3, 3),), {})), valid=_well_separated)

# M = V^-1 t V, and its diagonal without forming it: diag(V^-1 t V)[i] = sum_j (V^-T)[j, i] (t V)[j, i].
_in_basis = lambda t, v: matmul(inv(v), matmul(t, v))  # noqa: E731


# The rules are lambdas of registry ops (adsct inlines them, so its code can be differentiated again).
_moved = lambda t, v, a: matmul(v, mul(inverse_gaps(eig_values(a)), _in_basis(t, v)))  # noqa: E731  V (F * M)
_at_largest = lambda x, v: sum(mul(largest_entries(v), x), axis=-2)  # noqa: E731  each column's x[k]
# c = -Re(v^H dv) - i Im(dv[k] / v[k]): the change of length and of the largest entry's phase, undone
_gauge = lambda d, v: add(real(sum(mul(conj(v), d), axis=-2)),  # noqa: E731
                          mul(imag(div(_at_largest(d, v), _at_largest(v, v))), 1j))
_gauged_tangent = lambda d, v: sub(d, mul(v, expand_dims(_gauge(d, v), -2)))  # noqa: E731  dv = d + V diag(c)
_vectors_jvp = lambda t, out, a: _gauged_tangent(_moved(t, out, a), out)  # noqa: E731  (d computed once)
# The transpose of the gauge term: s = sum_j g[j, i] v[j, i] per eigenvector.
_pairs = lambda g, v: sum(mul(g, v), axis=-2)  # noqa: E731
_without_gauge = lambda g, v, s: sub(sub(g, mul(conj(v), expand_dims(real(s), -2))),  # noqa: E731
                                     mul(largest_entries(v), expand_dims(div(mul(imag(s), 1j), _at_largest(v, v)), -2)))
_gauged = lambda g, v: _without_gauge(g, v, _pairs(g, v))  # noqa: E731  (s computed once)
_vectors_vjp = lambda g, out, a: unbroadcast(matmul(mT(inv(out)), matmul(  # noqa: E731
    mul(inverse_gaps(eig_values(a)), matmul(mT(out), _gauged(g, out))), mT(out))), a)


eig_values = defop(
    "eig_values", lambda a: _eig(a)[0],
    jvp=(lambda t, out, a: sum(mul(mT(inv(eig_vectors(a))), matmul(t, eig_vectors(a))), axis=-2),),
    vjp=(lambda g, out, a: unbroadcast(matmul(mul(mT(inv(eig_vectors(a))), expand_dims(g, -2)), mT(eig_vectors(a))), a),),
    domain=_DOMAIN, aliases=(np.linalg.eigvals,),  # (complex values at real inputs: no complex step)
    doc="The eigenvalues of a square matrix, in LAPACK's order (complex where they are): "
        "np.linalg.eigvals, and eig's first output.\n\n"
        ">>> eig_values(np.array([[0.0, 1.0], [-1.0, 0.0]]))\narray([0.+1.j, 0.-1.j])")

eig_vectors = defop(
    "eig_vectors", lambda a: _eig(a)[1], jvp=(_vectors_jvp,), vjp=(_vectors_vjp,),
    domain=_DOMAIN,
    doc="The eigenvectors of a square matrix (columns of unit length, each with its largest entry "
        "real, as LAPACK returns them): eig's second output.\n\n"
        ">>> eig_vectors(np.array([[2.0, 0.0], [0.0, 3.0]]))\narray([[1., 0.],\n       [0., 1.]])")

register_multi(Multi("eig", (eig_values, eig_vectors), aliases=(np.linalg.eig,),
                     result=type(np.linalg.eig(np.eye(1))),
                     doc="np.linalg.eig: (eigenvalues, eigenvectors), each an op."))
