"""The transforms JAX users reach for (issue 16): has_aux, jacfwd/jacrev, checkpoint.

Oracles: plain NumPy values, finite differences, analytic derivatives, the same function
without the transform's option.
"""

import tracemalloc

import numpy as np
import pytest

import ad
from ad import adlib, adoo, numeric, ops
from ad.derived import is_traced
from ad.errors import NotDifferentiableError

from custom_fixtures import ENGINES, EVERY, p  # noqa: F401  (p: a fixture)
X = np.array([0.3, -1.2, 2.5])


def _leaves_are_plain(tree):
    return all(not is_traced(leaf) and not isinstance(leaf, (adoo.Var, adoo.Dual, adlib.Active))
               for leaf in ad.tree.leaves(tree))


# -- has_aux ---------------------------------------------------------------------------------------------

def loss_with_aux(x, w):
    prediction = ops.mul(x, w)
    loss = ops.sum(ops.square(prediction))
    return loss, {"prediction": prediction, "norm": ops.sqrt(loss), "label": "squared"}


@pytest.mark.parametrize("s", EVERY)
def test_has_aux_returns_the_gradient_and_aux_as_plain_values(s):
    w = 0.5
    g, aux = ad.grad(loss_with_aux, argnums=(0, 1), has_aux=True, strategy=s)(X, w)
    np.testing.assert_allclose(g[0], 2 * X * w * w)
    assert g[1] == pytest.approx(2 * np.sum(X * X) * w)
    np.testing.assert_allclose(aux["prediction"], X * w)
    assert aux["norm"] == pytest.approx(np.sqrt(np.sum((X * w) ** 2))) and aux["label"] == "squared"
    assert _leaves_are_plain(aux) and type(aux["norm"]) is float

    (value, aux2), g2 = ad.value_and_grad(loss_with_aux, has_aux=True, strategy=s)(X, w)
    assert value == pytest.approx(np.sum((X * w) ** 2)) and _leaves_are_plain(aux2)
    np.testing.assert_allclose(g2, g[0])
    np.testing.assert_allclose(aux2["prediction"], aux["prediction"])


@pytest.mark.parametrize("s", ENGINES)
def test_has_aux_inside_an_outer_transform_keeps_aux_differentiable(s):
    """aux of an inner grad is plain to its caller, but still carries the outer derivative."""
    def inner(x):
        return ops.square(x), ops.mul(ops.square(x), x)   # value x^2, aux x^3

    def outer(x):
        g, aux = ad.grad(inner, has_aux=True, strategy=s)(x)
        return ops.add(g, aux)                          # 2x + x^3

    assert ad.grad(outer, strategy=s)(1.5) == pytest.approx(2.0 + 3 * 1.5 ** 2)


@pytest.mark.parametrize("s", EVERY)
@pytest.mark.parametrize("returned,what", [
    (lambda x: ops.sum(x), "a single value"),
    (lambda x: (ops.sum(x),), "a tuple of length 1"),
    (lambda x: [ops.sum(x), 1.0, 2.0], "a list of length 3"),
])
def test_has_aux_with_a_function_not_returning_a_pair_is_refused(s, returned, what):
    with pytest.raises(TypeError, match=rf"grad\(f, has_aux=True\) needs f to return a pair \(value, aux\); "
                                        rf"<lambda> returned {what}"):
        ad.grad(returned, has_aux=True, strategy=s)(X)


def test_has_aux_is_refused_clearly_where_a_strategy_lacks_it(monkeypatch):
    from types import SimpleNamespace
    from ad import strategies
    without = SimpleNamespace(grad=lambda f, argnums=0: None, value_and_grad=lambda f, argnums=0: None)
    monkeypatch.setattr(strategies, "get", lambda name: without)
    for transform in (ad.grad, ad.value_and_grad):
        with pytest.raises(strategies.StrategyUnavailableError,
                           match=rf"{transform.__name__}\(\.\.\., has_aux=True\) is not available for strategy 'adoo'"):
            transform(loss_with_aux, has_aux=True, strategy="adoo")


# -- jacfwd / jacrev ----------------------------------------------------------------------------------

def vector_function(x, w):
    return ops.mul(ops.sin(x), ops.sum(ops.mul(x, w)))


@pytest.mark.parametrize("s", EVERY)
def test_jacfwd_and_jacrev_are_the_jacobian_in_each_mode(s):
    w = np.array([1.0, 2.0, -0.5])
    expected = numeric.jacobian(vector_function, X, w)
    for transform in (ad.jacfwd, ad.jacrev):
        np.testing.assert_allclose(transform(vector_function, strategy=s)(X, w), expected, rtol=1e-8)
    both = ad.jacfwd(vector_function, argnums=(0, 1), strategy=s)(X, w)
    np.testing.assert_allclose(both[1], numeric.jacobian(vector_function, X, w, argnums=1), rtol=1e-8)


@pytest.mark.parametrize("s", EVERY)
def test_each_strategy_module_has_jacfwd_and_jacrev(s):
    module = ad.strategies.get(s)
    w = np.array([1.0, 2.0, -0.5])
    np.testing.assert_allclose(module.jacfwd(vector_function)(X, w), module.jacobian(vector_function, mode="forward")(X, w))
    np.testing.assert_allclose(module.jacrev(vector_function)(X, w), module.jacobian(vector_function)(X, w))


# -- checkpoint -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("s", EVERY)
def test_checkpoint_keeps_the_value_and_every_derivative(p, s):
    w = 0.8
    assert p.checkpointed_chain(X, w) == p.chain(X, w)
    for argnums in (0, 1):
        np.testing.assert_allclose(ad.grad(p.checkpointed_chain, argnums, strategy=s)(X, w),
                                   ad.grad(p.chain, argnums, strategy="adoo")(X, w), rtol=1e-13)
    np.testing.assert_allclose(ad.grad(p.checkpointed_chain, strategy=s)(X, w), numeric.grad(p.chain, X, w),
                               rtol=1e-8)
    np.testing.assert_allclose(ad.hessian(p.checkpointed_chain, strategy=s)(X, w),
                               ad.hessian(p.chain, strategy="adoo")(X, w), rtol=1e-12, atol=1e-14)
    _, tangent = ad.jvp(p.checkpointed_chain, (X, w), (np.ones(3), 1.0), strategy=s)
    assert tangent == pytest.approx(ad.jvp(p.chain, (X, w), (np.ones(3), 1.0), strategy="adoo")[1], rel=1e-13)


def test_checkpoint_records_one_entry_on_an_adlib_tape(p):
    with adlib.Tape() as tape:
        y = p.checkpointed_layer(tape.var(X), 0.8)
    assert [e.op.name for e in tape.entries if e.op is not None] == ["layer"]
    np.testing.assert_allclose(y.value, p.layer(X, 0.8))


def _steps(x):
    for _ in range(10):
        x = np.tanh(np.sin(x) * 1.01 + 0.1)
    return x


_segment = ad.checkpoint(_steps)


def _long_chain(x):
    for _ in range(20):
        x = _steps(x)
    return np.sum(x)


def _checkpointed_long_chain(x):
    for _ in range(20):
        x = _segment(x)
    return np.sum(x)


def _peak_bytes(fn, x) -> int:
    tracemalloc.start()
    try:
        fn(x)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("s", ["adoo", "adsct"])
def test_checkpoint_does_not_keep_the_intermediates(s):
    """200 steps on 20,000 floats: the graph (or adsct's stack) without checkpoints keeps ~400
    arrays of 160 kB; with a checkpoint every 10 steps it keeps 20 segment inputs and one
    segment's intermediates."""
    x = np.linspace(-1.0, 1.0, 20_000)
    plain = ad.grad(_long_chain, strategy=s)
    checkpointed = ad.grad(_checkpointed_long_chain, strategy=s)
    np.testing.assert_allclose(checkpointed(x), plain(x), rtol=1e-13)
    assert _peak_bytes(checkpointed, x) < _peak_bytes(plain, x) / 4


def test_checkpoint_refuses_a_differentiated_value_taken_from_a_closure():
    def f(x, w):
        return np.sum(ad.checkpoint(lambda x: x * w)(x))  # w is differentiated but not an argument
    with pytest.raises(NotDifferentiableError, match="checkpoint function <lambda> uses a differentiated value"):
        adoo.grad(f, argnums=1)(X, 2.0)
    assert adoo.grad(f)(X, 2.0) == pytest.approx(np.full(3, 2.0))  # w constant: fine


# -- the README's section runs as shown ------------------------------------------------------------------

def test_the_readme_section_on_custom_rules_and_transforms_runs_as_shown():
    import doctest
    import pathlib
    text = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    start = text.index("## Derivatives of your own")
    section = text[start:text.index("\n## ", start + 1)]
    before = set(ops.REGISTRY)
    try:
        test = doctest.DocTestParser().get_doctest(section, {}, "README.md", "README.md", 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test)
        assert runner.failures == 0 and runner.tries >= 15, f"{runner.failures} README example(s) failed"
    finally:
        for name in set(ops.REGISTRY) - before:
            ops.unregister(name)


def test_checkpoint_of_a_function_returning_several_values_is_refused():
    both = ad.checkpoint(lambda x: (np.sin(x), np.cos(x)))
    with pytest.raises(TypeError, match="checkpoint function <lambda> must return one number or array, got a tuple"):
        adoo.grad(lambda x: np.sum(both(x)[0]))(X)
