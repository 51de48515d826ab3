"""The scalar network in the style of micrograd, built from `adoo.Var` scalars.

Every weight is its own `Var`; a forward pass builds a graph of scalar operations and
`loss.backward()` fills each parameter's `.grad`.  Gradients accumulate over backward
passes, so call `model.zero_grad()` before each one.

>>> model = MLP(2, [4, 1], seed=0)
>>> model
MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(4)]]
>>> out = model([1.0, -2.0])
>>> model.zero_grad(); out.backward()
>>> len(model.parameters()), all(isinstance(p.grad, float) for p in model.parameters())
(17, True)
"""

from __future__ import annotations

import random

from ..adoo import Var

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")


class Module:
    """Base class: `parameters()` lists the `Var`s to train, `zero_grad()` resets their gradients.

    >>> Module().parameters()
    []
    """

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0.0 (before the next `backward()`).

        >>> n = Neuron(1, seed=0); n.w[0].grad = 3.0
        >>> n.zero_grad(); n.w[0].grad
        0.0
        """
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list:
        """The trainable `Var`s (none for the base class).

        >>> Module().parameters()
        []
        """
        return []


def _generator(rng, seed):
    if rng is not None and seed is not None:
        raise ValueError("give rng or seed, not both")
    if rng is not None:
        return rng
    return random.Random(seed) if seed is not None else random


class Neuron(Module):
    """One unit: activation(w · x + b), weights uniform in [-1, 1], bias 0.

    `nonlin=False` makes it linear; `activation` is "relu" (the default), "tanh" or
    "sigmoid".  `seed` (or a `random.Random` as `rng`) makes the weights reproducible.

    >>> n = Neuron(2, activation="tanh", seed=1)
    >>> n
    TanhNeuron(2)
    >>> y = n([0.5, -1.0]); y.backward()
    >>> abs(n.b.grad - (1 - y.data ** 2)) < 1e-12
    True
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu", *, seed=None, rng=None):
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"Neuron: nin must be a positive integer, got {nin!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {ACTIVATIONS}")
        rng = _generator(rng, seed)
        self.w = [Var(rng.uniform(-1.0, 1.0)) for _ in range(nin)]
        self.b = Var(0.0)
        self.nonlin = nonlin
        self.activation = activation

    def __call__(self, x):
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} takes {len(self.w)} inputs, got {len(x)}")
        act = self.b
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        return getattr(act, self.activation)() if self.nonlin else act

    def parameters(self) -> list:
        """The weights, then the bias.

        >>> n = Neuron(2, seed=0)
        >>> n.parameters()[-1] is n.b, len(n.parameters())
        (True, 3)
        """
        return self.w + [self.b]

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}[self.activation] if self.nonlin else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; keyword arguments go to each `Neuron`.

    Called on a list of inputs it returns the list of outputs, or the single output of a
    one-neuron layer.

    >>> layer = Layer(3, 2, nonlin=False, seed=0)
    >>> len(layer([1.0, 2.0, 3.0])), len(layer.parameters())
    (2, 8)
    """

    def __init__(self, nin: int, nout: int, *, seed=None, rng=None, **kwargs):
        if not isinstance(nout, int) or isinstance(nout, bool) or nout < 1:
            raise ValueError(f"Layer: nout must be a positive integer, got {nout!r}")
        rng = _generator(rng, seed)
        self.neurons = [Neuron(nin, rng=rng, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list:
        """Every neuron's parameters, in order.

        >>> len(Layer(2, 3, seed=0).parameters())
        9
        """
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes `nouts` after `nin` inputs; every layer but the last is nonlinear.

    >>> model = MLP(3, [4, 4, 1], activation="tanh", seed=0)
    >>> out = model([2.0, 3.0, -1.0])
    >>> type(out).__name__, len(model.parameters())
    ('Var', 41)
    """

    def __init__(self, nin: int, nouts, activation: str = "relu", *, seed=None, rng=None):
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts")
        rng = _generator(rng, seed)
        sizes = [nin] + nouts
        self.layers = [Layer(sizes[i], sizes[i + 1], rng=rng, nonlin=i != len(nouts) - 1, activation=activation)
                       for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
            if not isinstance(x, list):
                x = [x]
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list:
        """Every layer's parameters, in order.

        >>> len(MLP(2, [3, 1], seed=0).parameters())
        13
        """
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
