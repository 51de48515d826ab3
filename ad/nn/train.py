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

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .. import strategies, tree
from . import losses, optim
from .codegen import loss_function
from .progress import progress_bar

__all__ = ["History", "NonFiniteError", "fit", "make_step", "predict", "accuracy", "as_inputs"]


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


class NonFiniteError(FloatingPointError):
    """Training met a NaN or an infinity and stopped before it reached the parameters.

    `source` says where: "data" (the inputs or targets), "loss" (the loss of a batch),
    "gradient" or "update" (the step would have made a parameter non-finite).  `params`
    are the last finite parameters (those the failing step started from), `history` what
    `fit` measured until then, `epoch` and `batch` (counted from 1) where it happened.

    >>> error = NonFiniteError("the loss became nan", source="loss", params=(np.ones(1),))
    >>> error.source, error.params
    ('loss', (array([1.]),))
    """

    def __init__(self, message: str, *, source: str, params=None, history=None, epoch=None, batch=None):
        super().__init__(message)
        self.source, self.params, self.history, self.epoch, self.batch = source, params, history, epoch, batch


def _all_finite(leaves) -> bool:
    return all(np.isfinite(leaf).all() for leaf in leaves)


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
    A step whose loss is not finite, or that would make a parameter non-finite, raises
    `NonFiniteError` instead (its `params` are the ones the step was given).

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
        value = float(value)
        if not math.isfinite(value):
            raise NonFiniteError(f"the loss became {value}", source="loss", params=params)
        new_params, new_state = update(params, grads, state)
        if not _all_finite(tree.leaves(new_params)):  # (one check per step; the cause only when it fails)
            source = "update" if _all_finite(tree.leaves(grads)) else "gradient"
            raise NonFiniteError(f"the {source} of a parameter became non-finite (the loss was {value:.6g})",
                                 source=source, params=params)
        return new_params, new_state, value

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
    step), `history.seconds[k]` the epoch's wall time.

    NaN or infinite inputs or targets, or a step whose loss, gradient or update is not
    finite, raise `NonFiniteError` naming the row, or the epoch and batch, and the source;
    the error carries the last finite parameters (`error.params`) and the history so far.

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
    _check_data(X, "the inputs X", params)
    _check_data(Y, "the targets y", params)
    state = step.optimizer.init(params)
    rng = np.random.default_rng([seed, 1])  # shuffling: a stream apart from the initialisation's
    history = History(strategy=strategy)
    bar = progress_bar(range(epochs), enabled=progress, desc=f"fit ({strategy})", unit="epoch", leave=False)
    try:
        for _ in bar:
            start = time.perf_counter()
            batch = 1
            try:
                if size == n:
                    params, state, epoch_loss = step(params, state, X, Y)
                else:
                    order = rng.permutation(n) if shuffle else np.arange(n)
                    total = 0.0
                    for batch, first in enumerate(range(0, n, size), start=1):
                        rows = order[first:first + size]
                        params, state, value = step(params, state, X[rows], Y[rows])
                        total += value * len(rows)
                    epoch_loss = total / n
            except NonFiniteError as error:
                epoch = len(history.loss) + 1
                batches = -(-n // size)
                raise NonFiniteError(
                    f"training stopped in epoch {epoch}, batch {batch} of {batches}: {error} (try a smaller learning "
                    f"rate); error.params holds the last finite parameters", source=error.source,
                    params=error.params, history=history, epoch=epoch, batch=batch) from None
            history.loss.append(epoch_loss)
            history.seconds.append(time.perf_counter() - start)
            bar.set_postfix(loss=f"{history.loss[-1]:.4g}", refresh=False)
    finally:
        bar.close()
    return params, history


def _check_data(values: np.ndarray, what: str, params) -> None:
    """Refuse NaN or infinite training data at once, naming its first bad row."""
    finite = np.isfinite(values)
    if not finite.all():
        row = int(np.argmin(finite.reshape(len(values), -1).all(axis=1)))
        raise NonFiniteError(f"{what} contain a non-finite value ({values[row][~finite[row]].flat[0]}) in row {row}: "
                             f"training would give NaN parameters; no step was taken", source="data", params=params)


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
