"""adsct and writes into arrays: `y[i] = v`, `y[:, 0] *= 2`, `y[mask] = 0`, `y[idx] += v`.

A write into part of an array becomes a new value of that array (`index_update`), so its
derivative is exact; NumPy's aliasing decides what other names see: another name for the
very same array sees the write, a view or a global sharing it is refused with the user's file
and line.  Oracles: the function on plain NumPy values, central differences, adoo (which
follows the same writes) and, at second order, differences of the Hessian's own gradient.
"""

import copy
import inspect
import os
import pathlib

import numpy as np
import pytest

from ad import adoo, adsct, numeric
from ad.errors import NotDifferentiableError, UnsupportedSyntaxError
from adsct_corpus_writes import WRITES, boundary_conditions, cumulative_by_index, scale_through_asarray

X = np.array([0.3, -0.7, 1.1, 0.6])
M = np.array([[0.5, -1.2, 0.8], [1.4, 0.2, -0.3]])
SHIFT = np.array([0.1, 0.2, 0.3, 0.4])  # a global array, read as a constant


def _fresh(args):
    return copy.deepcopy(args)  # a write into an argument must not leak between the runs


def _on_copies(f):
    """f on copies of its arguments: the function of the caller's values NumPy computes."""
    return lambda *args: f(*_fresh(args))


def assert_follows_numpy(f, *args, argnums=0, adoo_follows=True):
    """adsct's value is f's on plain NumPy values; its gradient (reverse), Jacobian (forward),
    jvp and Hessian match central differences, and adoo where adoo follows the writes too;
    the caller's arrays are left as they were."""
    before = _fresh(args)
    want = f(*_fresh(args))
    inputs = _fresh(args)
    value, gradient = adsct.value_and_grad(f, argnums=argnums)(*inputs)
    for old, new in zip(before, inputs):  # the differentiated arrays stay the caller's, as in adoo
        np.testing.assert_array_equal(new, old)
    np.testing.assert_allclose(value, want, rtol=1e-12)
    expected = numeric.grad(_on_copies(f), *_fresh(args), argnums=argnums, method="central")
    np.testing.assert_allclose(gradient, expected, rtol=1e-6, atol=1e-8)
    if adoo_follows:
        np.testing.assert_allclose(gradient, adoo.grad(f, argnums=argnums)(*_fresh(args)), rtol=1e-12, atol=1e-14)
    forward = adsct.jacobian(f, argnums=argnums, mode="forward")(*_fresh(args))
    np.testing.assert_allclose(forward, gradient, rtol=1e-12, atol=1e-14)
    direction = np.linspace(0.5, -0.5, np.size(args[argnums])).reshape(np.shape(args[argnums]))
    tangents = tuple(direction if k == argnums else np.zeros_like(a) for k, a in enumerate(args))
    jvp_value, tangent = adsct.jvp(f, _fresh(args), tangents)
    np.testing.assert_allclose(jvp_value, want, rtol=1e-12)
    np.testing.assert_allclose(tangent, np.sum(gradient * direction), rtol=1e-10, atol=1e-12)
    hessian = adsct.hessian(f, argnums=argnums)(*_fresh(args))
    of_gradient = numeric.jacobian(_on_copies(adsct.grad(f, argnums=argnums)), *_fresh(args), argnums=argnums)
    np.testing.assert_allclose(hessian, of_gradient, rtol=1e-6, atol=1e-7)
    if adoo_follows:
        np.testing.assert_allclose(hessian, adoo.hessian(f, argnums=argnums)(*_fresh(args)), rtol=1e-10, atol=1e-12)


def line_of(f, text: str) -> int:
    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, line in enumerate(lines) if text in line)


def assert_refused(f, *args, at: str, names=()):
    """Reverse, forward and second-order transforms refuse f at the line containing `at`,
    naming the file, the line and `names` in the user's words."""
    runs = {"grad": lambda: adsct.grad(f)(*_fresh(args)),
            "jvp": lambda: adsct.jvp(f, _fresh(args), tuple(np.ones_like(a) for a in args)),
            "hessian": lambda: adsct.hessian(f)(*_fresh(args))}
    for label, run in runs.items():
        with pytest.raises(UnsupportedSyntaxError) as caught:
            run()
        error = caught.value
        assert error.filename == inspect.getsourcefile(f), label
        assert error.lineno == line_of(f, at), label
        assert at in str(error), label
        for name in names:
            assert f"`{name}`" in str(error), (label, name)
        assert "Subscript" not in str(error) and "Assign" not in str(error), label  # the user's words


# -- writes into an array built inside f --------------------------------------------------------

def fill_from_zeros_like(x):
    y = np.zeros_like(x)
    y[0] = x[1] ** 2
    y[1:] = x[1:] * 3
    return np.sum(y * x)


def scale_a_column(x):
    y = x.reshape(2, 2).copy()
    y[:, 0] *= 2
    return np.sum(y ** 2)


def zero_out_a_mask(x):
    y = x.copy()
    y[y > 0.5] = 0.0
    return np.sum(y * x)


def every_augmented_write(x):
    y = x * 1.0
    y[0] += x[1]
    y[1] -= x[2] ** 2
    y[2] *= x[3]
    y[3] /= 1.0 + x[0] ** 2
    y[-1] **= 2
    return np.sum(np.sin(y))


def steps_and_ellipsis(m):
    y = np.ones_like(m)
    y[..., ::2] = m[..., ::2] ** 2
    y[:, 1] *= m[:, 1]
    y[::-1, -1] += np.exp(m[:, 0])
    return np.sum(y * m)


def write_a_row_and_a_scalar(m):
    out = m * 2.0
    out[1] = np.tanh(m[0])
    out[0, 2] = m[1, 1] * m[1, 2]
    return np.sum(out ** 2)


def repeated_index_adds_once(x):
    y = x.copy()
    y[[0, 0, 2]] += x[1] * x[3]
    return np.sum(y ** 2)


def repeated_index_last_write_wins(x):
    y = np.zeros_like(x)
    y[[1, 1, 3]] = x[:3] ** 2
    return np.sum(y * x)


def write_into_a_plain_numpy_array(x):
    y = np.zeros(3)
    y[0] = x[0] * x[1]
    y[2] = np.sin(x[2])
    return np.sum(y ** 2) + np.sum(x)


@pytest.mark.parametrize("f,args", [
    (fill_from_zeros_like, (X,)), (scale_a_column, (X,)), (zero_out_a_mask, (X,)),
    (every_augmented_write, (X,)), (steps_and_ellipsis, (M,)), (write_a_row_and_a_scalar, (M,)),
    (repeated_index_adds_once, (X,)), (repeated_index_last_write_wins, (X,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_item_writes_follow_numpy_in_every_mode(f, args):
    assert_follows_numpy(f, *args)


def test_item_write_into_a_plain_numpy_array_works():
    """adoo refuses a traced value written into a plain array; adsct follows it."""
    assert_follows_numpy(write_into_a_plain_numpy_array, X, adoo_follows=False)


def test_repeated_index_add_is_applied_once_as_numpy_does():
    y = X.copy()
    y[[0, 0, 2]] += 1.0
    assert y[0] == X[0] + 1.0  # (the oracle itself: NumPy adds once at a repeated index)
    value = adsct.value_and_grad(repeated_index_adds_once)(X.copy())[0]
    np.testing.assert_allclose(value, repeated_index_adds_once(X.copy()), rtol=1e-15)


# -- inside loops: the reverse sweep restores what a write overwrote -----------------------------

def recurrence_by_index(x):
    y = np.zeros_like(x)
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = np.sin(y[i - 1]) * x[i] + y[i - 1]
    return np.sum(y ** 2)


def rows_of_a_product(m, w):
    out = np.zeros((m.shape[0], w.shape[1]))
    for i in range(m.shape[0]):
        out[i] = np.tanh(m[i] @ w)
    return np.sum(out * out)


def overwrite_in_a_while_loop(x):
    y = x.copy()
    k = 0
    while k < 3:
        y[k] = y[k] * y[k + 1] + x[3]
        k += 1
    return np.sum(y)


def write_in_a_branch(x):
    y = x * 1.0
    for i in range(len(x)):
        if x[i] > 0.0:
            y[i] = x[i] ** 3
        else:
            y[i] *= -2.0
    return np.sum(y * x)


@pytest.mark.parametrize("f,args", [
    (recurrence_by_index, (X,)), (overwrite_in_a_while_loop, (X,)), (write_in_a_branch, (X,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_item_writes_in_loops_and_branches_follow_numpy(f, args):
    assert_follows_numpy(f, *args)


@pytest.mark.parametrize("argnums", [0, 1])
def test_rows_written_into_np_zeros_in_a_loop(argnums):
    """adoo refuses a traced row written into the plain array np.zeros(...) makes; adsct follows it."""
    assert_follows_numpy(rows_of_a_product, M, M.T.copy(), argnums=argnums, adoo_follows=False)


# -- other names for the written array ---------------------------------------------------------

def alias_sees_the_write(x):
    y = x * 2.0
    z = y
    y[1] = x[0] ** 3
    return np.sum(z * x)


def write_through_the_alias(x):
    y = x * 2.0
    z = y
    z[0] = np.cos(x[2])
    return np.sum(y * x)


def write_into_the_argument(x):
    x[0] = 0.5 * x[1]
    return np.sum(x ** 2)


def write_into_a_copy_of_the_argument(x):
    y = x
    y[2] = x[0] * x[1]
    return np.sum(x * np.exp(y))


def _set_first(a, v):
    a[0] = v
    return a


def a_helper_writes_into_the_callers_array(x):
    y = x * 2.0
    z = _set_first(y, x[1] ** 2)
    return np.sum(y * x) + np.sum(z)


@pytest.mark.parametrize("f", [alias_sees_the_write, write_through_the_alias, write_into_the_argument,
                               write_into_a_copy_of_the_argument, a_helper_writes_into_the_callers_array],
                         ids=lambda f: f.__name__)
def test_other_names_for_the_array_see_the_write(f):
    assert_follows_numpy(f, X)


def test_write_into_an_argument_leaves_the_callers_array_as_adoo_does():
    x = X.copy()
    adsct.grad(write_into_the_argument)(x)
    adsct.jvp(write_into_the_argument, (x,), (np.ones(4),))
    np.testing.assert_array_equal(x, X)
    adoo.grad(write_into_the_argument)(x)
    np.testing.assert_array_equal(x, X)


def write_that_nothing_reads_later(x, s):
    a = x
    a[0] = s
    return np.sum(s * x[1:])


@pytest.mark.parametrize("argnums", [0, 1])
def test_a_write_whose_array_gets_no_adjoint_still_differentiates(argnums):
    """(The reverse sweep ran index_update's rule on a 0.0 adjoint: an IndexError, found by
    test_numpy_semantics.)"""
    assert_follows_numpy(write_that_nothing_reads_later, X, 0.7, argnums=argnums, adoo_follows=argnums == 0)


def view_read_after_the_write(x):
    y = x * 1.0
    m = y.reshape(2, 2)
    r = m[0]
    m[0, 1] = 5.0 * x[0]
    return np.sum(r * x[:2])


def write_into_a_view(x):
    y = x * 1.0
    r = y[1:]
    r[0] = x[0] ** 2
    return np.sum(y)


def write_into_a_global(x):
    SHIFT[0] = x[0]
    return np.sum(SHIFT * x)


def test_a_view_read_after_the_write_is_refused():
    assert_refused(view_read_after_the_write, X, at="m[0, 1] = 5.0 * x[0]", names=("r",))


def test_a_write_into_a_view_is_refused():
    assert_refused(write_into_a_view, X, at="r[0] = x[0] ** 2", names=("y",))


def test_a_write_into_a_global_array_is_refused():
    assert_refused(write_into_a_global, X, at="SHIFT[0] = x[0]", names=("SHIFT",))
    np.testing.assert_array_equal(SHIFT, [0.1, 0.2, 0.3, 0.4])


# -- what the index may be ---------------------------------------------------------------------

def index_from_the_value(x):
    y = x.copy()
    y[np.argmax(x)] = 0.0
    return np.sum(y * x)


def differentiated_index(x):
    y = np.zeros(4)
    y[x[0]] = 1.0
    return np.sum(y * x)


def test_an_index_computed_from_values_follows_numpy():
    assert_follows_numpy(index_from_the_value, X)


def test_a_differentiated_index_is_refused():
    with pytest.raises((UnsupportedSyntaxError, NotDifferentiableError)) as caught:
        adsct.grad(differentiated_index)(np.array([1.0, 0.2, 0.3, 0.4]))
    assert caught.value.lineno == line_of(differentiated_index, "y[x[0]] = 1.0")


# -- generated code ----------------------------------------------------------------------------

def test_a_write_reads_as_an_index_update_without_copies():
    text = adsct.source(fill_from_zeros_like)
    assert "ops.index_update(y, " in text
    assert "else:\n        pass" not in text and "= y\n" not in text


# -- the corpus of writes: second order, and golden files of the generated code ----------------

GOLDEN = pathlib.Path(__file__).parent / "golden"


@pytest.mark.parametrize("f,args,argnums", WRITES, ids=[f.__name__ for f, _, _ in WRITES])
def test_corpus_of_writes_at_second_order(f, args, argnums):
    assert_follows_numpy(f, *args, argnums=argnums)


@pytest.mark.parametrize("f,mode,golden", [
    (boundary_conditions, "reverse", "item_writes_reverse"),
    (cumulative_by_index, "reverse", "item_writes_in_a_loop_reverse"),
    (cumulative_by_index, "forward", "item_writes_in_a_loop_forward")])
def test_generated_code_of_writes_matches_golden_file(f, mode, golden):
    path = GOLDEN / f"{golden}.py"
    text = adsct.source(f, mode=mode)
    if os.environ.get("AD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), "generated code changed; review it and rerun with AD_UPDATE_GOLDEN=1"


def test_asarray_is_the_array_itself_so_a_write_through_it_changes_both():
    x = np.array([0.4, -0.3, 0.8, 0.1])
    value, gradient = adsct.value_and_grad(scale_through_asarray)(x)
    assert value == scale_through_asarray(x.copy())
    np.testing.assert_allclose(gradient, numeric.grad(scale_through_asarray, x, method="richardson"), rtol=1e-9)
    np.testing.assert_allclose(adsct.hessian(scale_through_asarray)(x),
                               numeric.jacobian(adsct.grad(scale_through_asarray), x), rtol=1e-6, atol=1e-8)
