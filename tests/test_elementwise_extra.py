"""The elementwise ops of ad/ops/elementwise_extra.py where their domains cannot reach: NumPy and
`math` spellings in ordinary code, kinks, nan, fmax/fmin's nan handling, mod's jumps, sinc at 0.
Every program runs under each strategy that takes it (see spellings.runs); the oracles are
finite differences, NumPy's own values and analytic formulas.
"""

import math

import numpy as np
import pytest

from ad import numeric, ops
from ad.errors import NotDifferentiableError
from spellings import ids, runs


def _check_against_differences(s, f, x, label, rtol=1e-7):
    got = s.grad(f)(x)
    want = numeric.grad(f, x, method="richardson")
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-9, err_msg=label)


# -- the NumPy and math spellings in ordinary code ----------------------------------------------

def wave_packet(x):
    """A scientist's function: hyperbolic, angle and remainder ufuncs mixed."""
    r = np.hypot(x, 0.5 * x + 1.0)
    phase = np.arctan2(x + 2.0, 1.5 - x)
    wrapped = np.mod(np.degrees(phase), 90.0) + np.fmod(3.0 * x, 0.7)
    shape = np.sinc(x) * np.exp2(-r) + np.cbrt(x + 3.0) + np.arcsinh(x) - np.arctanh(0.4 * x)
    return np.sum(shape * np.radians(wrapped) + np.logaddexp2(x, r) + np.arccosh(r + 1.5)
                  + np.copysign(x, -1.0) + np.float_power(r, 1.5) + np.reciprocal(r) + np.fabs(x)
                  + np.fmax(x, 0.2) * np.fmin(x, -0.3) + np.positive(x) + np.nan_to_num(x))


def scalar_with_math(x):
    """The same kind of code on a Python float, spelled with `math`."""
    y = math.atan2(x, 2.0) + math.hypot(x, 1.0) + math.asinh(x) + math.atanh(x / 3.0)
    return y * math.radians(math.degrees(x)) + math.fmod(5.0 * x, 1.3) + math.copysign(x, -2.0) + math.acosh(2.0 + x * x)


NUMPY_SPELLINGS = [case for case in runs(wave_packet, wave_packet) if "numpy" in case[0]]
MATH_SPELLINGS = [case for case in runs(scalar_with_math, scalar_with_math) if case[0] == "adsct (numpy)"]


@pytest.mark.parametrize("label,s,f", NUMPY_SPELLINGS, ids=ids(NUMPY_SPELLINGS))
def test_numpy_spellings_of_the_extra_ufuncs_differentiate(label, s, f):
    x = np.array([-0.83, -0.21, 0.37, 0.91])
    value, _ = s.value_and_grad(f)(x)
    assert value == pytest.approx(f(x), rel=1e-12), label
    _check_against_differences(s, f, x, label)


@pytest.mark.parametrize("label,s,f", MATH_SPELLINGS, ids=ids(MATH_SPELLINGS))
@pytest.mark.parametrize("x", [-0.7, 0.45])
def test_math_spellings_of_the_extra_functions_differentiate(label, s, f, x):
    _check_against_differences(s, f, x, label)


def test_math_spellings_under_operator_overloading_are_refused_naming_the_line():
    from ad import adoo
    with pytest.raises(NotDifferentiableError, match=r"test_elementwise_extra.py, line \d+: y = math.atan2"):  # math.* calls float(x)
        adoo.grad(scalar_with_math)(0.45)


# -- sinc at and near 0 ---------------------------------------------------------------------

def sinc_sum_ops(x):
    return ops.sum(ops.sinc(x))


def sinc_sum_numpy(x):
    return np.sum(np.sinc(x))


SINC = runs(sinc_sum_ops, sinc_sum_numpy)


@pytest.mark.parametrize("label,s,f", SINC, ids=ids(SINC))
def test_sinc_at_and_near_zero_to_second_order(label, s, f):
    # sinc x = 1 - (pi x)^2 / 6 + ...: slope 0 and curvature -pi^2 / 3 at 0, right at 0 and across
    # the switch between the series and the quotient form (|x| = 0.1).
    x = np.array([0.0, 1e-7, 0.0999, 0.1001, -0.6])
    slope = np.where(x == 0, 0.0, (np.cos(np.pi * x) - np.sinc(x)) / np.where(x == 0, 1.0, x))
    near = np.abs(x) < 1e-3
    slope = np.where(near, -np.pi ** 2 * x / 3, slope)  # (the quotient loses digits this close to 0)
    np.testing.assert_allclose(s.grad(f)(x), slope, rtol=1e-9, atol=1e-12, err_msg=label)
    curvature = np.diag(s.hessian(f)(x))
    want = numeric.grad(lambda z: np.sum(numeric.grad(f, z, method="richardson")), x[1:], method="richardson")
    assert curvature[0] == pytest.approx(-np.pi ** 2 / 3, rel=1e-12), label
    np.testing.assert_allclose(curvature[1:], want, rtol=1e-5, err_msg=label)


# -- fmax and fmin: nan loses, ties split ------------------------------------------------------

def fmax_sum_ops(x, y):
    return ops.sum(ops.add(ops.fmax(x, y), ops.mul(2.0, ops.fmin(x, y))))


def fmax_sum_numpy(x, y):
    return np.sum(np.fmax(x, y) + 2.0 * np.fmin(x, y))


FMAX = runs(fmax_sum_ops, fmax_sum_numpy)


@pytest.mark.parametrize("label,s,f", FMAX, ids=ids(FMAX))
def test_fmax_and_fmin_give_the_derivative_to_the_input_that_is_not_nan(label, s, f):
    x = np.array([1.0, np.nan, 0.5, -1.0, np.nan])
    y = np.array([np.nan, 2.0, 0.5, 3.0, np.nan])
    value, _ = s.value_and_grad(f)(x, y)
    assert np.isnan(value) == np.isnan(f(x, y)), label
    gx, gy = s.grad(f, argnums=(0, 1))(x, y)
    # entry by entry: only x counts, only y counts, a tie (1/2 each of fmax and of fmin), x is the min, both nan.
    np.testing.assert_array_equal(gx, [3.0, 0.0, 1.5, 2.0, np.nan], err_msg=label)
    np.testing.assert_array_equal(gy, [0.0, 3.0, 1.5, 1.0, np.nan], err_msg=label)
    # where exactly one is nan, the other's derivative is what differences say
    assert gx[0] == pytest.approx(numeric.grad(lambda a: f(a, y[:1]), x[:1], method="central")[0]), label
    assert gy[1] == pytest.approx(numeric.grad(lambda b: f(x[1:2], b), y[1:2], method="central")[0]), label


# -- mod, remainder, fmod: the y-derivative jumps with the quotient -----------------------------

def remainders_ops(x, y):
    return ops.sum(ops.add(ops.mod(x, y), ops.mul(3.0, ops.fmod(x, y))))


def remainders_numpy(x, y):
    return np.sum(np.remainder(x, y) + 3.0 * np.fmod(x, y))


REMAINDERS = runs(remainders_ops, remainders_numpy)


@pytest.mark.parametrize("label,s,f", REMAINDERS, ids=ids(REMAINDERS))
def test_mod_and_fmod_derivatives_across_many_periods(label, s, f):
    # quotients far from the domain's [-2, 2] window, of both signs, and y of both signs
    x = np.array([7.3, -7.3, 23.9, -0.4, 5.5])
    y = np.array([2.0, 2.0, -1.7, 0.3, -0.75])
    gx, gy = s.grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, np.full(5, 4.0), err_msg=label)
    np.testing.assert_allclose(gy, -np.floor(x / y) - 3.0 * np.trunc(x / y), err_msg=label)
    np.testing.assert_allclose(gx, numeric.grad(lambda a: f(a, y), x, method="central"), rtol=1e-6, err_msg=label)
    np.testing.assert_allclose(gy, numeric.grad(lambda b: f(x, b), y, method="central"), rtol=1e-6, err_msg=label)


@pytest.mark.parametrize("label,s,f", REMAINDERS, ids=ids(REMAINDERS))
def test_mod_by_zero_has_a_nan_derivative_as_its_value_is_nan(label, s, f):
    x, y = np.array([1.5, 2.5]), np.array([0.0, 2.0])
    with np.errstate(all="ignore"):
        gx, gy = s.grad(f, argnums=(0, 1))(x, y)
    assert np.isnan(gx[0]) and np.isnan(gy[0]), label
    assert gx[1] == 4.0 and gy[1] == -4.0, label


# -- kinks and replaced entries -----------------------------------------------------------------

def kinks_ops(x):
    return ops.sum(ops.add(ops.add(ops.fabs(x), ops.copysign(x, -0.5)), ops.hypot(x, ops.mul(2.0, x))))


def kinks_numpy(x):
    return np.sum(np.fabs(x) + np.copysign(x, -0.5) + np.hypot(x, 2.0 * x))


KINKS = runs(kinks_ops, kinks_numpy)


@pytest.mark.parametrize("label,s,f", KINKS, ids=ids(KINKS))
def test_kinks_at_zero_take_the_derivative_of_abs_there(label, s, f):
    x = np.array([0.0, -0.0, 0.7, -1.2])
    want = np.sign(x) - np.sign(x) + np.sqrt(5.0) * np.sign(x)  # fabs, copysign(., -0.5) = -|x|, hypot = sqrt5 |x|
    np.testing.assert_allclose(s.grad(f)(x), want, err_msg=label)
    np.testing.assert_allclose(s.grad(f)(x[2:]), numeric.grad(f, x[2:], method="central"), rtol=1e-7, err_msg=label)
    # every piece is linear, so the second derivative is 0, at the kink too (as abs''(0) = 0)
    np.testing.assert_array_equal(s.hessian(f)(x), np.zeros((4, 4)), err_msg=label)


def signed_by_ops(x, y):
    return ops.sum(ops.copysign(ops.mul(x, x), y))


def signed_by_numpy(x, y):
    return np.sum(np.copysign(x * x, y))


SIGNED = runs(signed_by_ops, signed_by_numpy)


@pytest.mark.parametrize("label,s,f", SIGNED, ids=ids(SIGNED))
def test_copysign_reads_only_the_sign_of_y(label, s, f):
    x, y = np.array([1.5, -2.0, 0.5]), np.array([-3.0, 4.0, -0.0])
    gx, gy = s.grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 2.0 * x * np.where(np.signbit(y), -1.0, 1.0) * np.sign(x * x), err_msg=label)
    np.testing.assert_array_equal(gy, np.zeros(3), err_msg=label)


def cleaned_ops(x):
    return ops.sum(ops.square(ops.nan_to_num(x, posinf=10.0, neginf=-10.0)))


def cleaned_numpy(x):
    return np.sum(np.nan_to_num(x, posinf=10.0, neginf=-10.0) ** 2)


CLEANED = runs(cleaned_ops, cleaned_numpy)


@pytest.mark.parametrize("label,s,f", CLEANED, ids=ids(CLEANED))
def test_nan_to_num_passes_the_derivative_only_where_x_was_finite(label, s, f):
    x = np.array([0.5, np.nan, np.inf, -2.0, -np.inf])
    value, g = s.value_and_grad(f)(x)
    assert value == pytest.approx(f(x)), label
    np.testing.assert_array_equal(g, [1.0, 0.0, 0.0, -4.0, 0.0], err_msg=label)
    np.testing.assert_allclose(g[[0, 3]], numeric.grad(f, x[[0, 3]], method="central"), rtol=1e-7, err_msg=label)
