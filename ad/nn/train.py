"""Training a tensor model with any strategy: `fit`, one `make_step`, and `accuracy`.

The loss of a model is generated as one plain function `loss(params, X, Y)` (see
`ad.nn.codegen`) and differentiated with respect to `params` by the chosen strategy's
`value_and_grad`; the optimizer updates the parameter pytree.

>>> from ad.nn import Sequential, Linear, ReLU, data
>>> X, y = data.moons(n=40)
>>> model = Sequential(Linear(2, 8), ReLU(), Linear(8, 2))
>>> params, history = fit(model, X, y, epochs=3, optimizer="adam", progress=False)
>>> len(history.loss), history.loss[-1] < history.loss[0]
(3, True)
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import strategies
from . import losses, optim
from .codegen import loss_function
from .progress import progress_bar

__all__ = ["History", "fit", "make_step", "predict", "accuracy", "as_inputs"]


@dataclass
class History:
    """What `fit` measured: per epoch, the mean training loss and the wall time in seconds.

    >>> History(loss=[0.7, 0.3], seconds=[0.01, 0.01], strategy="adoo")
    History(strategy='adoo', epochs=2, final loss=0.3)
    """

    loss: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    strategy: str = strategies.DEFAULT

    def __repr__(self) -> str:
        final = f", final loss={self.loss[-1]:.6g}" if self.loss else ""
        return f"History(strategy={self.strategy!r}, epochs={len(self.loss)}{final})"


def as_inputs(X) -> np.ndarray:
    """A 2-D floating array of inputs (one example per row); float32 stays float32, integers
    become float64.

    >>> as_inputs([[1, 2]]).dtype, as_inputs(np.zeros((1, 2), np.float32)).dtype
    (dtype('float64'), dtype('float32'))
    """
    X = np.asarray(X)
    if X.ndim != 2:
        hint = "; for one feature use X.reshape(-1, 1)" if X.ndim == 1 else ""
        raise ValueError(f"inputs must be a 2-D array (examples, features), got shape {X.shape}{hint}")
    if X.dtype.kind == "f":
        return X
    if X.dtype.kind in "iub":
        return X.astype(np.float64)
    raise TypeError(f"inputs must be numbers, got dtype {X.dtype}")


def _strategy(name: str):
    if not isinstance(name, str):
        raise TypeError(f"strategy must be a name, one of {strategies.STRATEGIES}, got {name!r}")
    return strategies.get(name)  # ValueError naming the choices for an unknown name


def make_step(model, loss="cross_entropy", optimizer="adam", strategy: str = strategies.DEFAULT):
    """One training step as a function `step(params, state, X, Y) -> (params, state, loss)`.

    `Y` must already be in the loss's form (`ad.nn.losses.targets`); the optimizer state
    starts as `step.optimizer.init(params)`.  `step.loss_function` is the generated loss.

    >>> from ad.nn import Linear
    >>> step = make_step(Linear(1, 1), "mse", optim.SGD(lr=0.1), strategy="adlib")
    >>> params = (np.zeros((1, 1)), np.zeros(1))
    >>> params, state, value = step(params, step.optimizer.init(params), np.ones((2, 1)), np.ones((2, 1)))
    >>> value, params[1]
    (1.0, array([0.2]))
    """
    engine = _strategy(strategy)
    opt = optim.get(optimizer)
    fn = loss_function(model, loss)  # (checks the model and the loss)
    value_and_grad = engine.value_and_grad(fn)
    update = opt.update

    def step(params, state, X, Y):
        value, grads = value_and_grad(params, X, Y)
        params, state = update(params, grads, state)
        return params, state, float(value)

    step.optimizer, step.loss_function, step.strategy = opt, fn, strategy
    return step


def _batch_size(batch_size, n: int) -> int:
    if batch_size is None:
        return n
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer or None (the whole set), got {batch_size!r}")
    return min(int(batch_size), n)


def fit(model, X, y, loss="cross_entropy", optimizer="adam", epochs: int = 100, batch_size=None,
        strategy: str = strategies.DEFAULT, seed: int = 0, progress: bool = True, params=None,
        shuffle: bool = True):
    """Train `model` on (X, y); return `(params, history)`.

    - `loss`: "cross_entropy" (integer labels or one-hot rows), "mse", "hinge" (binary
      labels {0, 1} or {-1, +1}), or a function `loss(outputs, Y)` written with `ad.ops`;
    - `optimizer`: an `ad.nn.optim` optimizer (`Adam(lr=0.01)`) or a name ("sgd",
      "momentum", "adam") for its defaults;
    - `batch_size`: None for full-batch steps; otherwise minibatches of a fresh random order
      each epoch (when `shuffle`), the last one possibly smaller;
    - `strategy`: "adlib", "adoo" or "adsct" computes the gradients;
    - `seed` seeds `model.init(seed)` (unless `params` are given) and the shuffling;
    - `progress`: a tqdm bar over epochs when tqdm is installed.

    `history.loss[k]` is the mean loss over epoch k's batches (each batch's loss before its
    step), `history.seconds[k]` the epoch's wall time.  If the loss stops being finite, a
    warning says so and training stops.

    >>> from ad.nn import Linear, data
    >>> X, y = data.linear(n=50)
    >>> params, history = fit(Linear(1, 1), X, y, loss="mse", optimizer=optim.SGD(lr=0.3),
    ...                       epochs=30, progress=False)
    >>> W, b = params
    >>> round(float(W[0, 0]), 1), round(float(b[0]), 1)
    (2.0, 5.0)
    """
    step = make_step(model, loss, optimizer, strategy)  # checks them all before any work
    if not isinstance(epochs, (int, np.integer)) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
    X = as_inputs(X)
    n = X.shape[0]
    if n == 0:
        raise ValueError("no training examples (X has 0 rows)")
    size = _batch_size(batch_size, n)
    params = model.init(seed, dtype=X.dtype) if params is None else params
    Y = losses.targets(loss, y, _outputs(model, params, X[:1]).shape[1], X.dtype, n)
    state = step.optimizer.init(params)
    rng = np.random.default_rng([seed, 1])  # shuffling: a stream apart from the initialisation's
    history = History(strategy=strategy)
    bar = progress_bar(range(epochs), enabled=progress, desc=f"fit ({strategy})", unit="epoch", leave=False)
    try:
        for _ in bar:
            start = time.perf_counter()
            if size == n:
                params, state, epoch_loss = step(params, state, X, Y)
            else:
                order = rng.permutation(n) if shuffle else np.arange(n)
                total = 0.0
                for first in range(0, n, size):
                    rows = order[first:first + size]
                    params, state, value = step(params, state, X[rows], Y[rows])
                    total += value * len(rows)
                epoch_loss = total / n
            history.loss.append(epoch_loss)
            history.seconds.append(time.perf_counter() - start)
            bar.set_postfix(loss=f"{history.loss[-1]:.4g}", refresh=False)
            if not np.isfinite(history.loss[-1]):
                warnings.warn(f"the training loss became {history.loss[-1]} in epoch {len(history.loss)}: "
                              f"training stopped (try a smaller learning rate)", RuntimeWarning, stacklevel=2)
                break
    finally:
        bar.close()
    return params, history


def predict(model, params, X) -> np.ndarray:
    """Predicted classes: the index of the largest output, or for one output its sign as
    0/1 (a margin classifier, e.g. trained with the hinge loss).

    >>> from ad.nn import Linear
    >>> predict(Linear(2, 2), (np.eye(2), np.zeros(2)), np.array([[0.0, 1.0], [3.0, 1.0]]))
    array([1, 0])
    """
    return _classes(_outputs(model, params, X))


def _outputs(model, params, X) -> np.ndarray:
    out = np.asarray(model.apply(params, as_inputs(X)))
    if out.ndim != 2:
        raise ValueError(f"the model's outputs must be 2-D (examples, outputs), got shape {out.shape}")
    return out


def _classes(out: np.ndarray) -> np.ndarray:
    if out.shape[1] == 1:
        return (out[:, 0] > 0).astype(np.int64)
    return np.argmax(out, axis=1)


def accuracy(model, params, X, y) -> float:
    """The fraction of examples whose predicted class (`predict`) is the label in `y`
    (integer labels, one-hot rows, or for one output binary labels {0, 1} or {-1, +1}).

    >>> from ad.nn import Linear
    >>> accuracy(Linear(1, 1), (np.ones((1, 1)), np.zeros(1)), [[-2.0], [1.0], [3.0], [-1.0]], [0, 1, 0, 0])
    0.75
    """
    out = _outputs(model, params, X)
    predicted = _classes(out)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = np.argmax(y, axis=1)
    elif y.ndim == 2:
        y = y[:, 0]
    if y.shape != predicted.shape:
        raise ValueError(f"got {predicted.shape[0]} inputs but labels of shape {np.asarray(y).shape}")
    truth = (y > 0).astype(np.int64) if out.shape[1] == 1 else y
    return float(np.mean(predicted == truth))
