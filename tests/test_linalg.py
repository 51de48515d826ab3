"""np.linalg as NumPy users write it, under adoo and adsct: the functions with several outputs
(slogdet, eigh, svd, qr), the documented behaviour where a derivative does not exist, and
the refusals.  The ops' rules themselves are checked from the registry (test_ops_rules.py)."""

import numpy as np
import pytest

from ad import adoo, adsct, numeric, ops
from ad.errors import NotDifferentiableError

A = np.array([[2.0, 0.3, 0.1], [0.2, 1.5, -0.4], [0.3, 0.1, 1.0]])
TALL = np.array([[2.0, 0.3], [0.2, 1.5], [0.3, -0.7]])


def every_factorisation(a):
    sign, logdet = np.linalg.slogdet(a)
    w, v = np.linalg.eigh(a @ a.T)
    u, s, vh = np.linalg.svd(a)
    q, r = np.linalg.qr(a)
    return (sign * logdet + np.sum(w) + np.sum(v[:, -1] ** 2 * w) + np.sum(s) + np.sum(u[0] * vh[1])
            + np.sum(q * q[0]) + np.sum(r) + np.trace(np.linalg.inv(a)) + np.linalg.det(a)
            + np.sum(np.linalg.solve(a, a[0])) + np.linalg.norm(a, "nuc") + np.linalg.norm(a, 2))


def reduced_and_single_outputs(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(u[1] * vh[0]) + np.sum(np.linalg.svd(a, compute_uv=False) ** 2) + np.sum(np.linalg.qr(a, mode="r"))


@pytest.mark.parametrize("f, a", [(every_factorisation, A), (reduced_and_single_outputs, TALL)])
def test_multi_output_linalg_functions_in_adoo_and_adsct(f, a):
    expected = numeric.grad(f, a, method="richardson")
    np.testing.assert_allclose(adoo.grad(f)(a), expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(adsct.grad(f)(a), expected, rtol=1e-7, atol=1e-9)


def test_second_derivatives_of_multi_output_functions_agree():
    np.testing.assert_allclose(adsct.hessian(every_factorisation)(A), adoo.hessian(every_factorisation)(A),
                               rtol=1e-9, atol=1e-10)


def test_adoo_returns_numpys_named_results():
    def f(a):
        result = np.linalg.eigh(a)
        return np.sum(result.eigenvalues) + np.linalg.slogdet(a).logabsdet
    expected = numeric.grad(f, A)
    np.testing.assert_allclose(adoo.grad(f)(A), expected, rtol=1e-6, atol=1e-8)


def test_eigh_and_cholesky_read_only_the_lower_triangle_as_numpy_does():
    lopsided = np.tril(A @ A.T) + np.triu(np.full((3, 3), 7.0), 1)  # the upper triangle is junk

    def f(a):
        return np.sum(np.linalg.eigh(a)[1][:, 0] ** 3) + np.sum(np.linalg.cholesky(a) ** 2)
    expected = numeric.grad(f, lopsided)
    assert np.all(expected[np.triu_indices(3, 1)] == 0.0)
    np.testing.assert_allclose(adoo.grad(f)(lopsided), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(adsct.grad(f)(lopsided), expected, rtol=1e-6, atol=1e-8)


def test_eigh_at_repeated_eigenvalues_values_are_fine_vectors_are_not_finite():
    # Documented (ad/ops/decompositions.py): the eigenvectors have no derivative where eigenvalues
    # repeat; as in JAX the result is inf/nan there, never a finite wrong number.
    def values(a):
        return np.sum(np.linalg.eigvalsh(a) ** 2)

    def vectors(a):
        return np.sum(np.linalg.eigh(a)[1] ** 3)
    identity = np.eye(3)
    np.testing.assert_allclose(adoo.grad(values)(identity), numeric.grad(values, identity), atol=1e-7)
    with np.errstate(all="ignore"):
        assert not np.all(np.isfinite(adoo.grad(vectors)(identity)))


def test_factorisations_shared_by_outputs_are_not_changed_by_writes_into_results():
    w = ops.eigh_values(A @ A.T)
    w[0] = 100.0
    np.testing.assert_allclose(ops.eigh_values(A @ A.T), np.linalg.eigvalsh(A @ A.T))


def test_matrix_norms_of_stacks_and_vector_norms_along_an_axis():
    stack = np.stack([A, A.T @ A])

    def f(x):
        return (np.sum(np.linalg.norm(x, ord="nuc", axis=(1, 2))) + np.sum(np.linalg.norm(x, ord=1, axis=(2, 1)))
                + np.sum(np.linalg.norm(x, ord=3, axis=0)) + np.sum(np.linalg.norm(x, axis=-1, keepdims=True)))
    expected = numeric.grad(f, stack, method="richardson")
    np.testing.assert_allclose(adoo.grad(f)(stack), expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(adsct.grad(f)(stack), expected, rtol=1e-7, atol=1e-9)


def test_solve_of_one_vector_against_a_stack_of_matrices():
    stack = np.stack([A, A.T])
    b = np.array([1.0, -2.0, 0.5])

    def f(a, b):
        return np.sum(np.linalg.solve(a, b) ** 2)
    expected = numeric.grad(f, stack, b, argnums=(0, 1))
    for strategy in (adoo, adsct):
        for got, want in zip(strategy.grad(f, argnums=(0, 1))(stack, b), expected):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call, message", [
    (lambda a: np.linalg.svd(a), "full_matrices=False"),
    (lambda a: np.linalg.svd(a, full_matrices=False, hermitian=True), "hermitian"),
    (lambda a: np.linalg.qr(a.T), "wide matrix"),
    (lambda a: np.linalg.qr(a, mode="complete"), "mode='reduced'"),
])
def test_linalg_without_a_derivative_is_refused_clearly(call, message):
    with pytest.raises(NotDifferentiableError, match=message.replace("(", r"\(")):
        adoo.grad(lambda a: np.sum(call(a)[0]))(TALL)


def test_adlib_has_the_functions_with_several_outputs():
    from ad import adlib
    a = A @ A.T

    def f(a):
        w, v = np.linalg.eigh(a)
        return np.sum(w * v[0]) + np.linalg.slogdet(a)[1]
    with adlib.Tape() as tape:
        x = tape.var(a)
        w, v = adlib.eigh(x)
        y = adlib.add(adlib.sum(adlib.mul(w, adlib.getitem(v, 0))), adlib.slogdet(x)[1])
    np.testing.assert_allclose(tape.gradient(y, [x])[0], numeric.grad(f, a), rtol=1e-6, atol=1e-8)


def test_adsct_computes_the_argument_of_a_function_with_several_outputs_once():
    def f(a):
        w, v = np.linalg.eigh(a @ a.T)
        return np.sum(w * v[0])
    forward_sweep = adsct.source(f).split("# reverse sweep")[0]
    products = [line for line in forward_sweep.splitlines() if " @ " in line and not line.strip().startswith("#")]
    assert len(products) == 1, forward_sweep
    np.testing.assert_allclose(adsct.grad(f)(A), numeric.grad(f, A), rtol=1e-6, atol=1e-8)


def test_numpy2_linalg_spellings():
    stack = np.stack([A, A.T @ A])

    def f(x):
        return (np.sum(np.linalg.vector_norm(x, axis=(0, 2), ord=3)) + np.linalg.vector_norm(x)
                + np.sum(np.linalg.matrix_norm(x, ord="nuc")) + np.sum(np.linalg.trace(x))
                + np.sum(np.linalg.matmul(np.linalg.matrix_transpose(x), x) * x))
    expected = numeric.grad(f, stack, method="richardson")
    np.testing.assert_allclose(adoo.grad(f)(stack), expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(adsct.grad(f)(stack), expected, rtol=1e-7, atol=1e-9)


def test_named_results_in_adsct():
    def f(a):
        result = np.linalg.svd(a, full_matrices=False)
        return np.sum(np.linalg.eigh(a).eigenvalues * result.S) + np.linalg.slogdet(a).logabsdet
    expected = numeric.grad(f, A, method="richardson")
    np.testing.assert_allclose(adsct.grad(f)(A), expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(adoo.grad(f)(A), expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(ops.MULTI))
def test_every_function_with_several_outputs_gives_numpys_values(name):
    from registry_strategies import domain_values
    multi = ops.MULTI[name]
    differentiable = [part for part in multi.parts if part.differentiable]
    case = differentiable[0].domain.cases[0]
    a = domain_values(np.random.default_rng(1), differentiable[0].domain.spec(0), case.shapes[0], np.float64)
    for alias in multi.aliases:
        assert ops.lookup(alias) is multi
        ours, numpys = multi(a, **case.params), alias(a, **case.params)
        assert type(ours) is type(numpys) and len(ours) == len(numpys)
        for mine, theirs in zip(ours, numpys):
            np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


# -- eig: complex eigenvalues and eigenvectors of a real matrix, as NumPy normalises them ----------

ROTATING = np.array([[0.3, -1.2, 0.5], [1.1, 0.2, -0.4], [0.1, 0.6, 0.9]])  # one real eigenvalue, a complex pair
WEIGHTS = np.arange(9.0).reshape(3, 3)


def eigenvector_parts(a):
    w, v = np.linalg.eig(a)
    return np.sum(np.real(v) * WEIGHTS) + np.sum(np.imag(v) * WEIGHTS.T) + np.sum(np.abs(w) ** 2)


def eigenvalue_spread(a):
    return np.sum(np.linalg.eigvals(a).imag ** 2) + np.sum(np.abs(np.linalg.eig(a)[1]) * WEIGHTS)


@pytest.mark.parametrize("f", [eigenvector_parts, eigenvalue_spread])
@pytest.mark.parametrize("strategy", [adoo, adsct])
def test_eig_derivatives_are_those_of_numpys_normalised_vectors(f, strategy):
    expected = numeric.grad(f, ROTATING)
    got = strategy.grad(f)(ROTATING)
    assert got.dtype == np.float64, "a real matrix gets a real gradient"
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_eig_second_derivatives_match_differences_of_the_gradient():
    def f(a):
        return np.sum(np.linalg.eigvals(a).real ** 2) + np.sum(np.abs(np.linalg.eig(a)[1][0]))
    hessian = adoo.jacobian(adoo.grad(f), mode="forward")(ROTATING)
    np.testing.assert_allclose(hessian, numeric.jacobian(adoo.grad(f), ROTATING), rtol=1e-5, atol=1e-6)


def test_a_real_input_never_gets_a_complex_gradient():
    from ad.derived import like_input
    assert like_input(np.array([1.0 + 2.0j]), np.zeros(1)).dtype == np.float64
    assert like_input(np.array([1.0 + 2.0j]), np.zeros(1, np.complex128)).dtype == np.complex128
