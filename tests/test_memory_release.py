"""adoo and adlib keep only the values their reverse rules read (ad.ops.reads, ad.adoo.release,
ad.adlib.release): the arrays themselves are watched with weak references, no timing.

The function below makes the cases: `a = X @ W` is read by no rule (add reads neither input),
`b = a + 1` by maximum's rules, `h = maximum(b, 0)` by no rule (the probe reads nothing), and
`p = probe(h)` by the matmul after it.  The probe's rule runs after that matmul's and before
maximum's, and records which of them are still alive.
"""

import gc
import weakref

import numpy as np
import pytest

from ad import adlib, adoo, ops

_SEEN: list = []  # one record per run of the probe's rule: {name: alive}
_WATCHED: dict = {}


def _probe_rule(g, out, x):
    _SEEN.append({name: ref() is not None for name, ref in _WATCHED.items()})
    return g


@pytest.fixture(scope="module")
def probe():
    op = ops.defop("memory_probe", lambda x: x + 0.0, jvp=(lambda t, out, x: t,), vjp=(_probe_rule,))
    yield op
    ops.unregister("memory_probe")


@pytest.fixture(autouse=True)
def _fresh():
    _SEEN.clear()
    _WATCHED.clear()
    yield
    _WATCHED.clear()


RNG = np.random.default_rng(0)
X, V = RNG.standard_normal((200, 50)), RNG.standard_normal((100, 3))  # (a, b, h, p: 160 KB each)
W0 = RNG.standard_normal((50, 100)) * 0.1


def _value(x):
    return x.data if isinstance(x, adoo.Var) else x.value


def _watch(**values):
    for name, x in values.items():
        _WATCHED[name] = weakref.ref(_value(x))


def f_adoo(probe, leaked=None):
    def f(W):
        a = X @ W
        b = a + 1.0
        h = np.maximum(b, 0.0)
        p = probe(h)
        _watch(a=a, b=b, h=h, p=p)
        if leaked is not None:
            leaked.append(a)
        return np.sum(np.tanh(p @ V))
    return f


def f_adlib(probe):
    def f(W):
        a = adlib.matmul(X, W)
        b = adlib.add(a, 1.0)
        h = adlib.maximum(b, 0.0)
        p = probe(h)
        _watch(a=a, b=b, h=h, p=p)
        return adlib.sum(adlib.tanh(adlib.matmul(p, V)))
    return f


def expected_grad(W):
    b = X @ W + 1.0
    h = np.maximum(b, 0.0)
    dz = 1.0 - np.tanh(h @ V) ** 2
    return X.T @ ((dz @ V.T) * (b > 0))


@pytest.mark.parametrize("engine, make", [(adoo, f_adoo), (adlib, f_adlib)], ids=["adoo", "adlib"])
def test_a_value_no_rule_reads_is_let_go_before_the_sweep(engine, make, probe):
    value, vjp_fn = engine.vjp(make(probe), W0)
    first = vjp_fn(1.0)[0]
    gc.collect()
    # a and h are read by no rule; b (maximum's input) and p (the last matmul's input) are
    assert _SEEN[-1] == {"a": False, "b": True, "h": False, "p": True}
    np.testing.assert_allclose(first, expected_grad(W0), rtol=1e-12)
    np.testing.assert_allclose(vjp_fn(1.0)[0], first, rtol=0, atol=0)  # (a second sweep reads the same)


@pytest.mark.parametrize("engine, make", [(adoo, f_adoo), (adlib, f_adlib)], ids=["adoo", "adlib"])
def test_the_one_sweep_of_value_and_grad_lets_each_value_go_once_read(engine, make, probe):
    value, g = engine.value_and_grad(make(probe))(W0)
    # p's only reader (the matmul) has run by the time the probe's rule does
    assert _SEEN[-1] == {"a": False, "b": True, "h": False, "p": False}
    np.testing.assert_allclose(g, expected_grad(W0), rtol=1e-12)
    assert value == pytest.approx(np.sum(np.tanh(np.maximum(X @ W0 + 1.0, 0.0) @ V)), rel=1e-12)


def test_a_var_the_function_kept_keeps_its_value(probe):
    leaked = []
    adoo.value_and_grad(f_adoo(probe, leaked))(W0)
    assert _SEEN[-1]["a"]  # (the leaked Var holds it)
    np.testing.assert_array_equal(leaked[0].data, X @ W0)


def test_values_the_caller_gets_back_are_intact():
    def f(W):
        h = np.maximum(X @ W + 1.0, 0.0)
        return np.sum(np.exp(h @ V * 0.01)), h
    (value, h), g = adoo.value_and_grad(f, has_aux=True)(W0)
    np.testing.assert_array_equal(h, np.maximum(X @ W0 + 1.0, 0.0))

    def f_lib(W):
        h = adlib.maximum(adlib.add(adlib.matmul(X, W), 1.0), 0.0)
        return adlib.sum(adlib.exp(adlib.mul(adlib.matmul(h, V), 0.01))), h
    (value_lib, h_lib), g_lib = adlib.value_and_grad(f_lib, has_aux=True)(W0)
    np.testing.assert_array_equal(h_lib, h)
    np.testing.assert_allclose(g_lib, g, rtol=1e-12)


@pytest.mark.parametrize("engine", [adoo, adlib], ids=["adoo", "adlib"])
def test_a_vjp_fn_after_its_last_call_refuses_to_sweep_again(engine):
    _, vjp_fn = engine.vjp(lambda x: ops.exp(x), np.ones(3))
    vjp_fn(np.ones(3), last_call=True)
    with pytest.raises(RuntimeError, match="last_call"):
        vjp_fn(np.ones(3))


@pytest.mark.parametrize("engine", [adoo, adlib], ids=["adoo", "adlib"])
def test_higher_order_still_sees_every_value_it_reads(engine):
    def f(x):
        return ops.sum(ops.tanh(ops.add(ops.matmul(x, x), 1.0)))
    x = np.array([[0.3, -0.2], [0.1, 0.4]])
    first = engine.grad(f)(x)
    second = engine.jacobian(engine.grad(f))(x)
    np.testing.assert_allclose(engine.grad(lambda y: ops.sum(engine.grad(f)(y)))(x), second.sum(axis=(0, 1)), rtol=1e-10)
    import ad
    np.testing.assert_allclose(first, ad.grad(f, strategy="adsct")(x), rtol=1e-10)


# -- every registry op, with everything droppable dropped ---------------------------------------

from ad.ops import reads  # noqa: E402
from ad.ops.domain import Real  # noqa: E402

from registry_strategies import domain_values  # noqa: E402

_OPS = [op for op in ops.REGISTRY.values() if op.differentiable and op.domain is not None and op.nin is not None]


def _as_intermediates(op, params, weights):
    """f(*xs) = sum(op(1.0 * x, ...) * weights): the op's inputs and output are values of the
    graph (not the caller's arguments), so the release may drop any of them."""
    def f(*xs):
        out = op(*[ops.mul(x, 1.0) for x in xs], **params)
        return ops.sum(ops.mul(ops.real(out) if np.iscomplexobj(weights) else out, np.real(weights)))
    return f


@pytest.mark.parametrize("engine", [adoo, adlib], ids=["adoo", "adlib"])
def test_every_op_reads_only_what_it_declares(engine, monkeypatch):
    """With every array dropped that the reads say no rule reads (placeholders are nan), each
    op's gradient is what it is with nothing dropped."""
    checked = 0
    for op in _OPS:
        rng = np.random.default_rng(len(op.name))
        case = op.domain.cases[len(op.domain.cases) // 2]
        specs = [op.domain.spec(i) for i in range(op.nin)]
        if not all(isinstance(s, Real) for s in specs):
            continue
        xs = [np.asarray(domain_values(rng, s, shape, np.float64)) for s, shape in zip(specs, case.shapes)]
        if not op.domain.accepts(xs, case.params):
            continue
        weights = rng.standard_normal(np.shape(op(*xs, **case.params)))
        f = _as_intermediates(op, dict(case.params), weights)
        argnums = tuple(range(len(xs)))
        monkeypatch.setattr(reads, "SMALL", 1 << 62)
        kept = engine.value_and_grad(f, argnums=argnums)(*xs)
        monkeypatch.setattr(reads, "SMALL", 0)
        dropped = engine.value_and_grad(f, argnums=argnums)(*xs)
        _, vjp_fn = engine.vjp(f, *xs)
        twice = (vjp_fn(1.0), vjp_fn(1.0))
        for got in (dropped[1], *twice):
            for a, b in zip(got, kept[1]):
                np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-300, err_msg=op.name)
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("engine", [adoo, adlib], ids=["adoo", "adlib"])
def test_a_rule_replaced_after_use_is_asked_again_what_it_reads(engine):
    # The first rule reads only `out`; its replacement reads `x`, which must then be kept.
    op = ops.defop("rule_replaced_probe", lambda x: np.maximum(x, 0.0), jvp=(lambda t, out, x: t * (out > 0),),
                   vjp=(lambda g, out, x: g * (out > 0),))
    try:
        x0 = np.linspace(-1.0, 1.0, 20000)  # (large enough to be let go)
        f = lambda x: ops.sum(ops.mul(op(ops.sub(ops.exp(x), 1.5)), 2.0))
        expected = 2.0 * np.exp(x0) * (np.exp(x0) > 1.5)
        np.testing.assert_allclose(engine.grad(f)(x0), expected)
        op.vjp = (lambda g, out, x: g * (x > 0),)
        np.testing.assert_allclose(engine.grad(f)(x0), expected)
    finally:
        ops.unregister("rule_replaced_probe")
