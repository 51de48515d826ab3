"""Second derivatives of array functions with loops and branches, as code adsct writes.

adsct's reverse code through loops and branches keeps stacks of saved values; adsct reads
them again as stacks (ad/adsct/stacks.py), so hessian(f), jacobian(grad(f)) in both modes and
the vjp of grad(f) are generated code, never adoo running generated code.  Every test here
forbids the adoo fallback (`adsct_only`) and checks the numbers against adoo's and finite
differences.  Programs: the entries of adsct's corpora whose reverse code keeps stacks, on
arrays (for over ranges and rows, while with break, continue, early returns, branches in
loops, writes into arrays, lists built in loops), and hypothesis-generated programs with
if/for/while.  (Numbers were already second-order code: forward code, see pipeline._stand_in.)
"""

import contextlib

import numpy as np
import pytest
from hypothesis import given, note

from ad import adoo, adsct, numeric
from ad.adsct import nested, transforms
from adsct_corpus import CORPUS
from random_programs import control_flow_programs
from trees import assert_trees_close


def _refuse():
    raise AssertionError("a transform of adsct's gradient fell back to adoo")


@contextlib.contextmanager
def _no_adoo_fallback():
    """Transforms of adsct's gradients may not fall back to running them on adoo's values."""
    saved = nested._adoo, transforms._adoo
    nested._adoo = transforms._adoo = _refuse
    try:
        yield
    finally:
        nested._adoo, transforms._adoo = saved


@pytest.fixture
def adsct_only():
    with _no_adoo_fallback():
        yield


def _on_arrays(args, argnums) -> bool:
    positions = [argnums] if isinstance(argnums, int) else list(argnums)
    return any(isinstance(args[k], np.ndarray) and args[k].ndim > 0 for k in positions)


def _keeps_stacks(f, args, argnums) -> bool:
    """Whether f's reverse code keeps stacks (it has loops or branches that save values)."""
    positions = argnums if isinstance(argnums, tuple) else (argnums,)
    return ".pop()" in adsct.source(f, argnums=positions, args=args)


def _cases():
    entries = CORPUS  # (with the loops, writes, calls and lists corpora)
    return [(f, args, argnums) for f, args, argnums in entries
            if not any(isinstance(a, (tuple, list, dict)) for a in args)  # (pytrees: see the last test)
            and _on_arrays(args, argnums) and _keeps_stacks(f, args, argnums)]


CASES = _cases()
IDS = [f"{f.__name__}-{k}" for k, (f, _, _) in enumerate(CASES)]


def test_the_corpora_have_loops_and_branches_on_arrays():
    names = {f.__name__ for f, _, _ in CASES}
    assert {"while_with_break", "branch_in_loop", "loop_index", "cumulative_by_index", "nested_loops_with_jumps",
            "sum_of_row_norms", "append_in_a_loop"} <= names


@pytest.mark.parametrize("f,args,argnums", CASES, ids=IDS)
def test_hessian_is_adsct_code_and_matches_adoo_and_finite_differences(f, args, argnums, adsct_only):
    got = adsct.hessian(f, argnums=argnums)(*args)
    assert_trees_close(got, adoo.hessian(f, argnums=argnums)(*args), rtol=1e-10, atol=1e-12)
    k = argnums if isinstance(argnums, int) else next(k for k in argnums if _on_arrays(args, k))
    block = got if isinstance(argnums, int) else got[argnums.index(k)][argnums.index(k)]
    by_differences = numeric.jacobian(adoo.grad(f, argnums=k), *args, argnums=k)
    np.testing.assert_allclose(block, by_differences, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f,args,argnums", CASES, ids=IDS)
def test_jacobian_of_the_gradient_in_both_modes_is_adsct_code(f, args, argnums, adsct_only):
    k = argnums if isinstance(argnums, int) else next(k for k in argnums if _on_arrays(args, k))
    want = adoo.hessian(f, argnums=k)(*args)
    for mode in ("reverse", "forward"):
        got = adsct.jacobian(adsct.grad(f, argnums=k), argnums=k, mode=mode)(*args)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=mode)


def _looped(x):
    y = x
    for _ in range(3):
        y = np.sin(y) * x
    return np.sum(y)


def _loop_with_break_and_write(x):
    y = np.zeros_like(x)
    k = 0
    while True:
        y[k] = np.sin(x[k]) * x[k - 1]
        if y[k] < -0.5:
            break
        k = k + 1
        if k == len(x):
            break
    return np.sum(y * x)


def test_the_second_order_code_moves_a_derivative_stack_with_each_stack():
    text = adsct.source(adsct.grad(_looped), mode="forward")
    assert "saved_y.append(y" in text and "dsaved_y.append(dy" in text and "= dsaved_y.pop()" in text
    assert "list_append" not in text, "a stack is not copied at each push"
    reverse = adsct.source(adsct.grad(_looped), mode="reverse")
    assert "bsaved_y = []" in reverse and "bsaved_y.append(" in reverse and "bsaved_y.pop()" in reverse
    assert "list_append" not in reverse


def test_vjp_of_the_gradient_through_a_while_loop_with_writes(adsct_only):
    x, w = np.array([0.3, -0.8, 0.5]), np.array([1.0, -2.0, 0.5])
    hessian = adoo.hessian(_loop_with_break_and_write)(x)
    value, vjp_fn = adsct.vjp(adsct.grad(_loop_with_break_and_write), x)
    np.testing.assert_allclose(value, adoo.grad(_loop_with_break_and_write)(x), rtol=1e-12)
    np.testing.assert_allclose(vjp_fn(w)[0], hessian.T @ w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(adsct.hessian(_loop_with_break_and_write)(x), hessian, rtol=1e-10, atol=1e-12)


_D_LOOPED = adsct.grad(_looped)
_W = np.array([1.0, -2.0, 0.5])


def _directional(x):
    return np.sum(_D_LOOPED(x) * _W)  # <w, grad f(x)>: its gradient is second-order code


def _directional_by_adoo(x):
    return np.sum(adoo.grad(_looped)(x) * _W)


def test_third_derivatives_transform_second_order_code_again(adsct_only):
    x = np.array([0.3, -0.8, 0.5])
    second = adsct.grad(_directional)
    np.testing.assert_allclose(second(x), adoo.grad(_directional_by_adoo)(x), rtol=1e-10, atol=1e-12)
    third = adsct.jacobian(second)(x)  # (the second-order code keeps stacks too)
    np.testing.assert_allclose(third, adoo.hessian(_directional_by_adoo)(x), rtol=1e-9, atol=1e-11)
    assert "bsaved_y.pop()" in adsct.source(_directional)


def test_a_users_list_used_as_a_stack_keeps_list_semantics():
    def stack_of_values(x):
        s = []
        for i in range(len(x)):
            s.append(np.sin(x[i]))
        total = 0.0
        for i in range(len(x)):
            total = total + s.pop() * x[i]
        return total

    text = adsct.source(stack_of_values)
    assert "list_append(" in text and "list_delete(" in text  # (only adsct's own code has stacks)
    x = np.array([0.3, -0.8, 0.5])
    np.testing.assert_allclose(adsct.hessian(stack_of_values)(x),
                               adoo.hessian(stack_of_values)(x), rtol=1e-10, atol=1e-12)


@given(program=control_flow_programs())
def test_generated_programs_with_branches_and_loops_on_arrays(program):
    f = program.compile(numpy=True)
    args = [np.atleast_1d(np.asarray(v, dtype=float)) for v in program.values]  # (numbers: as arrays of one)
    note(f"{program.numpy_source}\nat {args!r}")
    argnums = tuple(range(len(args)))
    with _no_adoo_fallback():
        got = adsct.hessian(f, argnums=argnums)(*args)
    assert_trees_close(got, adoo.hessian(f, argnums=argnums)(*args), rtol=1e-9, atol=1e-11)


def test_pytree_arguments_still_run_on_adoo():
    # (no stand-in for tuple, list and dict arguments: the derivative runs on adoo's values)
    def over_a_dict(p, x):
        s = 0.0
        for i in range(len(x)):
            s = s + np.sin(p["w"][i] * x[i])
        return s
    p, x = {"w": np.array([0.5, -1.0])}, np.array([0.3, 0.7])
    with pytest.raises(AssertionError, match="fell back to adoo"), _no_adoo_fallback():
        adsct.jacobian(adsct.grad(over_a_dict, argnums=1), argnums=1)(p, x)
    second = adsct.jacobian(adsct.grad(over_a_dict, argnums=1), argnums=1)
    np.testing.assert_allclose(second(p, x), adoo.hessian(over_a_dict, argnums=1)(p, x), rtol=1e-10)
