"""Small data sets for the examples and tests, made reproducibly from a seed.

Inputs are float64 arrays with one example per row; regression targets are columns (n, 1),
class labels are integer vectors (n,).  `digits` is a real data set: scikit-learn's bundled
8x8 handwritten digits, available when scikit-learn is installed.

>>> X, y = linear(n=5)
>>> X.shape, y.shape
((5, 1), (5, 1))
>>> X, labels = moons(n=6)
>>> X.shape, sorted(set(labels.tolist()))
((6, 2), [0, 1])
"""

from __future__ import annotations

import numpy as np

__all__ = ["linear", "nonlinear", "moons", "spirals", "digits", "split", "one_hot", "standardize"]


def _count(name: str, value, minimum: int = 1) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def linear(n: int = 100, w: float = 2.0, b: float = 5.0, noise: float = 0.1, seed: int = 0):
    """Linear data for a first regression: y = w x + b + noise with x ~ N(0, 1) (default y = 2x + 5).

    >>> X, y = linear(n=3, noise=0.0)
    >>> np.allclose(y, 2 * X + 5)
    True
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((_count("n", n), 1))
    return X, w * X + b + noise * rng.standard_normal((n, 1))


def target_function(x):
    """The function behind `nonlinear`: sin(2x) + x²/4, a wave on a parabola.

    >>> float(target_function(0.0))
    0.0
    """
    return np.sin(2.0 * x) + 0.25 * x * x


def nonlinear(n: int = 200, noise: float = 0.1, seed: int = 0, low: float = -3.0, high: float = 3.0):
    """A 1-D nonlinear regression: y = sin(2x) + x²/4 + noise, x uniform in [low, high].

    A straight line cannot follow it; a small ReLU network can.

    >>> X, y = nonlinear(n=4, noise=0.0)
    >>> np.allclose(y, target_function(X))
    True
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(low, high, (_count("n", n), 1))
    return X, target_function(X) + noise * rng.standard_normal((n, 1))


def moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles in the plane, labels 0 (upper) and 1 (lower), balanced.

    >>> X, y = moons(n=100, noise=0.0)
    >>> int(y.sum()), bool(np.all(X[y == 0, 1] >= -1e-12))
    (50, True)
    """
    rng = np.random.default_rng(seed)
    n = _count("n", n, 2)
    labels = np.arange(n) % 2
    angle = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    X = np.where(labels[:, None] == 0, upper, lower) + noise * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return X[order], labels[order]


def spirals(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """`classes` spiral arms around the origin, `n_per_class` points each, labels 0..classes-1.

    >>> X, y = spirals(n_per_class=10, classes=3)
    >>> X.shape, np.bincount(y).tolist()
    ((30, 2), [10, 10, 10])
    """
    rng = np.random.default_rng(seed)
    n_per_class, classes = _count("n_per_class", n_per_class), _count("classes", classes, 2)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)
    labels = np.repeat(np.arange(classes), n_per_class)
    angle = 4.0 * radius + labels * (2.0 * np.pi / classes) + noise * rng.standard_normal(radius.size)
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return X, labels


def digits(test_fraction: float = 0.25, seed: int = 0):
    """scikit-learn's bundled handwritten digits (1797 images of 8x8 pixels, 10 classes),
    pixels scaled to [0, 1], split into (X_train, y_train, X_test, y_test).

    Raises ImportError when scikit-learn is not installed (it is not a dependency of ad).

    >>> try:
    ...     X_train, y_train, X_test, y_test = digits()
    ... except ImportError:
    ...     X_train = np.zeros((1348, 64))  # the same shape, without scikit-learn
    >>> X_train.shape
    (1348, 64)
    """
    try:
        from sklearn.datasets import load_digits
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] != "sklearn":
            raise  # scikit-learn is there but broken: show why
        raise ImportError("ad.nn.data.digits needs scikit-learn (pip install scikit-learn); "
                          "it is optional and not a dependency of ad") from None
    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    return split(X, np.asarray(bunch.target, dtype=np.int64), test_fraction, seed)


def split(X, y, test_fraction: float = 0.25, seed: int = 0):
    """A random split into (X_train, y_train, X_test, y_test).

    >>> X_train, y_train, X_test, y_test = split(np.arange(8.0)[:, None], np.arange(8), 0.25)
    >>> len(X_train), len(X_test), sorted(y_train.tolist() + y_test.tolist()) == list(range(8))
    (6, 2, True)
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, int(round(test_fraction * len(X))))
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


def one_hot(labels, classes: int | None = None, dtype=np.float64) -> np.ndarray:
    """Rows of zeros with a one at each label.

    >>> one_hot([1, 0])
    array([[0., 1.],
           [1., 0.]])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be a 1-D array of integers, got shape {labels.shape}, dtype {labels.dtype}")
    classes = int(labels.max()) + 1 if classes is None else classes
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"labels must lie in 0..{classes - 1}")
    return np.eye(classes, dtype=dtype)[labels]


def standardize(X_train, *others):
    """Shift and scale columns to mean 0 and standard deviation 1, with the training set's
    statistics applied to the other sets too (constant columns are left unscaled).

    >>> A, B = standardize(np.array([[1.0], [3.0]]), np.array([[5.0]]))
    >>> A.ravel().tolist(), B.ravel().tolist()
    ([-1.0, 1.0], [3.0])
    """
    X_train = np.asarray(X_train, dtype=np.float64)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    out = [(X_train - mean) / std] + [(np.asarray(X, dtype=np.float64) - mean) / std for X in others]
    return out if others else out[0]
