"""ad.nn: the scalar (micrograd-style) and tensor network APIs, losses, optimizers, data,
training with every strategy, and the course notes' experiments reproduced with tolerances."""

import importlib.util
import math
import runpy
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import ad
from ad import adoo, adsct, nn, numeric, ops, tree
from ad.nn import losses
from trees import assert_trees_close

STRATEGIES = ad.available()
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None


def small_model():
    """Every layer type, small enough for finite differences."""
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 3),
                         nn.Sigmoid(), nn.Linear(3, 2))


def small_batch(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)), rng.integers(0, 2, n)


# -- scalar API (micrograd style) ---------------------------------------------------------------------

def test_scalar_mlp_structure_and_repr():
    model = nn.MLP(3, [4, 4, 1], seed=0)
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1
    assert all(isinstance(p, adoo.Var) for p in model.parameters())
    assert repr(model).startswith("MLP of [Layer of [ReLUNeuron(3)")
    assert repr(model).endswith("Layer of [LinearNeuron(4)]]")
    assert repr(nn.Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    assert isinstance(model([1.0, 2.0, 3.0]), adoo.Var)
    assert len(nn.Layer(2, 3)([1.0, 2.0])) == 3
    assert nn.Module().parameters() == []


def test_scalar_seed_makes_weights_reproducible():
    a, b, c = nn.MLP(2, [3, 1], seed=5), nn.MLP(2, [3, 1], seed=5), nn.MLP(2, [3, 1], seed=6)
    data = [[p.data for p in m.parameters()] for m in (a, b, c)]
    assert data[0] == data[1] and data[0] != data[2]


@pytest.mark.parametrize("activation, fn, slope", [
    ("relu", lambda z: max(z, 0.0), lambda z: float(z > 0)),
    ("tanh", math.tanh, lambda z: 1 - math.tanh(z) ** 2),
    ("sigmoid", lambda z: 1 / (1 + math.exp(-z)), lambda z: math.exp(-z) / (1 + math.exp(-z)) ** 2)])
def test_scalar_neuron_value_and_gradient(activation, fn, slope):
    neuron = nn.Neuron(3, activation=activation, seed=1)
    neuron.b.data = 0.3
    x = [0.5, -1.5, 2.0]
    z = sum(w.data * xi for w, xi in zip(neuron.w, x)) + 0.3
    out = neuron(x)
    out.backward()
    assert out.data == pytest.approx(fn(z), rel=1e-12)
    assert [w.grad for w in neuron.w] == pytest.approx([slope(z) * xi for xi in x], rel=1e-12, abs=1e-15)
    assert neuron.b.grad == pytest.approx(slope(z), rel=1e-12, abs=1e-15)


def test_scalar_zero_grad_resets_accumulated_gradients():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    model([1.0, -1.0]).backward()
    once = [p.grad for p in model.parameters()]
    model([1.0, -1.0]).backward()  # accumulates
    assert [p.grad for p in model.parameters()] == pytest.approx([2 * g for g in once])
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    model([1.0, -1.0]).backward()
    assert [p.grad for p in model.parameters()] == pytest.approx(once)


def test_scalar_mlp_trains_micrograd_style():
    X, y = nn.data.moons(n=30, noise=0.05, seed=2)
    points, labels = X.tolist(), [1.0 if v == 1 else -1.0 for v in y]
    model = nn.MLP(2, [8, 8, 1], seed=0)
    history = []
    for _ in range(25):
        scores = [model(x) for x in points]
        loss = sum((1.0 - t * s).relu() for t, s in zip(labels, scores)) * (1.0 / len(points))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        history.append(loss.data)
    accuracy = np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, labels)])
    assert history[-1] < 0.5 * history[0] and accuracy >= 0.8


def test_scalar_bad_input():
    with pytest.raises(ValueError, match="nin must be a positive integer"):
        nn.Neuron(0)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        nn.Neuron(2, activation="gelu")
    with pytest.raises(ValueError, match="takes 2 inputs, got 3"):
        nn.Neuron(2)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="at least one layer"):
        nn.MLP(2, [])


# -- seeds: gradient descent, linear and nonlinear regression -------------------------------------

def test_seed_gradient_descent_on_var_scalars():
    x, y = adoo.Var(1.0), adoo.Var(1.0)
    for _ in range(10):
        (x ** 2 + y ** 2).backward()
        x.data -= 0.3 * x.grad
        y.data -= 0.3 * y.grad
        x.grad = y.grad = None
    assert max(abs(x.data), abs(y.data)) < 1e-3
    assert x.data == pytest.approx(0.4 ** 10, rel=1e-12)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_seed_gradient_descent_with_each_strategy(strategy):
    grad_f = ad.grad(lambda p: ops.add(ops.square(p[0]), ops.square(p[1])), strategy=strategy)
    opt = nn.SGD(lr=0.3)
    point, state = (1.0, 1.0), opt.init(None)
    for _ in range(10):
        point, state = opt.update(point, grad_f(point), state)
    assert point == pytest.approx((0.4 ** 10, 0.4 ** 10), rel=1e-12)
    assert max(map(abs, point)) < 1e-3


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_seed_linear_regression(strategy):
    X, y = nn.data.linear(n=100, noise=0.1, seed=0)
    (W, b), history = nn.fit(nn.Linear(1, 1), X, y, loss="mse", optimizer=nn.SGD(lr=0.1), epochs=100,
                             strategy=strategy, progress=False)
    assert W.shape == (1, 1) and b.shape == (1,)
    assert abs(W[0, 0] - 2.0) < 0.05 and abs(b[0] - 5.0) < 0.05
    assert history.loss[-1] < 0.02 < history.loss[0]  # noise variance 0.01 is the floor


def test_seed_linear_regression_matches_least_squares():
    X, y = nn.data.linear(n=100, noise=0.1, seed=3)
    (W, b), _ = nn.fit(nn.Linear(1, 1), X, y, loss="mse", optimizer=nn.SGD(lr=0.2), epochs=300, progress=False)
    exact = np.linalg.lstsq(np.hstack([X, np.ones_like(X)]), y, rcond=None)[0].ravel()
    assert [W[0, 0], b[0]] == pytest.approx(exact, rel=1e-6)


def test_seed_mlp_fits_nonlinear_function_better_than_linear():
    X, y = nn.data.nonlinear(n=200, noise=0.1, seed=0)
    X_test, y_test = nn.data.nonlinear(n=200, noise=0.0, seed=1)
    errors = {}
    for name, model in (("linear", nn.Linear(1, 1)),
                        ("mlp", nn.Sequential(nn.Linear(1, 10), nn.ReLU(), nn.Linear(10, 1)))):
        params, _ = nn.fit(model, X, y, loss="mse", optimizer=nn.Adam(lr=0.05), epochs=300, progress=False)
        errors[name] = float(np.mean((model.apply(params, X_test) - y_test) ** 2))
    assert errors["mlp"] < 0.2 * errors["linear"]
    assert errors["mlp"] < 0.2


# -- seeds: classification ---------------------------------------------------------------------

def test_seed_two_moons_training_accuracy():
    X, y = nn.data.moons(n=200, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    params, history = nn.fit(model, X, y, loss="cross_entropy", optimizer=nn.Adam(lr=0.02), epochs=100,
                             strategy="adsct", progress=False)
    assert nn.accuracy(model, params, X, y) >= 0.97
    assert history.loss[-1] < 0.1 * history.loss[0]


def test_two_moons_with_hinge_loss_and_one_output():
    X, y = nn.data.moons(n=200, noise=0.1, seed=1)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    params, _ = nn.fit(model, X, y, loss="hinge", optimizer=nn.Adam(lr=0.02), epochs=150, progress=False)
    assert nn.accuracy(model, params, X, y) >= 0.95
    assert nn.accuracy(model, params, X, np.where(y == 1, 1, -1)) == nn.accuracy(model, params, X, y)


def test_spirals_are_learnt():
    X, y = nn.data.spirals(n_per_class=60, classes=3, seed=0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
    params, _ = nn.fit(model, X, y, optimizer=nn.Adam(lr=0.01), epochs=200, progress=False)
    assert nn.accuracy(model, params, X, y) >= 0.95


@pytest.mark.skipif(not HAVE_SKLEARN, reason="scikit-learn is not installed (digits is its bundled data set)")
@pytest.mark.parametrize("name", ["softmax regression", "mlp"])
def test_seed_digits_test_accuracy(name):
    X_train, y_train, X_test, y_test = nn.data.digits()
    model = nn.Linear(64, 10) if name == "softmax regression" else \
        nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    params, _ = nn.fit(model, X_train, y_train, optimizer=nn.Adam(lr=0.01), epochs=30, batch_size=64,
                       progress=False)
    assert nn.accuracy(model, params, X_test, y_test) >= 0.95


def test_digits_without_sklearn_says_what_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="needs scikit-learn"):
        nn.data.digits()


# -- the strategies agree -----------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["cross_entropy", "mse", "hinge"])
def test_strategies_agree_with_each_other_and_finite_differences(loss):
    model = small_model()
    X, labels = small_batch()
    params = model.init(1)
    Y = losses.targets(loss, nn.data.one_hot(labels, 2) if loss == "mse" else labels, 2)
    fn = nn.loss_function(model, loss)
    results = {s: ad.value_and_grad(fn, strategy=s)(params, X, Y) for s in STRATEGIES}
    reference_value, reference = results["adsct"]
    expected = numeric.grad(fn, params, X, Y)
    for s, (value, grads) in results.items():
        assert value == pytest.approx(reference_value, rel=1e-12), s
        assert isinstance(grads, list) and all(isinstance(g, tuple) for g in grads), s
        assert_trees_close(grads, reference, s, rtol=1e-10, atol=1e-14)
        assert_trees_close(grads, expected, s, rtol=1e-5, atol=1e-7)


def test_same_model_same_init_same_loss_curve_under_every_strategy():
    X, y = nn.data.moons(n=120, noise=0.2, seed=4)
    model = nn.Sequential(nn.Linear(2, 12), nn.Tanh(), nn.Linear(12, 12), nn.ReLU(), nn.Linear(12, 2))
    curves, finals = {}, {}
    for s in STRATEGIES:
        params, history = nn.fit(model, X, y, optimizer=nn.Adam(lr=0.02), epochs=8, batch_size=32,
                                 strategy=s, seed=3, progress=False)
        curves[s], finals[s] = np.array(history.loss), params
        assert len(history.loss) == 8 and history.strategy == s
    assert curves["adsct"][-1] < curves["adsct"][0]
    for s in STRATEGIES:
        np.testing.assert_allclose(curves[s], curves["adsct"], rtol=0, atol=1e-8, err_msg=s)
        assert_trees_close(finals[s], finals["adsct"], s, rtol=1e-8, atol=1e-10)


def test_generated_loss_is_plain_code_adsct_transforms():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fn = nn.loss_function(model, "cross_entropy")
    assert "h1 = linear(params[0], X)" in fn.source and "return cross_entropy(h3, Y)" in fn.source
    X, labels = small_batch()
    derivative = adsct.source(fn, args=(model.init(0), X, losses.targets("cross_entropy", labels, 2)))
    assert derivative.startswith("def loss_vjp(params_0_0, params_0_1, params_1_0, params_1_1, X, Y,")
    forward = nn.forward_function(model)
    params = model.init(0)
    np.testing.assert_array_equal(forward(params, X), model.apply(params, X))


# -- tensor layers ----------------------------------------------------------------------------

def test_init_is_a_seeded_pytree_of_arrays():
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    p0, p0_again, p1 = model.init(0), model.init(0), model.init(1)
    assert isinstance(p0, list) and [(W.shape, b.shape) for W, b in p0] == [((3, 5), (5,)), ((5, 2), (2,))]
    assert all(np.array_equal(a, b) for a, b in zip(ad.tree.leaves(p0), ad.tree.leaves(p0_again)))
    assert not np.array_equal(p0[0][0], p1[0][0])
    assert all(leaf.dtype == np.float64 for leaf in ad.tree.leaves(p0))
    W, b = nn.Linear(400, 300).init(0)  # He scaling: std sqrt(2 / nin)
    assert np.std(W) == pytest.approx(math.sqrt(2 / 400), rel=0.02) and not b.any()
    W, _ = nn.Linear(400, 300, init="glorot").init(0)
    assert np.std(W) == pytest.approx(math.sqrt(2 / 700), rel=0.02)


def test_apply_is_pure_and_matches_numpy():
    model = small_model()
    params = model.init(2)
    X, _ = small_batch()
    before = [leaf.copy() for leaf in ad.tree.leaves(params)]
    (W1, b1), (W2, b2), (W3, b3), (W4, b4) = params
    h = np.tanh(X @ W1 + b1)
    h = np.maximum(h @ W2 + b2, 0.0)
    h = 1 / (1 + np.exp(-(h @ W3 + b3)))
    np.testing.assert_allclose(model.apply(params, X), h @ W4 + b4, rtol=1e-13)
    assert all(np.array_equal(a, b) for a, b in zip(before, ad.tree.leaves(params)))


def test_fit_does_not_modify_given_params_and_can_continue():
    X, y = nn.data.moons(n=40)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    start = model.init(7)
    copy = [leaf.copy() for leaf in ad.tree.leaves(start)]
    params, history = nn.fit(model, X, y, epochs=3, params=start, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(copy, ad.tree.leaves(start)))
    assert not np.array_equal(params[0][0], start[0][0])
    _, more = nn.fit(model, X, y, epochs=2, params=params, progress=False)
    assert more.loss[0] < history.loss[0]


def test_float32_stays_float32_under_every_strategy():
    X, y = nn.data.moons(n=40)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
    for s in STRATEGIES:
        for optimizer in ("sgd", "momentum", "adam"):
            params, history = nn.fit(model, X.astype(np.float32), y, optimizer=optimizer, epochs=2, strategy=s,
                                     progress=False)
            assert {leaf.dtype for leaf in ad.tree.leaves(params)} == {np.dtype(np.float32)}, (s, optimizer)
            assert all(math.isfinite(v) for v in history.loss)


def test_custom_layer_and_custom_loss_run_under_every_strategy():
    class Softplus(nn.Block):
        function = staticmethod(softplus_layer)

    model = nn.Sequential(nn.Linear(3, 4), Softplus(), nn.Linear(4, 1))
    X, _ = small_batch()
    Y = np.linspace(-1, 1, len(X))[:, None]
    params = model.init(0)
    fn = nn.loss_function(model, absolute_error)
    expected = numeric.grad(fn, params, X, Y)
    for s in STRATEGIES:
        grads = ad.grad(fn, strategy=s)(params, X, Y)
        assert_trees_close(grads, expected, s, rtol=1e-5, atol=1e-7)
    trained, history = nn.fit(model, X, Y, loss=absolute_error, optimizer=nn.Adam(lr=0.01), epochs=20,
                              progress=False)
    assert history.loss[-1] < history.loss[0]


def softplus_layer(X):
    return ops.softplus(X)


def absolute_error(outputs, Y):
    return ops.mean(ops.sqrt(ops.add(ops.square(ops.sub(outputs, Y)), 1e-3)))


def test_layer_bad_input():
    with pytest.raises(ValueError, match="nin must be a positive integer"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="init must be"):
        nn.Linear(2, 3, init="orthogonal")
    with pytest.raises(TypeError, match="Sequential takes layers"):
        nn.Sequential(nn.Linear(2, 3), "relu")
    with pytest.raises(ValueError, match="takes a list of 2 parameter entries"):
        nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).apply([], np.ones((1, 2)))
    with pytest.raises(TypeError, match="floating dtype"):
        nn.Linear(2, 2).init(0, dtype=np.int64)


# -- losses ---------------------------------------------------------------------------------

def test_cross_entropy_is_stable_and_matches_the_formula():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 4)) * 3
    labels = np.array([0, 3, 1, 1, 2])
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected = -np.mean(shifted[np.arange(5), labels] - np.log(np.exp(shifted).sum(axis=1)))
    Y = losses.targets("cross_entropy", labels, 4)
    assert float(nn.cross_entropy(logits, Y)) == pytest.approx(expected, rel=1e-13)
    huge = float(nn.cross_entropy(logits + 1e4, Y))  # exp(1e4) overflows; the loss must not
    assert huge == pytest.approx(expected, rel=1e-9)
    for s in STRATEGIES:  # and its gradient neither
        g = ad.grad(nn.cross_entropy, strategy=s)(logits * 1e3, Y)
        assert np.all(np.isfinite(g)) and np.allclose(g.sum(axis=1), 0.0, atol=1e-12)


def test_mse_and_hinge_values():
    out = np.array([[0.5], [-2.0], [3.0]])
    assert float(nn.mse(out, np.array([[1.5], [-2.0], [1.0]]))) == pytest.approx((1 + 0 + 4) / 3)
    Y = losses.targets("hinge", [1, 0, 1], 1)
    assert Y.ravel().tolist() == [1.0, -1.0, 1.0]
    assert float(nn.hinge(out, Y)) == pytest.approx((0.5 + 0 + 0) / 3)


def test_integer_labels_and_one_hot_targets_train_alike():
    X, y = nn.data.spirals(n_per_class=20, classes=3)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    _, with_labels = nn.fit(model, X, y, epochs=5, progress=False)
    _, with_one_hot = nn.fit(model, X, nn.data.one_hot(y), epochs=5, progress=False)
    assert with_labels.loss == with_one_hot.loss


@pytest.mark.parametrize("loss, y, outputs, message", [
    ("cross_entropy", np.zeros((4, 2, 1), int), 3, "one-hot targets must have 3 columns|1-D"),
    ("cross_entropy", np.array([[1.0, 0.0]] * 4), 3, "one-hot targets must have 3 columns"),
    ("cross_entropy", np.array([0, 1, 5, 2]), 3, r"class labels must lie in 0..2"),
    ("cross_entropy", np.array([0.5, 1, 2, 0]), 3, "class labels must be integers"),
    ("mse", np.zeros((4, 2)), 1, r"mse targets must have shape \(n, 1\)"),
    ("hinge", np.array([0, 1, 2, 1]), 1, "binary labels"),
    ("mse", np.zeros(5), 1, "got 4 inputs but targets of shape"),
])
def test_bad_targets_get_clear_errors(loss, y, outputs, message):
    with pytest.raises(ValueError, match=message):
        losses.targets(loss, y, outputs, n=4)


# -- optimizers --------------------------------------------------------------------------------

def test_momentum_follows_its_recurrence():
    opt = nn.Momentum(lr=0.1, beta=0.9)
    params, state = {"w": np.array([1.0, 2.0])}, opt.init({"w": np.zeros(2)})
    grads = [np.array([1.0, -1.0]), np.array([0.5, 0.5]), np.array([-2.0, 0.0])]
    w, v = np.array([1.0, 2.0]), np.zeros(2)
    for g in grads:
        params, state = opt.update(params, {"w": g}, state)
        v = 0.9 * v + g
        w = w - 0.1 * v
    np.testing.assert_allclose(params["w"], w, rtol=1e-15)


def test_adam_follows_its_recurrence():
    opt = nn.Adam(lr=0.01, b1=0.8, b2=0.99, eps=1e-6)
    rng = np.random.default_rng(0)
    params = [(rng.standard_normal(3), 0.5)]
    state = opt.init(params)
    w, m, v = params[0][0].copy(), np.zeros(3), np.zeros(3)
    for t in range(1, 5):
        g = rng.standard_normal(3)
        params, state = opt.update(params, [(g, 1.0)], state)
        m, v = 0.8 * m + 0.2 * g, 0.99 * v + 0.01 * g * g
        w = w - 0.01 * (m / (1 - 0.8 ** t)) / (np.sqrt(v / (1 - 0.99 ** t)) + 1e-6)
    np.testing.assert_allclose(params[0][0], w, rtol=1e-14)
    assert state[0] == 4 and isinstance(params, list) and isinstance(params[0], tuple)


@pytest.mark.parametrize("optimizer", [nn.SGD(lr=0.1), nn.Momentum(lr=0.05), nn.Adam(lr=0.1)])
def test_optimizers_minimise_a_quadratic(optimizer):
    target = {"a": np.array([1.0, -2.0]), "b": np.array(3.0)}
    grad_f = ad.grad(lambda p: ops.add(ops.sum(ops.square(ops.sub(p["a"], target["a"]))),
                                       ops.square(ops.sub(p["b"], target["b"]))), strategy="adoo")
    params = {"a": np.zeros(2), "b": np.array(0.0)}
    state = optimizer.init(params)
    for _ in range(300):
        params, state = optimizer.update(params, grad_f(params), state)
    np.testing.assert_allclose(params["a"], target["a"], atol=1e-3)
    assert abs(float(params["b"]) - 3.0) < 1e-3


def test_optimizer_names_and_bad_settings():
    assert isinstance(nn.optim.get("SGD"), nn.SGD) and isinstance(nn.optim.get("momentum"), nn.Momentum)
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        nn.optim.get("lbfgs")
    with pytest.raises(ValueError, match="lr must be >= 0"):
        nn.SGD(lr=-1.0)
    with pytest.raises(ValueError, match=r"beta must be in \[0.0, 1.0\)"):
        nn.Momentum(beta=1.0)


# -- fit ------------------------------------------------------------------------------------

def test_fit_history_and_minibatches():
    X, y = nn.data.moons(n=50)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    params, history = nn.fit(model, X, y, epochs=4, batch_size=16, progress=False)
    assert len(history.loss) == len(history.seconds) == 4
    assert all(s > 0 for s in history.seconds)
    assert [W.shape for W, b in params] == [W.shape for W, b in model.init(0)]
    # the epoch loss is the example-weighted mean of the batch losses, each before its step
    step = nn.make_step(model, "cross_entropy", "adam", "adsct")
    p, state = model.init(0), step.optimizer.init(model.init(0))
    order = np.random.default_rng([0, 1]).permutation(50)
    Y = losses.targets("cross_entropy", y, 2)
    total = 0.0
    for first in range(0, 50, 16):
        rows = order[first:first + 16]
        p, state, value = step(p, state, X[rows], Y[rows])
        total += value * len(rows)
    assert history.loss[0] == pytest.approx(total / 50, rel=1e-14)


def test_fit_rejects_bad_arguments():
    X, y = nn.data.moons(n=10)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        nn.fit(model, X, y, loss="l1", progress=False)
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'"):
        nn.fit(model, X, y, optimizer="adagrad", progress=False)
    with pytest.raises(ValueError, match="unknown strategy 'jax'"):
        nn.fit(model, X, y, strategy="jax", progress=False)
    with pytest.raises(ValueError, match="2-D array"):
        nn.fit(model, X[:, 0], y, progress=False)
    with pytest.raises(ValueError, match="got 10 inputs but targets of shape"):
        nn.fit(model, X, y[:5], progress=False)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        nn.fit(model, X, y, batch_size=0, progress=False)
    with pytest.raises(TypeError, match="expected a tensor model"):
        nn.fit(nn.MLP(2, [2]), X, y, progress=False)


@pytest.mark.parametrize("strategy", ad.STRATEGIES)
def test_fit_stops_with_an_error_keeping_the_last_finite_parameters_when_training_diverges(strategy):
    X, y = nn.data.linear(n=20)
    model, optimizer = nn.Linear(1, 1), nn.SGD(lr=10.0)
    with pytest.raises(nn.NonFiniteError, match=r"training stopped in epoch \d+, batch 1 of 1: the (loss|gradient)") \
            as caught, np.errstate(over="ignore", invalid="ignore"):
        nn.fit(model, X * 1e3, y, loss="mse", optimizer=optimizer, epochs=50, strategy=strategy, progress=False)
    error = caught.value
    assert error.source in ("loss", "gradient", "update") and 1 < error.epoch < 50 and error.batch == 1
    assert len(error.history.loss) == error.epoch - 1 and all(math.isfinite(v) for v in error.history.loss)
    assert all(np.isfinite(p).all() for p in error.params)
    # the parameters are those after the last complete epoch: training that far gives them again
    with np.errstate(over="ignore", invalid="ignore"):
        again, _ = nn.fit(model, X * 1e3, y, loss="mse", optimizer=optimizer, epochs=error.epoch - 1,
                          strategy=strategy, progress=False)
    for kept, expected in zip(error.params, again):
        np.testing.assert_array_equal(kept, expected)


@pytest.mark.parametrize("strategy", ad.STRATEGIES)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_fit_refuses_non_finite_data_naming_the_row(strategy, bad):
    X, y = nn.data.moons(n=30)
    X = X.copy()
    X[7, 1] = bad
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.raises(nn.NonFiniteError, match=f"inputs X contain a non-finite value \\({bad}\\) in row 7") as caught:
        nn.fit(model, X, y, epochs=3, batch_size=8, strategy=strategy, progress=False)
    assert caught.value.source == "data"
    for kept, initial in zip(tree.leaves(caught.value.params), tree.leaves(model.init(0))):
        np.testing.assert_array_equal(kept, initial)
    _, y_values = nn.data.linear(n=10)
    y_values = y_values.copy()
    y_values[3] = np.nan
    with pytest.raises(nn.NonFiniteError, match="targets y contain a non-finite value \\(nan\\) in row 3"):
        nn.fit(nn.Linear(1, 1), np.ones((10, 1)), y_values, loss="mse", strategy=strategy, progress=False)


def test_a_step_with_a_non_finite_gradient_raises_before_updating():
    """A finite loss whose gradient is not finite (sqrt at 0) is stopped by the step itself."""
    def root_loss(outputs, Y):
        return ops.sum(ops.sqrt(ops.mul(outputs, outputs)))

    step = nn.make_step(nn.Linear(1, 1), root_loss, nn.SGD(lr=0.1), strategy="adoo")
    params = (np.zeros((1, 1)), np.zeros(1))
    with pytest.raises(nn.NonFiniteError, match="gradient of a parameter became non-finite") as caught, \
            np.errstate(divide="ignore", invalid="ignore"):
        step(params, None, np.ones((2, 1)), np.ones((2, 1)))
    assert caught.value.source == "gradient" and caught.value.params is params


def test_progress_bar_with_and_without_tqdm(capsys, monkeypatch):
    X, y = nn.data.moons(n=20)
    model = nn.Linear(2, 2)
    nn.fit(model, X, y, epochs=2, progress=False)
    assert capsys.readouterr().err == ""
    if importlib.util.find_spec("tqdm") is not None:
        monkeypatch.setattr("ad.nn.progress._shown", lambda stream: True)  # (as on a terminal)
        nn.fit(model, X, y, epochs=2, progress=True)
        assert "fit (adsct)" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if not installed: no bar, no error
    _, history = nn.fit(model, X, y, epochs=2, progress=True)
    assert len(history.loss) == 2 and capsys.readouterr().err == ""


def test_accuracy_and_predict():
    model = nn.Linear(2, 3)
    params = (np.eye(2, 3), np.array([0.0, 0.0, 0.5]))
    X = np.array([[2.0, 0.0], [0.0, 2.0], [0.1, 0.2]])
    assert nn.predict(model, params, X).tolist() == [0, 1, 2]
    assert nn.accuracy(model, params, X, [0, 1, 1]) == pytest.approx(2 / 3)
    assert nn.accuracy(model, params, X, nn.data.one_hot(np.array([0, 1, 2]))) == 1.0
    with pytest.raises(ValueError, match="labels of shape"):
        nn.accuracy(model, params, X, [0, 1])


# -- data --------------------------------------------------------------------------------------

def test_datasets_are_reproducible_and_shaped():
    for make in (nn.data.linear, nn.data.nonlinear, nn.data.moons, nn.data.spirals):
        a, b = make(seed=3), make(seed=3)
        assert all(np.array_equal(u, v) for u, v in zip(a, b)), make.__name__
        assert not np.array_equal(a[0], make(seed=4)[0]), make.__name__
        assert a[0].ndim == 2 and a[0].dtype == np.float64 and len(a[0]) == len(a[1])
    X, y = nn.data.linear(n=50, noise=0.0)
    np.testing.assert_allclose(y, 2 * X + 5)
    X, y = nn.data.moons(n=101)
    assert X.shape == (101, 2) and set(y.tolist()) == {0, 1} and abs(int(y.sum()) - 50) <= 1
    X, y = nn.data.spirals(n_per_class=7, classes=4)
    assert X.shape == (28, 2) and np.bincount(y).tolist() == [7] * 4
    X_train, y_train, X_test, y_test = nn.data.split(np.arange(20.0)[:, None], np.arange(20), 0.25)
    assert len(X_test) == 5 and sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    assert np.array_equal(X_train[:, 0], y_train)
    with pytest.raises(ValueError, match="labels must lie"):
        nn.data.one_hot(np.array([0, 3]), 3)


# -- the examples run ---------------------------------------------------------------------------

@pytest.mark.parametrize("script", ["gradient_descent", "linear_regression", "nonlinear_regression",
                                    "strategies", "digits"])
def test_example_runs(script, capsys):
    namespace = runpy.run_path(str(EXAMPLES / f"{script}.py"), run_name="example")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = namespace["main"]()
    out = capsys.readouterr().out
    assert out.strip()
    if script == "strategies":
        assert result <= 1e-8
    if script == "nonlinear_regression":
        assert result["MLP 1-10-1 (ReLU)"] < 0.2 * result["linear model"]
    if script == "digits" and result is not None:
        assert min(result.values()) >= 0.95


def test_progress_bars_stay_out_of_redirected_output():
    import io
    from ad.nn.progress import progress_bar
    redirected = io.StringIO()  # (not a terminal, as when output goes to a file or a pipe)
    assert list(progress_bar(range(3), file=redirected)) == [0, 1, 2]
    assert redirected.getvalue() == "", "a bar wrote into redirected output"


def test_progress_bars_stay_out_when_ipykernel_is_only_imported():
    """Importing ipykernel (as test_notebook.py does while being collected) is not running in
    Jupyter: output redirected to a file still gets no bar."""
    import io
    pytest.importorskip("ipykernel")
    from ad.nn.progress import progress_bar
    redirected = io.StringIO()
    assert list(progress_bar(range(3), file=redirected)) == [0, 1, 2]
    assert redirected.getvalue() == ""
