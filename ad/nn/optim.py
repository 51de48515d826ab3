"""Optimizers on pytrees of arrays, as pure functions of their state.

`state = opt.init(params)` and then, each step, `params, state = opt.update(params, grads,
state)`; nothing is mutated, so the same optimizer object can train several models.  The
gradient (and the state) must have the structure of the parameters.

>>> opt = SGD(lr=0.1)
>>> params, state = opt.update({"w": np.array([1.0])}, {"w": np.array([2.0])}, opt.init(None))
>>> params
{'w': array([0.8])}
"""

from __future__ import annotations

import math

import numpy as np

from .. import tree

__all__ = ["Optimizer", "SGD", "Momentum", "Adam", "OPTIMIZERS", "get"]


def _check_rate(name: str, value, low=0.0, high=None, high_open=False) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or value < low or (high is not None and (value >= high if high_open else value > high)):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value


def _zeros(leaf):
    """A zero like `leaf`: Python floats stay Python floats."""
    return 0.0 if isinstance(leaf, (float, int)) and not isinstance(leaf, bool) else np.zeros_like(leaf)


def _leaves_like(value, treedef, what: str) -> list:
    """The leaves of `value`, which must have the parameters' structure `treedef`."""
    leaves, structure = tree.flatten(value)
    if structure != treedef:
        raise TypeError(f"{what} has structure {structure} but the parameters have {treedef}")
    return leaves


class Optimizer:
    """Base class: `init(params) -> state`, `update(params, grads, state) -> (params, state)`.

    >>> Optimizer().init([np.zeros(2)]) is None
    True
    """

    def init(self, params):
        """The optimizer's state for these parameters (None when it keeps none).

        >>> SGD().init([np.ones(2)]) is None
        True
        """
        return None

    def update(self, params, grads, state):
        """One step: the new parameters and state (subclasses implement it).

        >>> SGD(lr=1.0).update((np.ones(1),), (np.ones(1),), None)
        ((array([0.]),), None)
        """
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent: p <- p - lr * g.

    >>> SGD(lr=0.5).update(np.array([1.0]), np.array([1.0]), None)
    (array([0.5]), None)
    """

    def __init__(self, lr: float = 0.01):
        self.lr = _check_rate("lr", lr)

    def update(self, params, grads, state):
        """p - lr * g for every leaf.

        >>> SGD(lr=0.1).update([np.array([1.0])], [np.array([-1.0])], None)[0]
        [array([1.1])]
        """
        p, treedef = tree.flatten(params)
        g = _leaves_like(grads, treedef, "the gradient")
        lr = self.lr
        return tree.unflatten(treedef, [p_ - lr * g_ for p_, g_ in zip(p, g)]), state

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr})"


class Momentum(Optimizer):
    """Gradient descent with (heavy-ball) momentum: v <- beta * v + g; p <- p - lr * v.

    The state is the velocity v, shaped like the parameters.

    >>> opt = Momentum(lr=0.1, beta=0.5)
    >>> p, s = opt.update(np.array([1.0]), np.array([1.0]), opt.init(np.array([1.0])))
    >>> p, s = opt.update(p, np.array([1.0]), s)
    >>> p, s
    (array([0.75]), array([1.5]))
    """

    def __init__(self, lr: float = 0.01, beta: float = 0.9):
        self.lr = _check_rate("lr", lr)
        self.beta = _check_rate("beta", beta, 0.0, 1.0, high_open=True)

    def init(self, params):
        """Zero velocity shaped like the parameters.

        >>> Momentum().init({"w": np.ones(2)})
        {'w': array([0., 0.])}
        """
        return tree.tree_map(_zeros, params)

    def update(self, params, grads, state):
        """Velocity first, then the step along it.

        >>> Momentum(lr=0.5, beta=0.9).update(np.array([1.0]), np.array([2.0]), np.zeros(1))
        (array([0.]), array([2.]))
        """
        p, treedef = tree.flatten(params)
        g = _leaves_like(grads, treedef, "the gradient")
        v = _leaves_like(state, treedef, "the momentum state")
        lr, beta = self.lr, self.beta
        v = [beta * v_ + g_ for v_, g_ in zip(v, g)]
        return tree.unflatten(treedef, [p_ - lr * v_ for p_, v_ in zip(p, v)]), tree.unflatten(treedef, v)

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr}, beta={self.beta})"


class Adam(Optimizer):
    """Adam (Kingma and Ba): moving averages of the gradient and its square, bias-corrected:
    m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g², p <- p - lr m̂ / (sqrt(v̂) + eps) with
    m̂ = m / (1 - b1^t), v̂ = v / (1 - b2^t).

    State: (step count t, first moments m, second moments v), m and v shaped like the
    parameters.  The first step moves every parameter by about `lr` against the sign of its
    gradient:

    >>> opt = Adam(lr=0.1)
    >>> params, state = opt.update([np.array([1.0, -1.0])], [np.array([3.0, -0.01])],
    ...                            opt.init([np.zeros(2)]))
    >>> np.round(params[0], 6), state[0]
    (array([ 0.9, -0.9]), 1)
    """

    def __init__(self, lr: float = 0.001, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
        self.lr = _check_rate("lr", lr)
        self.b1 = _check_rate("b1", b1, 0.0, 1.0, high_open=True)
        self.b2 = _check_rate("b2", b2, 0.0, 1.0, high_open=True)
        self.eps = _check_rate("eps", eps)

    def init(self, params):
        """Step 0 and zero moments shaped like the parameters.

        >>> Adam().init((np.ones(1), 2.0))
        (0, (array([0.]), 0.0), (array([0.]), 0.0))
        """
        zeros = tree.tree_map(_zeros, params)
        return 0, zeros, zeros

    def update(self, params, grads, state):
        """The bias-corrected Adam step.

        >>> params, (t, m, v) = Adam(lr=0.5).update(np.array([1.0]), np.array([-4.0]), (0, np.zeros(1), np.zeros(1)))
        >>> params.round(6), t, m.round(6), v.round(6)
        (array([1.5]), 1, array([-0.4]), array([0.016]))
        """
        t, m, v = state
        p, treedef = tree.flatten(params)
        g = _leaves_like(grads, treedef, "the gradient")
        m = _leaves_like(m, treedef, "Adam's first moments")
        v = _leaves_like(v, treedef, "Adam's second moments")
        t += 1
        b1, b2 = self.b1, self.b2
        # lr m̂ / (sqrt(v̂) + eps) = step m / (sqrt(v) + eps_hat): two operations fewer per leaf.
        # Python floats, so float32 parameters stay float32.
        root = math.sqrt(1.0 - b2 ** t)
        step = self.lr * root / (1.0 - b1 ** t)
        eps_hat = self.eps * root
        m = [b1 * m_ + (1.0 - b1) * g_ for m_, g_ in zip(m, g)]
        v = [b2 * v_ + (1.0 - b2) * (g_ * g_) for v_, g_ in zip(v, g)]
        p = [p_ - step * m_ / (np.sqrt(v_) + eps_hat) for p_, m_, v_ in zip(p, m, v)]
        return tree.unflatten(treedef, p), (t, tree.unflatten(treedef, m), tree.unflatten(treedef, v))

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, b1={self.b1}, b2={self.b2}, eps={self.eps})"


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def get(optimizer) -> Optimizer:
    """An optimizer from a name in `OPTIMIZERS` (with its default settings) or an instance.

    >>> get("adam")
    Adam(lr=0.001, b1=0.9, b2=0.999, eps=1e-08)
    >>> get("rmsprop")
    Traceback (most recent call last):
    ...
    ValueError: unknown optimizer 'rmsprop'; choose one of ['adam', 'momentum', 'sgd'] or pass an ad.nn.optim.Optimizer
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()]()
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer()
    raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {sorted(OPTIMIZERS)} "
                     f"or pass an ad.nn.optim.Optimizer")
