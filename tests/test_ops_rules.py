"""Every differentiable op's rules, checked from the registry alone.

For each op, hypothesis draws inputs from its domain in its shape cases and checks:
- the JVP against central differences and, where the op is analytic, complex-step;
- the VJP against the JVP through <vjp(u), t> = <u, jvp(t)>;
- shapes (cotangent = input's shape, tangent = output's shape) and float32 preservation.
A new op is covered here as soon as it is registered.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ad import adoo, numeric, ops
from registry_strategies import op_inputs

DIFFERENTIABLE = ops.differentiable_ops()


def _active(op, inputs):
    """Positions of the inputs the op differentiates (where's condition is not one)."""
    return [i for i in range(len(inputs)) if op.vjp_rule(i) is not None]


def _as_function_of_active(op, inputs, params):
    active = _active(op, inputs)

    def f(*xs):
        full = list(inputs)
        for i, x in zip(active, xs):
            full[i] = x
        return op.impl(*full, **params)

    return f, [inputs[i] for i in active], active


def _tangents(rng, op, inputs, dtype=np.float64):
    return [rng.standard_normal(np.shape(x)).astype(dtype) if i in _active(op, inputs) else None
            for i, x in enumerate(inputs)]


def _inner(a, b) -> float:
    """The pairing of a cotangent with a tangent, Re(sum(a * b)) (the registry's convention)."""
    return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_jvp_matches_finite_differences(name, data):
    op = ops.get(name)
    inputs, params, rng = data.draw(op_inputs(op))
    tangents = _tangents(rng, op, inputs)
    out = op.apply(inputs, params)
    jvp = op.tangent(tangents, out, inputs, params)
    assert np.shape(jvp) == np.shape(out), f"{name}: tangent shape {np.shape(jvp)} != output shape {np.shape(out)}"

    f, active_inputs, active = _as_function_of_active(op, inputs, params)
    active_tangents = [tangents[i] for i in active]
    _, central = numeric.jvp(f, tuple(active_inputs), tuple(active_tangents), method="central")
    scale = 1.0 + np.max(np.abs(central), initial=0.0)
    np.testing.assert_allclose(jvp, central, rtol=1e-5, atol=1e-6 * scale, err_msg=f"{name} JVP vs central")
    if op.holomorphic and not np.iscomplexobj(out):  # (the complex step reads Im f: f must be real at real x)
        _, complex_step = numeric.jvp(f, tuple(active_inputs), tuple(active_tangents), method="complex")
        np.testing.assert_allclose(jvp, complex_step, rtol=1e-10, atol=1e-12 * scale,
                                   err_msg=f"{name} JVP vs complex step")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_vjp_is_the_transpose_of_jvp(name, data):
    op = ops.get(name)
    inputs, params, rng = data.draw(op_inputs(op))
    tangents = _tangents(rng, op, inputs)
    out = op.apply(inputs, params)
    u = rng.standard_normal(np.shape(out))
    cotangents = op.cotangents(u, out, inputs, params)
    for i, (x, c) in enumerate(zip(inputs, cotangents)):
        if tangents[i] is None:
            assert c is None
            continue
        assert np.shape(c) == np.shape(x), f"{name}: cotangent {i} has shape {np.shape(c)}, input {np.shape(x)}"
    left = sum(_inner(c, t) for c, t in zip(cotangents, tangents) if t is not None)
    right = _inner(u, op.tangent(tangents, out, inputs, params))
    assert np.isclose(left, right, rtol=1e-10, atol=1e-12), f"{name}: <vjp(u), t> = {left} but <u, jvp(t)> = {right}"


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_second_derivatives_forward_over_reverse_match_reverse_over_reverse(name, data):
    """The two ways to a Hessian-vector product share no rule: forward over reverse runs the JVP
    rules of the ops inside each VJP rule (unreduce in sum's, broadcast_to in sum_to's,
    swapaxes in matmul's), reverse over reverse their VJP rules.  The op's output goes through
    sin, so its VJP rule receives a cotangent that moves with the inputs."""
    op = ops.get(name)
    inputs, params, rng = data.draw(op_inputs(op))
    active = _active(op, inputs)
    weights = rng.standard_normal(np.shape(op.apply(inputs, params)))
    argnums = tuple(range(len(active)))

    def f(*xs):
        full = list(inputs)
        for i, x in zip(active, xs):
            full[i] = x
        return ops.sum(ops.mul(ops.sin(op.apply(full, params)), weights))

    gradient = adoo.grad(f, argnums=argnums)
    args = tuple(inputs[i] for i in active)
    v = tuple(rng.standard_normal(np.shape(x)) for x in args)
    _, forward = adoo.jvp(gradient, args, v)
    reverse = adoo.grad(lambda *xs: _total(ops.mul(g, t) for g, t in zip(gradient(*xs), v)), argnums=argnums)(*args)
    for k, (a, b) in enumerate(zip(forward, reverse)):
        scale = 1.0 + np.max(np.abs(b), initial=0.0)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11 * scale, err_msg=f"{name}: Hessian-vector product, input {k}")


def _total(terms):
    """The sum of every entry of every term."""
    total = 0.0
    for term in terms:
        total = ops.add(total, ops.sum(term))
    return total


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_float32_stays_float32(name, data):
    op = ops.get(name)
    inputs, params, rng = data.draw(op_inputs(op, dtype=np.float32))
    out = op.apply(inputs, params)
    expected = np.dtype(params.get("dtype", np.float32))  # a `dtype` parameter asks for a conversion
    if np.iscomplexobj(out):  # (eig: complex values of a real matrix, in single precision)
        expected = np.result_type(expected, np.complex64)
    assert np.result_type(out) == expected, f"{name} output is {np.result_type(out)}"
    tangents = _tangents(rng, op, inputs, np.float32)
    jvp = op.tangent(tangents, out, inputs, params)
    assert np.result_type(jvp) == expected, f"{name} tangent is {np.result_type(jvp)}"
    u = rng.standard_normal(np.shape(out)).astype(expected)
    for i, c in enumerate(op.cotangents(u, out, inputs, params)):
        if c is not None:
            assert np.result_type(c) == np.float32, f"{name} cotangent {i} is {np.result_type(c)}"
    # The float32 derivative is the float64 one, rounded.
    inputs64 = [x.astype(np.float64) if x.dtype != bool else x for x in inputs]
    out64 = op.apply(inputs64, params)
    tangents64 = [None if t is None else t.astype(np.float64) for t in tangents]
    np.testing.assert_allclose(jvp, op.tangent(tangents64, out64, inputs64, params), rtol=2e-3, atol=2e-3)


def test_registry_size_and_completeness():
    assert len(DIFFERENTIABLE) >= 40
    for name in DIFFERENTIABLE:
        op = ops.get(name)
        assert op.domain is not None and op.domain.cases, f"{name} has no domain to test it on"
        assert op.doc and ">>>" in op.doc, f"{name} needs a docstring with an example"


SCALAR_FAST_PATHS = sorted(name for name, op in ops.REGISTRY.items() if op.scalar is not None)


@pytest.mark.parametrize("name", SCALAR_FAST_PATHS)
@given(data=st.data())
def test_scalar_fast_path_agrees_with_impl_and_rules(name, data):
    op = ops.get(name)
    scalar_cases = [c for c in op.domain.cases if all(s == () for s in c.shapes)]
    assert scalar_cases, f"{name} declares a scalar fast path but its domain has no scalar case"
    inputs, params, _ = data.draw(op_inputs(op))
    if any(np.shape(x) != () for x in inputs):
        inputs = [float(np.asarray(x).ravel()[0]) for x in inputs]
    xs = [float(x) for x in inputs]
    fn, partials = op.scalar
    out = fn(*xs)
    assert type(out) is float, f"{name}'s scalar path returned {type(out).__name__}"
    assert np.isclose(out, float(op.impl(*xs)), rtol=1e-14, atol=1e-15)
    for i, d in enumerate(partials(out, *xs)):
        tangents = [1.0 if j == i else None for j in range(len(xs))]
        expected = float(op.tangent(tangents, out, xs, {}))
        assert np.isclose(d, expected, rtol=1e-13, atol=1e-15), f"{name} partial {i}: {d} vs rule {expected}"
