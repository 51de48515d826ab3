"""Functions for the source transformer, each with arguments to differentiate at.

Each entry of CORPUS is (function, args, argnums).  They are checked against adoo and
finite differences in test_adsct.py; the functions are in a file so that `inspect` can read
their source.
"""

import math

import numpy as np

from ad import ops
from ad.bench.workloads import mlp_loss_numpy as mlp_loss  # the benchmark's loss, as users write it

SCALE = 0.5  # a module-level constant


def running_example(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def with_docstring_and_comments(x):
    """A docstring is skipped."""
    # a comment
    y = x * x  # another
    return y + 1.0


def reassigned(x):
    y = x * 2.0
    y = y * y
    y = y - x
    return y


def augmented(x, y):
    z = x
    z += y
    z *= x
    z -= 1.0
    z /= y
    z **= 2
    return z


def tuple_assignment(x, y):
    a, b = x * y, x + y
    a, b = b, a
    return a / b


def all_operators(x, y):
    return (x + y) * (x - y) / (y ** 2) + (-x) ** 3 + (+y)


def reflected_constants(x):
    return 2.0 - x + 3.0 / x + 2.0 ** x + 1.0 * x


def module_constant_and_math_constant(x):
    return SCALE * x * np.pi + math.e


def numpy_functions(x):
    return np.sum(np.exp(x) + np.tanh(x) + np.sqrt(x) + np.log1p(x) + np.arctan(x) + np.abs(x))


def registry_functions(x, y):
    return np.sum(ops.sigmoid(x) * ops.softplus(y) + ops.relu(x - 0.3))


def keyword_arguments(x):
    return np.sum(np.exp(x), axis=1, keepdims=True).sum()


def methods(x):
    return x.sum(axis=0).mean() + x.max() + x.T.dot(x).prod() * 0.01 + x.reshape(6).min()


def attributes_and_shapes(x):
    n = x.shape[0]
    return np.sum(x * x) / n + x.size + x.ndim


def matrix_products(A, x):
    return x @ A @ x + np.dot(A, x).sum() + np.matmul(A.T, x)[0]


def broadcasting(x, b):
    return np.sum((x + b) / (b * b) ** 1.5)


def subscripts_and_slices(x):
    return x[0, 1] * x[1, :].sum() + x[:, ::-1][0, 0] + x[..., 1].prod()


def fancy_index(x):
    return np.sum(x[np.array([0, 2, 2])] ** 2)


def concatenate_and_stack(x, y):
    z = np.concatenate([x, y * 2.0], axis=0)
    w = np.stack([x, y], axis=1)
    return np.sum(z ** 2) + np.sum(w[:, 0] * w[:, 1])


def reductions(x):
    return np.max(x, axis=1).sum() + np.min(x) + np.mean(x, axis=0).prod() + ops.logsumexp(x, axis=1).sum()


def softmax_cross_entropy(z, y):
    log_probs = ops.log_softmax(z, axis=1)
    return -np.sum(y * log_probs) / z.shape[0]


def where_and_comparisons(x):
    return np.sum(np.where(x > 0.0, x * x, -x))


def maximum_minimum_clip(x, y):
    return np.sum(np.maximum(x, y) + np.minimum(x, 0.5) + np.clip(x, -0.5, 0.5))


def expand_squeeze_reshape(x):
    y = np.expand_dims(x, 0)
    z = np.squeeze(y, 0)
    return np.sum(np.reshape(z, (3, 2)) * np.transpose(x).reshape(3, 2))


def unused_argument(x, y):
    return x * 3.0


def constant_output(x):
    return 4.0


def argument_passthrough(x):
    return x


def square_scaled(x):
    y = x * x
    return y * SCALE


def softplus_sum(v):
    return np.sum(np.log1p(np.exp(v)))


def calls_user_functions(x, y):
    y = square_scaled(y) + softplus_sum(x)  # a caller's name reused inside the callees
    return np.sum(square_scaled(x) * y) + softplus_sum(x * y)


def branch(x, y):
    if x > y:
        z = x * y
    else:
        z = x - y
    return z * z


def if_without_else(x):
    y = x * 2.0
    if y > 1.0:
        y = np.sin(y)
    return y * x


def if_elif_else(x):
    if x < -1.0:
        y = -x
    elif x < 1.0:
        y = x * x
    else:
        y = np.log(x) + 1.0
    return y


def for_range(x, n):
    y = x
    for i in range(n):
        y = y * x + np.sin(y)
    return y


def for_over_constants(x):
    y = x
    for c in [1.0, 2.0, 3.0]:
        y = y * c + x
    return y


def loop_index(x):
    total = 0.0
    for i in range(3):
        total = total + x[i] * x[i + 1]
    return total


def while_value(x):
    y = x
    while y < 10.0:
        y = y * 2.0 + x
    return y


def while_counter(x):
    k = 0
    while k < 3:
        x = np.sin(x) + x
        k = k + 1
    return np.sum(x)


def branch_in_loop(x, W):
    h = x
    for k in range(3):
        if k % 2 == 0:
            h = np.tanh(W @ h)
        else:
            h = h * 0.5 + x
    return np.sum(h ** 2)


def loop_calls_user_function(x):
    y = x
    for i in range(2):
        y = square_scaled(y) + x
    return y


def conditional_expression(x, y):
    z = x * y if x > y else np.exp(x - y)
    return z + (x if y > 0.0 else 2.0)


def math_functions(x):
    return math.sin(x) * math.exp(-x) + math.sqrt(x) + math.log(x) + math.tanh(x) + math.atan(x)


def make_scaled(k):
    def scaled(x):
        return x * k + np.sin(x * k)
    return scaled


closure = make_scaled(1.7)


def dict_argument(p, x):
    return np.sum(np.tanh(p["w"] @ x + p["b"]) ** 2)


def list_argument(layers, x):
    w1, w2 = layers
    return np.sum((x @ w1) @ w2)


def nested_loops(x):
    y = x
    for i in range(2):
        for j in range(2):
            y = y * x + (i + j) * 0.1
    return y


def loop_over_rows(A, v):
    total = 0.0
    for i in range(A.shape[0]):
        total = total + np.dot(A[i], v) ** 2
    return total


def loop_over_constant_array(x):
    y = x
    for c in np.array([0.5, 1.5]):
        y = np.sin(y) * c + y
    return y


def running_sum_in_loop(x):
    s = x * 0.0
    for i in range(4):
        s += x ** (i + 1) / (i + 1)
    return s


def while_with_active_update(x):
    y = x
    n = 0
    while n < 5 and y < 100.0:
        y = y * y + 1.0
        n = n + 1
    return y


def softmax_and_friends(z):
    p = ops.softmax(z, axis=-1)
    return np.sum(p * ops.log_softmax(z, axis=-1)) + np.sum(ops.logsumexp(z, axis=0))


def abs_sqrt_power(x):
    return np.sum(np.abs(x) ** 1.5 + np.sqrt(np.abs(x) + 1.0))


def division_by_arrays(x, y):
    return np.sum(x / y - y / (x * x + 1.0))


def matmul_chain(A, B, C):
    return np.sum(A @ B @ C)


def negative_indices_and_steps(x):
    return x[-1] * x[-2] + np.sum(x[::2]) - np.sum(x[1::2] ** 2)


def min_max_mean(x):
    return np.max(x) - np.min(x) + np.mean(x ** 2) + x.max(axis=0).sum() * x.min(axis=1).mean()


def expand_and_stack(x):
    a = np.expand_dims(x, 1)
    b = np.concatenate([a, a * 2.0], axis=1)
    c = np.stack([x, x ** 2, x ** 3], axis=0)
    return np.sum(b) + np.sum(c[1] * c[2])


def clip_where(x):
    return np.sum(np.clip(x, -0.5, 0.5) * np.where(x > 0.2, x, 0.0))


def sigmoid_tanh_relu(x):
    return np.sum(ops.sigmoid(x) * np.tanh(x) + ops.relu(x) + ops.softplus(-x))


def keepdims_broadcast(x):
    centred = x - np.mean(x, axis=1, keepdims=True)
    return np.sum(centred ** 2 / (np.sum(x * x, axis=1, keepdims=True) + 1.0))


def trig_chain(x):
    return np.sin(np.cos(np.tan(x))) + np.arcsin(x / 2.0) + np.arccos(x / 3.0) + np.sinh(x) - np.cosh(x)


def exp_log_chain(x):
    return np.sum(np.log2(np.exp(x) + 1.0) + np.log10(x * x + 1.0) + np.expm1(x) - np.log1p(np.abs(x)))


def _rng(seed):
    return np.random.default_rng(seed)


def _positive(*shape, seed=0):
    return _rng(seed).uniform(0.5, 2.0, shape)


def _normal(*shape, seed=0):
    return _rng(seed).standard_normal(shape)


_halve = lambda v: 0.5 * v  # noqa: E731 (a lambda helper, inlined like a def)


def calls_a_lambda(x):
    return np.sum(_halve(x) * np.sin(x))


# -- break, continue and early returns (rewritten into flags) ----------------------------------

def loop_with_break(x):
    y = x
    for i in range(5):
        if np.sum(y) > 3.0:
            break
        y = y * x + 0.5
    return np.sum(y)
def loop_with_continue(x):
    y = 0.0
    for i in range(4):
        if i == 2:
            continue
        y = y + np.sin(x * i)
    return np.sum(y)
def early_return(x):
    if np.sum(x) > 0:
        return np.sum(x * x)
    return np.sum(np.sin(x))
def while_with_break(x):
    k = 0
    y = x
    while k < 10:
        y = y * 1.5
        if np.sum(y) > 4.0:
            break
        k = k + 1
    return np.sum(y * x)
def return_inside_loop(x):
    y = x
    for i in range(6):
        y = y * x
        if np.sum(y) < 0.1:
            return np.sum(y) * 2.0
    return np.sum(y)
def nested_loops_with_jumps(x):
    y = x
    for i in range(3):
        for j in range(3):
            if j > i:
                break
            y = y * 0.9 + x
        if i == 1:
            continue
        y = y + 0.1 * x
    return np.sum(y)


def loop_over_list_argument(p):
    s = 0.0
    for w in p:  # a list of arrays: unrolled, one copy of the body per item
        s = s + np.sum(w * w)
        if np.sum(w) > 2.5:
            break
    return s


def returns_through_a_tuple(x):
    pair = (np.sin(x), x * x)
    a, b = pair
    return np.sum(a * b)


CORPUS = [
    (running_example, (2.0, 5.0), (0, 1)),
    (with_docstring_and_comments, (1.5,), 0),
    (reassigned, (0.7,), 0),
    (augmented, (1.3, 0.8), (0, 1)),
    (tuple_assignment, (1.3, 0.8), (0, 1)),
    (all_operators, (1.3, 0.8), (0, 1)),
    (reflected_constants, (0.9,), 0),
    (module_constant_and_math_constant, (0.9,), 0),
    (numpy_functions, (_positive(3),), 0),
    (registry_functions, (_normal(3), _normal(3, seed=1)), (0, 1)),
    (keyword_arguments, (_normal(2, 3),), 0),
    (methods, (_normal(2, 3) + 3.0,), 0),
    (attributes_and_shapes, (_normal(2, 3),), 0),
    (matrix_products, (_normal(3, 3), _normal(3, seed=1)), (0, 1)),
    (broadcasting, (_normal(2, 3), _positive(3, seed=1)), (0, 1)),
    (subscripts_and_slices, (_normal(2, 3),), 0),
    (fancy_index, (_normal(3),), 0),
    (concatenate_and_stack, (_normal(3), _normal(3, seed=1)), (0, 1)),
    (reductions, (_normal(2, 3),), 0),
    (softmax_cross_entropy, (_normal(4, 3), np.eye(3)[[0, 2, 1, 1]]), 0),
    (where_and_comparisons, (_normal(5),), 0),
    (maximum_minimum_clip, (_normal(5), _normal(5, seed=1)), (0, 1)),
    (expand_squeeze_reshape, (_normal(2, 3),), 0),
    (unused_argument, (0.5, 0.7), (0, 1)),
    (constant_output, (0.5,), 0),
    (argument_passthrough, (0.5,), 0),
    (calls_user_functions, (_normal(3), 0.7), (0, 1)),
    (branch, (1.5, 0.5), (0, 1)),
    (branch, (0.5, 1.5), (0, 1)),
    (if_without_else, (0.3,), 0),
    (if_without_else, (0.8,), 0),
    (if_elif_else, (-1.5,), 0),
    (if_elif_else, (0.5,), 0),
    (if_elif_else, (2.5,), 0),
    (for_range, (0.7, 4), 0),
    (for_over_constants, (0.4,), 0),
    (loop_index, (_normal(4),), 0),
    (while_value, (0.7,), 0),
    (while_counter, (_normal(2),), 0),
    (branch_in_loop, (np.array([0.3, -0.2]), np.array([[0.5, 0.1], [-0.3, 0.8]])), (0, 1)),
    (loop_calls_user_function, (0.6,), 0),
    (conditional_expression, (1.5, 0.5), (0, 1)),
    (conditional_expression, (0.5, -1.5), (0, 1)),
    (math_functions, (0.8,), 0),
    (closure, (0.4,), 0),
    (dict_argument, ({"w": _normal(2, 3), "b": _normal(2, seed=1)}, _normal(3, seed=2)), (0, 1)),
    (list_argument, ([_normal(3, 2), _normal(2, 2, seed=1)], _normal(4, 3, seed=2)), (0, 1)),
    (nested_loops, (0.6,), 0),
    (loop_over_rows, (_normal(3, 2), _normal(2, seed=1)), (0, 1)),
    (loop_over_constant_array, (0.3,), 0),
    (running_sum_in_loop, (0.45,), 0),
    (while_with_active_update, (1.2,), 0),
    (softmax_and_friends, (_normal(2, 3),), 0),
    (abs_sqrt_power, (_normal(4),), 0),
    (division_by_arrays, (_normal(3), _positive(3, seed=1)), (0, 1)),
    (matmul_chain, (_normal(2, 3), _normal(3, 4, seed=1), _normal(4, 2, seed=2)), (0, 1, 2)),
    (negative_indices_and_steps, (_normal(5),), 0),
    (min_max_mean, (_normal(3, 4),), 0),
    (expand_and_stack, (_normal(3),), 0),
    (clip_where, (_normal(6),), 0),
    (sigmoid_tanh_relu, (_normal(5),), 0),
    (keepdims_broadcast, (_normal(2, 3),), 0),
    (trig_chain, (0.6,), 0),
    (calls_a_lambda, (_normal(3),), 0),
    (loop_over_list_argument, ([np.array([1.0, 2.0]), np.array([3.0])],), 0),
    (loop_over_list_argument, ([np.array([0.5, 0.2]), np.array([0.1, 0.3])],), 0),
    (returns_through_a_tuple, (_normal(3),), 0),
    (loop_with_break, (np.array([0.7, 0.4]),), 0),
    (loop_with_continue, (np.array([0.3]),), 0),
    (early_return, (np.array([0.5, -0.2]),), 0),
    (early_return, (np.array([-0.5, -0.2]),), 0),
    (while_with_break, (np.array([0.8, 0.9]),), 0),
    (return_inside_loop, (np.array([0.3, 0.2]),), 0),
    (return_inside_loop, (np.array([0.9, 0.8]),), 0),
    (nested_loops_with_jumps, (np.array([0.5]),), 0),
    (exp_log_chain, (_normal(3),), 0),
    (mlp_loss, (_normal(5, 4), _normal(4, seed=1), _normal(4, 3, seed=2), _normal(3, seed=3),
                _normal(6, 5, seed=4), np.eye(3)[[0, 1, 2, 0, 1, 2]]), (0, 1, 2, 3)),
]

from adsct_corpus_writes import WRITES  # noqa: E402 - writes into part of an array (a file of their own)
from adsct_corpus_loops import LOOPS  # noqa: E402 - loops and small statements (issue 15, part B)
from adsct_corpus_calls import CALLS  # noqa: E402 - signatures and calls: defaults, *args, keywords, closures (part A)
from adsct_lists_programs import LIST_CORPUS  # noqa: E402 - lists, comprehensions and builtins (part C)

CORPUS += WRITES + LOOPS + CALLS + [(f, args, 0) for f, args in LIST_CORPUS]
