"""adsct and in-place updates: `b += x` on an array NumPy updates in place, so every other
name for it (and every view of it) changes too.  adsct computes NumPy's value and its
derivative where another name holds the very same array (it is rebound to the updated
value), and refuses views and globals with an error naming the user's file, line and names;
never a different value.  Oracles: the function itself on plain NumPy values, and central
differences (ad/adsct/aliasing.py explains the design)."""

import copy
import inspect

import numpy as np
import pytest

from ad import adsct, numeric
from ad.errors import UnsupportedSyntaxError

X = np.array([1.0, 2.0, 3.0])
M = np.array([[1.0, 2.0], [3.0, 4.0]])


def _fresh(args):
    return copy.deepcopy(args)  # NumPy's in-place updates must not leak between the runs


def _on_copies(f):
    """f on copies of its arguments: what a caller sees, for finite differences."""
    return lambda *args: f(*_fresh(args))


def assert_like_numpy(f, *args, argnums=0):
    """adsct's value equals f's on plain NumPy values, and its derivatives in reverse mode,
    forward mode and second order match central differences."""
    want = f(*_fresh(args))
    value, gradient = adsct.value_and_grad(f, argnums=argnums)(*_fresh(args))
    np.testing.assert_allclose(value, want, rtol=1e-12)
    expected = numeric.grad(_on_copies(f), *_fresh(args), argnums=argnums, method="central")
    np.testing.assert_allclose(gradient, expected, rtol=1e-6, atol=1e-8)
    forward = adsct.jacobian(f, argnums=argnums, mode="forward")(*_fresh(args))
    np.testing.assert_allclose(forward, gradient, rtol=1e-10, atol=1e-12)
    tangents = tuple(np.ones_like(a) if k == argnums else np.zeros_like(a) for k, a in enumerate(args))
    jvp_value, tangent = adsct.jvp(f, _fresh(args), tangents)
    np.testing.assert_allclose(jvp_value, want, rtol=1e-12)
    np.testing.assert_allclose(tangent, np.sum(gradient), rtol=1e-10, atol=1e-12)
    hessian = adsct.hessian(f, argnums=argnums)(*_fresh(args))
    np.testing.assert_allclose(hessian, numeric.hessian(_on_copies(f), *_fresh(args), argnums=argnums),
                               rtol=1e-4, atol=1e-5)


def line_of(f, text: str) -> int:
    """The file line of the first source line of f containing `text`."""
    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, line in enumerate(lines) if text in line)


def assert_refused(f, *args, at: str, names=(), argnums=0, written_in=None):
    """Every transform refuses f at the line containing `at` (in f, or the function
    `written_in`), naming `names`."""
    written_in = written_in or f
    runs = {
        "grad": lambda: adsct.grad(f, argnums=argnums)(*_fresh(args)),
        "value_and_grad": lambda: adsct.value_and_grad(f, argnums=argnums)(*_fresh(args)),
        "jvp": lambda: adsct.jvp(f, _fresh(args), tuple(np.ones_like(a) for a in args)),
        "jacobian forward": lambda: adsct.jacobian(f, argnums=argnums, mode="forward")(*_fresh(args)),
        "hessian": lambda: adsct.hessian(f, argnums=argnums)(*_fresh(args)),
    }
    for label, run in runs.items():
        with pytest.raises(UnsupportedSyntaxError) as caught:
            run()
        error = caught.value
        assert error.filename == inspect.getsourcefile(written_in), label
        assert error.lineno == line_of(written_in, at), label
        assert at in str(error), label
        assert "in place" in str(error), label
        for name in names:
            assert f"`{name}`" in str(error), (label, name)


# -- the issue: another name for the updated array ----------------------------------------------

def add_into_alias(x):
    a = x * 1.0
    b = a
    b += x
    return np.sum(a * x)


def scale_alias(x):
    a = x * 1.0
    b = a
    b *= 3.0
    return np.sum(a * x)


def test_update_of_an_alias_reaches_every_name_for_the_array():
    assert add_into_alias(X.copy()) == np.sum(2 * X * X)  # NumPy: a changed with b
    assert_like_numpy(add_into_alias, X)
    assert_like_numpy(scale_alias, X)


def test_refusal_names_file_line_construct_and_hint():
    with pytest.raises(UnsupportedSyntaxError) as caught:
        adsct.grad(slice_view)(np.array([1.0, 2.0, 3.0, 4.0]))
    error = caught.value
    assert f"`a` (line {line_of(slice_view, 'a = x * 1.0')})" in error.msg
    assert error.text == "v *= 2.0"
    assert "v = v * 2.0" in error.hint and "v = v.copy()" in error.hint


def alias_chain(x):
    a = x * 2.0
    b = a
    c = b
    c -= x
    return np.sum(a * x)


def test_chain_of_aliases_follows_numpy():
    assert_like_numpy(alias_chain, X)


# -- views ----------------------------------------------------------------------------------------

def slice_view(x):
    a = x * 1.0
    v = a[1:]
    v *= 2.0
    return np.sum(a * x)


def transpose_view(x):
    a = np.reshape(x * 1.0, (2, 2))
    v = a.T
    v += 1.0
    return np.sum(a * a)


def np_transpose_view(x):
    a = np.reshape(x * 1.0, (2, 2))
    v = np.transpose(a)
    v *= x[0]
    return np.sum(a * a)


def reshape_view(x):
    a = x * 1.0
    v = a.reshape(2, 2)
    v += 1.0
    return np.sum(a * x)


def ravel_view(x):
    a = np.reshape(x * 1.0, (2, 2))
    v = a.ravel()
    v *= 3.0
    return np.sum(a * a)


def column_view(x):
    a = np.reshape(x * 1.0, (2, 2))
    v = a[:, 0]
    v += 1.0
    return np.sum(a * a)


def expand_dims_view(x):
    a = x * 1.0
    v = np.expand_dims(a, 0)
    v -= 1.0
    return np.sum(a * x)


def squeeze_view(x):
    a = np.reshape(x * 1.0, (1, 4))
    v = a.squeeze()
    v *= 2.0
    return np.sum(a * a)


@pytest.mark.parametrize("f", [slice_view, transpose_view, np_transpose_view, reshape_view, ravel_view,
                               column_view, expand_dims_view, squeeze_view])
def test_update_through_a_view_is_refused(f):
    x = np.array([1.0, 2.0, 3.0, 4.0])
    at = [line for line in inspect.getsource(f).splitlines() if "=" in line and line.split("=")[0][-1] in "+-*"]
    assert_refused(f, x, at=at[0].strip(), names=("a",))


def base_updated_under_a_view(x):
    a = x * 1.0
    v = a[:2]
    a += x
    return np.sum(v * x[:2])


def test_update_of_a_base_seen_through_a_live_view_is_refused():
    assert_refused(base_updated_under_a_view, X, at="a += x", names=("v",))


# -- loops, branches, tuples, callees, arguments ----------------------------------------------------

def alias_in_a_loop(x):
    a = x * 1.0
    total = 0.0
    for i in range(3):
        b = a
        b += x
        total = total + np.sum(a)
    return total


def alias_carried_by_a_loop(x):
    a = x * 1.0
    b = a
    for i in range(2):
        b *= x
    return np.sum(a)


def test_aliases_in_and_around_loops_follow_numpy():
    assert_like_numpy(alias_in_a_loop, X)
    assert_like_numpy(alias_carried_by_a_loop, X)


def alias_in_one_branch(x, flag):
    a = x * 1.0
    if flag > 0:
        b = a
    else:
        b = a * 2.0
    b += x
    return np.sum(a * b)


def test_alias_made_in_one_branch_follows_numpy_either_way():
    # One branch gives b an array of its own, the other the array of a, which then changes too.
    assert_like_numpy(alias_in_one_branch, X, -1.0)
    assert_like_numpy(alias_in_one_branch, X, 1.0)


def through_a_tuple(x):
    a = x * 1.0
    pair = (a, x)
    p, q = pair
    p += q
    return np.sum(pair[0] * x)


def test_alias_through_tuple_packing_and_unpacking_follows_numpy():
    assert_like_numpy(through_a_tuple, X)


def bump(v):
    v += 1.0
    return v


def callee_updates_its_argument(x):
    y = x * 2.0
    z = bump(y)
    return np.sum(y * z)


def test_callee_updating_its_parameter_in_place_follows_numpy():
    assert_like_numpy(callee_updates_its_argument, X)


def update_leaf_of_a_pytree(params, x):
    w, b = params
    w += x
    return np.sum(params[0] * x) + np.sum(b)


def test_update_of_an_array_in_a_pytree_argument_follows_numpy():
    args = ((X.copy(), X[::-1].copy()), X * 0.5)
    value, gradient = adsct.value_and_grad(update_leaf_of_a_pytree, argnums=1)(*_fresh(args))
    assert value == update_leaf_of_a_pytree(*_fresh(args))
    expected = numeric.grad(_on_copies(update_leaf_of_a_pytree), *_fresh(args), argnums=1)
    np.testing.assert_allclose(gradient, expected, rtol=1e-6, atol=1e-8)


def update_first_argument(x, y):
    x += y
    return np.sum(x * x * y)


def test_update_of_an_argument_passed_twice_gives_numpys_value():
    a = X.copy()  # x and y are one array: y changes with x
    assert adsct.value_and_grad(update_first_argument)(a, a)[0] == update_first_argument(X.copy(), X.copy()) * 2


def test_update_of_an_argument_matches_numpy():
    # NumPy changes the caller's array; the function's value and derivatives are those of
    # x + y, and adsct's second-order code runs the check it generated.
    assert_like_numpy(update_first_argument, X, X[::-1] * 0.5)
    assert_like_numpy(update_first_argument, X, X[::-1] * 0.5, argnums=1)


G = np.array([0.5, 1.5, 2.5])


def updates_a_global(x):
    a = G
    a += x
    return np.sum(a * x)


def test_update_of_a_global_array_is_refused():
    assert_refused(updates_a_global, X, at="a += x", names=("G",))
    np.testing.assert_array_equal(G, [0.5, 1.5, 2.5])


# -- programs where rebinding is exactly NumPy's meaning -------------------------------------------

def private_accumulator(x):
    y = np.zeros(3)
    y += x
    acc = x * 0.0
    for i in range(3):
        acc += x * i
    return np.sum(y * acc)


def parameter_updated_in_place(x):
    x += 1.0
    x *= x
    return np.sum(x * x)


def explicit_rebinding(x):
    a = x * 1.0
    b = a
    b = b + x
    return np.sum(a * b)


@pytest.mark.parametrize("f", [private_accumulator, parameter_updated_in_place, explicit_rebinding])
def test_updates_no_other_name_sees_match_numpy(f):
    assert_like_numpy(f, X)


def float_alias(x):
    s = x
    s += 1.0
    return s * x


def float_loop(x):
    s = x
    for i in range(3):
        s *= x
    return s + x


def test_float_code_is_rebound_as_python_does():
    for f, analytic in ((float_alias, 2.0 * 1.5 + 1.0), (float_loop, 4 * 1.5 ** 3 + 1.0)):
        assert adsct.value_and_grad(f)(1.5) == (f(1.5), pytest.approx(analytic, rel=1e-12))
        assert adsct.grad(f)(1.5) == pytest.approx(numeric.grad(f, 1.5, method="central"), rel=1e-7)
        assert adsct.jvp(f, (1.5,), (1.0,))[1] == pytest.approx(analytic, rel=1e-12)
        assert adsct.hessian(f)(1.5) == pytest.approx(numeric.hessian(f, 1.5), rel=1e-4)


def test_same_float_code_on_an_array_follows_numpy():
    # s is x itself: NumPy's s += 1.0 changes x as well, so s * x is (x + 1) ** 2.
    assert np.array_equal(float_alias(X.copy()), (X + 1.0) ** 2)
    assert_like_numpy(lambda x: np.sum(float_alias(x)), X)


# -- other in-place changes: refused, never ignored ------------------------------------------------

def sort_in_place(x):
    a = x * 1.0
    a.sort()
    return np.sum(a * x)


def fill_in_place(x):
    a = x * 1.0
    a.fill(0.0)
    return np.sum(a * x)


def resize_in_place(x):
    a = x * 1.0
    a.resize(2)
    return np.sum(a)


def add_with_out(x):
    a = x * 1.0
    np.add(a, x, out=a)
    return np.sum(a * x)


def add_with_out_assigned(x):
    a = x * 1.0
    c = np.add(a, x, out=a)
    return np.sum(a * c)


def copy_into(x):
    a = np.zeros(3)
    np.copyto(a, x)
    return np.sum(a * x)


def put_into(x):
    a = x * 1.0
    np.put(a, [0], 5.0)
    return np.sum(a * x)


def place_into(x):
    a = x * 1.0
    np.place(a, a > 1.5, 0.0)
    return np.sum(a * x)


def item_assignment(x):
    a = x * 1.0
    a[0] = 3.0
    return np.sum(a * x)


def item_update(x):
    a = x * 1.0
    a[1:] += x[:2]
    return np.sum(a * x)


def ellipsis_assignment(x):
    a = np.zeros(3)
    a[...] = x
    return np.sum(a * x)


@pytest.mark.parametrize("f,at,array", [
    (sort_in_place, "a.sort()", "a"), (fill_in_place, "a.fill(0.0)", "a"), (resize_in_place, "a.resize(2)", "a"),
    (add_with_out, "np.add(a, x, out=a)", "a"), (add_with_out_assigned, "np.add(a, x, out=a)", "a"),
    (copy_into, "np.copyto(a, x)", "a"), (put_into, "np.put(a, [0], 5.0)", "a"),
    (place_into, "np.place(a, a > 1.5, 0.0)", "a")])
def test_other_in_place_changes_are_refused_at_their_line(f, at, array):
    """(Writes into part of an array, `a[0] = 3.0`, are followed: test_adsct_writes.py.)"""
    with pytest.raises(UnsupportedSyntaxError) as caught:
        adsct.grad(f)(X.copy())
    error = caught.value
    assert (error.filename, error.lineno) == (inspect.getsourcefile(f), line_of(f, at))
    assert f"`{at}`" in error.msg and f"`{array}`" in error.msg and "in place" in error.msg
    with pytest.raises(UnsupportedSyntaxError, match="in place"):
        adsct.jvp(f, (X.copy(),), (np.ones(3),))


@pytest.mark.parametrize("f", [item_assignment, item_update, ellipsis_assignment], ids=lambda f: f.__name__)
def test_writes_into_part_of_an_array_follow_numpy(f):
    assert_like_numpy(f, X)


def copy_into_a_constant(x):
    a = np.ones(3)
    y = x * a
    done = np.copyto(a, 3.0)
    return np.sum(y * a)


def test_in_place_change_of_a_constant_array_is_refused_not_run_behind_the_derivative():
    # The forward sweep ran np.copyto, so the reverse sweep read a = 3 where y = x * 1:
    # the gradient came out 9 for NumPy's 3.
    assert np.allclose(numeric.grad(_on_copies(copy_into_a_constant), X.copy()), 3.0)
    with pytest.raises(UnsupportedSyntaxError, match=r"`np.copyto\(a, 3.0\)` writes into `a` in place"):
        adsct.grad(copy_into_a_constant)(X.copy())


# -- copies: the way out the hint suggests -----------------------------------------------------------

def copy_then_update(x):
    a = x * 2.0
    b = a.copy()
    b += x
    c = np.copy(b)
    c *= x
    return np.sum(a * b * c)


def test_copy_gives_an_array_of_its_own_and_matches_numpy():
    assert_like_numpy(copy_then_update, X)
    assert "refuse_shared_update" not in adsct.source(copy_then_update)


def alias_made_under_a_condition(x, flag):
    b = x * 1.0
    if flag > 0:
        c = b
    b += x
    if flag > 0:
        b = c * 3.0
    return np.sum(b * x)


def test_alias_that_may_not_exist_at_the_update_is_refused_before_running():
    # With flag > 0, NumPy's c is b's array, updated to 2x: the result is sum(6 x * x).
    assert alias_made_under_a_condition(X.copy(), 1.0) == np.sum(6.0 * X * X)
    with pytest.raises(UnsupportedSyntaxError, match=r"`c` \(line \d+\) may name the same array") as caught:
        adsct.grad(alias_made_under_a_condition)(X.copy(), -1.0)
    assert caught.value.lineno == line_of(alias_made_under_a_condition, "b += x")


def flatten_then_update(x):
    a = np.reshape(x * 1.0, (2, 2))
    c = a.flatten()
    c += 1.0
    return np.sum(a * a) + np.sum(c * x)


def test_flatten_copies_as_numpy_does():
    # a.flatten() is a new array in NumPy (adsct writes it as a reshape, which may be a view).
    assert_like_numpy(flatten_then_update, np.array([1.0, 2.0, 3.0, 4.0]))
