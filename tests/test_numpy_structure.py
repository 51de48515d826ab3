"""Issue 14, shape and structure, contractions, statistics and scans: NumPy code as people write
it, differentiated by adoo and adsct and checked against finite differences and plain NumPy.

The registry suites test each op on its domain; these tests cover what a domain cannot say:
NumPy's call forms, several outputs (np.split), list arguments (np.select), NaN entries,
zeros in cumprod, conventions at ties, and the errors for what has no rule."""

import numpy as np
import pytest

import ad
from ad import numeric
from ad.errors import NotDifferentiableError, UnsupportedSyntaxError

NUMPY_STRATEGIES = ("adoo", "adsct")  # (adlib is written with ad.ops calls, not NumPy's)
RNG = np.random.default_rng(14)


def assert_gradient_matches_numeric(f, x, strategy, *, hessian=False):
    g = ad.grad(f, strategy=strategy)(x)
    np.testing.assert_allclose(g, numeric.grad(f, x), rtol=1e-6, atol=1e-7)
    if hessian:
        np.testing.assert_allclose(ad.hessian(f, strategy=strategy)(x), numeric.hessian(f, x), rtol=1e-4, atol=1e-5)


# -- shapes and copies ----------------------------------------------------------------------------

def rearranged(x):
    y = np.hstack([np.flip(x), np.roll(x, 2)])
    z = np.pad(np.sort(y), (1, 2), mode="reflect")
    m = np.vstack([z[:6], np.tile(x, 2)[:6]])
    s = m @ m.T
    return (np.sum(np.diff(np.tril(np.rot90(s))) ** 2) + np.sum(np.diag(np.diag(s))) * np.sum(np.take(x, [0, 0, 2]))
            + np.sum(np.append(x, np.ravel(s)) ** 3) + np.sum(np.moveaxis(np.atleast_3d(m), 0, -1) ** 2))


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_shape_and_copy_functions_differentiate_like_numpy(strategy):
    x = np.array([0.3, -1.2, 0.7, 2.1])
    assert ad.value_and_grad(rearranged, strategy=strategy)(x)[0] == pytest.approx(rearranged(x))
    assert_gradient_matches_numeric(rearranged, x, strategy, hessian=True)


def pieces(x):
    a, b = np.split(x, 2)
    c, d, e = np.array_split(x, 3)
    top, bottom = np.vsplit(x.reshape(2, 3), 2)
    left, right = np.hsplit(x.reshape(3, 2), [1])
    parts = np.split(x, [1, 4])
    return np.sum(a * b) + np.sum(c) * np.sum(e ** 2) + np.sum(top * bottom) + np.sum(left * right) + np.sum(parts[2] ** 3)


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_split_functions_give_lists_of_pieces(strategy):
    x = np.array([0.3, -1.2, 0.7, 2.1, -0.4, 0.9])
    assert_gradient_matches_numeric(pieces, x, strategy, hessian=True)


def first_matching_choice(x):
    return np.sum(np.select([x > 0.5, x < -0.5], [x ** 2, -x], default=0.1 * x) ** 2)


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_select_takes_the_first_matching_choice(strategy):
    x = np.array([0.9, -1.2, 0.1, 2.0, -0.3])
    assert ad.value_and_grad(first_matching_choice, strategy=strategy)(x)[0] == pytest.approx(first_matching_choice(x))
    assert_gradient_matches_numeric(first_matching_choice, x, strategy)


def split_in_unknown_pieces(x, n):
    a = np.split(x, n)
    return np.sum(a[0])


def test_adsct_needs_the_number_of_pieces_of_a_split_written_out():
    with pytest.raises(UnsupportedSyntaxError, match="number of pieces"):
        ad.grad(split_in_unknown_pieces, strategy="adsct")(np.ones(4), 2)


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_pad_modes_without_a_rule_are_refused(strategy):
    def padded_by_mean(x):
        return np.sum(np.pad(x, 1, mode="mean"))
    with pytest.raises(ValueError, match="mode='mean'"):
        ad.grad(padded_by_mean, strategy=strategy)(np.ones(3))


# -- contractions ---------------------------------------------------------------------------------

def contracted(x):
    a, b = x[:6].reshape(2, 3), x[6:].reshape(3, 2)
    return (np.einsum("ij,jk->ik", a, b).sum() + np.einsum("ii", a @ b) + np.sum(np.einsum("...i,...i->...", a, a) ** 2)
            + np.sum(np.tensordot(a, b.T, 2)) + np.sum(np.outer(a, b) ** 2) + np.sum(np.inner(a, a) ** 2)
            + np.sum(np.kron(a, b) ** 2) + np.sum(np.cross(a, b.T) ** 2))


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_contractions_in_numpy_call_forms(strategy):
    x = RNG.standard_normal(12)
    assert ad.value_and_grad(contracted, strategy=strategy)(x)[0] == pytest.approx(contracted(x))
    assert_gradient_matches_numeric(contracted, x, strategy, hessian=True)


def stacked_dot(x):
    a, b = x[:12].reshape(2, 2, 3), x[12:].reshape(2, 3, 2)
    return np.sum(np.dot(a, b) ** 2) + np.sum(np.dot(a, b[0, :, 0]) ** 2) + np.sum(np.dot(b[:, :, 0], b) ** 2)


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_dot_of_arrays_with_more_than_two_axes_follows_numpy(strategy):
    x = RNG.standard_normal(24)
    assert ad.value_and_grad(stacked_dot, strategy=strategy)(x)[0] == pytest.approx(stacked_dot(x))
    assert_gradient_matches_numeric(stacked_dot, x, strategy, hessian=True)


def test_cross_of_2_vectors_is_refused():
    with pytest.raises(ValueError, match="2-vectors"):
        ad.grad(lambda x: np.cross(x, x + 1.0), strategy="adoo")(np.ones(2))


# -- statistics and scans -------------------------------------------------------------------------

def summary_statistics(x):
    m = x.reshape(3, 4)
    w = np.linspace(0.5, 1.5, 3)
    return (np.average(m, axis=0, weights=w).sum() + np.average(m, 1).sum() + np.average(m) + np.var(m, ddof=1)
            + np.std(m, axis=0).sum() + m.var(axis=1).sum() + np.median(m) + np.percentile(m, 30, axis=1).sum()
            + np.quantile(m, 0.9))


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_statistics_in_numpy_call_forms(strategy):
    x = RNG.standard_normal(12)
    assert ad.value_and_grad(summary_statistics, strategy=strategy)(x)[0] == pytest.approx(summary_statistics(x))
    assert_gradient_matches_numeric(summary_statistics, x, strategy, hessian=True)


def weighted_by_input(x):
    return np.average(x[:3] ** 2, weights=np.exp(x[3:]))


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_average_differentiates_its_weights_too(strategy):
    assert_gradient_matches_numeric(weighted_by_input, RNG.standard_normal(6), strategy, hessian=True)


def weighted_running_product(x):
    return np.sum(np.cumprod(x) * np.arange(1.0, 6.0)) + np.sum(np.cumsum(x) ** 2)


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 0.0, 1.5], [0.0, 0.0, 1.0, 2.0, 3.0], [1.5, -2.0, 0.5, 3.0, 0.0]])
def test_cumprod_is_exact_where_entries_are_zero(strategy, x):
    # d/dx_j of sum_i w_i prod_{k<=i} x_k = sum_{i>=j} w_i prod_{k<=i, k!=j} x_k: no division by x
    x = np.array(x)
    weights = np.arange(1.0, 6.0)
    exact = [sum(weights[i] * np.prod(np.delete(x[: i + 1], j)) for i in range(j, 5)) + 2 * np.sum(np.cumsum(x)[j:])
             for j in range(5)]
    g = ad.grad(weighted_running_product, strategy=strategy)(x)
    np.testing.assert_allclose(g, exact, rtol=1e-12)
    assert np.all(np.isfinite(ad.hessian(weighted_running_product, strategy=strategy)(x)))


def nan_ignoring(x):
    return np.nansum(x * 3.0) + np.nanmean(x)


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_nansum_and_nanmean_leave_nan_entries_out(strategy):
    x = np.array([1.0, np.nan, 2.0, np.nan])
    value, g = ad.value_and_grad(nan_ignoring, strategy=strategy)(x)
    assert value == pytest.approx(nan_ignoring(x))
    np.testing.assert_array_equal(g, [3.5, 0.0, 3.5, 0.0])


def median_of(x):
    return np.median(x)


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_median_at_ties_gives_the_derivative_to_the_entries_argsort_puts_in_the_middle(strategy):
    x = np.array([2.0, 1.0, 2.0, 5.0])  # the middle pair: the median is their mean, and they share
    np.testing.assert_array_equal(ad.grad(median_of, strategy=strategy)(x), [0.5, 0.0, 0.5, 0.0])
    x = np.array([2.0, 1.0, 2.0, 5.0, 2.0])  # three tied middle entries: the one stable argsort puts there
    np.testing.assert_array_equal(ad.grad(median_of, strategy=strategy)(x), [0.0, 0.0, 1.0, 0.0, 0.0])


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_sort_follows_each_entry_to_its_place(strategy):
    x = np.array([0.3, -1.2, 0.7, 2.1])
    weights = np.arange(1.0, 5.0)

    def weighted_sorted(x):
        return np.sum(np.sort(x) * weights)
    g = ad.grad(weighted_sorted, strategy=strategy)(x)
    np.testing.assert_array_equal(g[np.argsort(x)], weights)


def several_percentiles(x):
    m = x.reshape(3, 4)
    return np.sum(np.percentile(m, [10, 50, 90], axis=1) ** 2) + np.sum(np.quantile(m, np.array([[0.2], [0.7]]), axis=0,
                                                                                     keepdims=True) ** 3)


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_several_quantiles_at_once(strategy):
    x = RNG.permutation(np.linspace(-2.0, 2.0, 12))  # (no ties: each order statistic is smooth)
    assert ad.value_and_grad(several_percentiles, strategy=strategy)(x)[0] == pytest.approx(several_percentiles(x))
    assert_gradient_matches_numeric(several_percentiles, x, strategy, hessian=True)


def test_functions_without_a_rule_still_raise():
    with pytest.raises(NotDifferentiableError, match="unwrap"):
        ad.grad(lambda x: np.sum(np.unwrap(x)), strategy="adoo")(np.arange(3.0))


def with_constant_lists(x):
    return (np.sum(np.append(x, [1.0, 2.0]) ** 2) + np.sum(np.maximum(x, [0.1, 0.2, 0.3]) ** 2)
            + np.sum(np.vstack([x, [1.0, 2.0, 3.0]]) ** 2))


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_a_list_of_constants_is_an_array_argument(strategy):
    x = np.array([0.5, -0.3, 0.9])
    assert ad.value_and_grad(with_constant_lists, strategy=strategy)(x)[0] == pytest.approx(with_constant_lists(x))
    assert_gradient_matches_numeric(with_constant_lists, x, strategy, hessian=True)


@pytest.mark.parametrize("function", [np.sort, np.var, np.std, np.median])
def test_orderings_and_spreads_of_complex_values_are_refused(function):
    # (NumPy sorts complex numbers lexicographically, and var takes |x - mean|**2: no rule here)
    with pytest.raises(ValueError, match="complex values"):
        ad.grad(lambda z: np.real(np.sum(function(z * 1j))), strategy="adoo")(np.array([1.0, 2.0, 4.0]))


def differences_with_ends(x):
    m = x.reshape(2, 3)
    return (np.sum(np.diff(x, prepend=0.0) ** 2) + np.sum(np.diff(m, n=2, axis=0, prepend=np.ones((1, 3)), append=2.0) ** 3)
            + np.sum(np.diff(m, append=[[1.0], [2.0]]) ** 2))


@pytest.mark.parametrize("strategy", NUMPY_STRATEGIES)
def test_diff_with_prepend_and_append(strategy):
    x = RNG.standard_normal(6)
    assert ad.value_and_grad(differences_with_ends, strategy=strategy)(x)[0] == pytest.approx(differences_with_ends(x))
    assert_gradient_matches_numeric(differences_with_ends, x, strategy, hessian=True)
