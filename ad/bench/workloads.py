"""Workloads for the benchmarks, each written once and run by several engines.

- `scalar_mlp`: micrograd's demo network MLP(2, [16, 16, 1]) on scalar values, with its
  max-margin loss and L2 regularisation over a batch of points; `value_class` picks the
  scalar type (our `adoo.Var`, micrograd's `Value`, ...).
- `tensor_mlp_loss`: a 784-256-10 ReLU network with softmax cross-entropy, written against a
  NumPy-like module `xp` (NumPy for adoo, `autograd.numpy` for HIPS autograd), plus
  `tensor_mlp_numpy_grad`, the same gradient written by hand: the speed limit.
"""

from __future__ import annotations

import random

import numpy as np


# -- micrograd's demo network ----------------------------------------------------------------

def scalar_mlp_params(value_class, sizes=(2, 16, 16, 1), seed=0):
    """Layers as lists of neurons, each neuron (weights, bias), of `value_class` scalars."""
    rng = random.Random(seed)
    layers = []
    for nin, nout in zip(sizes[:-1], sizes[1:]):
        layers.append([([value_class(rng.uniform(-1, 1)) for _ in range(nin)], value_class(0.0))
                       for _ in range(nout)])
    return layers


def scalar_mlp_forward(layers, x):
    """ReLU on hidden layers, linear output, as in micrograd's MLP."""
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        outputs = []
        for weights, bias in layer:
            act = bias
            for w, xi in zip(weights, x):
                act = act + w * xi
            outputs.append(act if last else act.relu())
        x = outputs
    return x[0]


def scalar_mlp_loss(layers, points, labels, alpha=1e-4):
    """micrograd's demo loss: mean hinge loss plus alpha * sum of squared parameters."""
    losses = [(1 + -label * scalar_mlp_forward(layers, point)).relu() for point, label in zip(points, labels)]
    data_loss = sum(losses) * (1.0 / len(losses))
    params = [p for layer in layers for weights, bias in layer for p in (*weights, bias)]
    reg_loss = alpha * sum(p * p for p in params)
    return data_loss + reg_loss


def moons(n=100, noise=0.1, seed=0):
    """Two interleaving half circles with labels -1/+1 (no scikit-learn needed)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    points = np.stack([x, y], axis=1) + noise * rng.standard_normal((n, 2))
    return points, np.where(upper, 1.0, -1.0)


# -- the tensor MLP --------------------------------------------------------------------------

def tensor_mlp_data(batch=64, sizes=(784, 256, 10), seed=0, dtype=np.float64):
    """(params, X, Y_onehot) with He-initialised weights."""
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = sizes
    params = (rng.standard_normal((n_in, n_hidden)).astype(dtype) * np.sqrt(2.0 / n_in),
              np.zeros(n_hidden, dtype),
              rng.standard_normal((n_hidden, n_out)).astype(dtype) * np.sqrt(2.0 / n_hidden),
              np.zeros(n_out, dtype))
    X = rng.standard_normal((batch, n_in)).astype(dtype)
    Y = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, batch)]
    return params, X, Y


def tensor_mlp_loss(xp):
    """The loss written against the NumPy-like module `xp`."""
    def loss(params, X, Y):
        W1, b1, W2, b2 = params
        h = xp.maximum(X @ W1 + b1, 0.0)
        z = h @ W2 + b2
        m = xp.max(z, axis=1, keepdims=True)
        log_probs = z - (xp.log(xp.sum(xp.exp(z - m), axis=1, keepdims=True)) + m)
        return -xp.sum(Y * log_probs) / X.shape[0]
    return loss


def mlp_loss_numpy(W1, b1, W2, b2, X, Y):
    """The same loss in plain NumPy with array arguments (the form the source transformer takes)."""
    h = np.maximum(X @ W1 + b1, 0.0)
    z = h @ W2 + b2
    m = np.max(z, axis=1, keepdims=True)
    log_probs = z - (np.log(np.sum(np.exp(z - m), axis=1, keepdims=True)) + m)
    return -np.sum(Y * log_probs) / X.shape[0]


def tensor_mlp_numpy_grad(params, X, Y):
    """Value and gradient written by hand in NumPy: the reference every engine is held to."""
    W1, b1, W2, b2 = params
    loss, ((gW1, gb1), (gW2, gb2)) = mlp_numpy_grad([(W1, b1), (W2, b2)], X, Y)
    return loss, (gW1, gb1, gW2, gb2)


def mlp_numpy_grad(params, X, Y):
    """Loss and gradient of [Linear, ReLU]*, Linear with softmax cross-entropy, by hand."""
    inputs, pre = [X], []
    h = X
    for k, (W, b) in enumerate(params):
        z = h @ W + b
        if k < len(params) - 1:
            pre.append(z)
            h = np.maximum(z, 0.0)
            inputs.append(h)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    n = X.shape[0]
    loss = -np.sum(Y * (z - np.log(s))) / n
    dz = (e / s - Y) / n
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        # (a batch of one: the weight gradient is an outer product, which np.outer does fastest)
        weight_grad = np.outer(inputs[k][0], dz[0]) if len(dz) == 1 else inputs[k].T @ dz
        grads[k] = (weight_grad, dz.sum(axis=0))
        if k > 0:
            dz = (dz @ params[k][0].T) * (pre[k - 1] > 0)
    return loss, grads


def tensor_mlp_loss_elemental(lib):
    """The same loss as `tensor_mlp_loss`, spelled as elemental calls of `lib` (adlib or ad.ops)."""
    def loss(params, X, Y):
        W1, b1, W2, b2 = params
        h = lib.maximum(lib.add(lib.matmul(X, W1), b1), 0.0)
        z = lib.add(lib.matmul(h, W2), b2)
        m = lib.max(z, axis=1, keepdims=True)
        log_probs = lib.sub(z, lib.add(lib.log(lib.sum(lib.exp(lib.sub(z, m)), axis=1, keepdims=True)), m))
        return lib.div(lib.neg(lib.sum(lib.mul(Y, log_probs))), float(X.shape[0]))
    return loss


def chain(lib, n=200):
    """n cheap elementwise ops in a row (alternating mul and add): per-op overhead dominates."""
    def f(x):
        for i in range(n // 2):
            x = lib.add(lib.mul(x, 0.999), 0.001)
        return lib.sum(x)
    return f


# -- micrograd's demo network in matrix form ------------------------------------------------------
# MLP(2, [16, 16, 1]) on the moons, max-margin loss plus L2 regularisation of every parameter, as in
# micrograd's demo notebook, with each layer one matrix product instead of scalar neurons.

DEMO_ALPHA = 1e-4


def demo_mlp_params(sizes=(2, 16, 16, 1), seed=0):
    """(W1, b1, W2, b2, W3, b3), uniform in [-1, 1) as micrograd's neurons start."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.uniform(-1.0, 1.0, (n_in, n_out)), rng.uniform(-1.0, 1.0, n_out)]
    return tuple(params)


def demo_mlp_loss(W1, b1, W2, b2, W3, b3, X, y):
    """The demo's loss: mean hinge loss of the scores against labels ±1, plus alpha Σ p²."""
    h1 = np.maximum(X @ W1 + b1, 0.0)
    h2 = np.maximum(h1 @ W2 + b2, 0.0)
    scores = (h2 @ W3 + b3)[:, 0]
    data_loss = np.mean(np.maximum(1.0 - y * scores, 0.0))
    squares = np.sum(W1 ** 2) + np.sum(b1 ** 2) + np.sum(W2 ** 2) + np.sum(b2 ** 2) + np.sum(W3 ** 2) + np.sum(b3 ** 2)
    return data_loss + DEMO_ALPHA * squares


def demo_mlp_loss_elemental(lib):
    """The same loss spelled as elemental calls of `lib` (adlib)."""
    def loss(W1, b1, W2, b2, W3, b3, X, y):
        h1 = lib.maximum(lib.add(lib.matmul(X, W1), b1), 0.0)
        h2 = lib.maximum(lib.add(lib.matmul(h1, W2), b2), 0.0)
        scores = lib.getitem(lib.add(lib.matmul(h2, W3), b3), (slice(None), 0))
        data_loss = lib.mean(lib.maximum(lib.sub(1.0, lib.mul(y, scores)), 0.0))
        squares = lib.sum(lib.square(W1))
        for p in (b1, W2, b2, W3, b3):
            squares = lib.add(squares, lib.sum(lib.square(p)))
        return lib.add(data_loss, lib.mul(DEMO_ALPHA, squares))
    return loss


def demo_mlp_numpy_grad(W1, b1, W2, b2, W3, b3, X, y):
    """Value and gradient of `demo_mlp_loss` written by hand in NumPy."""
    z1 = X @ W1 + b1
    h1 = np.maximum(z1, 0.0)
    z2 = h1 @ W2 + b2
    h2 = np.maximum(z2, 0.0)
    scores = h2 @ W3[:, 0] + b3[0]
    margins = 1.0 - y * scores
    params = (W1, b1, W2, b2, W3, b3)
    loss = np.mean(np.maximum(margins, 0.0)) + DEMO_ALPHA * sum(np.sum(p * p) for p in params)
    d_scores = -y * (margins > 0) / len(y)
    gW3, gb3 = np.outer(h2.T @ d_scores, 1.0), np.array([d_scores.sum()])
    dz2 = np.outer(d_scores, W3[:, 0]) * (z2 > 0)
    gW2, gb2 = h1.T @ dz2, dz2.sum(axis=0)
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    gW1, gb1 = X.T @ dz1, dz1.sum(axis=0)
    grads = tuple(g + 2.0 * DEMO_ALPHA * p for g, p in zip((gW1, gb1, gW2, gb2, gW3, gb3), params))
    return loss, grads
