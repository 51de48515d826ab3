"""Tensor layers: a model is a description; its parameters are a pytree of NumPy arrays.

Each layer pairs a pure function of plain values (`linear(params, X)`, `relu(X)`, ...) written
with `ad.ops` calls, so it runs on NumPy arrays, on adlib's tape values and on adoo's `Var`s
alike, and adsct can read and inline it.  A layer object only knows its sizes and how to
initialise its parameters:

>>> model = Sequential(Linear(2, 3), ReLU(), Linear(3, 1))
>>> params = model.init(seed=0)
>>> [(W.shape, b.shape) for W, b in params]
[((2, 3), (3,)), ((3, 1), (1,))]
>>> model.apply(params, np.ones((4, 2))).shape
(4, 1)

`Sequential` parameters are a list with one entry per layer that has parameters (a `(W, b)`
tuple for `Linear`); activations have none.

These functions are written in adsct's subset, so a function of yours that calls `linear` or
`relu` directly is differentiable by all three strategies (adsct inlines them);
`ad.nn.loss_function(model, loss)` writes a model's whole loss as one piece of code.
"""

from __future__ import annotations

import numpy as np

from .. import ops

__all__ = ["Block", "Linear", "ReLU", "Tanh", "Sigmoid", "Sequential", "linear", "relu", "tanh", "sigmoid"]


# -- the pure functions (read and inlined by adsct: keep them plain) --------------------------

def linear(params, X):
    """The affine map X @ W + b of a batch X (one example per row).

    >>> linear((np.array([[2.0], [1.0]]), np.array([5.0])), np.array([[1.0, 3.0]]))
    array([[10.]])
    """
    W, b = params
    return ops.add(ops.matmul(X, W), b)


def relu(X):
    """max(X, 0) elementwise.

    >>> relu(np.array([-1.0, 2.0]))
    array([0., 2.])
    """
    return ops.relu(X)


def tanh(X):
    """The hyperbolic tangent elementwise.

    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return ops.tanh(X)


def sigmoid(X):
    """The logistic function 1 / (1 + exp(-X)) elementwise.

    >>> sigmoid(np.array([0.0]))
    array([0.5])
    """
    return ops.sigmoid(X)


# -- layer objects -----------------------------------------------------------------------------

def _rng(seed):
    """A NumPy Generator from a seed, or the Generator itself."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"parameters must have a floating dtype, got {dtype}")
    return dtype


class Block:
    """Base class of the tensor layers.

    A subclass sets `function` to a pure module-level function: `function(params, X)` when
    `has_params`, else `function(X)`; and overrides `init` when it has parameters.  That is
    all `fit` and the code generation need (see `ad.nn.codegen`).

    >>> class Square(Block):
    ...     function = staticmethod(ops.square)
    >>> Sequential(Square()).apply([], np.array([[3.0]]))
    array([[9.]])
    """

    function = None
    has_params = False

    def init(self, seed=0, dtype=np.float64):
        """Fresh parameters (None for a layer without parameters).

        >>> ReLU().init(0) is None
        True
        """
        _check_dtype(dtype)
        return None

    def apply(self, params, X):
        """The layer's output for the batch X (pure: nothing is stored).

        >>> Tanh().apply(None, np.zeros((1, 2)))
        array([[0., 0.]])
        """
        return self.function(params, X) if self.has_params else self.function(X)

    def __call__(self, params, X):
        return self.apply(params, X)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Block):
    """A fully connected layer: X @ W + b with W of shape (nin, nout) and b of shape (nout,).

    `init` draws W from a normal distribution scaled for the activation that follows: "he"
    (sqrt(2/nin), for ReLU; the default), "glorot" (sqrt(2/(nin+nout)), for tanh/sigmoid),
    or a number giving the standard deviation; b starts at zero.

    >>> layer = Linear(3, 2)
    >>> W, b = layer.init(seed=0)
    >>> W.shape, b.tolist()
    ((3, 2), [0.0, 0.0])
    >>> layer
    Linear(3, 2)
    """

    function = staticmethod(linear)
    has_params = True

    def __init__(self, nin: int, nout: int, init="he"):
        for name, size in (("nin", nin), ("nout", nout)):
            if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {size!r}")
        if not (init in ("he", "glorot") or (isinstance(init, (int, float)) and init >= 0)):
            raise ValueError(f"Linear: init must be 'he', 'glorot' or a standard deviation >= 0, got {init!r}")
        self.nin, self.nout, self.scale = int(nin), int(nout), init

    def init(self, seed=0, dtype=np.float64):
        """(W, b): W normal with the layer's scale, b zero, both of `dtype`.

        >>> W, b = Linear(2, 2, init=0.0).init(1, dtype=np.float32)
        >>> W.dtype, float(abs(W).sum())
        (dtype('float32'), 0.0)
        """
        dtype = _check_dtype(dtype)
        if self.scale == "he":
            std = np.sqrt(2.0 / self.nin)
        elif self.scale == "glorot":
            std = np.sqrt(2.0 / (self.nin + self.nout))
        else:
            std = float(self.scale)
        W = (_rng(seed).standard_normal((self.nin, self.nout)) * std).astype(dtype)
        return W, np.zeros(self.nout, dtype)

    def __repr__(self) -> str:
        return f"Linear({self.nin}, {self.nout})"


class ReLU(Block):
    """max(x, 0) elementwise (no parameters).

    >>> ReLU().apply(None, np.array([[-2.0, 3.0]]))
    array([[0., 3.]])
    """

    function = staticmethod(relu)


class Tanh(Block):
    """tanh elementwise (no parameters).

    >>> Tanh()
    Tanh()
    """

    function = staticmethod(tanh)


class Sigmoid(Block):
    """The logistic function elementwise (no parameters).

    >>> Sigmoid().apply(None, np.array([[0.0]]))
    array([[0.5]])
    """

    function = staticmethod(sigmoid)


class Sequential(Block):
    """Layers applied one after the other.

    Its parameters are a list with one entry per layer that has parameters, in order;
    `init(seed)` draws them all from one generator seeded with `seed`.

    >>> model = Sequential(Linear(2, 4), Tanh(), Linear(4, 3))
    >>> model
    Sequential(Linear(2, 4), Tanh(), Linear(4, 3))
    >>> len(model.init(0)), model.apply(model.init(0), np.zeros((5, 2))).shape
    (2, (5, 3))
    """

    has_params = True

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for layer in layers:
            if not isinstance(layer, Block):
                raise TypeError(f"Sequential takes layers (ad.nn.Linear, ad.nn.ReLU, ...), got {layer!r}")
        self.layers = tuple(layers)

    def init(self, seed=0, dtype=np.float64):
        """A list of the parameters of the layers that have some.

        >>> [W.shape for W, b in Sequential(Linear(1, 2), ReLU(), Linear(2, 1)).init(0)]
        [(1, 2), (2, 1)]
        """
        rng = _rng(seed)
        _check_dtype(dtype)
        return [layer.init(rng, dtype) for layer in self.layers if layer.has_params]

    def apply(self, params, X):
        """The output of the last layer.

        >>> Sequential(ReLU(), Sigmoid()).apply([], np.array([[-5.0]]))
        array([[0.5]])
        """
        expected = sum(layer.has_params for layer in self.layers)
        if not isinstance(params, (list, tuple)) or len(params) != expected:
            raise ValueError(f"{self!r} takes a list of {expected} parameter entries (one per layer "
                             f"with parameters), got {type(params).__name__} "
                             f"{'of length ' + str(len(params)) if isinstance(params, (list, tuple)) else ''}")
        entries = iter(params)
        for layer in self.layers:
            X = layer.apply(next(entries), X) if layer.has_params else layer.apply(None, X)
        return X

    def __repr__(self) -> str:
        return f"Sequential({', '.join(repr(layer) for layer in self.layers)})"
