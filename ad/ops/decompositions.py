"""Factorisations: `cholesky`, `eigh`, `svd` (reduced) and `qr`, on stacks of matrices.

A factorisation with several outputs is one op per output (`eigh_values`, `eigh_vectors`) and
a `Multi` that NumPy's function (`np.linalg.eigh`) looks up to: every engine then sees ordinary
ops.  The parts share one factorisation through a small cache, so `w, v = np.linalg.eigh(a)`
and the rules (which need the other outputs) factorise `a` once.

`eigh` and `cholesky` read one triangle of `a` (the lower one by default), as NumPy does, so
their derivatives are those of the function of that triangle: `_from_triangle` builds the
symmetric matrix NumPy sees, and `_to_triangle` is its transpose, for the VJPs.

Repeated eigenvalues (eigh) and singular values (svd): the derivative of the vectors does not
exist there.  As in JAX, the rules divide by the gaps, so it comes out as inf or nan (never a
finite wrong number); the derivatives of the values alone stay finite.
"""

import numpy as np

from ..errors import NotDifferentiableError
from .core import defop
from .multi import Multi, register_multi
from .domain import Case, Domain, PositiveDefinite, Real
from .elementwise import add, div, mul, neg, sub
from .linalg import matmul
from .linsolve import mT, solve
from .memo import factorise
from .reductions import sum
from .shape import expand_dims, swapaxes
from .triangles import antisymmetric, from_triangle, half_lower, inverse_gaps, lower_axis, onto_triangle, qr_fold, \
    strict_lower

# -- the triangle NumPy reads, mirrored for the upper one -------------------------------------------------

_mirror = lambda x, axis: swapaxes(x, -1, axis)  # noqa: E731  (the identity for axis -1)


def _continuous_near(fn, a, h: float = 0.02) -> bool:
    """Whether fn (a factor's vectors) keeps its signs when any entry of a moves by h: LAPACK picks
    the signs, and they jump where some internal quantity crosses zero; finite differences there
    are meaningless, so the property tests stay clear of those places.

    >>> vectors = lambda a: np.linalg.eigh(a)[1]
    >>> _continuous_near(vectors, np.array([[2.0, 0.5], [0.5, 1.0]])), _continuous_near(vectors, np.eye(2))
    (True, False)
    """
    a = np.asarray(a, dtype=np.float64)
    base = fn(a)
    for index in np.ndindex(a.shape):
        for step in (h, -h):
            moved = a.copy()
            moved[index] += step
            if np.max(np.abs(fn(moved) - base)) > 0.5:
                return False
    return True


def _square_cases(*shapes):
    return tuple(Case((s,), {}) for s in shapes)


# -- cholesky --------------------------------------------------------------------------------------------
# With s the symmetric matrix NumPy reads and l its factor: dl = l phi(l^-1 ds l^-T);
# the VJP is l^-T phi(l^T g) l^-1, then onto the triangle.

_cholesky_jvp = lambda ds, l: matmul(l, half_lower(mT(solve(l, mT(solve(l, ds))))))  # noqa: E731
_cholesky_vjp = lambda g, l: mT(solve(mT(l), mT(solve(mT(l), half_lower(matmul(mT(l), g))))))  # noqa: E731


def _cholesky(a, upper=False):
    if np.iscomplexobj(a):
        raise NotDifferentiableError("cholesky of a complex matrix has no derivative rule here (only real matrices)")
    return np.linalg.cholesky(a, upper=upper) if upper else np.linalg.cholesky(a)


cholesky = defop(
    "cholesky", _cholesky,
    jvp=(lambda t, out, a, upper=False: _mirror(_cholesky_jvp(from_triangle(t, lower_axis(upper=upper)),
                                                              _mirror(out, lower_axis(upper=upper))),
                                                lower_axis(upper=upper)),),
    vjp=(lambda g, out, a, upper=False: onto_triangle(_cholesky_vjp(_mirror(g, lower_axis(upper=upper)),
                                                                    _mirror(out, lower_axis(upper=upper))),
                                                      lower_axis(upper=upper)),),
    domain=Domain((PositiveDefinite(),), _square_cases((3, 3), (2, 3, 3), (1, 1)) + (Case(((3, 3),), {"upper": True}),),
                  valid=lambda a, upper=False: PositiveDefinite().holds(a, upper)),
    aliases=(np.linalg.cholesky,),
    doc="np.linalg.cholesky: the lower factor l of a = l @ l.T (a's lower triangle is read; upper=True "
        "gives l.T from the upper one).\n\n>>> cholesky(np.diag([4.0, 9.0]))\narray([[2., 0.],\n       [0., 3.]])")


# -- eigh --------------------------------------------------------------------------------------------------
# a = v diag(w) v^T: dw = diag(v^T ds v), dv = v (F * (v^T ds v)); the VJPs are the transposes.

def _eigh(a, UPLO="L"):
    if np.iscomplexobj(a):
        raise NotDifferentiableError("eigh of a complex (Hermitian) matrix has no derivative rule here (only real symmetric)")
    return factorise("eigh", np.linalg.eigh, a, UPLO=UPLO)


def _distinct_eigenvalues(a, UPLO="L", gap=0.1) -> bool:
    w = np.linalg.eigvalsh(np.asarray(a, dtype=np.float64), UPLO=UPLO)
    return bool(np.all(np.diff(w, axis=-1) > gap)) and _continuous_near(lambda x: np.linalg.eigh(x, UPLO)[1], a)


_EIGH_DOMAIN = Domain((Real(),), _square_cases((3, 3), (2, 3, 3), (1, 1)) + (Case(((3, 3),), {"UPLO": "U"}),),
                      valid=_distinct_eigenvalues)
_in_basis = lambda t, v, axis: matmul(mT(v), matmul(from_triangle(t, axis), v))  # noqa: E731  v^T ds v

eigh_values = defop(
    "eigh_values", lambda a, UPLO="L": _eigh(a, UPLO)[0],
    jvp=(lambda t, out, a, UPLO="L": sum(mul(eigh_vectors(a, UPLO), matmul(from_triangle(t, lower_axis(UPLO)),
                                                                         eigh_vectors(a, UPLO))), axis=-2),),
    vjp=(lambda g, out, a, UPLO="L": onto_triangle(matmul(mul(eigh_vectors(a, UPLO), expand_dims(g, -2)),
                                                         mT(eigh_vectors(a, UPLO))), lower_axis(UPLO)),),
    domain=_EIGH_DOMAIN, aliases=(np.linalg.eigvalsh,),
    doc="The eigenvalues of a symmetric matrix, ascending: np.linalg.eigvalsh, and eigh's first output.\n\n"
        ">>> eigh_values(np.diag([2.0, 1.0]))\narray([1., 2.])")

eigh_vectors = defop(
    "eigh_vectors", lambda a, UPLO="L": _eigh(a, UPLO)[1],
    jvp=(lambda t, out, a, UPLO="L": matmul(out, mul(inverse_gaps(eigh_values(a, UPLO)),
                                                     _in_basis(t, out, lower_axis(UPLO)))),),
    vjp=(lambda g, out, a, UPLO="L": onto_triangle(matmul(out, matmul(mul(inverse_gaps(eigh_values(a, UPLO)),
                                                                         matmul(mT(out), g)), mT(out))),
                                                  lower_axis(UPLO)),),
    domain=_EIGH_DOMAIN,
    doc="The eigenvectors of a symmetric matrix (columns, in eigh's order): eigh's second output.  Where "
        "eigenvalues repeat they are not differentiable: the rules give inf/nan there, as JAX's do.\n\n"
        ">>> eigh_vectors(np.diag([2.0, 1.0]))\narray([[0., 1.],\n       [1., 0.]])")

register_multi(Multi("eigh", (eigh_values, eigh_vectors), aliases=(np.linalg.eigh,),
                     result=type(np.linalg.eigh(np.eye(1))),
                     doc="np.linalg.eigh: (eigenvalues, eigenvectors), each an op."))


# -- svd (reduced) -------------------------------------------------------------------------------------
# a = u diag(s) vh, k = min(m, n).  With p = u^T da v and F[i, j] = 1 / (s_j^2 - s_i^2):
# ds = diag(p), du = u (F * (p S + S p^T)) + (1 - u u^T) da v / s,
# dv = v (F * (S p + p^T S)) + (1 - v v^T) da^T u / s; the VJPs are their transposes.

def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    a = np.asarray(a)
    if np.iscomplexobj(a):
        raise NotDifferentiableError("svd of a complex matrix has no derivative rule here (only real matrices)")
    if hermitian:
        raise NotDifferentiableError("svd(..., hermitian=True) has no derivative rule here; call it without hermitian=True")
    return factorise("svd", np.linalg.svd, a, full_matrices=False)


def _svd_vectors(a, full_matrices=True, compute_uv=True, hermitian=False):
    """(u, s, vh) of the reduced svd, refusing the full one where it differs (non-square a)."""
    if full_matrices and np.shape(a)[-1] != np.shape(a)[-2]:
        raise NotDifferentiableError("np.linalg.svd(a) of a non-square matrix gives full_matrices=True by default, and the "
                         "extra singular vectors have no derivative; pass full_matrices=False (the reduced svd)")
    return _svd(a, full_matrices, compute_uv, hermitian)


_SVD_DOMAIN = Domain((Real(),), tuple(Case((s,), {"full_matrices": False}) for s in ((3, 2), (2, 3), (2, 3, 2)))
                     + _square_cases((3, 3)),
                     valid=lambda a, **_: _distinct_singular_values(a))


def _distinct_singular_values(a, gap=0.1) -> bool:
    s = np.linalg.svd(np.asarray(a, dtype=np.float64), compute_uv=False)
    return bool(np.all(s[..., -1] > gap) and np.all(-np.diff(s, axis=-1) > gap)) and \
        _continuous_near(lambda x: np.linalg.svd(x, full_matrices=False)[0], a)


_rows = lambda s: expand_dims(s, -1)  # noqa: E731  (S x scales rows)
_cols = lambda s: expand_dims(s, -2)  # noqa: E731  (x S scales columns)
_svd_gaps = lambda s: inverse_gaps(mul(s, s))  # noqa: E731
_svd_p = lambda t, u, vh: matmul(mT(u), matmul(t, mT(vh)))  # noqa: E731

svd_s = defop(
    "svd_s", lambda a, full_matrices=True, compute_uv=True, hermitian=False: _svd(a, full_matrices, compute_uv, hermitian)[1],
    jvp=(lambda t, out, a, full_matrices=True, compute_uv=True, hermitian=False:
         sum(mul(svd_u(a, False), matmul(t, mT(svd_vh(a, False)))), axis=-2),),
    vjp=(lambda g, out, a, full_matrices=True, compute_uv=True, hermitian=False:
         matmul(mul(svd_u(a, False), _cols(g)), svd_vh(a, False)),),
    domain=_SVD_DOMAIN, aliases=(np.linalg.svdvals,),
    doc="The singular values, descending: np.linalg.svdvals, and svd's second output.\n\n"
        ">>> svd_s(np.diag([1.0, 2.0]))\narray([2., 1.])")

svd_u = defop(
    "svd_u", lambda a, full_matrices=True, compute_uv=True, hermitian=False: _svd_vectors(a, full_matrices, compute_uv, hermitian)[0],
    jvp=(lambda t, out, a, full_matrices=True, compute_uv=True, hermitian=False: add(
        matmul(out, mul(_svd_gaps(svd_s(a, False)), add(mul(_svd_p(t, out, svd_vh(a, False)), _cols(svd_s(a, False))),
                                                         mul(_rows(svd_s(a, False)), mT(_svd_p(t, out, svd_vh(a, False))))))),
        div(sub(matmul(t, mT(svd_vh(a, False))), matmul(out, _svd_p(t, out, svd_vh(a, False)))), _cols(svd_s(a, False)))),),
    vjp=(lambda g, out, a, full_matrices=True, compute_uv=True, hermitian=False: matmul(add(
        matmul(out, mul(mul(_svd_gaps(svd_s(a, False)), antisymmetric(matmul(mT(out), g))), _cols(svd_s(a, False)))),
        div(sub(g, matmul(out, matmul(mT(out), g))), _cols(svd_s(a, False)))), svd_vh(a, False)),),
    domain=_SVD_DOMAIN,
    doc="The left singular vectors (columns), svd's first output; full_matrices=True only for square "
        "matrices.\n\n>>> svd_u(np.diag([1.0, 2.0]))\narray([[0., 1.],\n       [1., 0.]])")

svd_vh = defop(
    "svd_vh", lambda a, full_matrices=True, compute_uv=True, hermitian=False: _svd_vectors(a, full_matrices, compute_uv, hermitian)[2],
    jvp=(lambda t, out, a, full_matrices=True, compute_uv=True, hermitian=False: mT(add(
        matmul(mT(out), mul(_svd_gaps(svd_s(a, False)), add(mul(_rows(svd_s(a, False)), _svd_p(t, svd_u(a, False), out)),
                                                             mul(mT(_svd_p(t, svd_u(a, False), out)), _cols(svd_s(a, False)))))),
        div(sub(matmul(mT(t), svd_u(a, False)), matmul(mT(out), mT(_svd_p(t, svd_u(a, False), out)))),
            _cols(svd_s(a, False))))),),
    vjp=(lambda g, out, a, full_matrices=True, compute_uv=True, hermitian=False: matmul(svd_u(a, False), add(
        matmul(mul(_rows(svd_s(a, False)), mul(_svd_gaps(svd_s(a, False)), antisymmetric(matmul(out, mT(g))))), out),
        div(sub(g, matmul(matmul(g, mT(out)), out)), _rows(svd_s(a, False))))),),
    domain=_SVD_DOMAIN,
    doc="The right singular vectors (rows), svd's third output.\n\n"
        ">>> svd_vh(np.diag([1.0, 2.0]))\narray([[0., 1.],\n       [1., 0.]])")

register_multi(Multi("svd", (svd_u, svd_s, svd_vh), aliases=(np.linalg.svd,),
                     choose=lambda params: ("svd_u", "svd_s", "svd_vh") if params.get("compute_uv", True) else "svd_s",
                     result=type(np.linalg.svd(np.eye(1))),
                     doc="np.linalg.svd: (u, s, vh), each an op; only s with compute_uv=False."))


# -- qr (reduced, m >= n) ------------------------------------------------------------------------------------
# With b = da r^-1, c = q^T b and o = tril(c, -1) - tril(c, -1)^T: dq = q (o - c) + b, dr = (c - o) r.

def _qr(a, mode="reduced"):
    a = np.asarray(a)
    if np.iscomplexobj(a):
        raise NotDifferentiableError("qr of a complex matrix has no derivative rule here (only real matrices)")
    if a.shape[-2] < a.shape[-1]:
        raise NotDifferentiableError("qr of a wide matrix (fewer rows than columns) has no derivative rule here")
    if mode not in ("reduced", "r") and not (mode == "complete" and a.shape[-2] == a.shape[-1]):
        raise NotDifferentiableError(f"qr(..., mode={mode!r}) has no derivative rule here; use mode='reduced'")
    return factorise("qr", np.linalg.qr, a, mode="reduced")


_qr_b = lambda t, r: mT(solve(mT(r), mT(t)))  # noqa: E731  (da r^-1)
_qr_omega = lambda c: antisymmetric(strict_lower(c))  # noqa: E731
# The cotangent of a from those of b (direct) and c = q^T b (cc): (direct + q cc') r^-T.
_qr_back = lambda direct, cc, q, r: mT(solve(r, mT(add(direct, matmul(q, qr_fold(cc))))))  # noqa: E731
_QR_DOMAIN = Domain((Real(),), _square_cases((3, 2), (3, 3), (2, 3, 2)) + (Case(((3, 3),), {"mode": "complete"}),),
                    valid=lambda a, **_: _full_rank_columns(a))


def _full_rank_columns(a, bound: float = 30.0) -> bool:
    s = np.linalg.svd(np.asarray(a, dtype=np.float64), compute_uv=False)
    return bool(np.all(s[..., -1] * bound > s[..., 0])) and _continuous_near(lambda x: np.linalg.qr(x)[0], a)


qr_q = defop(
    "qr_q", lambda a, mode="reduced": _qr(a, mode)[0],
    jvp=(lambda t, out, a, mode="reduced": add(matmul(out, sub(_qr_omega(matmul(mT(out), _qr_b(t, qr_r(a)))),
                                                               matmul(mT(out), _qr_b(t, qr_r(a))))), _qr_b(t, qr_r(a))),),
    vjp=(lambda g, out, a, mode="reduced": _qr_back(g, neg(matmul(mT(out), g)), out, qr_r(a)),),
    domain=_QR_DOMAIN,
    doc="The orthonormal factor q of a = q @ r (reduced; a has at least as many rows as columns): "
        "np.linalg.qr's first output.\n\n>>> qr_q(np.diag([2.0, 3.0]))\narray([[1., 0.],\n       [0., 1.]])")

qr_r = defop(
    "qr_r", lambda a, mode="reduced": _qr(a, mode)[1],
    jvp=(lambda t, out, a, mode="reduced": matmul(sub(matmul(mT(qr_q(a)), _qr_b(t, out)),
                                                      _qr_omega(matmul(mT(qr_q(a)), _qr_b(t, out)))), out),),
    vjp=(lambda g, out, a, mode="reduced": _qr_back(0.0, matmul(g, mT(out)), qr_q(a), out),),
    domain=_QR_DOMAIN,
    doc="The triangular factor r of a = q @ r: np.linalg.qr's second output (alone with mode='r').\n\n"
        ">>> qr_r(np.diag([2.0, 3.0]))\narray([[2., 0.],\n       [0., 3.]])")

register_multi(Multi("qr", (qr_q, qr_r), aliases=(np.linalg.qr,),
                     choose=lambda params: "qr_r" if params.get("mode") == "r" else ("qr_q", "qr_r"),
                     result=type(np.linalg.qr(np.eye(1))),
                     doc="np.linalg.qr: (q, r), each an op; only r with mode='r'."))
