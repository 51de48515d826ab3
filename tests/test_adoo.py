"""ad.adoo: operator overloading in reverse (Var) and forward (Dual) mode, to any order."""

import gc
import math
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ad
from ad import adoo, numeric, ops
from ad.adoo import Dual, NotDifferentiableError, Var
from ad.examples import RUNNING_POINT, running_example, running_example_gradient, running_example_numpy
from registry_strategies import op_inputs

EXACT = running_example_gradient(*RUNNING_POINT)


# -- the running example ------------------------------------------------------------------

@pytest.mark.parametrize("f", [running_example, running_example_numpy])
def test_running_example_gradient_both_ways(f):
    g = adoo.grad(f, argnums=(0, 1))(*RUNNING_POINT)
    assert g == pytest.approx(EXACT, rel=1e-15)
    assert type(g[0]) is float and type(g[1]) is float
    _, forward = adoo.jvp(f, RUNNING_POINT, (1.0, 0.0))
    assert forward == pytest.approx(EXACT[0], rel=1e-15)


def test_micrograd_style_backward():
    x1, x2 = Var(2.0), Var(5.0)
    y = np.log(x1) + x1 * x2 - np.sin(x2)
    y.backward()
    assert (x1.grad, x2.grad) == pytest.approx(EXACT, rel=1e-15)
    assert y.data == pytest.approx(running_example_numpy(2.0, 5.0))
    assert x1.is_leaf and not y.is_leaf and y.op is ops.sub


def test_backward_twice_accumulates_into_leaves_and_overwrites_retained_intermediates():
    x = Var(3.0)
    h = (x * x).retain_grad()
    y = h * 2.0
    y.backward()
    assert x.grad == 12.0 and h.grad == 2.0
    y.backward()
    assert x.grad == 24.0, "leaf gradients accumulate, as documented"
    assert h.grad == 2.0, "an intermediate holds the latest pass, never a stale sum"
    x.zero_grad()
    y.backward()
    assert x.grad == 12.0


def test_intermediate_grads_are_not_kept_unless_asked():
    x = Var(2.0)
    h = x * x
    (h + 1.0).backward()
    assert h.grad is None and x.grad == 4.0


def test_backward_of_non_scalar_needs_a_seed():
    x = Var(np.ones(3))
    y = x * 2.0
    with pytest.raises(ValueError, match="needs a cotangent"):
        y.backward()
    y.backward(seed=np.arange(3.0))
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 4.0])


def test_ad_grad_dispatches_to_adoo():
    assert ad.grad(running_example_numpy, argnums=(0, 1), strategy="adoo")(*RUNNING_POINT) == pytest.approx(EXACT)
    assert "adoo" in ad.available()


# -- higher order ---------------------------------------------------------------------------

def test_second_derivative_of_sin_is_minus_sin():
    d2 = adoo.grad(adoo.grad(np.sin))
    for x in np.linspace(-3, 3, 7):
        assert d2(float(x)) == pytest.approx(-math.sin(x), abs=1e-15)


def test_third_and_fourth_derivatives_of_a_polynomial():
    p = lambda x: 3 * x ** 4 - 2 * x ** 3 + x
    d3 = adoo.grad(adoo.grad(adoo.grad(p)))
    d4 = adoo.grad(d3)
    for x in (-1.5, 0.0, 2.0):
        assert d3(x) == pytest.approx(72 * x - 12)
        assert d4(x) == pytest.approx(72.0)


def test_hessian_of_quadratic_form_is_a_plus_a_transpose():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    np.testing.assert_allclose(adoo.hessian(lambda x: x @ A @ x)(x), A + A.T, rtol=1e-12)


def test_hessian_forward_over_reverse_agrees_with_reverse_over_reverse():
    f = lambda x: np.sum(np.tanh(x) * x[::-1]) + np.prod(x)
    x = np.array([0.3, -0.7, 1.1])
    h_fr = adoo.hessian(f)(x)
    h_rr = adoo.jacobian(adoo.grad(f), mode="reverse")(x)
    np.testing.assert_allclose(h_fr, h_rr, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_fr, h_fr.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_fr, numeric.hessian(f, x), rtol=1e-5, atol=1e-6)


def test_create_graph_extends_the_graph():
    x = Var(2.0)
    y = x ** 3
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Var) and first.data == pytest.approx(12.0)
    x.zero_grad()
    first.backward()
    assert x.grad == pytest.approx(12.0)  # d(3x^2)/dx = 6x at 2


def test_no_perturbation_confusion_in_reverse_mode():
    # d/dx [x * d/dy (x * y)] = d/dx [x * x] = 2x; confusing the levels gives something else.
    f = lambda x: x * adoo.grad(lambda y: x * y)(2.0)
    assert adoo.grad(f)(3.0) == pytest.approx(6.0)


def test_no_perturbation_confusion_in_forward_mode():
    # The classic: D(x -> x * D(y -> x + y)(1))(1) = 1, not 2.
    inner = lambda x: adoo.jvp(lambda y: x + y, (1.0,), (1.0,))[1]
    assert adoo.jvp(lambda x: x * inner(x), (1.0,), (1.0,))[1] == pytest.approx(1.0)


def test_mixed_nesting_forward_over_reverse_and_reverse_over_forward():
    f = lambda x: np.sin(x) * x
    d2 = lambda x: 2 * math.cos(x) - x * math.sin(x)
    fwd_over_rev = lambda x: adoo.jvp(adoo.grad(f), (x,), (1.0,))[1]
    rev_over_fwd = adoo.grad(lambda x: adoo.jvp(f, (x,), (1.0,))[1])
    assert fwd_over_rev(0.7) == pytest.approx(d2(0.7))
    assert rev_over_fwd(0.7) == pytest.approx(d2(0.7))


@pytest.mark.parametrize("f,args", [
    (lambda x, y: np.sum(np.tanh(x @ y)), (np.ones((2, 3)) * 0.3, np.linspace(-1, 1, 6).reshape(3, 2))),
    (lambda x: np.logaddexp(x, 0.5 * x).mean(), (np.linspace(-2, 2, 5),)),
    (lambda x: ops.logsumexp(x, axis=1) * x[:, 0], (np.linspace(-1, 1, 6).reshape(2, 3),)),
])
def test_check_grads_to_second_order(f, args):
    numeric.check_grads(f, args, strategy="adoo", order=2)


# -- every registry op through the engine -----------------------------------------------------

DIFFERENTIABLE = ops.differentiable_ops()


def _scalarised(op, inputs, params, active, weights):
    """A scalar function of the active inputs: sum(op(...) * weights)."""
    def f(*xs):
        full = list(inputs)
        for i, x in zip(active, xs):
            full[i] = x
        return ops.sum(ops.mul(op.apply(full, params), weights))
    return f


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_every_op_through_adoo_matches_finite_differences(name, data):
    op = ops.get(name)
    inputs, params, rng = data.draw(op_inputs(op))
    active = [i for i in range(len(inputs)) if op.vjp_rule(i) is not None]
    weights = rng.standard_normal(np.shape(op.apply(inputs, params)))
    f = _scalarised(op, inputs, params, active, weights)
    args = [inputs[i] for i in active]
    argnums = tuple(range(len(args)))
    reverse = adoo.grad(f, argnums=argnums)(*args)
    expected = numeric.grad(f, *args, argnums=argnums, method="richardson")
    for r, e in zip(reverse, expected):
        assert np.shape(r) == np.shape(e)
        np.testing.assert_allclose(r, e, rtol=1e-6, atol=1e-8, err_msg=f"{name} reverse")
    tangents = tuple(rng.standard_normal(np.shape(a)) for a in args)
    _, forward = adoo.jvp(f, args, tangents)
    directional = sum(float(np.sum(np.asarray(r) * t)) for r, t in zip(reverse, tangents))
    assert forward == pytest.approx(directional, rel=1e-10, abs=1e-12), f"{name}: forward and reverse disagree"


# Every alias except math's (which convert to float, and are refused on traced values).
NUMPY_ALIASES = [(name, alias) for name in DIFFERENTIABLE for alias in ops.get(name).aliases
                 if getattr(alias, "__module__", None) != "math"]


@pytest.mark.parametrize("name", sorted({n for n, _ in NUMPY_ALIASES}))
def test_numpy_functions_on_var_map_to_their_op(name):
    op = ops.get(name)
    rng = np.random.default_rng(0)
    case = op.domain.cases[-1]
    from registry_strategies import _values
    inputs = [_values(rng, op.domain.spec(i), s, np.float64) for i, s in enumerate(case.shapes)]
    for _, alias in [(n, a) for n, a in NUMPY_ALIASES if n == name]:
        active = [i for i in range(len(inputs)) if op.vjp_rule(i) is not None]
        if op.nin is None:
            call = lambda *xs: alias(list(xs), **case.params)
        elif getattr(alias, "__module__", None) == "_operator":  # operator.* takes no keywords
            call = lambda *xs: alias(*xs, *case.params.values())
        else:
            call = lambda *xs: alias(*xs, **case.params)

        def through_alias(*xs):
            full = list(inputs)
            for i, x in zip(active, xs):
                full[i] = x
            return ops.sum(call(*full))

        def through_op(*xs):
            full = list(inputs)
            for i, x in zip(active, xs):
                full[i] = x
            return ops.sum(op.apply(full, case.params))

        args = [inputs[i] for i in active]
        argnums = tuple(range(len(args)))
        got = adoo.grad(through_alias, argnums=argnums)(*args)
        want = adoo.grad(through_op, argnums=argnums)(*args)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-13, err_msg=f"{alias} vs op {name}")


# -- deep graphs, memory -------------------------------------------------------------------------

def test_a_chain_of_a_million_ops_differentiates():
    def chain(x):
        for _ in range(1_000_000):
            x = x * 1.0000001
        return x
    assert adoo.grad(chain)(1.0) == pytest.approx(1.0000001 ** 1_000_000, rel=1e-9)


def test_graphs_have_no_reference_cycles():
    gc.disable()
    try:
        x = Var(np.ones(3))
        y = np.sum(np.tanh(x * 2.0) ** 2)
        y.backward()
        probe = weakref.ref(y)
        inner = weakref.ref(y.parents[0])
        del y
        assert probe() is None and inner() is None, "the graph should be freed by reference counting alone"
    finally:
        gc.enable()


def test_transforms_run_in_parallel_threads():
    results = {}

    def work(k):
        results[k] = adoo.grad(lambda x: np.sum(np.sin(x * k)))(np.linspace(0, 1, 50))

    threads = [threading.Thread(target=work, args=(k,)) for k in (1.0, 2.0, 3.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, g in results.items():
        np.testing.assert_allclose(g, k * np.cos(np.linspace(0, 1, 50) * k))


# -- pytrees, types -------------------------------------------------------------------------------

def test_pytree_arguments_give_gradients_of_the_same_structure():
    params = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": [np.array([0.5, -0.5]), 2.0]}
    x = np.array([0.1, 0.2])

    def loss(p, x):
        return np.sum(np.tanh(p["w"] @ x + p["b"][0]) * p["b"][1])

    g = adoo.grad(loss)(params, x)
    assert set(g) == {"w", "b"} and isinstance(g["b"], list) and type(g["b"][1]) is float
    flat = numeric.grad(loss, params, x, method="richardson")
    np.testing.assert_allclose(g["w"], flat["w"], rtol=1e-8)
    np.testing.assert_allclose(g["b"][0], flat["b"][0], rtol=1e-8)
    assert g["b"][1] == pytest.approx(flat["b"][1], rel=1e-8)


def test_jacobian_forward_and_reverse_agree_on_pytrees():
    f = lambda d: {"s": np.sin(d["a"]) * d["b"], "t": np.sum(d["a"] ** 2)}
    arg = {"a": np.array([0.1, 0.5, 0.9]), "b": 1.5}
    rev = adoo.jacobian(f, mode="reverse")(arg)
    fwd = adoo.jacobian(f, mode="forward")(arg)
    for out in ("s", "t"):
        for inp in ("a", "b"):
            np.testing.assert_allclose(rev[out][inp], fwd[out][inp], rtol=1e-14)
    assert rev["s"]["a"].shape == (3, 3) and np.shape(rev["t"]["b"]) == ()


def test_integers_are_promoted_and_float32_is_kept():
    assert adoo.grad(lambda x: x * x)(3) == 6.0
    g = adoo.grad(lambda x: np.sum(np.sin(x)))(np.ones(3, dtype=np.float32))
    assert g.dtype == np.float32
    g = adoo.grad(lambda x: np.sum(x ** 2))(np.arange(3))
    assert g.dtype == np.float64 and list(g) == [0.0, 2.0, 4.0]


def test_vjp_returns_one_cotangent_per_primal():
    value, vjp_fn = adoo.vjp(lambda x, y: x * y, np.array([1.0, 2.0]), 3.0)
    gx, gy = vjp_fn(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(gx, [3.0, 3.0])
    assert gy == 3.0


def test_unused_inputs_get_zero_gradients():
    assert adoo.grad(lambda x, y: x * 2.0, argnums=(0, 1))(1.0, np.ones(2))[1].tolist() == [0.0, 0.0]
    assert adoo.jvp(lambda x: 5.0, (1.0,), (1.0,)) == (5.0, 0.0)


# -- errors -------------------------------------------------------------------------------------

def test_grad_of_non_scalar_output_says_what_to_use():
    with pytest.raises(ValueError, match="vjp or jacobian"):
        adoo.grad(lambda x: x * 2.0)(np.ones(3))


def test_numpy_function_without_a_rule_raises_not_differentiable():
    with pytest.raises(NotDifferentiableError, match="numpy.cumsum"):
        adoo.grad(lambda x: np.sum(np.cumsum(x)))(np.ones(3))
    with pytest.raises(NotDifferentiableError, match="numpy.arctan2"):
        adoo.grad(lambda x: np.arctan2(x, 1.0))(0.5)


@pytest.mark.parametrize("convert", [np.asarray, float, math.sin, lambda v: np.array(v, dtype=float)])
def test_silent_constants_are_refused(convert):
    with pytest.raises(TypeError, match="derivative"):
        adoo.grad(lambda x: convert(x) * x)(2.0)


def test_in_place_writes_and_out_arguments_are_refused():
    with pytest.raises(TypeError, match="in-place"):
        adoo.grad(lambda x: x.__setitem__(0, 1.0))(np.ones(2))
    with pytest.raises(TypeError, match="out="):
        adoo.grad(lambda x: np.sin(x, out=np.zeros(2)).sum())(np.ones(2))


def test_mismatched_shapes_and_structures_are_reported():
    _, vjp_fn = adoo.vjp(lambda x: x * 2.0, np.ones(3))
    with pytest.raises(ValueError, match="cotangent shape"):
        vjp_fn(np.ones(2))
    with pytest.raises(TypeError, match="structure"):
        vjp_fn((np.ones(3),))
    with pytest.raises(ValueError, match="tangent shape"):
        adoo.jvp(lambda x: x, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError, match="add: .*broadcast"):
        adoo.grad(lambda x: np.sum(x + np.ones(2)))(np.ones(3))


def test_comparisons_and_structure_queries_give_plain_values():
    def f(x):
        assert isinstance(x > 0.0, (bool, np.bool_, np.ndarray))
        assert np.shape(x) == (3,) and x.shape == (3,) and x.ndim == 1 and len(x) == 3
        return np.sum(np.where(x > 0.0, x, -2.0 * x))
    np.testing.assert_array_equal(adoo.grad(f)(np.array([-1.0, 2.0, 3.0])), [-2.0, 1.0, 1.0])


def test_methods_and_attributes_of_var():
    x = np.arange(6.0).reshape(2, 3) + 0.5  # away from the jumps of v % 4
    f = lambda v: (v.T @ v).sum() + v.reshape(3, 2)[0, 1] + v.mean(axis=0).max() + v[1].dot(v[0]) + (v % 4.0).sum()
    np.testing.assert_allclose(adoo.grad(f)(x), numeric.grad(f, x, method="richardson"), rtol=1e-7)


def test_dual_is_a_forward_mode_number():
    d = Dual(2.0, 1.0) ** 3
    assert (d.primal, d.tangent) == (8.0, 12.0)
