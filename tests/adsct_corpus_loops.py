"""Loops and small statements written the way people write NumPy code (issue 15, part B).

Each entry of LOOPS is (function, args, argnums), as in adsct_corpus.CORPUS (which includes
them); test_adsct_loops.py checks them in reverse and forward mode and at second order.
"""

import numpy as np

WEIGHTS = [0.5, 1.0, 2.0]  # module-level constants the loops walk
PENALTIES = {"l1": 0.1, "l2": 0.5}


def sum_of_row_norms(X):
    total = 0.0
    for row in X:
        total = total + np.sqrt(np.sum(row ** 2))
    return total


def rows_of_a_reshaped_array(x):
    s = 0.0
    for row in x.reshape(3, 2):
        s = s + np.sum(row ** 2) * row[0]
    return s


def position_weighted(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + (i + 1) * v ** 2
    return s


def harmonic_weights(x):
    s = 0.0
    for k, v in enumerate(x, 1):
        s += np.sin(v) / k
    return s


def dot_by_hand(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b
    return s


def total_variation(x):
    tv = 0.0
    for previous, current in zip(x, x[1:]):
        tv = tv + (current - previous) ** 2
    return tv


def horner(coefficients, t):
    value = 0.0
    for c in reversed(coefficients):
        value = value * t + c
    return value


def countdown_positions(x):
    s = 0.0
    for i, v in enumerate(reversed(x)):
        s = s * 0.5 + i * v
    return s


def odd_pairs(x):
    s = 0.0
    for i in range(1, len(x), 2):
        s = s + x[i] * x[i - 1]
    return s


def pairs_with_positions(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, y)):
        s = s + i * np.exp(a) * b
    return s


def layers_of_a_tuple(x, W1, W2):
    h = x
    for W in (W1, W2):
        h = np.tanh(W @ h)
    return np.sum(h)


def dict_built_inside(x):
    coefficients = {"square": 2.0, "cube": -0.5}
    s = 0.0
    for name, c in coefficients.items():
        if name == "square":
            s = s + c * np.sum(x ** 2)
        else:
            s = s + c * np.sum(x ** 3)
    for c in coefficients.values():
        s = s + c
    for name in coefficients:
        s = s * 1.5
    return s


def penalised_by_module_dict(x):
    loss = np.sum((x - 1.0) ** 2)
    for name, w in PENALTIES.items():
        if name == "l1":
            loss = loss + w * np.sum(np.abs(x))
        else:
            loss = loss + w * np.sum(x ** 2)
    return loss


def weights_from_module_list(x):
    s = 0.0
    for i, w in enumerate(WEIGHTS):
        s = s + w * x[i] ** 2
    for w, v in zip(WEIGHTS, x):
        s = s + w * np.cos(v)
    return s


def points_as_pairs(P):
    s = 0.0
    for px, py in P:
        s = s + np.sqrt(px ** 2 + py ** 2)
    return s


def nested_rows_with_break(X):
    s = 0.0
    for row in X:
        for v in row:
            if v > 1.0:
                break
            s = s + v ** 2
    return s


def loop_rebinds_what_it_walks(x):
    for v in x:
        x = x * v
    return np.sum(x)


def shape_unpacked(X):
    rows, cols = X.shape
    assert cols == 3, f"need 3 columns, got {cols}"
    s = 0.0
    for i in range(rows):
        s = s + np.sum(X[i] ** 2) / cols
    return s


def checked_log(x):
    if np.any(x <= 0):
        raise ValueError(f"log of {np.sum(x <= 0)} non-positive values")
    return np.sum(np.log(x))


def clipped_by_chained_comparison(x):
    s = 0.0
    for v in x:
        if 0.0 < v < 1.0:
            s = s + v ** 2
        else:
            s = s + v
    return s


def small_statements(x):
    total: float = 0.0
    a = b = np.sum(x)
    if x.ndim == 1:
        pass
    params = dict(scale=2.0 * x, shift=x ** 2)
    total = total + a * b + np.sum(params["scale"] * params["shift"])
    return total


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


LOOPS = [
    (sum_of_row_norms, (_normal(3, 4),), 0),
    (rows_of_a_reshaped_array, (_normal(6),), 0),
    (position_weighted, (_normal(5),), 0),
    (harmonic_weights, (_normal(4),), 0),
    (dot_by_hand, (_normal(4), _normal(4, seed=1)), (0, 1)),
    (total_variation, (_normal(5),), 0),
    (horner, (_normal(4), 0.7), (0, 1)),
    (countdown_positions, (_normal(4),), 0),
    (odd_pairs, (_normal(6),), 0),
    (pairs_with_positions, (_normal(3), _normal(3, seed=1)), (0, 1)),
    (layers_of_a_tuple, (_normal(3), _normal(3, 3, seed=1), _normal(2, 3, seed=2)), (0, 1, 2)),
    (dict_built_inside, (_normal(3),), 0),
    (penalised_by_module_dict, (_normal(3),), 0),
    (weights_from_module_list, (_normal(3),), 0),
    (points_as_pairs, (_normal(4, 2),), 0),
    (nested_rows_with_break, (_normal(3, 4),), 0),
    (loop_rebinds_what_it_walks, (np.array([0.9, 1.1, 0.8]),), 0),
    (shape_unpacked, (_normal(2, 3),), 0),
    (checked_log, (np.array([0.5, 1.5, 2.0]),), 0),
    (clipped_by_chained_comparison, (np.array([0.3, 1.7, -0.4, 0.8]),), 0),
    (small_statements, (_normal(3),), 0),
]


def _row_energy(X):
    e = 0.0
    for i, row in enumerate(X):
        e = e + (i + 1.0) * np.sum(row ** 2)
    return e


def loop_in_a_called_function(X, w):
    return _row_energy(X * w) + w ** 2


def break_in_an_unrolled_loop(x, y):
    s = 0.0
    for v in (x, y, x * y):
        if np.sum(s) > 2.0:
            break
        s = s + v ** 2
    return np.sum(s)


def zip_of_a_tuple_and_an_array(x, y):
    s = 0.0
    for scale, v in zip((x, y), x):
        s = s + np.sum(scale * v)
    return s


def continue_in_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        if a < 0.0:
            continue
        s = s + a * np.sin(b)
    return s


def break_in_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        if i >= 3:
            break
        s = s + v ** 2 / (i + 1)
    return s


def nested_enumerate_of_rows(X):
    s = 0.0
    for i, row in enumerate(X):
        for j, v in enumerate(row):
            s = s + (i - j) * v ** 2
    return s


def loop_over_a_dict_argument(params, x):
    s = 0.0
    for name, p in params.items():
        s = s + np.sum(p * x) ** 2
    for p in params.values():
        s = s + np.sum(p)
    return s


LOOPS += [
    (loop_in_a_called_function, (_normal(3, 2), 0.7), (0, 1)),
    (break_in_an_unrolled_loop, (_normal(3), _normal(3, seed=1)), (0, 1)),
    (break_in_an_unrolled_loop, (0.3 * _normal(3), 0.2 * _normal(3, seed=1)), (0, 1)),
    (zip_of_a_tuple_and_an_array, (_normal(3), _normal(3, seed=1)), (0, 1)),
    (continue_in_zip, (_normal(5), _normal(5, seed=1)), (0, 1)),
    (break_in_enumerate, (_normal(5),), 0),
    (nested_enumerate_of_rows, (_normal(3, 2),), 0),
    (loop_over_a_dict_argument, ({"a": _normal(3), "b": _normal(3, seed=1)}, _normal(3, seed=2)), (0, 1)),
]
