"""Losses of a batch of model outputs against targets, and the targets each one expects.

Each loss is a plain function `loss(outputs, Y)` written with `ad.ops` calls, so every
strategy can differentiate it (adsct inlines it into the generated training loss).  `Y` has
the shape of `outputs`; `targets` turns what a user has (integer labels, a column or a flat
vector of values) into that form, with a clear error when it cannot.  (adsct inlines them where a function of yours calls
them; `ad.nn.loss_function` copies them into the code it generates, so its text reads as one
piece.)

>>> logits = np.array([[2.0, 0.0], [0.0, 2.0]])
>>> round(float(cross_entropy(logits, targets("cross_entropy", [0, 1], 2))), 6)
0.126928
"""

from __future__ import annotations

import numpy as np

from .. import ops

__all__ = ["mse", "cross_entropy", "hinge", "LOSSES", "get", "targets"]


def mse(outputs, Y):
    """Mean squared error over all entries.

    >>> float(mse(np.array([[1.0], [3.0]]), np.array([[0.0], [3.0]])))
    0.5
    """
    return ops.mean(ops.square(ops.sub(outputs, Y)))


def cross_entropy(logits, Y):
    """Softmax cross-entropy of logits (one row per example) against one-hot (or probability)
    rows Y, averaged over the batch; stable for large logits (log-sum-exp, no exp overflow).

    >>> round(float(cross_entropy(np.array([[1000.0, 1000.0]]), np.array([[1.0, 0.0]]))), 6)
    0.693147
    """
    log_probs = ops.sub(logits, ops.logsumexp(logits, axis=1, keepdims=True))
    return ops.div(ops.neg(ops.sum(ops.mul(Y, log_probs))), Y.shape[0])


def hinge(outputs, Y):
    """Hinge loss mean(max(0, 1 - Y * outputs)) with targets Y in {-1, +1}: the margin loss
    of a binary classifier with one output (several outputs: one-versus-rest).

    >>> float(hinge(np.array([[2.0], [0.5]]), np.array([[1.0], [1.0]])))
    0.25
    """
    return ops.mean(ops.relu(ops.sub(1.0, ops.mul(Y, outputs))))


LOSSES = {"mse": mse, "cross_entropy": cross_entropy, "hinge": hinge}


def get(loss):
    """The loss function for a name in `LOSSES`, or `loss` itself when it is callable.

    >>> get("mse") is mse
    True
    >>> get("l2")
    Traceback (most recent call last):
    ...
    ValueError: unknown loss 'l2'; choose one of ['cross_entropy', 'hinge', 'mse'] or pass a function loss(outputs, Y)
    """
    if callable(loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]
    raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)} or pass a function loss(outputs, Y)")


def _labels(y: np.ndarray, classes: int) -> np.ndarray:
    """Integer class labels in range(classes), checked."""
    if y.ndim != 1:
        raise ValueError(f"class labels must be a 1-D array of integers, got shape {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(y == np.round(y)):
            raise ValueError("class labels must be integers; for one-hot targets pass a 2-D array")
        y = y.astype(np.int64)
    elif y.dtype.kind not in "iub":
        raise ValueError(f"class labels must be integers, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"class labels must lie in 0..{classes - 1} (the model has {classes} outputs), "
                         f"got labels from {y.min()} to {y.max()}")
    return y.astype(np.int64)


def _signs(y: np.ndarray) -> np.ndarray:
    """Binary labels {0, 1} or {-1, +1} as -1.0/+1.0."""
    values = set(np.unique(y).tolist())
    if values <= {0, 1}:
        return np.where(y == 1, 1.0, -1.0)
    if values <= {-1, 1}:
        return y.astype(np.float64)
    raise ValueError(f"hinge loss with one output takes binary labels, {{0, 1}} or {{-1, +1}}; "
                     f"got values {sorted(values)[:5]}")


def targets(loss, y, outputs: int, dtype=np.float64, n: int | None = None) -> np.ndarray:
    """The target array `Y` that `loss` compares with outputs of width `outputs`.

    - cross_entropy: integer labels (n,) become one-hot rows; one-hot or probability rows
      (n, outputs) are taken as they are;
    - mse: a flat vector (n,) becomes a column when the model has one output; otherwise the
      shape must be (n, outputs);
    - hinge: one output: labels {0, 1} or {-1, +1} become a column of -1/+1; several outputs:
      integer labels become rows of -1 with +1 at the label (one-versus-rest);
    - a callable loss gets `y` as it is (floating values cast to `dtype`).

    >>> targets("cross_entropy", [2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    >>> targets("hinge", [0, 1], 1).ravel()
    array([-1.,  1.])
    >>> targets("mse", [[1.0, 2.0]], 1)
    Traceback (most recent call last):
    ...
    ValueError: mse targets must have shape (n, 1) (or (n,)) to match the model's outputs, got (1, 2)
    """
    name = loss if isinstance(loss, str) else None
    get(loss)  # unknown names fail here
    y = np.asarray(y)
    if n is not None and (y.ndim == 0 or y.shape[0] != n):
        raise ValueError(f"got {n} inputs but targets of shape {y.shape}: one target per input row")
    if name is None:
        return y.astype(dtype) if y.dtype.kind == "f" else y
    if name == "cross_entropy":
        if y.ndim == 2:
            if y.shape[1] != outputs:
                raise ValueError(f"one-hot targets must have {outputs} columns (the model's outputs), "
                                 f"got shape {y.shape}")
            return y.astype(dtype)
        labels = _labels(y, outputs)
        return np.eye(outputs, dtype=dtype)[labels]
    if name == "hinge":
        if outputs == 1:
            column = y.reshape(-1, 1) if y.ndim == 1 else y
            if column.ndim != 2 or column.shape[1] != 1:
                raise ValueError(f"hinge targets for one output must have shape (n,) or (n, 1), got {y.shape}")
            return _signs(column).astype(dtype)
        if y.ndim == 2 and y.shape[1] == outputs:
            return _signs(y).astype(dtype)
        labels = _labels(y, outputs)
        return (2.0 * np.eye(outputs)[labels] - 1.0).astype(dtype)
    # mse
    if y.ndim == 1 and outputs == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != outputs:
        raise ValueError(f"mse targets must have shape (n, {outputs})"
                         f"{' (or (n,))' if outputs == 1 else ''} to match the model's outputs, got {y.shape}")
    if y.dtype.kind not in "fiub":
        raise ValueError(f"mse targets must be numbers, got dtype {y.dtype}")
    return y.astype(dtype)
