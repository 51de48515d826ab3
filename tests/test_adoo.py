"""ad.adoo specifics: the micrograd-style Var API, NumPy syntax on traced values, refusals of
silent constants, deep graphs and memory.  What every strategy does is in test_strategies.py."""

import gc
import math
import threading
import weakref

import numpy as np
import pytest

from ad import adoo, numeric, ops
from ad.adoo import Dual, NotDifferentiableError, Var
from ad.examples import RUNNING_POINT, running_example, running_example_gradient, running_example_numpy

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


def test_create_graph_extends_the_graph():
    x = Var(2.0)
    y = x ** 3
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Var) and first.data == pytest.approx(12.0)
    x.zero_grad()
    first.backward()
    assert x.grad == pytest.approx(12.0)  # d(3x^2)/dx = 6x at 2


# -- NumPy functions on Var ------------------------------------------------------------------

# Every alias except math's (which convert to float, and are refused on traced values).
NUMPY_ALIASES = [(name, alias) for name in ops.differentiable_ops() for alias in ops.get(name).aliases
                 if getattr(alias, "__module__", None) != "math"]


@pytest.mark.parametrize("name", sorted({n for n, _ in NUMPY_ALIASES}))
def test_numpy_functions_on_var_map_to_their_op(name):
    op = ops.get(name)
    rng = np.random.default_rng(0)
    case = op.domain.cases[-1]
    from registry_strategies import domain_values
    inputs = [domain_values(rng, op.domain.spec(i), s, np.float64) for i, s in enumerate(case.shapes)]
    for _, alias in [(n, a) for n, a in NUMPY_ALIASES if n == name]:
        active = [i for i in range(len(inputs)) if op.vjp_rule(i) is not None]
        if hasattr(op, "numpy_arguments"):  # einsum, average: NumPy takes the arrays in its own order
            call = lambda *xs: alias(*op.numpy_arguments(xs, case.params)[0], **op.numpy_arguments(xs, case.params)[1])
        elif op.nin is None:
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


def test_a_scalar_node_is_one_object():
    # Every object a graph holds costs each garbage-collector pass time: a node of Python
    # floats keeps its parents in slots and computes its partials in the sweep, no tuples.
    x, y = Var(2.0), Var(3.0)
    nodes = [x * y, x + y, x - y, x / y, x ** y, -x, x.relu(), x.tanh(), x.exp(), x.log(), x.sigmoid()]
    for node in nodes:
        assert not [r for r in gc.get_referents(node) if type(r) in (tuple, list)], node
    sum(nodes[1:], nodes[0]).backward()
    assert x.grad == pytest.approx(3 + 1 + 1 + 1 / 3 + 3 * 2 ** 2 - 1 + 1 + (1 - math.tanh(2) ** 2) + math.exp(2)
                                   + 1 / 2 + math.exp(-2) / (1 + math.exp(-2)) ** 2, rel=1e-12)
    assert y.grad == pytest.approx(2 + 1 - 1 - 2 / 9 + 2 ** 3 * math.log(2), rel=1e-12)
    # the same through NumPy's and the registry's spellings (the engine hook, not the operators)
    x, y = Var(2.0), Var(3.0)
    nodes = [np.sin(x), np.multiply(x, y), ops.mul(x, y), np.add(2.0, x), ops.sub(x, 1.0)]
    for node in nodes:  # (a constant's node keeps the two floats it read)
        assert not [r for r in gc.get_referents(node) if type(r) is list
                    or type(r) is tuple and any(type(v) is not float for v in r)], node
    sum(nodes[1:], nodes[0]).backward()
    assert (x.grad, y.grad) == (pytest.approx(math.cos(2) + 3 + 3 + 1 + 1, rel=1e-12), 2 + 2)


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


# -- errors -------------------------------------------------------------------------------------

def test_numpy_function_without_a_rule_raises_not_differentiable():
    with pytest.raises(NotDifferentiableError, match="numpy.unwrap"):
        adoo.grad(lambda x: np.sum(np.unwrap(x)))(np.ones(3))
    with pytest.raises(NotDifferentiableError, match="numpy.ldexp"):
        adoo.grad(lambda x: np.ldexp(x, 2))(0.5)


@pytest.mark.parametrize("convert", [float, math.sin, lambda v: np.array(v, dtype=float)])
def test_silent_constants_are_refused(convert):
    with pytest.raises(TypeError, match="derivative"):
        adoo.grad(lambda x: convert(x) * x)(2.0)


def test_asarray_of_a_traced_value_keeps_its_derivative():  # (more: tests/test_array_construction.py)
    assert adoo.grad(lambda x: np.asarray(x) * x)(2.0) == 4.0


def test_out_arguments_into_plain_arrays_are_refused():  # (writes into traced arrays: tests/test_inplace.py)
    with pytest.raises(TypeError, match="out="):
        adoo.grad(lambda x: np.sin(x, out=np.zeros(2)).sum())(np.ones(2))


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
