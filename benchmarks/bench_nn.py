"""Training steps per second of ad.nn models under each strategy, beside a training loop
written by hand in NumPy (its own forward pass, backward pass and in-place Adam update).

One step = the loss's value and gradient on one batch plus the Adam update, as `ad.nn.fit`
does it (`ad.nn.make_step`).  "numpy+nn.Adam" is the hand-written gradient with ad.nn's
Adam (pure, on pytrees), to tell the optimizer's share of the time from the gradient's.  Workloads:
- two moons, MLP 2-16-16-2 (ReLU), softmax cross-entropy, full batch of 200 points;
- digits, softmax regression 64-10 and MLP 64-64-10 (ReLU), batches of 64 (scikit-learn's
  digits when installed, else random data of the same shape: the speed is the same).

Run: python benchmarks/bench_nn.py
"""

import _setup  # noqa: F401  (one BLAS thread, before NumPy loads)
import numpy as np

import ad
from ad import nn
from ad.bench.timing import compare
from ad.bench.workloads import mlp_numpy_grad as numpy_value_and_grad


# -- the hand-written NumPy loop ---------------------------------------------------------------

def numpy_step(params, lr, b1=0.9, b2=0.999, eps=1e-8):
    """A training step closure: hand-written gradient, Adam updating the arrays in place."""
    params = [(W.copy(), b.copy()) for W, b in params]
    leaves = [a for pair in params for a in pair]
    m = [np.zeros_like(a) for a in leaves]
    v = [np.zeros_like(a) for a in leaves]
    t = [0]

    def step(X, Y):
        loss, grads = numpy_value_and_grad(params, X, Y)
        t[0] += 1
        c1, c2 = 1.0 - b1 ** t[0], 1.0 - b2 ** t[0]
        for p, g, m_, v_ in zip(leaves, (g for pair in grads for g in pair), m, v):
            m_ *= b1
            m_ += (1.0 - b1) * g
            v_ *= b2
            v_ += (1.0 - b2) * (g * g)
            p -= lr * (m_ / c1) / (np.sqrt(v_ / c2) + eps)
        return loss

    step.params = params
    return step


# -- the workloads -----------------------------------------------------------------------------

def digits_data():
    try:
        X_train, y_train, _, _ = nn.data.digits()
        return X_train, y_train, "scikit-learn's digits"
    except ImportError:
        rng = np.random.default_rng(0)
        return rng.random((1348, 64)), rng.integers(0, 10, 1348), "random data shaped like digits (no scikit-learn)"


def batches(X, Y, batch_size, seed=0):
    """An endless cycle over shuffled minibatches (pre-cut, so slicing is not timed)."""
    order = np.random.default_rng(seed).permutation(len(X))
    cut = [(X[order[i:i + batch_size]], Y[order[i:i + batch_size]])
           for i in range(0, len(X) - batch_size + 1, batch_size)]
    k = 0
    while True:
        yield cut[k % len(cut)]
        k += 1


def candidates(model, X, y, batch_size, lr=0.01) -> dict:
    """One training step per call, for the hand-written loop and each strategy."""
    params0 = model.init(0)
    Y = nn.losses.targets("cross_entropy", y, model.apply(params0, X[:1]).shape[1])
    hand = numpy_step(params0, lr)
    runs = {}
    stream = batches(X, Y, batch_size)
    runs["numpy (hand)"] = lambda: hand(*next(stream))
    adam = nn.Adam(lr=lr)  # the hand-written gradient with ad.nn's (allocating, pytree) Adam
    mixed = {"params": params0, "opt": adam.init(params0), "stream": batches(X, Y, batch_size)}

    def numpy_with_nn_adam():
        _, grads = numpy_value_and_grad(mixed["params"], *next(mixed["stream"]))
        mixed["params"], mixed["opt"] = adam.update(mixed["params"], grads, mixed["opt"])
    runs["numpy+nn.Adam"] = numpy_with_nn_adam
    reference = numpy_value_and_grad(params0, X[:batch_size], Y[:batch_size])
    for strategy in ad.available():
        step = nn.make_step(model, "cross_entropy", nn.Adam(lr=lr), strategy)
        # a benchmark of a wrong gradient is worthless: check the first one against the hand-written one
        value, grads = ad.value_and_grad(step.loss_function, strategy=strategy)(params0, X[:batch_size],
                                                                                Y[:batch_size])
        assert np.isclose(value, reference[0]), strategy
        assert all(np.allclose(g, r) for g, r in zip(ad.tree.leaves(grads), ad.tree.leaves(reference[1]))), strategy
        state = {"params": params0, "opt": step.optimizer.init(params0), "stream": batches(X, Y, batch_size)}

        def run(step=step, state=state):
            state["params"], state["opt"], _ = step(state["params"], state["opt"], *next(state["stream"]))
        runs[strategy] = run
    return runs


def report(title: str, medians: dict) -> None:
    base = medians["numpy (hand)"]
    print(title)
    print(f"{'candidate':<14} {'per step':>12} {'steps/s':>10} {'vs numpy':>9}")
    for name, seconds in medians.items():
        print(f"{name:<14} {seconds * 1e6:>9.1f} µs {1.0 / seconds:>10.0f} {seconds / base:>8.2f}x")
    print()


if __name__ == "__main__":
    rounds = 15
    X, y = nn.data.moons(n=200, noise=0.1, seed=0)
    moons_mlp = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    report(f"two moons, {moons_mlp}, full batch of 200, Adam: one training step "
           f"(median of {rounds} interleaved rounds)",
           compare(candidates(moons_mlp, X, y, batch_size=200, lr=0.02), rounds=rounds, target=0.05))
    X, y, source = digits_data()
    for name, model in (("softmax regression", nn.Sequential(nn.Linear(64, 10))),
                        ("MLP", nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)))):
        report(f"digits ({source}), {name} {model}, batches of 64, Adam: one training step "
               f"(median of {rounds} interleaved rounds)",
               compare(candidates(model, X, y, batch_size=64), rounds=rounds, target=0.05))
