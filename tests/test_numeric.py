"""Tests for ad.numeric: numeric derivatives, step choice, check_grads and step studies."""

import math
import sys
import types
from collections import namedtuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ad
import ad.numeric
from ad import numeric
from ad.numeric import (METHODS, check_grads, grad, hessian, jacobian, jvp, optimal_step,
                        step_errors)
from ad.tree import flatten, leaves, tree_map

EPS = np.finfo(np.float64).eps


# The running example and its analytic derivatives.
def f_run(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


X_RUN = (2.0, 5.0)
GRAD_RUN = np.array([5.5, 1.7163378145367738])  # (1/x1 + x2, x1 - cos x2)
HESS_RUN = np.array([[-0.25, 1.0], [1.0, np.sin(5.0)]])

# Expected absolute error on the running example (|f| ~ 12, steps scaled by |x| ~ 2..5):
# forward/backward ~ sqrt(eps)*|f|, central ~ eps**(2/3)*|f|, richardson ~ eps**(4/5)*|f|.
BOUNDS = {"forward": 1e-6, "backward": 1e-6, "central": 1e-8, "richardson": 1e-10,
          "complex": 1e-14}


# ----------------------------------------------------------------------------- grad


@pytest.mark.parametrize("method", METHODS)
def test_running_example_accuracy(method):
    g = grad(f_run, *X_RUN, argnums=(0, 1), method=method)
    assert isinstance(g, tuple) and len(g) == 2
    assert np.max(np.abs(np.array(g) - GRAD_RUN)) < BOUNDS[method]


def test_running_example_argnums():
    assert abs(grad(f_run, *X_RUN) - GRAD_RUN[0]) < 1e-8
    assert abs(grad(f_run, *X_RUN, argnums=1) - GRAD_RUN[1]) < 1e-8
    assert abs(grad(f_run, *X_RUN, argnums=-1) - GRAD_RUN[1]) < 1e-8
    g1, g0 = grad(f_run, *X_RUN, argnums=(1, 0))
    assert abs(g1 - GRAD_RUN[1]) < 1e-8 and abs(g0 - GRAD_RUN[0]) < 1e-8


def test_running_example_as_one_array():
    g = grad(lambda x: f_run(x[0], x[1]), np.array(X_RUN), method="complex")
    assert isinstance(g, np.ndarray) and g.shape == (2,)
    np.testing.assert_allclose(g, GRAD_RUN, rtol=0, atol=1e-14)


def test_gradient_leaf_types():
    assert type(grad(np.sin, 0.5)) is np.float64  # Python float in, NumPy scalar out
    g = grad(np.sin, np.array(0.5))
    assert isinstance(g, np.ndarray) and g.shape == ()
    assert type(grad(lambda n: 2.0 * n, 3)) is np.float64  # integers differentiate as floats


def test_float32_input_is_evaluated_in_float64():
    x = np.array([0.3, 1.7], np.float32)
    g = grad(lambda v: np.sum(np.sin(v) ** 2), x)
    assert g.dtype == np.float32
    exact = np.sin(2 * x.astype(np.float64))
    # float32 differences would be off by ~1e-3; evaluating in float64 leaves only rounding.
    np.testing.assert_allclose(g, exact, rtol=1e-6)


Params = namedtuple("Params", "w b")


def test_grad_of_pytree():
    p = {"layer": Params(w=np.array([[1.0, 2.0], [3.0, 4.0]]), b=[0.5, np.array([1.0, -1.0])]),
         "scale": (2.0,)}

    def loss(q):
        w, b = q["layer"].w, q["layer"].b
        return q["scale"][0] * np.sum(w ** 2) + b[0] * np.sum(b[1] ** 3)

    g = grad(loss, p, method="richardson")
    assert flatten(g)[1] == flatten(p)[1]
    assert isinstance(g["layer"], Params)
    np.testing.assert_allclose(g["layer"].w, 2 * 2.0 * p["layer"].w, rtol=1e-10)
    np.testing.assert_allclose(g["layer"].b[0], np.sum(p["layer"].b[1] ** 3), atol=1e-10)
    np.testing.assert_allclose(g["layer"].b[1], 0.5 * 3 * p["layer"].b[1] ** 2, rtol=1e-10)
    np.testing.assert_allclose(g["scale"][0], np.sum(p["layer"].w ** 2), rtol=1e-10)


def test_grad_argnums_tuple_of_pytrees():
    def f(a, scale, b):
        return scale * (np.sum(a[0] * b["v"]) + a[1])

    a, b = (np.array([1.0, 2.0]), 3.0), {"v": np.array([4.0, 5.0])}
    ga, gb = grad(f, a, 2.0, b, argnums=(0, 2), method="complex")
    np.testing.assert_allclose(ga[0], 2.0 * b["v"], atol=1e-14)
    np.testing.assert_allclose(ga[1], 2.0, atol=1e-14)
    np.testing.assert_allclose(gb["v"], 2.0 * a[0], atol=1e-14)


@pytest.mark.parametrize("argnums, error", [
    (2, ValueError), (-3, ValueError), ((0, 0), ValueError), ((), ValueError),
    (True, TypeError), ("0", TypeError), (0.0, TypeError)])
def test_bad_argnums(argnums, error):
    with pytest.raises(error, match="argnums"):
        grad(f_run, *X_RUN, argnums=argnums)


def test_bad_method_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown method 'centre'.*central, forward, backward, "
                                         "complex, richardson"):
        grad(f_run, *X_RUN, method="centre")
    with pytest.raises(ValueError, match="unknown method"):
        jvp(np.sin, (1.0,), (1.0,), method="five-point")


@pytest.mark.parametrize("out", [
    lambda x: x * 2,                # an array
    lambda x: (np.sum(x), 1.0),     # a tuple
    lambda x: {"s": np.sum(x)},     # a dict
    lambda x: np.sum(x, keepdims=True),  # shape (1,) is not a scalar
])
def test_non_scalar_output_points_to_jacobian(out):
    with pytest.raises(ValueError, match="scalar.*use jacobian"):
        grad(out, np.array([1.0, 2.0]))


def test_bad_eps():
    for eps in (0.0, -1e-3, np.inf, "small", True):
        with pytest.raises(ValueError, match="eps"):
            grad(np.sin, 1.0, eps=eps)


def test_step_is_the_distance_travelled():
    # At x = 1e8 a step of 1e-3 rounds by ~1e-8 (relative 1e-5); dividing by the step
    # actually taken, (x + h) - x, makes the difference quotient of the identity exact.
    for method in ("forward", "backward", "central", "richardson"):
        assert grad(lambda x: x, 1e8, method=method, eps=1e-3) == 1.0


def test_eps_sets_the_step():
    h = 2.0 ** -10
    assert grad(lambda x: x ** 2, 3.0, method="forward", eps=h) == 6.0 + h  # 2x + h exactly
    assert grad(lambda x: x ** 2, 3.0, method="backward", eps=h) == 6.0 - h


def test_step_lost_in_rounding():
    with pytest.raises(ValueError, match="lost in rounding"):
        grad(np.sin, 1.0, method="forward", eps=1e-20)


def test_complex_inputs_are_rejected_by_grad():
    with pytest.raises(TypeError, match="real inputs"):
        grad(lambda z: np.real(z * z), 1.0 + 1.0j)


# ----------------------------------------------------------------------------- complex step


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("f", [
    lambda x: np.sum(np.abs(x) ** 2),
    lambda x: np.sum(x.real ** 2),
    lambda x: float(np.sum(x)) ** 2,
    lambda x: np.sum(np.sqrt(x.astype(np.float64))),
])
def test_complex_unsafe_functions_are_detected(f):
    with pytest.raises(ValueError, match="not complex-step safe"):
        grad(f, np.array([1.0, 2.0]), method="complex")


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
def test_complex_step_unsafe_math_functions():
    with pytest.raises(ValueError, match="not complex-step safe"):
        grad(lambda x: math.sin(x), 1.0, method="complex")


def test_complex_step_needs_real_f():
    with pytest.raises(ValueError, match="real-valued"):
        grad(lambda x: np.exp(1j * x), 1.0, method="complex")


def test_abs_is_fine_for_other_methods():
    assert abs(grad(lambda x: np.abs(x) ** 3, -2.0) - (-12.0)) < 1e-8


# ----------------------------------------------------------------------------- jvp


def test_jvp_running_example():
    for method in METHODS:
        value, t = jvp(f_run, X_RUN, (1.0, -2.0), method=method)
        assert value == f_run(*X_RUN)
        assert abs(t - (GRAD_RUN[0] - 2 * GRAD_RUN[1])) < 3 * BOUNDS[method]


def test_jvp_pytrees_in_and_out():
    def f(a, b):
        return {"s": a["x"] * b[0], "t": (np.sin(a["y"]), [b[1] ** 2])}

    a = {"x": np.array([1.0, 2.0]), "y": 0.5}
    b = [3.0, np.array([[1.0, -2.0]])]
    ta = {"x": np.array([0.1, -0.3]), "y": 2.0}
    tb = [0.5, np.array([[1.0, 1.0]])]
    value, t = jvp(f, (a, b), (ta, tb), method="richardson")
    assert flatten(t)[1] == flatten(value)[1]
    np.testing.assert_allclose(t["s"], ta["x"] * 3.0 + a["x"] * 0.5, rtol=1e-10)
    np.testing.assert_allclose(t["t"][0], np.cos(0.5) * 2.0, rtol=1e-10)
    np.testing.assert_allclose(t["t"][1][0], 2 * b[1] * tb[1], rtol=1e-10)


def test_jvp_zero_tangent():
    value, t = jvp(lambda x: np.exp(x), (np.array([1.0, 2.0]),), (np.zeros(2),))
    np.testing.assert_array_equal(t, [0.0, 0.0])


def test_jvp_step_scales_with_the_tangent():
    # A huge or tiny tangent must not change the accuracy of the directional derivative.
    x = np.array([0.7, -1.3])
    exact = np.cos(x)
    for scale in (1e-8, 1.0, 1e8):
        _, t = jvp(np.sin, (x,), (scale * np.ones(2),))
        np.testing.assert_allclose(t / scale, exact, rtol=1e-8)


@given(st.integers(0, 2 ** 31))
def test_jvp_power_of_two_step_is_exact(seed):
    # At x = 0 the points are +-s*t; with s a power of two they are exact, so the
    # difference quotient of the identity returns t bit for bit.
    t = np.random.default_rng(seed).normal(size=5) * 10.0 ** np.arange(-2, 3)
    for method in ("forward", "central", "richardson"):
        np.testing.assert_array_equal(jvp(lambda x: x, (np.zeros(5),), (t,), method=method)[1], t)


def test_jvp_float32_keeps_float32():
    x = np.array([0.5, 1.0], np.float32)
    value, t = jvp(lambda v: v ** 3, (x,), (np.ones(2, np.float32),))
    assert value.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_allclose(t, 3 * x.astype(np.float64) ** 2, rtol=1e-6)


def test_jvp_argument_errors():
    with pytest.raises(TypeError, match="tuple of arguments"):
        jvp(np.sin, 1.0, 1.0)
    with pytest.raises(TypeError, match="pytree structures differ"):
        jvp(lambda a: a[0], ((1.0, 2.0),), ([1.0, 2.0],))
    with pytest.raises(ValueError, match="shape"):
        jvp(np.sin, (np.zeros(2),), (np.zeros(3),))
    with pytest.raises(ValueError, match="not complex-step safe"):
        jvp(lambda x: np.abs(x) ** 2, (np.array([1.0, 2.0]),), (np.ones(2),), method="complex")
    with pytest.raises(ValueError, match="real primals"):
        jvp(np.sin, (1.0 + 0.5j,), (1.0,), method="complex")


def test_jvp_complex_primals():
    z, t = 1.0 + 2.0j, 0.5 - 1.0j
    _, out = jvp(lambda w: w ** 3, (z,), (t,), method="richardson")
    assert abs(out - 3 * z ** 2 * t) < 1e-9


@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2 ** 31))
def test_jvp_of_linear_map(m, n, seed):
    rng = np.random.default_rng(seed)
    a, x, t = rng.normal(size=(m, n)), rng.normal(size=n), rng.normal(size=n)
    for method in ("central", "complex"):
        _, out = jvp(lambda v: a @ v, (x,), (t,), method=method)
        np.testing.assert_allclose(out, a @ t, rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------- jacobian


def test_jacobian_shape_and_values():
    a = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    x = np.array([0.1, 0.2, 0.3])
    j = jacobian(lambda v: a @ np.sin(v), x)
    assert j.shape == (2, 3)
    np.testing.assert_allclose(j, a * np.cos(x), rtol=1e-9)

    xm = np.arange(6.0).reshape(2, 3) / 10
    j = jacobian(lambda v: np.sum(v ** 2, axis=1), xm, method="complex")
    assert j.shape == (2, 2, 3)
    expected = np.zeros((2, 2, 3))
    expected[0, 0], expected[1, 1] = 2 * xm[0], 2 * xm[1]
    np.testing.assert_allclose(j, expected, atol=1e-15)


def test_jacobian_scalars():
    j = jacobian(np.sin, 0.5)
    assert np.ndim(j) == 0 and abs(j - np.cos(0.5)) < 1e-10
    j = jacobian(lambda x: np.array([x, x ** 2]), 3.0)
    assert j.shape == (2,)
    np.testing.assert_allclose(j, [1.0, 6.0], rtol=1e-9)


def test_jacobian_of_pytrees_nests_input_inside_output():
    p = {"a": np.array([1.0, 2.0]), "b": 3.0}
    j = jacobian(lambda q: (q["a"] * q["b"], np.sum(q["a"])), p, method="complex")
    assert j[0]["a"].shape == (2, 2) and j[0]["b"].shape == (2,)
    np.testing.assert_allclose(j[0]["a"], 3.0 * np.eye(2), atol=1e-14)
    np.testing.assert_allclose(j[0]["b"], p["a"], atol=1e-14)
    np.testing.assert_allclose(j[1]["a"], [1.0, 1.0], atol=1e-14)
    assert j[1]["b"] == 0.0


def test_jacobian_argnums_tuple():
    ja, jb = jacobian(lambda a, b: a * b, np.array([1.0, 2.0]), np.array([3.0, 4.0]),
                      argnums=(0, 1))
    np.testing.assert_allclose(ja, np.diag([3.0, 4.0]), atol=1e-9)
    np.testing.assert_allclose(jb, np.diag([1.0, 2.0]), atol=1e-9)


# ----------------------------------------------------------------------------- hessian


def test_hessian_running_example():
    h = hessian(lambda x: f_run(x[0], x[1]), np.array(X_RUN))
    assert h.shape == (2, 2)
    np.testing.assert_array_equal(h, h.T)
    np.testing.assert_allclose(h, HESS_RUN, atol=1e-6)


def test_hessian_argnums_tuple():
    (h00, h01), (h10, h11) = hessian(f_run, *X_RUN, argnums=(0, 1))
    np.testing.assert_allclose([[h00, h01], [h10, h11]], HESS_RUN, atol=1e-6)


@given(st.integers(1, 4), st.integers(0, 2 ** 31))
def test_hessian_of_quadratic_form(n, seed):
    rng = np.random.default_rng(seed)
    a, x = rng.normal(size=(n, n)), rng.normal(size=n)
    h = hessian(lambda v: v @ a @ v, x)
    np.testing.assert_allclose(h, a + a.T, atol=1e-6)


def test_hessian_needs_scalar():
    with pytest.raises(ValueError, match="jacobian"):
        hessian(lambda x: x ** 2, np.ones(2))


# ----------------------------------------------------------------------------- hypothesis


coef = st.floats(-3, 3, allow_nan=False)
point = st.floats(-2, 2, allow_nan=False)


def horner(c, x):
    out = 0.0
    for ck in reversed(c):
        out = out * x + ck
    return out


@given(st.lists(coef, min_size=1, max_size=6), point)
def test_polynomial_derivatives(c, x):
    dc = [k * ck for k, ck in enumerate(c)][1:] or [0.0]
    exact = horner(dc, x)
    size = 1 + sum(k ** 3 * abs(ck) * max(1.0, abs(x)) ** k for k, ck in enumerate(c))
    f = lambda v: horner(c, v)  # noqa: E731
    assert abs(grad(f, x, method="central") - exact) <= 1e-8 * size
    assert abs(grad(f, x, method="richardson") - exact) <= 1e-10 * size
    assert abs(grad(f, x, method="complex") - exact) <= 1e-14 * size


@given(coef, coef, coef, point)
def test_trig_derivatives(a, b, c, x):
    exact = a * b * np.cos(b * x + c)
    size = 1 + abs(a) * (1 + abs(b)) ** 5
    f = lambda v: a * np.sin(b * v + c)  # noqa: E731
    assert abs(grad(f, x) - exact) <= 1e-8 * size
    assert abs(grad(f, x, method="forward") - exact) <= 1e-6 * size
    assert abs(grad(f, x, method="richardson") - exact) <= 1e-10 * size
    assert abs(grad(f, x, method="complex") - exact) <= 1e-14 * size


@given(st.recursive(
    st.integers(0, 3).map(lambda n: np.linspace(-1.0, 2.0, n)) | st.floats(-2, 2),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.sampled_from("pqr"), kids),
    max_leaves=5))
def test_grad_of_random_pytree(tree):
    # f = sum over leaves of sum(exp(leaf)), so the gradient is exp(leaf) leaf by leaf.
    g = grad(lambda t: sum(np.sum(np.exp(x)) for x in leaves(t)), tree, method="complex")
    assert flatten(g)[1] == flatten(tree)[1]
    for gi, xi in zip(leaves(g), leaves(tree)):
        assert np.shape(gi) == np.shape(xi)
        np.testing.assert_allclose(gi, np.exp(xi), rtol=1e-14)


# ----------------------------------------------------------------------------- check_grads


def grad_run(x1, x2):
    return 1 / x1 + x2, x1 - np.cos(x2)


def test_check_grads_accepts_correct_grad_fn():
    assert check_grads(f_run, X_RUN, grad_run) is None
    x = np.array([0.3, -1.2, 2.0])
    check_grads(lambda v: np.sum(np.sin(v) ** 2), (x,), lambda v: np.sin(2 * v))


def test_check_grads_rejects_sign_flip():
    wrong = lambda x1, x2: (1 / x1 + x2, -(x1 - np.cos(x2)))  # noqa: E731
    with pytest.raises(AssertionError, match=r"argument 1, coordinate args\[1\]: grad_fn "
                                             r"-1\.716.*numeric .*1\.716.*error 3\.4"):
        check_grads(f_run, X_RUN, wrong)


def test_check_grads_names_the_coordinate():
    x = {"w": np.array([[1.0, 2.0], [3.0, 4.0]])}

    def wrong(p):
        g = 2 * p["w"]
        g[1, 0] += 1e-3
        return {"w": g}

    with pytest.raises(AssertionError, match=r"args\[0\]\['w'\]\[1, 0\]"):
        check_grads(lambda p: np.sum(p["w"] ** 2), (x,), wrong)


def test_check_grads_nan_is_a_failure():
    with pytest.raises(AssertionError, match="grad_fn nan"):
        check_grads(lambda v: np.sum(v ** 2), (np.ones(2),), lambda v: np.array([2.0, np.nan]))


def test_check_grads_directional_test_sees_accumulated_error():
    # Each coordinate is within atol = 1e-7 of the true 0, but along a random direction
    # the 100 small errors add up past the tolerance.
    f = lambda v: 0.0 * np.sum(v)  # noqa: E731
    x = np.linspace(-1.0, 1.0, 100)
    with pytest.raises(AssertionError, match="directional check failed for random direction"):
        check_grads(f, (x,), lambda v: np.full_like(v, 9e-8))
    check_grads(f, (x,), lambda v: np.zeros_like(v))


def test_check_grads_grad_fn_shape_and_count():
    x = np.array([1.0, 2.0])
    with pytest.raises(AssertionError, match="leaf shapes"):
        check_grads(lambda v: np.sum(v ** 2), (x,), lambda v: 2 * v[:1])
    with pytest.raises(AssertionError, match="tuple of 2 gradients"):
        check_grads(f_run, X_RUN, lambda a, b: 1 / a + b)


def test_check_grads_argument_errors():
    with pytest.raises(ValueError, match="order must be 1"):
        check_grads(f_run, X_RUN, grad_run, order=2)
    with pytest.raises(TypeError, match="tuple of arguments"):
        check_grads(np.sin, 1.0, np.cos)
    with pytest.raises(ValueError, match="modes"):
        check_grads(np.sin, (1.0,), np.cos, modes=("sideways",))
    with pytest.raises(ValueError, match="order must be 1, 2 or 3"):
        check_grads(np.sin, (1.0,), strategy=NumericStrategy(), order=4)
    with pytest.raises(ValueError, match="scalar"):
        check_grads(lambda v: v, (np.ones(2),), lambda v: v)


# A hand-written strategy for f(x, y) = sum(sin(x) * y), y broadcast along x's first axis.
def f_bcast(x, y):
    return np.sum(np.sin(x) * y)


X_B = np.array([[0.1, 0.5, -0.7], [1.2, -0.4, 2.0]])
Y_B = np.array([1.5, -2.0, 0.3])


def bcast_jvp(f, primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    return f_bcast(x, y), np.sum(np.cos(x) * tx * y + np.sin(x) * ty)


def bcast_vjp(f, x, y):
    return f_bcast(x, y), lambda u: (u * np.cos(x) * y, u * np.sum(np.sin(x), axis=0))


good_strategy = types.SimpleNamespace(jvp=bcast_jvp, vjp=bcast_vjp)


def test_check_grads_with_strategy_object():
    check_grads(f_bcast, (X_B, Y_B), strategy=good_strategy)
    check_grads(f_bcast, (X_B, Y_B), strategy=good_strategy, modes=("reverse",),
                num_directions=5, seed=7)


def test_check_grads_catches_missing_broadcast_sum():
    def vjp(f, x, y):
        return f_bcast(x, y), lambda u: (u * np.cos(x) * y, u * np.sin(x))  # no sum over axis 0

    with pytest.raises(AssertionError, match="cotangent for argument 1.*leaf shapes"):
        check_grads(f_bcast, (X_B, Y_B), strategy=types.SimpleNamespace(jvp=bcast_jvp, vjp=vjp))


def test_check_grads_catches_mean_instead_of_sum():
    def vjp(f, x, y):
        return f_bcast(x, y), lambda u: (u * np.cos(x) * y, u * np.mean(np.sin(x), axis=0))

    with pytest.raises(AssertionError, match="reverse-mode check failed .*order 1.*argument 1"):
        check_grads(f_bcast, (X_B, Y_B), strategy=types.SimpleNamespace(jvp=bcast_jvp, vjp=vjp))


def test_check_grads_catches_wrong_jvp_in_forward_mode_only():
    def jvp_wrong(f, primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return f_bcast(x, y), np.sum(np.cos(x) * tx * y - np.sin(x) * ty)

    bad = types.SimpleNamespace(jvp=jvp_wrong, vjp=bcast_vjp)
    with pytest.raises(AssertionError, match="forward-mode check failed .*argument 1 along "
                                             "random direction 0"):
        check_grads(f_bcast, (X_B, Y_B), strategy=bad)
    check_grads(f_bcast, (X_B, Y_B), strategy=bad, modes=("reverse",))


def test_check_grads_checks_the_primal_value():
    def jvp_off(f, primals, tangents):
        value, t = bcast_jvp(f, primals, tangents)
        return value + 1.0, t

    with pytest.raises(AssertionError, match="strategy.jvp value"):
        check_grads(f_bcast, (X_B, Y_B), strategy=types.SimpleNamespace(jvp=jvp_off),
                    modes=("forward",))


def test_check_grads_strategy_needs_jvp_and_vjp():
    with pytest.raises(TypeError, match="'vjp'"):
        check_grads(f_bcast, (X_B, Y_B), strategy=types.SimpleNamespace(jvp=bcast_jvp))


def test_check_grads_resolves_strategy_names(monkeypatch):
    asked = []

    def get(name):
        asked.append(name)
        return good_strategy

    fake = types.ModuleType("ad.strategies")
    fake.get = get
    monkeypatch.setitem(sys.modules, "ad.strategies", fake)
    monkeypatch.setattr(ad, "strategies", fake, raising=False)
    check_grads(f_bcast, (X_B, Y_B))
    check_grads(f_bcast, (X_B, Y_B), strategy="adoo")
    assert asked == ["adsct", "adoo"]


class NumericStrategy:
    """jvp and vjp by Richardson differences: any f, any order (slowly)."""

    def jvp(self, f, primals, tangents):
        return numeric.jvp(f, primals, tangents, method="richardson")

    def vjp(self, f, *primals):
        n = len(primals)

        def vjp_fn(u):
            jac = jacobian(f, *primals, argnums=tuple(range(n)), method="richardson")
            blocks = leaves(jac)  # output leaf o, argument i -> blocks[o * n + i]
            return tuple(
                sum(np.tensordot(uo, blocks[o * n + i], axes=np.ndim(uo))
                    for o, uo in enumerate(leaves(u)))
                for i in range(n))

        return f(*primals), vjp_fn


def test_check_grads_second_order_with_numeric_strategy():
    x, y = np.array([0.3, -0.8]), np.array([1.1, 0.4])
    check_grads(lambda a, b: np.sin(a) * b ** 2, (x, y), strategy=NumericStrategy(), order=2,
                num_directions=2)


def test_check_grads_second_order_failure_is_reported():
    x, y = np.array([0.3, -0.8]), np.array([1.1, 0.4])
    f = lambda a, b: np.sin(a) * b ** 2  # noqa: E731

    class WrongOnDerivatives(NumericStrategy):
        """Exact for f itself, 0.1% off for every derived function."""

        def jvp(self, fn, primals, tangents):
            value, t = super().jvp(fn, primals, tangents)
            return value, t if fn is f else tree_map(lambda v: v * 1.001, t)

    strategy = WrongOnDerivatives()
    check_grads(f, (x, y), strategy=strategy, modes=("forward",), order=1)
    with pytest.raises(AssertionError, match=r"forward-mode check failed \(order 2, "
                                             r"function jvp\(f, \., v\)\)"):
        check_grads(f, (x, y), strategy=strategy, modes=("forward",), order=2)


def test_check_grads_pytree_output_and_args():
    def f(p):
        return {"u": np.sin(p["a"]) * p["b"], "v": (np.sum(p["a"] ** 2),)}

    def f_jvp(fn, primals, tangents):
        (p,), (t,) = primals, tangents
        return f(p), {"u": np.cos(p["a"]) * t["a"] * p["b"] + np.sin(p["a"]) * t["b"],
                      "v": (np.sum(2 * p["a"] * t["a"]),)}

    def f_vjp(fn, p):
        def vjp_fn(u):
            return ({"a": u["u"] * np.cos(p["a"]) * p["b"] + 2 * p["a"] * u["v"][0],
                     "b": np.sum(u["u"] * np.sin(p["a"]))},)
        return f(p), vjp_fn

    p = {"a": np.array([0.2, 0.9, -1.1]), "b": 1.7}
    check_grads(f, (p,), strategy=types.SimpleNamespace(jvp=f_jvp, vjp=f_vjp))

    def f_vjp_wrong(fn, p):
        value, vjp_fn = f_vjp(fn, p)
        return value, lambda u: ({"a": vjp_fn(u)[0]["a"], "b": 0.0},)

    with pytest.raises(AssertionError, match="reverse-mode.*argument 0"):
        check_grads(f, (p,), strategy=types.SimpleNamespace(jvp=f_jvp, vjp=f_vjp_wrong))


@given(st.lists(st.tuples(coef, coef), min_size=1, max_size=4), st.integers(0, 2 ** 31))
def test_check_grads_random_trig_sums(terms, seed):
    a = np.array([t[0] for t in terms])
    b = np.array([t[1] for t in terms])
    x = np.random.default_rng(seed).uniform(-2, 2, size=len(terms))
    f = lambda v: np.sum(a * np.sin(b * v))  # noqa: E731
    check_grads(f, (x,), lambda v: a * b * np.cos(b * v), seed=seed)
    if np.any(np.abs(a * b * np.cos(b * x)) > 1e-2):
        with pytest.raises(AssertionError):
            check_grads(f, (x,), lambda v: -a * b * np.cos(b * v), seed=seed)


# ----------------------------------------------------------------------------- steps


def f_line(x):
    return np.log(x) + 5.0 * x - np.sin(5.0)  # the running example along x1; f'(2) = 5.5


def test_step_errors_central_is_a_v():
    h_opt = optimal_step("central", 2.0)
    out = step_errors(f_line, 2.0, 5.5, methods=("central",), steps=[1e-15, h_opt, 1e-1])
    steps, err = out["central"]
    np.testing.assert_array_equal(steps, [1e-15, h_opt, 1e-1])
    assert err[1] < 1e-9
    assert err[1] < 1e-4 * err[0] and err[1] < 1e-4 * err[2]


def test_step_errors_default_grid():
    f = lambda x: np.exp(x) * np.sin(3 * x)  # noqa: E731
    x = 0.7
    out = step_errors(f, x, np.exp(x) * (np.sin(3 * x) + 3 * np.cos(3 * x)))
    assert set(out) == {"forward", "central", "complex"}
    for method in ("forward", "central"):
        steps, err = out[method]
        assert steps.shape == err.shape == (61,)
        near = np.abs(np.log10(steps / optimal_step(method, x))) <= 0.5
        best = np.nanmedian(err[near])
        # V shape: round-off dominates on the left, truncation on the right.
        assert np.nanmedian(err[steps <= 1e-14]) > 1e3 * best
        assert err[-1] > 1e3 * best
    steps, err = out["complex"]
    assert np.all(err[steps <= 1e-8] < 1e-14)  # no subtraction, no round-off growth
    assert err[-1] > 1e-3  # but truncation still grows like h**2


def test_step_errors_nan_when_the_step_vanishes():
    steps, err = step_errors(f_line, 2.0, 5.5, methods=("forward",), steps=[1e-17, 1e-8])[
        "forward"]
    assert np.isnan(err[0]) and err[1] < 1e-6


def test_step_errors_arguments():
    with pytest.raises(ValueError, match="scalar"):
        step_errors(np.sin, np.ones(2), 1.0)
    with pytest.raises(ValueError, match="positive"):
        step_errors(np.sin, 1.0, 1.0, steps=[1e-3, 0.0])
    with pytest.raises(ValueError, match="unknown method"):
        step_errors(np.sin, 1.0, 1.0, methods=("forward", "fast"))


def test_optimal_step():
    assert optimal_step("forward", 0.5) == np.sqrt(EPS)
    assert optimal_step("backward", -10.0) == 10 * np.sqrt(EPS)
    assert optimal_step("central", 3.0) == pytest.approx(3 * EPS ** (1 / 3), rel=1e-15)
    assert optimal_step("richardson", 1.0) == pytest.approx(EPS ** 0.2, rel=1e-15)
    assert optimal_step("complex", 1e6) == 1e-20
    eps32 = np.finfo(np.float32).eps
    assert optimal_step("forward", 1.0, np.float32) == pytest.approx(np.sqrt(eps32), rel=1e-7)
    with pytest.raises(ValueError, match="unknown method"):
        optimal_step("fast")


