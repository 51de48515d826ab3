"""Functions that build and read Python lists, as people write them with NumPy (issue 15,
lists and builtins).  Each entry of LIST_CORPUS is (function, args); test_adsct_lists.py
checks every one in reverse mode, forward mode and at second order."""

import numpy as np


def append_in_a_loop(x):
    out = []
    for i in range(3):
        out.append(x[i] * i)
    return sum(out)


def squares_by_comprehension(x):
    return sum([v ** 2 for v in x])


def filtered_generator(x):
    return sum(np.sin(x[i]) * i for i in range(len(x)) if i % 2 == 0)


def stacked_comprehension(x):
    layers = np.stack([x * k for k in range(1, 4)])
    return np.sum(layers ** 2)


def array_of_items(x):
    return np.sum(np.array([x[0], x[1] * 2]) ** 2)


def builtins_on_values(x):
    return max(x[0], x[1]) + abs(x[2]) + float(len(x)) * min(x[3], x[4], x[5]) + round(x[0] * 0.0 + 2.6)


def pop_the_last(x):
    ys = [x, x * 2]
    a = ys.pop()
    return np.sum(a * ys[0])


def queue_of_values(x):
    queue = [x[0], x[1]]
    total = 0.0
    for i in range(2, 5):
        first = queue.pop(0)
        total = total + first * queue[0]
        queue.append(np.tanh(x[i] + first))
    return total + sum(queue)


def extend_then_index(x):
    ys = []
    ys.extend([x, x * 2])
    ys.extend(ys)
    return np.sum(ys[1] * ys[2] + ys[-1])


def indexed_by_a_loop_variable(x):
    weights = [x, 2 * x, x ** 2]
    s = 0.0
    for i in range(3):
        s = s + np.sum(weights[i] * (i + 1))
    return s


def rows_then_items(a):
    return sum(sum(v * v for v in row) for row in a)


def running_maximum_of_products(x):
    return max([x[i] * x[i + 1] for i in range(len(x) - 1)])


def comprehension_variable_does_not_leak(x):
    v = 2.0
    s = sum([v * v for v in x])
    return s * v


def grown_in_a_while_loop(x):
    values = [x[0]]
    while len(values) < 4:
        values.append(np.cos(values[-1]) * x[1])
    return np.sum(np.stack(values))


def _rows(seed, *shape):
    return np.random.default_rng(seed).uniform(0.2, 0.9, shape)


LIST_CORPUS = [
    (append_in_a_loop, (_rows(0, 5),)),
    (squares_by_comprehension, (_rows(1, 4),)),
    (filtered_generator, (_rows(2, 6),)),
    (stacked_comprehension, (_rows(3, 3),)),
    (array_of_items, (_rows(4, 3),)),
    (builtins_on_values, (np.array([0.3, 0.7, -0.2, 0.9, 0.4, 0.6]),)),
    (pop_the_last, (_rows(5, 3),)),
    (queue_of_values, (_rows(6, 5),)),
    (extend_then_index, (_rows(7, 2),)),
    (indexed_by_a_loop_variable, (_rows(8, 3),)),
    (rows_then_items, (_rows(9, 3, 2),)),
    (running_maximum_of_products, (np.array([0.3, 0.9, 0.8, 0.2]),)),
    (comprehension_variable_does_not_leak, (_rows(10, 3),)),
    (grown_in_a_while_loop, (_rows(11, 2),)),
]
