"""Derivative rules of one's own (issue 16): ops.defop, custom_jvp, custom_vjp, stop_gradient.

Oracles: finite differences (ad.numeric), analytic derivatives, plain NumPy values, and the
function differentiated without the custom rule.  The programs live in custom_programs.py.
"""


import numpy as np
import pytest

import ad
from ad import adlib, adoo, numeric, ops
from ad.errors import NotDifferentiableError

from custom_fixtures import ENGINES, EVERY, p  # noqa: F401  (p: a fixture)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # (no overflow at large |x|)


X = np.array([0.3, -1.2, 2.5])


# -- ops.defop ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("s", EVERY)
@pytest.mark.parametrize("program", ["softclip_as_global", "softclip_as_ops_attribute"])
def test_a_defined_op_works_as_a_global_and_as_an_ops_attribute(p, s, program):
    f = getattr(p, program)
    expected = numeric.grad(f, X)
    np.testing.assert_allclose(ad.grad(f, strategy=s)(X), expected, rtol=1e-7)
    np.testing.assert_allclose(ad.hessian(f, strategy=s)(X), numeric.hessian(f, X), rtol=1e-5, atol=1e-7)


def test_a_defined_op_is_an_ops_attribute_and_an_adlib_elemental(p):
    assert ops.softclip is p.softclip is ops.get("softclip")
    assert adlib.softclip.op is p.softclip
    with adlib.Tape() as tape:
        y = adlib.softclip(tape.var(1.0))
    assert [e.op.name for e in tape.entries if e.op is not None] == ["softclip"]  # one elemental entry
    assert y.value == pytest.approx(2.0 * np.tanh(0.5))


def test_the_registry_property_tests_check_a_defined_op_with_a_domain(p):
    import test_ops_rules  # the registry-wide rule checks, called on the new op
    assert "softclip" in ops.differentiable_ops()
    test_ops_rules.test_jvp_matches_finite_differences("softclip")
    test_ops_rules.test_vjp_is_the_transpose_of_jvp("softclip")


@pytest.mark.parametrize("name,message", [
    ("get", "would hide ad.ops.get"),
    ("linalg", "would hide ad.ops.linalg"),
    ("soft-clip", "must be a Python identifier"),
    ("lambda", "must be a Python identifier"),
    ("sin", "already registered"),
])
def test_defop_refuses_names_that_code_cannot_call_or_that_hide_something(name, message):
    with pytest.raises(ValueError, match=message):
        ops.defop(name, np.negative, jvp=(lambda t, out, x: -t,), vjp=(lambda g, out, x: -g,))
    assert callable(getattr(ops, "get")) and ops.get("sin").name == "sin"


def test_unregister_removes_the_op_its_aliases_and_its_attribute():
    def twice(x):
        return 2.0 * x
    op = ops.defop("twice_for_test", twice, aliases=(twice,), jvp=(lambda t, out, x: 2.0 * t,),
                   vjp=(lambda g, out, x: 2.0 * g,))
    assert ops.lookup(twice) is op and ops.twice_for_test is op
    ops.unregister("twice_for_test")
    assert ops.lookup(twice) is None and not hasattr(ops, "twice_for_test") and "twice_for_test" not in ops.REGISTRY


# -- custom_jvp -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("s", EVERY)
def test_custom_jvp_log1pexp_has_a_finite_gradient_where_the_plain_one_is_nan(p, s):
    x = np.array([1000.0, -1000.0, 0.5])
    with np.errstate(over="ignore", invalid="ignore"):
        plain = adoo.grad(lambda x: np.sum(np.log1p(np.exp(x))))(x)
        got = ad.grad(p.log1pexp_sum, strategy=s)(x)
    assert np.isnan(plain[0])  # what the rule is for
    np.testing.assert_allclose(got, sigmoid(x), rtol=1e-14)


@pytest.mark.parametrize("s", EVERY)
def test_custom_jvp_forward_reverse_and_second_order_agree_with_finite_differences(p, s):
    x, w = X, 0.7
    for argnums in (0, 1):
        np.testing.assert_allclose(ad.grad(p.log1pexp_scaled, argnums, strategy=s)(x, w),
                                   numeric.grad(p.log1pexp_scaled, x, w, argnums=argnums), rtol=1e-8)
    value, tangent = ad.jvp(p.log1pexp_scaled, (x, w), (np.ones(3), 0.5), strategy=s)
    _, expected = numeric.jvp(p.log1pexp_scaled, (x, w), (np.ones(3), 0.5))
    assert value == pytest.approx(p.log1pexp_scaled(x, w)) and tangent == pytest.approx(expected, rel=1e-8)
    # second order: d2/dx2 of sum(log1pexp(x)) = sigmoid'(x), analytic
    expected = np.diag(sigmoid(x) * (1.0 - sigmoid(x)))
    np.testing.assert_allclose(ad.hessian(p.log1pexp_sum, strategy=s)(x), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ad.jacobian(ad.grad(p.log1pexp_sum, strategy=s), strategy=s)(x), expected,
                               rtol=1e-12, atol=1e-15)


def test_custom_jvp_follows_the_rule_not_the_function(p):
    """The rule wins: a rule that differs from the true derivative is what every mode gives."""
    @ad.custom_jvp
    def doubled_slope(x):
        return np.sin(x)

    @doubled_slope.defjvp
    def doubled_slope_jvp(primals, tangents):
        return np.sin(primals[0]), 2.0 * np.cos(primals[0]) * tangents[0]

    try:
        for mode in ("forward", "reverse"):
            np.testing.assert_allclose(adoo.jacobian(doubled_slope, mode=mode)(X), np.diag(2.0 * np.cos(X)))
    finally:
        ops.unregister(doubled_slope.op.name)


# -- custom_vjp -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("s", EVERY)
def test_custom_vjp_clips_the_gradient(p, s):
    x = np.array([0.1, 2.0, -3.0])
    np.testing.assert_allclose(ad.grad(p.clipped_loss, strategy=s)(x), np.cos(x))  # 5 clipped to 1, times cos
    assert ad.value_and_grad(p.clipped_loss, strategy=s)(x)[0] == pytest.approx(5.0 * np.sum(np.sin(x)))


@pytest.mark.parametrize("s", EVERY)
def test_custom_vjp_implicit_derivative_of_a_fixed_point_solve(p, s):
    rng = np.random.default_rng(0)
    W, x = 0.3 * rng.standard_normal((3, 3)), rng.standard_normal(3)
    gW, gx = ad.grad(p.fixed_point_loss, argnums=(0, 1), strategy=s)(W, x)
    np.testing.assert_allclose(gx, numeric.grad(p.fixed_point_loss, W, x, argnums=1), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(gW, numeric.grad(p.fixed_point_loss, W, x, argnums=0), rtol=1e-7, atol=1e-10)
    unrolled = adoo.grad(p.unrolled_fixed_point_loss, argnums=(0, 1))(W, x)  # the iteration differentiated
    np.testing.assert_allclose(gW, unrolled[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gx, unrolled[1], rtol=1e-9, atol=1e-12)


def test_custom_vjp_square_root_by_newton_has_the_analytic_derivative():
    @ad.custom_vjp
    def newton_sqrt(a):
        z = 1.0
        for _ in range(60):
            z = 0.5 * (z + a / z)
        return z

    newton_sqrt.defvjp(lambda a: (newton_sqrt(a), newton_sqrt(a)), lambda z, g: (g * 0.5 / z,))
    try:
        for s in ENGINES:
            assert ad.grad(newton_sqrt, strategy=s)(2.0) == pytest.approx(0.5 / np.sqrt(2.0), rel=1e-15)
        assert adoo.jacobian(adoo.grad(newton_sqrt), mode="reverse")(2.0) == pytest.approx(-0.25 * 2.0 ** -1.5)
    finally:
        ops.unregister(newton_sqrt.op.name)


@pytest.mark.parametrize("s", EVERY)
def test_forward_mode_of_a_custom_vjp_function_is_refused(p, s):
    with pytest.raises(NotDifferentiableError, match="forward mode .* custom_vjp function clip_gradient"):
        ad.jvp(p.clipped_loss, (X,), (np.ones(3),), strategy=s)
    with pytest.raises(NotDifferentiableError, match="only a reverse rule"):
        ad.hessian(p.clipped_loss, strategy=s)(X)


# -- misuse ------------------------------------------------------------------------------------------------

@pytest.fixture
def fresh():
    """Ops a test defines are unregistered after it."""
    before = set(ops.REGISTRY)
    yield
    for name in set(ops.REGISTRY) - before:
        ops.unregister(name)


def test_calling_a_custom_jvp_function_without_a_rule_says_defjvp(fresh):
    @ad.custom_jvp
    def no_rule(x):
        return x
    with pytest.raises(TypeError, match=r"custom_jvp function no_rule has no derivative rule: define one with "
                                        r"@no_rule.defjvp"):
        adoo.grad(no_rule)(1.0)


def test_calling_a_custom_vjp_function_without_rules_says_defvjp(fresh):
    @ad.custom_vjp
    def no_rules(x):
        return x
    with pytest.raises(TypeError, match=r"no_rules.defvjp\(fwd, bwd\)"):
        no_rules(1.0)


def _with_bwd(bwd, fwd=None):
    @ad.custom_vjp
    def scaled(x, y):
        return x * y
    scaled.defvjp(fwd or (lambda x, y: (x * y, (x, y))), bwd)
    return scaled


@pytest.mark.parametrize("bwd,error,message", [
    (lambda r, g: (g * r[1],), ValueError, r"bwd of scaled returned 1 cotangent\(s\) for 2 argument\(s\) \(x, y\)"),
    (lambda r, g: (g * r[1], g * r[0], g), ValueError, r"returned 3 cotangent\(s\) for 2"),
    (lambda r, g: g * r[1], TypeError, r"bwd of scaled must return a tuple with one cotangent per argument "
                                       r"\(x, y\); it returned a ndarray"),
    (lambda r, g: (g * r[1], np.sum(g * r[0])), ValueError,
     r"the cotangent bwd of scaled returned for argument 'y' has shape \(\) but should have shape \(3,\)"),
])
@pytest.mark.parametrize("s", EVERY)
def test_bwd_returning_the_wrong_cotangents_is_named(fresh, bwd, error, message, s):
    scaled = _with_bwd(bwd)
    with pytest.raises(error, match=message):
        ad.grad(lambda x, y: ops.sum(scaled(x, y)), argnums=(0, 1), strategy=s)(X, X + 1.0)


def test_fwd_returning_no_pair_is_named(fresh):
    scaled = _with_bwd(lambda r, g: (g, g), fwd=lambda x, y: x * y)
    with pytest.raises(TypeError, match=r"fwd of scaled must return a pair \(out, residuals\); it returned a ndarray"):
        adoo.grad(lambda x: np.sum(scaled(x, x)))(X)


def test_a_jvp_rule_with_a_tangent_of_the_wrong_shape_is_named(fresh):
    @ad.custom_jvp
    def total(x):
        return np.sum(x)
    total.defjvp(lambda primals, tangents: (np.sum(primals[0]), tangents[0]))
    with pytest.raises(ValueError, match=r"tangent_out returned by the jvp rule of total has shape \(3,\) but "
                                         r"should have shape \(\)"):
        adoo.jvp(total, (X,), (np.ones(3),))
    with pytest.raises(ValueError, match="jvp rule of total"):
        adoo.grad(total)(X)


def test_decorating_what_an_op_cannot_take_is_refused(fresh):
    with pytest.raises(TypeError, match="plain positional arguments; scale has scale=2.0"):
        @ad.custom_jvp
        def scale(x, scale=2.0):
            return x * scale
    with pytest.raises(TypeError, match="custom_vjp decorates a function"):
        ad.custom_vjp(3.0)


def test_a_list_argument_and_a_closed_over_traced_value_are_refused(fresh):
    @ad.custom_vjp
    def first(x):
        return x[0]
    first.defvjp(lambda x: (x[0], x), lambda x, g: (np.eye(len(x))[0] * g,))
    with pytest.raises(TypeError, match="argument 'x' is a list"):
        first([1.0, 2.0])

    @ad.custom_jvp
    def times_outer(x):
        return x * captured[0]
    times_outer.defjvp(lambda primals, tangents: (primals[0] * captured[0], tangents[0] * captured[0]))
    captured = []

    def f(x, w):
        captured[:] = [w]  # w reaches times_outer through a closure, not as an argument
        return times_outer(x)
    with pytest.raises(NotDifferentiableError, match="did not receive as an argument"):
        adoo.grad(f, argnums=1)(2.0, 3.0)


def test_a_rule_not_linear_in_the_tangents_is_documented_as_wrong_for_custom_jvp():
    assert "linear in the tangents" in ad.custom_jvp.__doc__ and "custom_vjp" in ad.custom_jvp.__doc__


# -- stop_gradient ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("s", EVERY)
def test_stop_gradient_has_a_zero_derivative_at_every_order(p, s):
    np.testing.assert_allclose(ad.grad(p.stopped_product, strategy=s)(X), X)  # d/dx x * c = c = x
    np.testing.assert_allclose(ad.hessian(p.stopped_product, strategy=s)(X), np.zeros((3, 3)), atol=0)
    # exp(c x) with c = x**2 held: gradient c exp(c x)
    np.testing.assert_allclose(ad.grad(p.stopped_square_in_exp, strategy=s)(X), X ** 2 * np.exp(X ** 3), rtol=1e-13)
    _, tangent = ad.jvp(p.stopped_product, (X,), (np.ones(3),), strategy=s)
    assert tangent == pytest.approx(np.sum(X))


def test_stop_gradient_gives_the_value_as_a_copy():
    x = np.array([1.0, 2.0])
    y = ad.stop_gradient(x)
    y[0] = 5.0
    assert x[0] == 1.0 and ad.stop_gradient(3.0) == 3.0
    assert ad.stop_gradient(np.float32(1.5)).dtype == np.float32

    def f(x):
        held = ad.stop_gradient(x)
        held[0] = 0.0  # writing into the held copy leaves x and its gradient alone
        return np.sum(x * held)
    np.testing.assert_allclose(adoo.grad(f)(np.array([1.0, 2.0])), [0.0, 2.0])


def test_adoo_data_is_the_plain_value_with_no_derivative():
    def f(x):
        return x * x.data  # .data: the value under the Var, a constant
    assert adoo.grad(f)(3.0) == 3.0
