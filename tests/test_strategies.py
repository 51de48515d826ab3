"""What every strategy must do, checked on functions written with `ad.ops` (which run under
all of them).  A strategy is covered here as soon as `ad.available()` lists it."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ad
from ad import numeric, ops
from ad.examples import RUNNING_POINT, running_example, running_example_gradient
from random_programs import compile_source
from registry_strategies import op_inputs

STRATEGIES = ad.available()
EXACT = running_example_gradient(*RUNNING_POINT)


@pytest.fixture(params=STRATEGIES, scope="module")
def s(request):
    """The strategy module (ad.adlib, ad.adoo, ...)."""
    return ad.strategies.get(request.param)


def requires(s, feature: str) -> None:
    """Skip, saying so, where a strategy declares it does not support a feature yet."""
    if feature not in s.SUPPORTS:
        pytest.skip(f"{s.__name__} does not support {feature} yet")


def test_every_strategy_is_available():
    assert set(STRATEGIES) == set(ad.STRATEGIES)


# -- the running example ------------------------------------------------------------------------

def test_running_example(s):
    g = s.grad(running_example, argnums=(0, 1))(*RUNNING_POINT)
    assert g == pytest.approx(EXACT, rel=1e-15) and all(type(v) is float for v in g)
    value, g1 = s.value_and_grad(running_example)(*RUNNING_POINT)
    assert value == pytest.approx(math.log(2) + 10 - math.sin(5)) and g1 == pytest.approx(EXACT[0])
    assert s.jvp(running_example, RUNNING_POINT, (0.0, 1.0))[1] == pytest.approx(EXACT[1], rel=1e-15)
    _, vjp_fn = s.vjp(running_example, *RUNNING_POINT)
    assert vjp_fn(1.0) == pytest.approx(EXACT, rel=1e-15)


def test_top_level_dispatch(s):
    name = s.__name__.split(".")[-1]
    assert ad.grad(running_example, argnums=(0, 1), strategy=name)(*RUNNING_POINT) == pytest.approx(EXACT)


# -- higher order (transforms of transforms) and nesting (transforms called inside f) -------------

def test_second_derivative_of_sin_is_minus_sin(s):
    requires(s, "higher order")
    d2 = s.grad(s.grad(ops.sin))
    for x in (-2.0, 0.3, 1.7):
        assert d2(x) == pytest.approx(-math.sin(x), abs=1e-15)


def test_third_and_fourth_derivatives_of_a_polynomial(s):
    requires(s, "higher order")
    p = lambda x: ops.add(ops.sub(ops.mul(3.0, ops.pow(x, 4.0)), ops.mul(2.0, ops.pow(x, 3.0))), x)
    d3 = s.grad(s.grad(s.grad(p)))
    d4 = s.grad(d3)
    for x in (-1.5, 0.0, 2.0):
        assert d3(x) == pytest.approx(72 * x - 12)
        assert d4(x) == pytest.approx(72.0)


def test_hessian_of_quadratic_form_is_a_plus_a_transpose(s):
    requires(s, "higher order")
    rng = np.random.default_rng(0)
    A, x = rng.standard_normal((4, 4)), rng.standard_normal(4)
    H = s.hessian(lambda x: ops.matmul(x, ops.matmul(A, x)))(x)
    np.testing.assert_allclose(H, A + A.T, rtol=1e-12)


def test_hessians_agree_both_ways_and_with_finite_differences(s):
    requires(s, "higher order")
    f = lambda x: ops.add(ops.sum(ops.mul(ops.tanh(x), ops.getitem(x, slice(None, None, -1)))), ops.prod(x))
    x = np.array([0.3, -0.7, 1.1])
    forward_over_reverse = s.hessian(f)(x)
    reverse_over_reverse = s.jacobian(s.grad(f), mode="reverse")(x)
    np.testing.assert_allclose(forward_over_reverse, reverse_over_reverse, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(forward_over_reverse, forward_over_reverse.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(forward_over_reverse, numeric.hessian(f, x), rtol=1e-5, atol=1e-6)


def test_no_perturbation_confusion_in_reverse_mode(s):
    requires(s, "nesting")
    # d/dx [x * d/dy (x * y)] = d/dx [x * x] = 2x; mixing up the levels gives another number.
    f = lambda x: ops.mul(x, s.grad(lambda y: ops.mul(x, y))(2.0))
    assert s.grad(f)(3.0) == pytest.approx(6.0)


def test_no_perturbation_confusion_in_forward_mode(s):
    requires(s, "nesting")
    # The classic: D(x -> x * D(y -> x + y)(1))(1) = 1, not 2.
    inner = lambda x: s.jvp(lambda y: ops.add(x, y), (1.0,), (1.0,))[1]
    assert s.jvp(lambda x: ops.mul(x, inner(x)), (1.0,), (1.0,))[1] == pytest.approx(1.0)


def test_forward_over_reverse_and_reverse_over_forward(s):
    requires(s, "nesting")
    f = lambda x: ops.mul(ops.sin(x), x)
    exact = 2 * math.cos(0.7) - 0.7 * math.sin(0.7)
    assert s.jvp(s.grad(f), (0.7,), (1.0,))[1] == pytest.approx(exact)
    assert s.grad(lambda x: s.jvp(f, (x,), (1.0,))[1])(0.7) == pytest.approx(exact)


@pytest.mark.parametrize("f,args", [
    (lambda x, y: ops.sum(ops.tanh(ops.matmul(x, y))), (np.full((2, 3), 0.3), np.linspace(-1, 1, 6).reshape(3, 2))),
    (lambda x: ops.mean(ops.logaddexp(x, ops.mul(0.5, x))), (np.linspace(-2, 2, 5),)),
    (lambda x: ops.mul(ops.logsumexp(x, axis=1), ops.getitem(x, (slice(None), 0))), (np.linspace(-1, 1, 6).reshape(2, 3),)),
])
def test_check_grads_to_second_order(s, f, args):
    requires(s, "higher order")
    numeric.check_grads(f, args, strategy=s, order=2)


# -- every registry op ------------------------------------------------------------------------------

def _op_program(op, inputs, params, active, weights):
    """sum(op(...) * weights) as a function of the active inputs, written as source text (so
    adsct transforms it like any user function): inactive inputs, parameters and weights are
    globals of its module, passed by name."""
    constants = {f"c{i}": x for i, x in enumerate(inputs) if i not in active}
    constants.update({f"p_{key}": value for key, value in params.items()})
    constants["weights"] = weights
    args = [f"x{i}" if i in active else f"c{i}" for i in range(len(inputs))]
    if op.nin is None:  # variadic: the arrays come as one list
        args = ["[" + ", ".join(args) + "]"]
    call = f"ops.{op.name}({', '.join(args + [f'{key}=p_{key}' for key in params])})"
    total = f"ops.sum(ops.mul({call}, weights))"
    if np.iscomplexobj(op.apply(inputs, params)):  # (eig: complex values of a real matrix; a real total)
        total = f"ops.real({total})"
    text = f"def program({', '.join(f'x{i}' for i in active)}):\n    return {total}\n"
    return compile_source(text, constants)


@pytest.mark.parametrize("name", ops.differentiable_ops())
@given(data=st.data())
def test_every_op_matches_finite_differences(s, name, data):
    op = ops.get(name)
    inputs, params, rng = data.draw(op_inputs(op))
    active = [i for i in range(len(inputs)) if op.vjp_rule(i) is not None]
    weights = rng.standard_normal(np.shape(op.apply(inputs, params)))
    f = _op_program(op, inputs, params, active, weights)
    args = [inputs[i] for i in active]
    argnums = tuple(range(len(args)))
    reverse = s.grad(f, argnums=argnums)(*args)
    expected = numeric.grad(f, *args, argnums=argnums, method="richardson")
    for r, e in zip(reverse, expected):
        assert np.shape(r) == np.shape(e)
        np.testing.assert_allclose(r, e, rtol=1e-6, atol=1e-8, err_msg=f"{name} reverse")
    tangents = tuple(rng.standard_normal(np.shape(a)) for a in args)
    _, forward = s.jvp(f, args, tangents)
    directional = sum(float(np.sum(np.asarray(r) * t)) for r, t in zip(reverse, tangents))
    assert forward == pytest.approx(directional, rel=1e-10, abs=1e-12), f"{name}: forward and reverse disagree"


# -- forward mode: a tangent spread to the output's shape ---------------------------------------------

def plus_a_matrix_of_ones(x):
    return ops.sum(ops.add(x, np.ones((2, 3))))


def scaled_plus_a_row(x, row):
    return ops.sum(ops.mul(ops.add(x, row), np.full((2, 1), 2.0)))


def test_forward_mode_spreads_a_broadcast_tangent_to_the_output_shape(s):
    # x meets only constants, so its tangent alone must be spread to (2, 3): 6, not 3 or 1
    assert s.jvp(plus_a_matrix_of_ones, (1.0,), (1.0,))[1] == pytest.approx(6.0)
    np.testing.assert_allclose(s.jacobian(plus_a_matrix_of_ones, mode="forward")(np.zeros(3)), np.full(3, 2.0))
    # the row is an argument, but not a differentiated one
    row = np.array([1.0, 2.0, 3.0])
    assert s.jacobian(scaled_plus_a_row, argnums=0, mode="forward")(0.5, row) == pytest.approx(12.0)
    np.testing.assert_allclose(s.jacobian(scaled_plus_a_row, argnums=1, mode="forward")(0.5, row), np.full(3, 4.0))


# -- pytrees, dtypes, shapes -------------------------------------------------------------------------

def test_pytree_arguments_give_gradients_of_the_same_structure(s):
    requires(s, "pytrees")
    params = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": [np.array([0.5, -0.5]), 2.0]}
    x = np.array([0.1, 0.2])

    def loss(p, x):
        hidden = ops.tanh(ops.add(ops.matmul(p["w"], x), p["b"][0]))
        return ops.sum(ops.mul(hidden, p["b"][1]))

    g = s.grad(loss)(params, x)
    assert set(g) == {"w", "b"} and isinstance(g["b"], list) and type(g["b"][1]) is float
    flat = numeric.grad(loss, params, x, method="richardson")
    np.testing.assert_allclose(g["w"], flat["w"], rtol=1e-8)
    np.testing.assert_allclose(g["b"][0], flat["b"][0], rtol=1e-8)
    assert g["b"][1] == pytest.approx(flat["b"][1], rel=1e-8)


def test_jacobian_forward_and_reverse_agree_on_pytrees(s):
    requires(s, "pytrees")
    requires(s, "pytree outputs")
    f = lambda d: {"s": ops.mul(ops.sin(d["a"]), d["b"]), "t": ops.sum(ops.square(d["a"]))}
    arg = {"a": np.array([0.1, 0.5, 0.9]), "b": 1.5}
    rev = s.jacobian(f, mode="reverse")(arg)
    fwd = s.jacobian(f, mode="forward")(arg)
    for out in ("s", "t"):
        for inp in ("a", "b"):
            np.testing.assert_allclose(rev[out][inp], fwd[out][inp], rtol=1e-14)
    assert rev["s"]["a"].shape == (3, 3) and np.shape(rev["t"]["b"]) == ()


def test_integers_are_promoted_and_float32_is_kept(s):
    assert s.grad(lambda x: ops.mul(x, x))(3) == 6.0
    g = s.grad(lambda x: ops.sum(ops.sin(x)))(np.ones(3, dtype=np.float32))
    assert g.dtype == np.float32
    g = s.grad(lambda x: ops.sum(ops.square(x)))(np.arange(3))
    assert g.dtype == np.float64 and list(g) == [0.0, 2.0, 4.0]


def test_vjp_returns_one_cotangent_per_primal(s):
    _, vjp_fn = s.vjp(lambda x, y: ops.mul(x, y), np.array([1.0, 2.0]), 3.0)
    gx, gy = vjp_fn(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(gx, [3.0, 3.0])
    assert gy == 3.0


def test_unused_inputs_get_zero_derivatives(s):
    g = s.grad(lambda x, y: ops.mul(x, 2.0), argnums=(0, 1))(1.0, np.ones(2))
    assert g[0] == 2.0 and g[1].tolist() == [0.0, 0.0]
    assert s.jvp(lambda x: 5.0, (1.0,), (1.0,)) == (5.0, 0.0)


def test_grad_of_non_scalar_output_says_what_to_use(s):
    with pytest.raises(ValueError, match="vjp or jacobian"):
        s.grad(lambda x: ops.mul(x, 2.0))(np.ones(3))


def test_mismatched_shapes_and_structures_are_reported(s):
    _, vjp_fn = s.vjp(lambda x: ops.mul(x, 2.0), np.ones(3))
    with pytest.raises(ValueError, match="cotangent shape"):
        vjp_fn(np.ones(2))
    with pytest.raises(TypeError, match="structure"):
        vjp_fn((np.ones(3),))
    with pytest.raises(ValueError, match="tangent shape"):
        s.jvp(lambda x: x, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError, match=r"broadcast.*\(3,\).*\(2,\)"):
        s.grad(lambda x: ops.sum(ops.add(x, np.ones(2))))(np.ones(3))
    with pytest.raises(ValueError, match="argnums"):
        s.grad(lambda x: x, argnums=3)(1.0)
