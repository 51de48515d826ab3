"""Functions with the signatures and calls people write (issue 15, part A): defaults,
keyword-only parameters, *args, keyword arguments at calls, calls on any expression,
nested defs, lambdas, closures and functools.partial.  Each entry of CALLS is
(function, args, argnums), as in adsct_corpus.CORPUS, which includes them."""

import functools

import numpy as np


def scaled_sum(x, scale=2.0):
    return np.sum(x * scale) + np.sum(np.sin(x))


def penalised(x, *, weight=0.1, power=2):
    return np.sum(np.exp(x)) + weight * np.sum(x ** power)


def total_energy(*parts):
    energy = 0.0
    for part in parts:
        energy = energy + np.sum(part ** 2) / 2
    return energy


def smooth_abs(x, eps=1e-3, power=1.0):
    return (x * x + eps) ** (0.5 * power)


def keyword_calls(x):
    return np.sum(smooth_abs(x, power=3.0)) + np.sum(smooth_abs(eps=0.1, x=np.cos(x)))


def mix(a, b, weight=0.5):
    return weight * a + (1 - weight) * b


def spread_arguments(x):
    pair = (x, np.cos(x))
    options = {"weight": 0.3}
    return np.sum(mix(*pair, weight=0.25)) + np.sum(mix(x, x ** 2, **options))


def methods_of_expressions(x):
    grid = np.arange(6.0).reshape(3, 2)
    rows = x.reshape(3, 2)
    return np.sum(grid * rows) + (x * 2).reshape(-1).sum() + rows.sum(axis=0).sum()


def nested_def(x):
    def softplus(t):
        return np.log(1.0 + np.exp(t))

    return np.sum(softplus(x) + softplus(-2.0 * x))


def lambdas(x):
    cube = lambda t: t ** 3  # noqa: E731 (people write this)
    return np.sum(cube(x)) + (lambda t, k=2.0: k * t)(np.sum(x))


def closure_reads_late(x):
    a = 2.0

    def scaled(t):
        return a * t

    first = scaled(x)
    a = np.sin(x)  # a closure reads the variable when it is called
    return np.sum(first + scaled(x))


def apply_twice(g, v):
    return g(g(v))


def passes_a_function(x):
    return np.sum(apply_twice(lambda t: np.tanh(t) * 2.0, x))


def partial_inside(x):
    rough = functools.partial(smooth_abs, eps=0.01)
    times_x = functools.partial(lambda a, b: a * b, x)
    return np.sum(rough(x)) + np.sum(times_x(np.cos(x)))


def make_scaler(k):
    def scale(t):
        return k * t

    return scale


def closure_factory(x):
    triple = make_scaler(3.0)
    by_x = make_scaler(x)
    return np.sum(triple(x) * by_x(np.exp(x)))


def frees_memory(x, w):
    """`del` of a large intermediate, as memory-conscious NumPy code does."""
    hidden = np.tanh(np.outer(x, w))
    pooled = hidden.sum(axis=1)
    del hidden
    hidden = pooled * 2.0   # the name again, for a new value
    return np.sum(hidden ** 2) + np.sum(w)


def _vector(n, seed=0):
    return np.random.default_rng(seed).uniform(0.2, 0.9, n)


CALLS = [
    (scaled_sum, (_vector(6),), 0),
    (scaled_sum, (_vector(6), 3.0), (0, 1)),
    (penalised, (_vector(4),), 0),
    (total_energy, (_vector(3), _vector(4, seed=1)), (0, 1)),
    (total_energy, (_vector(3), 0.7, _vector(2, seed=2)), (0, 1, 2)),
    (keyword_calls, (_vector(5),), 0),
    (spread_arguments, (_vector(4),), 0),
    (methods_of_expressions, (_vector(6),), 0),
    (nested_def, (_vector(5),), 0),
    (lambdas, (_vector(5),), 0),
    (closure_reads_late, (_vector(5),), 0),
    (passes_a_function, (_vector(5),), 0),
    (partial_inside, (_vector(5),), 0),
    (closure_factory, (_vector(5),), 0),
    (frees_memory, (_vector(4), _vector(3, seed=1)), (0, 1)),
]
