"""adsct differentiates recursive functions: the generated code calls the callee's own
generated derivative code, recursing as the function does (ad/adsct/recursion.py)."""

import sys

import numpy as np
import pytest

from ad import adoo, adsct, numeric
from ad.errors import UnsupportedSyntaxError


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def horner(coefficients, x, k=0):
    if k == len(coefficients) - 1:
        return coefficients[k]
    return coefficients[k] + x * horner(coefficients, x, k + 1)


def smooth(x, depth):
    if depth == 0:
        return np.tanh(x)
    return smooth(np.sin(x) * 0.9 + 0.1 * x, depth - 1)


def smooth_sum(x, depth):
    return np.sum(smooth(x, depth))


def is_even(x, n):
    if n == 0:
        return np.cos(x)
    return is_odd(x * 0.5, n - 1) + 0.1 * x


def is_odd(x, n):
    if n == 0:
        return np.sin(x)
    return is_even(x * 1.5, n - 1) * x


def parity(x, n):
    return is_even(x, n) * 2.0


def tree(x, n):  # two recursive calls per level
    if n <= 0:
        return np.exp(0.1 * x)
    return tree(x, n - 1) * 0.5 + tree(x * 0.9, n - 2) * np.sin(x)


def weighted(x, w, n, scale=1.0):  # two differentiated arguments, a default, keywords
    if n == 0:
        return scale * x * w
    y = weighted(np.sqrt(x * x + 1.0), w=w * 0.9, n=n - 1)
    return y + np.log1p(x * x) * w


def countdown(x, n):  # recursion written as a conditional expression
    return x if n == 0 else np.cos(countdown(x, n - 1)) + 0.01 * x


def total(x, n):  # the recursive result used in the recursion's argument
    if n == 0:
        return np.sum(x * x)
    inner = total(x * 0.5, n - 1)
    return total(x * 0.0 + inner * 0.01, n - 1) * 0.5 + inner


PROGRAMS = [  # (function, arguments, argnums)
    (power, (1.3, 0), 0), (power, (1.3, 1), 0), (power, (0.97, 5), 0), (power, (1.01, 50), 0),
    (power, (np.array([0.5, 1.1, -0.7]), 5), 0),
    (horner, (np.array([1.0, -2.0, 0.5, 3.0, 0.25]), 0.7), 1),
    (horner, (np.array([1.0, -2.0, 0.5, 3.0, 0.25]), 0.7), 0),
    (horner, (np.array([2.0]), 0.7), (0, 1)),
    (smooth_sum, (np.array([0.3, -1.2, 2.0]), 0), 0), (smooth_sum, (np.array([0.3, -1.2, 2.0]), 1), 0),
    (smooth_sum, (np.array([0.3, -1.2, 2.0]), 5), 0), (smooth_sum, (np.array([0.3, -1.2, 2.0]), 50), 0),
    (parity, (0.8, 0), 0), (parity, (0.8, 1), 0), (parity, (0.8, 5), 0), (parity, (0.8, 12), 0),
    (tree, (0.6, 6), 0),
    (weighted, (0.4, 1.7, 5), (0, 1)), (weighted, (np.array([0.4, -0.2]), 1.7, 3), (0, 1)),
    (countdown, (0.5, 0), 0), (countdown, (0.5, 50), 0),
    (total, (np.array([0.5, 1.5]), 3), 0),
]
IDS = [f"{f.__name__}-{k}" for k, (f, _, _) in enumerate(PROGRAMS)]


def _flat(gradient):
    parts = gradient if isinstance(gradient, tuple) else (gradient,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def _scalar(f, args):
    value = f(*args)
    return (lambda *a: np.sum(f(*a))) if np.ndim(value) else f


@pytest.mark.parametrize("f, args, argnums", PROGRAMS, ids=IDS)
def test_values_and_gradients_agree_with_adoo_and_finite_differences(f, args, argnums):
    g = _scalar(f, args)
    value, gradient = adsct.value_and_grad(g, argnums)(*args)
    assert np.allclose(value, g(*args), rtol=1e-14, atol=0)
    expected = adoo.grad(g, argnums)(*args)
    np.testing.assert_allclose(_flat(gradient), _flat(expected), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_flat(adsct.grad(g, argnums)(*args)), _flat(expected), rtol=1e-12, atol=1e-12)
    selected = argnums if isinstance(argnums, tuple) else (argnums,)
    numbers = [numeric.grad(g, *args, argnums=k) for k in selected]
    np.testing.assert_allclose(_flat(gradient), _flat(tuple(numbers)), rtol=1e-5, atol=1e-6)


def _restricted(f, args, selected):
    """f of its differentiated arguments only (the others fixed), written out for adsct."""
    a0, a1 = args[0], args[1]
    a2 = args[2] if len(args) > 2 else None
    if selected == (0,):
        return lambda x: f(x, a1)
    if selected == (1,):
        return lambda x: f(a0, x)
    if len(args) == 2:
        return lambda x, y: f(x, y)
    return lambda x, y: f(x, y, a2)


@pytest.mark.parametrize("f, args, argnums", PROGRAMS, ids=IDS)
def test_forward_mode_and_vjp_agree_with_adoo(f, args, argnums):
    selected = argnums if isinstance(argnums, tuple) else (argnums,)
    g = _restricted(f, args, selected)
    primals = tuple(args[k] for k in selected)
    rng = np.random.default_rng(0)
    tangents = tuple(rng.normal(size=np.shape(p)) if np.ndim(p) else float(rng.normal()) for p in primals)
    value, tangent = adsct.jvp(g, primals, tangents)
    expected_value, expected_tangent = adoo.jvp(g, primals, tangents)
    np.testing.assert_allclose(value, f(*args), rtol=1e-14)
    np.testing.assert_allclose(tangent, expected_tangent, rtol=1e-12, atol=1e-12)
    out, pullback = adsct.vjp(g, *primals)
    cotangent = np.full(np.shape(out), 0.7) if np.ndim(out) else 0.7
    expected = adoo.vjp(g, *primals)[1](cotangent)
    np.testing.assert_allclose(_flat(tuple(pullback(cotangent))), _flat(tuple(expected)), rtol=1e-12, atol=1e-12)


def test_jacobian_in_both_modes():
    x = np.array([0.3, -0.4, 1.1])
    expected = adoo.jacobian(lambda x: smooth(x, 4))(x)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(adsct.jacobian(lambda x: smooth(x, 4), mode=mode)(x), expected, rtol=1e-12,
                                   atol=1e-12)


def test_a_deep_recursion():
    assert sys.getrecursionlimit() >= 400
    value, gradient = adsct.value_and_grad(power)(1.001, 200)
    assert value == power(1.001, 200)
    assert abs(gradient - 200 * 1.001 ** 199) < 1e-9
    assert abs(adsct.jvp(power, (1.001, 200), (1.0, 0.0))[1] - 200 * 1.001 ** 199) < 1e-9


def test_the_generated_code_recurses_by_name():
    reverse, forward = adsct.source(power), adsct.source(power, mode="forward")
    assert "power_cotangents = power_vjp(x, t3, " in reverse and "t4 = power(x, t3)" in reverse
    assert "t4, dt4 = power_jvp(x, t3, dx)" in forward


def test_the_generated_code_recurses_no_deeper_than_the_function():
    n = 150
    grad, jvp = adsct.grad(power), (lambda: adsct.jvp(power, (1.001, n), (1.0, 0.0)))
    expected = adoo.grad(power)(1.001, n)
    assert grad(1.001, n) == pytest.approx(expected, rel=1e-12) and jvp()[1] == pytest.approx(expected, rel=1e-12)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(_frames()) + n + 40)  # (the code is written already: only running it recurses)
    try:
        assert grad(1.001, n) == pytest.approx(expected, rel=1e-12)
        assert jvp()[1] == pytest.approx(expected, rel=1e-12)
    finally:
        sys.setrecursionlimit(limit)


def _frames():
    frame, frames = sys._getframe(), []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


def _recursion_over_a_list(values, x, k=0):
    if k == len(values):
        return 0.0
    return values[k] * x + _recursion_over_a_list(values, x, k + 1)


def _returns_a_pair(x, n):
    if n == 0:
        return x, x
    a, b = _returns_a_pair(x, n - 1)
    return a * b, b


def _local_recursion(x):
    def again(y, n):
        if n == 0:
            return y
        return again(y * y, n - 1)

    return again(x, 2)


def test_what_is_still_refused_is_named_at_the_users_line():
    with pytest.raises(UnsupportedSyntaxError, match="a recursive call of _recursion_over_a_list with a tuple, "
                                                     "list or dict") as error:
        adsct.grad(_recursion_over_a_list, 1)([1.0, 2.0], 0.5)
    assert f":{_recursion_over_a_list.__code__.co_firstlineno + 3}:" in str(error.value)
    with pytest.raises(UnsupportedSyntaxError, match="a tuple, list or dict is assigned inside a branch"):
        adsct.grad(lambda x: _returns_a_pair(x, 2)[0])(0.5)
    with pytest.raises(UnsupportedSyntaxError, match="a recursive call of again, a function defined inside"):
        adsct.grad(_local_recursion)(0.5)


def _no_base_case(x, n):
    return _no_base_case(x * 0.5, n - 1)


def test_a_recursion_without_a_base_case_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="a recursive call on every path: _no_base_case") as error:
        adsct.grad(_no_base_case)(1.0, 3)
    assert f":{_no_base_case.__code__.co_firstlineno + 1}:" in str(error.value)
    assert "base case" in error.value.hint


@pytest.mark.parametrize("f, args", [(power, (1.3, 4)), (parity, (0.8, 5)), (tree, (0.6, 4)),
                                     (smooth_sum, (np.array([0.3, -1.2, 2.0]), 3))])
def test_second_derivatives_agree_with_adoo(f, args):
    np.testing.assert_allclose(adsct.hessian(f)(*args), adoo.hessian(f)(*args), rtol=1e-10, atol=1e-12)
    if np.ndim(args[0]) == 0:
        np.testing.assert_allclose(adsct.grad(adsct.grad(f))(*args), adoo.hessian(f)(*args), rtol=1e-10)
