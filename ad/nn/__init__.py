"""ad.nn: neural networks on top of the three strategies.

Two APIs:

- scalar, in the style of micrograd: `Module`, `Neuron`, `Layer`, `MLP` made of
  `adoo.Var` scalars, trained with `loss.backward()` and `p.data -= lr * p.grad`;
- tensor: `Linear`, `ReLU`, `Tanh`, `Sigmoid`, `Sequential` describe a model whose
  parameters are a pytree of NumPy arrays (`model.init(seed)`) and whose `apply(params, X)`
  is pure, so adlib, adoo and adsct can all differentiate it; `fit` trains it with a loss
  from `losses` and an optimizer from `optim`.

>>> from ad import nn
>>> X, y = nn.data.moons(n=60, seed=1)
>>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
>>> params, history = nn.fit(model, X, y, loss="cross_entropy", optimizer=nn.optim.Adam(lr=0.05),
...                          epochs=60, strategy="adsct", progress=False)
>>> nn.accuracy(model, params, X, y) > 0.8
True
"""

from . import data, layers, losses, optim
from .codegen import forward_function, loss_function
from .layers import Block, Linear, ReLU, Sequential, Sigmoid, Tanh
from .losses import cross_entropy, hinge, mse
from .optim import SGD, Adam, Momentum
from .scalar import MLP, Layer, Module, Neuron
from .train import History, NonFiniteError, accuracy, fit, make_step, predict

__all__ = ["Module", "Neuron", "Layer", "MLP",
           "Block", "Linear", "ReLU", "Tanh", "Sigmoid", "Sequential",
           "mse", "cross_entropy", "hinge", "SGD", "Momentum", "Adam",
           "fit", "make_step", "History", "NonFiniteError", "accuracy", "predict", "loss_function", "forward_function",
           "data", "layers", "losses", "optim"]
