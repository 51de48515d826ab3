"""adsct and the signatures and calls people write (issue 15, part A): defaults, keyword-only
parameters, *args, keyword arguments at calls, methods of any expression, nested defs,
lambdas, closures, functools.partial, `source=` and functions without source.  Each program is
checked in reverse mode, forward mode and at second order against adoo and finite differences."""

import functools
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import ad
from ad import adoo, adsct, numeric
from ad.errors import UnsupportedSyntaxError
from adsct_corpus_calls import CALLS, closure_reads_late, penalised, scaled_sum, smooth_abs
from trees import assert_trees_close

GOLDEN = pathlib.Path(__file__).parent / "golden"
ROOT = pathlib.Path(__file__).parent.parent
IDS = [f"{f.__name__}-{len(args)}" for f, args, _ in CALLS]


@pytest.mark.parametrize("f,args,argnums", CALLS, ids=IDS)
def test_reverse_mode_matches_adoo_and_finite_differences(f, args, argnums):
    value, got = adsct.value_and_grad(f, argnums=argnums)(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)
    assert_trees_close(got, numeric.grad(f, *args, argnums=argnums, method="richardson"), rtol=1e-6, atol=1e-8)
    assert_trees_close(got, adoo.grad(f, argnums=argnums)(*args), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f,args,argnums", CALLS, ids=IDS)
def test_forward_mode_matches_adoo(f, args, argnums):
    got = ad.jacobian(f, argnums=argnums, mode="forward", strategy="adsct")(*args)
    assert_trees_close(got, adoo.grad(f, argnums=argnums)(*args), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f,args,argnums", CALLS, ids=IDS)
def test_second_order_matches_adoo_and_finite_differences(f, args, argnums):
    got = ad.hessian(f, argnums=argnums, strategy="adsct")(*args)
    assert_trees_close(got, adoo.hessian(f, argnums=argnums)(*args), rtol=1e-9, atol=1e-10)
    if isinstance(argnums, int):
        np.testing.assert_allclose(got, numeric.hessian(f, *args, argnums=argnums), rtol=1e-4, atol=1e-5)


# -- parameters --------------------------------------------------------------------------------------

def test_a_default_left_out_is_a_constant_and_one_passed_is_differentiated():
    x = np.array([0.3, 0.8])
    assert "scale = 2.0" in adsct.source(scaled_sum)
    dx, dscale = adsct.grad(scaled_sum, argnums=(0, 1))(x, 3.0)
    np.testing.assert_allclose(dx, 3.0 + np.cos(x), rtol=1e-12)
    np.testing.assert_allclose(dscale, np.sum(x), rtol=1e-12)
    np.testing.assert_allclose(adsct.grad(scaled_sum)(x), 2.0 + np.cos(x), rtol=1e-12)  # (both cached apart)


def test_a_changed_default_regenerates_the_code():
    def shifted(x, shift=1.0):
        return np.sum((x - shift) ** 2)

    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(adsct.grad(shifted)(x), 2 * (x - 1.0))
    shifted.__defaults__ = (3.0,)
    np.testing.assert_allclose(adsct.grad(shifted)(x), 2 * (x - 3.0))


def test_keyword_only_parameter_without_default_is_refused_as_python_does():
    def needs_weight(x, *, weight):
        return np.sum(x * weight)

    with pytest.raises(TypeError, match=r"needs_weight\(\) missing 1 required keyword-only argument: 'weight'"):
        adsct.grad(needs_weight)(np.ones(2))


def test_too_many_arguments_name_the_users_function():
    with pytest.raises(TypeError, match=r"scaled_sum\(\) takes from 1 to 2 positional arguments but 3 were given"):
        adsct.grad(scaled_sum)(np.ones(2), 1.0, 2.0)


def _calls_smooth_abs_badly(x):
    return np.sum(smooth_abs(x, 0.1, 2.0, 3.0))


def _calls_with_an_unknown_keyword(x):
    return np.sum(smooth_abs(x, sharpness=2.0))


@pytest.mark.parametrize("f,message", [
    (_calls_smooth_abs_badly, r"smooth_abs\(\) takes from 1 to 3 positional arguments but 4 were given"),
    (_calls_with_an_unknown_keyword, r"smooth_abs\(\) got an unexpected keyword argument 'sharpness'")])
def test_a_bad_call_of_a_user_function_names_it_and_the_callers_line(f, message):
    with pytest.raises(UnsupportedSyntaxError, match=message) as error:
        adsct.grad(f)(np.ones(2))
    assert f"test_adsct_calls.py:{f.__code__.co_firstlineno + 1}:" in str(error.value)


# -- calls of functions made inside f -----------------------------------------------------------------

def _factorial_power(x, n):
    if n == 0:
        return x
    return x * _factorial_power(x, n - 1)


def _uses_recursion(x):
    return np.sum(_factorial_power(x, 3))


def test_recursion_is_differentiated_by_recursive_code():
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(adsct.grad(_uses_recursion)(x), 4 * x ** 3, rtol=1e-14)
    assert "_factorial_power_vjp(" in adsct.source(_factorial_power)


def _recursive_local(x):
    def again(y, n):
        return y if n == 0 else again(y * y, n - 1)

    return again(x, 2)


def test_recursion_of_a_local_function_is_refused_naming_it_and_the_line():
    with pytest.raises(UnsupportedSyntaxError, match="a recursive call of again, a function defined inside") as error:
        adsct.grad(_recursive_local)(0.5)
    assert f":{_recursive_local.__code__.co_firstlineno + 2}:" in str(error.value)
    assert "loop" in error.value.hint


def _local_function_given_to_numpy(x):
    def square(t):
        return t * t

    return np.sum(np.vectorize(square)(x))


def _local_function_in_a_branch(x):
    if np.sum(x) > 0:
        def g(t):
            return t * 2.0
    else:
        def g(t):
            return t * 3.0
    return np.sum(g(x))


@pytest.mark.parametrize("f,message", [
    (_local_function_given_to_numpy, "the local function square is used as a value"),
    (_local_function_in_a_branch, r"a local function \(g\) defined inside a branch or loop")])
def test_local_functions_adsct_cannot_follow_are_refused(f, message):
    with pytest.raises(UnsupportedSyntaxError, match=message):
        adsct.grad(f)(np.array([0.5, 1.5]))


def _methods_of_constant_arrays(x):
    weights = np.linspace(0.5, 1.5, 6).reshape(2, 3)
    return np.ones(6).dot(x ** 2) + np.sum(weights * x.reshape(2, 3))


def test_methods_of_constant_expressions_take_traced_arguments():
    x = np.array([0.1, 0.4, 0.2, 0.9, 0.5, 0.3])
    want = numeric.grad(_methods_of_constant_arrays, x, method="richardson")
    np.testing.assert_allclose(adsct.grad(_methods_of_constant_arrays)(x), want, rtol=1e-8)
    np.testing.assert_allclose(adsct.jacobian(_methods_of_constant_arrays, mode="forward")(x), want, rtol=1e-8)


def test_a_closure_reads_the_variable_as_it_is_when_called():
    x = np.array([0.2, 0.7])
    want = 2.0 + np.sin(x) + x * np.cos(x)  # d/dx of 2x + sin(x) x
    np.testing.assert_allclose(adsct.grad(closure_reads_late)(x), want, rtol=1e-12)


_rough = functools.partial(smooth_abs, eps=0.5, power=3.0)  # (a function with defaults, bound by keyword)


def _uses_a_global_partial(v):
    return np.sum(_rough(v))


def test_a_global_partial_of_a_function_with_defaults_is_differentiated():
    x = np.array([0.2, -0.7])
    want = numeric.grad(_uses_a_global_partial, x, method="richardson")
    np.testing.assert_allclose(adsct.grad(_uses_a_global_partial)(x), want, rtol=1e-8)
    np.testing.assert_allclose(adsct.grad(_rough)(0.4), numeric.grad(_rough, 0.4, method="richardson"), rtol=1e-8)


# -- generated code -----------------------------------------------------------------------------------

@pytest.mark.parametrize("f,mode,golden", [
    (penalised, "reverse", "calls_keyword_only_defaults_reverse"),
    (closure_reads_late, "reverse", "calls_closure_reverse"),
    (closure_reads_late, "forward", "calls_closure_forward")])
def test_generated_source_matches_golden_file(f, mode, golden):
    path = GOLDEN / f"{golden}.py"
    text = adsct.source(f, mode=mode)
    if os.environ.get("AD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), "generated code changed; review it and rerun with AD_UPDATE_GOLDEN=1"


def test_local_functions_leave_no_flags_or_copies_behind():
    text = adsct.source(closure_reads_late)
    assert "returned" not in text, "a local def's return is not an early return of f"
    assert "scaled, line" in text, "inlined code says which local function it comes from"


# -- functions without source -------------------------------------------------------------------------

_TYPED = "def typed(x, k=2.0):\n    return np.sum(np.sin(x) * k)\n"


def test_source_keyword_of_grad_jvp_vjp_and_hessian():
    namespace = {"np": np}
    exec(_TYPED, namespace)  # (inspect cannot read it)
    typed, x = namespace["typed"], np.array([0.3, 1.1])
    with pytest.raises(UnsupportedSyntaxError, match="source="):
        adsct.grad(typed)(x)
    np.testing.assert_allclose(adsct.grad(typed, source=_TYPED)(x), 2.0 * np.cos(x), rtol=1e-12)
    value, tangent = adsct.jvp(typed, (x,), (np.ones(2),), source=_TYPED)
    np.testing.assert_allclose(tangent, np.sum(2.0 * np.cos(x)), rtol=1e-12)
    value, vjp_fn = adsct.vjp(typed, x, source=_TYPED)
    np.testing.assert_allclose(vjp_fn(1.0)[0], 2.0 * np.cos(x), rtol=1e-12)
    np.testing.assert_allclose(adsct.hessian(typed, source=_TYPED)(x), np.diag(-2.0 * np.sin(x)), rtol=1e-12)


def test_grad_of_a_numpy_function():
    x = np.array([0.3, 1.1])
    assert ad.grad(np.sin)(0.5) == np.cos(0.5)
    np.testing.assert_allclose(adsct.jacobian(np.tanh, mode="forward")(x), np.diag(1 - np.tanh(x) ** 2), rtol=1e-12)
    np.testing.assert_allclose(ad.hessian(np.exp, strategy="adsct")(0.5), np.exp(0.5), rtol=1e-12)


@pytest.mark.parametrize("program,expected", [
    ("import ad; print(ad.grad(lambda x: x ** 2)(3.0))", "6.0"),
    ("import ad, numpy as np; print(ad.grad(np.sin)(0.0))", "1.0"),
    ("from ad import adsct; f = lambda x: x ** 3; print(adsct.grad(f, source='f = lambda x: x ** 3')(2.0))", "12.0")])
def test_python_dash_c(program, expected):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == expected


def test_default_strategy_is_adoo_only_for_functions_without_source():
    from ad.strategies import default_for
    assert default_for(scaled_sum) == "adsct" and default_for(np.sin) == "adsct"
    unreadable = eval("lambda x: x * 2.0")
    assert default_for(unreadable) == "adoo" and default_for(unreadable, source="lambda x: x * 2.0") == "adsct"
    assert ad.grad(unreadable)(1.0) == 2.0
