"""The registry's behaviour: kink conventions, aliases, dispatch, registration and errors."""

import math
import operator

import numpy as np
import pytest

from ad import ops
from ad.ops import core
from ad.ops.core import Op
from registry_strategies import domain_values


def _vjp(name, g, *args, **kwargs):
    op = ops.get(name)
    inputs, params = op.bind(args, kwargs)
    out = op.apply(inputs, params)
    return op.cotangents(g, out, inputs, params)


# -- kink conventions ---------------------------------------------------------------------

def test_relu_derivative_at_zero_is_zero():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(_vjp("relu", np.ones(3), x)[0], [0.0, 0.0, 1.0])


def test_abs_derivative_at_zero_is_zero():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(_vjp("abs", np.ones(3), x)[0], [-1.0, 0.0, 1.0])


def test_maximum_and_minimum_split_ties_evenly():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    gx, gy = _vjp("maximum", np.ones(3), x, y)
    np.testing.assert_array_equal(gx, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(gy, [1.0, 0.5, 0.0])
    gx, gy = _vjp("minimum", np.ones(3), x, y)
    np.testing.assert_array_equal(gx, [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(gy, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("name,x,expected", [
    ("max", [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    ("max", [3.0, 3.0, 3.0], [1 / 3, 1 / 3, 1 / 3]),
    ("min", [1.0, 1.0, 3.0], [0.5, 0.5, 0.0]),
])
def test_max_and_min_reductions_split_ties_evenly(name, x, expected):
    np.testing.assert_allclose(_vjp(name, 1.0, np.array(x))[0], expected)


def test_max_tie_split_happens_per_row():
    x = np.array([[1.0, 1.0], [0.0, 2.0]])
    np.testing.assert_allclose(_vjp("max", np.ones(2), x, axis=1)[0], [[0.5, 0.5], [0.0, 1.0]])


def test_clip_passes_the_derivative_on_the_closed_interval():
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(_vjp("clip", np.ones(5), x, -1.0, 1.0)[0], [0, 1, 1, 1, 0])


def test_pow_derivative_in_the_exponent_at_zero_base_is_zero_not_nan():
    gx, gy = _vjp("pow", 1.0, 0.0, 2.0)
    assert gx == 0.0 and gy == 0.0


# -- broadcasting in the VJPs of / and ** (a known bug class) -------------------------------

@pytest.mark.parametrize("name", ["div", "pow", "mul", "sub", "maximum"])
def test_broadcast_vjp_sums_back_to_each_input(name):
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 2.0, (1, 3))
    y = rng.uniform(0.5, 2.0, (2, 1))
    g = rng.standard_normal((2, 3))
    gx, gy = _vjp(name, g, x, y)
    # The same cotangents computed on explicitly broadcast copies, then summed by hand.
    bx, by = np.broadcast_to(x, (2, 3)).copy(), np.broadcast_to(y, (2, 3)).copy()
    fx, fy = _vjp(name, g, bx, by)
    np.testing.assert_allclose(gx, fx.sum(axis=0, keepdims=True))
    np.testing.assert_allclose(gy, fy.sum(axis=1, keepdims=True))


def test_getitem_vjp_accumulates_repeated_indices():
    (g,) = _vjp("getitem", np.array([1.0, 2.0, 3.0]), np.zeros(3), np.array([0, 0, 2]))
    np.testing.assert_array_equal(g, [3.0, 0.0, 3.0])


# -- aliases and lookup ---------------------------------------------------------------------

def test_every_alias_maps_back_to_its_op():
    for name, op in ops.REGISTRY.items():
        for alias in op.aliases:
            assert ops.lookup(alias) is op, f"{alias!r} should map to {name}"


@pytest.mark.parametrize("fn,name", [
    (np.sin, "sin"), (math.sin, "sin"), (operator.mul, "mul"), (np.divide, "div"), (np.true_divide, "div"),
    (operator.truediv, "div"), (abs, "abs"), (np.absolute, "abs"), (math.pow, "pow"), (np.sum, "sum"),
    (np.amax, "max"), (operator.matmul, "matmul"), (operator.getitem, "getitem"), (np.where, "where"),
    (np.greater, "greater"), (operator.gt, "greater"), (math.floor, "floor"),
])
def test_lookup_finds_numpy_math_and_operator_callables(fn, name):
    assert ops.lookup(fn) is ops.get(name)


def test_lookup_of_unknown_or_unhashable_callables_is_none():
    assert ops.lookup(len) is None
    assert ops.lookup([]) is None


def test_ops_are_attributes_and_registry_entries():
    assert ops.sin is ops.get("sin") is ops.REGISTRY["sin"]
    assert float(ops.sin(0.5)) == math.sin(0.5)


def test_unknown_op_error_suggests_close_names():
    with pytest.raises(ops.UnknownOpError, match="did you mean sin"):
        ops.get("sine")
    with pytest.raises(KeyError):  # still a KeyError for callers that catch that
        ops.get("nothing_like_it")


def test_non_differentiable_ops_are_flagged():
    for name in ("sign", "floor", "greater", "less", "equal", "argmax", "zeros_like", "ones_like"):
        op = ops.get(name)
        assert not op.differentiable and op.vjp is None
    assert len(ops.differentiable_ops()) >= 40


# -- registration refuses incomplete ops -----------------------------------------------------

def _rule(t, out, x):
    return t


@pytest.mark.parametrize("kwargs,message", [
    (dict(jvp=(_rule,)), "no vjp rule"),
    (dict(vjp=(_rule,)), "no jvp rule"),
    (dict(jvp=(_rule,), vjp=(_rule, _rule)), "1 inputs but 2 vjp rules"),
    (dict(jvp=(None,), vjp=(None,)), "every vjp rule is None"),
])
def test_register_refuses_ops_with_missing_rules(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ops.register(Op("incomplete_demo", np.negative, 1, **kwargs))
    assert "incomplete_demo" not in ops.REGISTRY


def test_register_refuses_duplicate_names_and_aliases():
    with pytest.raises(ValueError, match="already registered"):
        ops.register(Op("sin", np.sin, 1, jvp=(_rule,), vjp=(_rule,)))
    with pytest.raises(ValueError, match="already aliases op 'sin'"):
        ops.register(Op("sine_demo", np.sin, 1, jvp=(_rule,), vjp=(_rule,), aliases=(np.sin,)))
    assert "sine_demo" not in ops.REGISTRY


# -- calling: binding, shape errors, dispatch -------------------------------------------------

def test_bind_splits_inputs_from_static_parameters():
    inputs, params = ops.get("sum").bind((np.ones((2, 3)), 1), {"keepdims": True})
    assert len(inputs) == 1 and params == {"axis": 1, "keepdims": True}
    inputs, params = ops.get("concatenate").bind(([np.ones(2), np.ones(3)],), {"axis": 0})
    assert len(inputs) == 2 and params == {"axis": 0}


@pytest.mark.parametrize("call,message", [
    (lambda: ops.sum(np.ones(3), axes=0), "unexpected keyword argument 'axes'"),
    (lambda: ops.sin(np.ones(3), 2), "extra positional"),
    (lambda: ops.add(np.ones(3)), "takes 2 array argument"),
    (lambda: ops.concatenate(np.ones(3)), "list or tuple of arrays"),
    (lambda: ops.sum(np.ones(3), 0, axis=0), "multiple values for 'axis'"),
])
def test_bad_calls_raise_type_errors_naming_the_problem(call, message):
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize("call,message", [
    (lambda: ops.add(np.ones(2), np.ones(3)), r"add: .*broadcast.*\(2,\), \(3,\)"),
    (lambda: ops.matmul(np.ones((2, 3)), np.ones((2, 3))), r"matmul: .*\(2, 3\), \(2, 3\)"),
    (lambda: ops.sum_to(np.ones(3), (2, 3)), "cannot sum shape"),
    (lambda: ops.dot(np.ones((2, 3)), np.ones((2, 3))), r"dot: .*\(2, 3\), \(2, 3\)"),
])
def test_bad_shapes_raise_value_errors_naming_the_op(call, message):
    with pytest.raises(ValueError, match=message):
        call()


class _Traced:
    """A stand-in engine value: records which op reached it."""

    def __init__(self, level=0):
        self._ad_level = level  # engine values carry their nesting level


def test_ops_dispatch_to_a_registered_engine(monkeypatch):
    calls = []
    monkeypatch.setitem(core._ENGINES, _Traced, lambda op, inputs, params: calls.append((op.name, params)) or "traced")
    assert ops.mul(_Traced(), 2.0) == "traced"
    assert ops.sum(_Traced(), axis=0) == "traced"
    assert calls == [("mul", {}), ("sum", {"axis": 0})]
    assert float(ops.mul(3.0, 2.0)) == 6.0  # plain values still compute


def test_dispatch_picks_the_innermost_level(monkeypatch):
    class Outer(_Traced):
        pass

    monkeypatch.setitem(core._ENGINES, _Traced, lambda op, inputs, params: "level-0 engine")
    monkeypatch.setitem(core._ENGINES, Outer, lambda op, inputs, params: "level-1 engine")
    assert ops.add(_Traced(0), Outer(1)) == "level-1 engine"
    assert ops.add(Outer(0), _Traced(1)) == "level-0 engine"


def test_float32_in_float32_out_for_scalars_and_arrays():
    x = np.float32(0.3)
    assert ops.sigmoid(x).dtype == np.float32
    assert ops.relu(np.array([-1.0, 1.0], dtype=np.float32)).dtype == np.float32
    assert ops.indicator(np.array([True]), np.ones(1, np.float32)).dtype == np.float32


def test_pow_derivative_of_x_to_the_zero_is_zero_at_zero():
    gx, _ = _vjp("pow", 1.0, 0.0, 0.0)
    assert gx == 0.0
    gx, _ = _vjp("pow", np.ones(2), np.zeros(2), np.array([0.0, 1.0]))
    np.testing.assert_array_equal(gx, [0.0, 1.0])


def _shares_memory_with_an_input(op, case):
    rng = np.random.default_rng(0)
    for _ in range(20):  # values inside the domain (a well-conditioned matrix, ...), as the property tests draw
        inputs = [domain_values(rng, op.domain.spec(i), shape, np.float64) for i, shape in enumerate(case.shapes)]
        if op.domain.accepts(inputs, case.params):
            break
    out = op.apply(inputs, case.params)
    return isinstance(out, np.ndarray) and any(np.may_share_memory(out, x) for x in inputs)


@pytest.mark.parametrize("name", sorted(n for n, op in ops.REGISTRY.items() if op.domain is not None))
def test_ops_returning_views_say_so(name):
    """In-place updates must reach the input of an op that returns a view (ad.adoo.views,
    ad.adsct.aliasing): the `view` flag must match what the implementation does."""
    op = ops.get(name)
    views = [case for case in op.domain.cases if _shares_memory_with_an_input(op, case)]
    if views:
        assert op.view, f"{name} returns a view of its input (case {views[0]}) but is not flagged view=True"


# -- nan: where NumPy's value is nan, so is the derivative (every strategy) ------------------

from ad import numeric  # noqa: E402
from spellings import ids, runs  # noqa: E402


def max_of_all_ops(x):
    return ops.max(x)


def max_of_all_numpy(x):
    return np.max(x)


def min_of_all_ops(x):
    return ops.min(x)


def min_of_all_numpy(x):
    return np.amin(x)


def rowwise_max_ops(x):
    return ops.max(x, axis=1)


def rowwise_max_numpy(x):
    return np.max(x, axis=1)


def rowwise_min_ops(x):
    return ops.min(x, axis=-1, keepdims=True)


def rowwise_min_numpy(x):
    return np.min(x, axis=-1, keepdims=True)


def above_half_ops(x):
    return ops.maximum(x, 0.5)


def above_half_numpy(x):
    return np.maximum(x, 0.5)


def below_half_ops(x):
    return ops.minimum(0.5, x)


def below_half_numpy(x):
    return np.minimum(0.5, x)


def relu_ops(x):
    return ops.relu(x)


def relu_numpy(x):
    return np.maximum(x, 0.0)


def abs_ops(x):
    return ops.abs(x)


def abs_numpy(x):
    return abs(x)


def clipped_ops(x):
    return ops.clip(x, -1.0, 1.0)


def clipped_numpy(x):
    return np.clip(x, -1.0, 1.0)


NAN_REDUCTIONS = (runs(max_of_all_ops, max_of_all_numpy) + runs(min_of_all_ops, min_of_all_numpy)
                  + runs(rowwise_max_ops, rowwise_max_numpy) + runs(rowwise_min_ops, rowwise_min_numpy))
NAN_ELEMENTWISE = (runs(above_half_ops, above_half_numpy) + runs(below_half_ops, below_half_numpy)
                   + runs(relu_ops, relu_numpy) + runs(abs_ops, abs_numpy) + runs(clipped_ops, clipped_numpy))


@pytest.mark.parametrize("label,s,f", NAN_REDUCTIONS, ids=ids(NAN_REDUCTIONS))
def test_max_gradient_is_nan_where_value_is_nan(label, s, f):
    x = np.array([[1.0, np.nan, 2.0], [0.0, 3.0, 1.0]])
    value = f(x)
    expected = numeric.jacobian(f, x)  # nan wherever the output is nan (nan +- h is nan)
    for mode in ("reverse", "forward"):
        got = s.jacobian(f, mode=mode)(x)
        lanes = np.reshape(got, (np.size(value),) + x.shape)
        fd = np.reshape(expected, lanes.shape)
        for k, v in enumerate(np.ravel(value)):
            row = k if np.ndim(value) else slice(None)  # a lane depends on its own row of x only
            if np.isnan(v):
                assert np.isnan(lanes[k][row]).all(), f"{label} {mode}: lane {k} has value nan, derivative {lanes[k]}"
            else:
                np.testing.assert_allclose(lanes[k][row], fd[k][row], atol=1e-8, err_msg=f"{label} {mode}")


@pytest.mark.parametrize("label,s,f", NAN_ELEMENTWISE, ids=ids(NAN_ELEMENTWISE))
def test_elementwise_kinks_give_nan_derivatives_at_nan_and_not_at_inf(label, s, f):
    x = np.array([np.nan, -2.0, 0.3, 3.0])
    total = lambda x: ops.sum(f(x))  # noqa: E731 (elementwise: the gradient is the Jacobian's diagonal)
    want = np.diag(numeric.jacobian(f, x))
    np.testing.assert_allclose(s.grad(total)(x), want, atol=1e-8, err_msg=f"{label} reverse")
    np.testing.assert_allclose(s.jvp(f, (x,), (np.ones(4),))[1], want, atol=1e-8, err_msg=f"{label} forward")
    # At +-inf the derivative is the limit of the finite one, not nan.
    far = np.array([np.inf, -np.inf])
    limit = s.grad(total)(np.array([1e300, -1e300]))
    np.testing.assert_array_equal(s.grad(total)(far), limit, err_msg=f"{label} at inf")
    # A Python float takes the scalar fast paths: the same value as NumPy's, and a nan derivative.
    value, derivative = s.value_and_grad(f)(math.nan)
    assert math.isnan(value) and math.isnan(derivative), f"{label}: {value}, {derivative} at a float nan"


@pytest.mark.parametrize("label,s,f", runs(max_of_all_ops, max_of_all_numpy), ids=ids(runs(max_of_all_ops, max_of_all_numpy)))
def test_max_gradient_at_inf_is_not_nan(label, s, f):
    np.testing.assert_array_equal(s.grad(f)(np.array([1.0, np.inf, 2.0])), [0.0, 1.0, 0.0])


# -- prod at zero entries: exact, to second order (every strategy) -------------------------

def prod_all_ops(x):
    return ops.prod(x)


def prod_all_numpy(x):
    return np.prod(x)


def prod_of_rows_ops(x):
    return ops.sum(ops.mul(ops.prod(x, axis=1, keepdims=True), np.array([[1.0], [-2.0]])))


def prod_of_rows_numpy(x):
    return np.sum(np.prod(x, axis=1, keepdims=True) * np.array([[1.0], [-2.0]]))


def prod_of_columns_ops(x):
    return ops.sum(ops.sin(ops.prod(x, axis=0)))


def prod_of_columns_numpy(x):
    return np.sum(np.sin(np.prod(x, axis=0)))


def _others(x, skip):
    """The product of the entries of x not in `skip`, by plain NumPy (the analytic derivative)."""
    return np.prod([v for k, v in enumerate(x) if k not in skip])


def _prod_hessian(x):
    """H_ij = product of x_k for k not in {i, j}; H_ii = 0."""
    n = len(x)
    return np.array([[0.0 if i == j else _others(x, {i, j}) for j in range(n)] for i in range(n)])


PROD_ALL = runs(prod_all_ops, prod_all_numpy)
PROD_AXES = runs(prod_of_rows_ops, prod_of_rows_numpy) + runs(prod_of_columns_ops, prod_of_columns_numpy)
ZERO_POINTS = [[0.0, 2.0, 3.0], [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0], [1.5, -2.0, 0.5]]


@pytest.mark.parametrize("x", ZERO_POINTS)
@pytest.mark.parametrize("label,s,f", PROD_ALL, ids=ids(PROD_ALL))
def test_prod_gradient_with_zero_entries(label, s, f, x):
    x = np.array(x)
    want = np.array([_others(x, {i}) for i in range(len(x))])
    np.testing.assert_array_equal(s.grad(f)(x), want, err_msg=f"{label} reverse")
    np.testing.assert_array_equal(s.jacobian(f, mode="forward")(x), want, err_msg=f"{label} forward")


@pytest.mark.parametrize("x", ZERO_POINTS)
@pytest.mark.parametrize("label,s,f", PROD_ALL, ids=ids(PROD_ALL))
def test_prod_hessian_with_zero_entries(label, s, f, x):
    x = np.array(x)
    np.testing.assert_allclose(s.hessian(f)(x), _prod_hessian(x), rtol=1e-14, atol=0, err_msg=label)


@pytest.mark.parametrize("label,s,f", PROD_AXES, ids=ids(PROD_AXES))
def test_prod_over_an_axis_with_zero_entries(label, s, f):
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.5, 0.0]])  # one zero in row 0, two in row 1; column 0 all zero
    np.testing.assert_allclose(s.grad(f)(x), numeric.grad(f, x, method="richardson"), atol=1e-9, err_msg=label)
    np.testing.assert_allclose(s.hessian(f)(x), numeric.hessian(f, x), atol=1e-5, err_msg=label)
