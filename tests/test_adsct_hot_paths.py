"""adsct's hot paths of grad / value_and_grad (specialise.float_entry, array_entry): the same
numbers as the general path, and the general path wherever an argument or a result is out of
the ordinary."""

import sys

import numpy as np
import pytest
from hypothesis import given
from random_programs import partly_active_programs, straight_line_programs

from ad import adsct


def _loss(w, b, x):
    return np.sum(np.maximum(x @ w + b, 0.0) ** 2) + np.mean(w)


def _general(f, argnums, *args):
    """value_and_grad by the general path (a fresh transform, called once: no hot path yet)."""
    return adsct.value_and_grad(f, argnums=argnums)(*args)


def test_the_array_hot_path_gives_the_general_paths_numbers():
    rng = np.random.default_rng(0)
    args = (rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3)))
    g = adsct.value_and_grad(_loss, argnums=(0, 1))
    want = _general(_loss, (0, 1), *args)
    for _ in range(3):  # (the first call sets the hot path up; the next ones take it)
        value, grads = g(*args)
        assert type(value) is float and value == want[0]
        for got, expected, arg in zip(grads, want[1], args):
            assert got.dtype == np.float64 and got.shape == arg.shape
            np.testing.assert_array_equal(got, expected)


def test_floats_and_arrays_take_turns():
    g = adsct.grad(lambda x: np.sum(np.sin(x) * x))
    for _ in range(2):
        assert g(0.5) == np.sin(0.5) + 0.5 * np.cos(0.5)
        np.testing.assert_allclose(g(np.array([0.5, 1.0])), np.sin([0.5, 1.0]) + [0.5, 1.0] * np.cos([0.5, 1.0]))


def test_float32_arrays_leave_the_hot_path_and_stay_float32():
    g = adsct.grad(lambda x: np.sum(x * x))
    g(np.ones(3))
    assert g(np.ones(3, np.float32)).dtype == np.float32
    assert g(np.ones(3)).dtype == np.float64


def test_a_parameter_the_function_rebinds_keeps_its_shape():
    def f(x):
        x = x[:2] * 2.0
        return np.sum(x * x)

    g = adsct.grad(f)
    for _ in range(2):
        np.testing.assert_array_equal(g(np.array([1.0, 2.0, 3.0])), [8.0, 16.0, 0.0])


def test_an_error_in_the_hot_path_is_raised_by_the_general_path_naming_the_line():
    g = adsct.grad(_loss)
    args = (np.ones((3, 2)), np.ones(2), np.ones((4, 3)))
    g(*args)
    with pytest.raises(ValueError) as error:
        g(np.ones((5, 2)), np.ones(2), np.ones((4, 3)))
    assert "return np.sum(np.maximum(x @ w + b, 0.0) ** 2)" in " ".join(error.value.__notes__)


SCALE = 2.0


def _scaled(x):
    return np.sum(SCALE * np.sin(x))


_scaled_grad = adsct.grad(_scaled)


def _calls_a_gradient(x):
    return np.sum(_scaled_grad(x) * x)


def test_both_hot_paths_notice_a_callees_global_rebound(monkeypatch):
    g, x = adsct.grad(_calls_a_gradient), np.array([0.5, 0.25])
    for scale in (2.0, 3.0):
        monkeypatch.setattr(sys.modules[__name__], "SCALE", scale)
        for _ in range(2):
            assert g(0.5) == pytest.approx(scale * (np.cos(0.5) - 0.5 * np.sin(0.5)), rel=1e-14)
            np.testing.assert_allclose(g(x), scale * (np.cos(x) - x * np.sin(x)), rtol=1e-14)


def _broadcasting(w, b, c):
    return np.sum(np.sin(w + b) * 2.0 * w + c ** 2 * w)


def test_the_array_hot_path_sums_back_what_broadcasts():
    w, b, c = np.linspace(0.1, 0.6, 6).reshape(2, 3), np.array([0.5, -0.5, 1.0]), np.array([[2.0], [3.0]])
    want = _general(_broadcasting, (0, 1, 2), w, b, c)[1]
    g = adsct.grad(_broadcasting, argnums=(0, 1, 2))
    for _ in range(3):
        grads = g(w, b, c)
        for got, expected, arg in zip(grads, want, (w, b, c)):
            assert got.shape == arg.shape
            np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(grads[1], np.sum(2.0 * w * np.cos(w + b), axis=0))


def test_sameshape_leaves_code_with_inner_scopes_alone():
    import ast
    from ad.adsct.astutil import HELPER
    from ad.adsct.sameshape import drop_known_unbroadcasts
    text = f"t = {HELPER}ops.sin(x)\nu = [{HELPER}unbroadcast(t * x, t) for x in y]\n"
    body = ast.parse(text).body
    assert ast.unparse(drop_known_unbroadcasts(body, ["x", "y"])) == ast.unparse(ast.parse(text))


def _as_arrays(values):
    return [np.array(v, dtype=np.float64) if np.isrealobj(v) else v for v in values]


def _same(first, second):
    for a, b in zip(first, second):
        assert type(a) is type(b) and np.shape(a) == np.shape(b) and np.result_type(a) == np.result_type(b)
        np.testing.assert_array_equal(a, b)


@given(program=straight_line_programs())
def test_hot_paths_of_random_programs_repeat_the_general_paths_numbers(program):
    f, args = program.compile(numpy=True), _as_arrays(program.values)
    every = tuple(range(len(args)))
    g = adsct.value_and_grad(f, argnums=every)
    with np.errstate(all="ignore"):
        first = g(*args)  # (the general path; it sets the hot path up)
        second, third = g(*args), g(*args)
    _same([first[0]] + list(first[1]), [second[0]] + list(second[1]))
    _same([first[0]] + list(first[1]), [third[0]] + list(third[1]))


@given(program=partly_active_programs())
def test_hot_paths_of_partly_active_programs_repeat_the_general_paths_numbers(program):
    program, wrt = program
    f, args = program.compile(numpy=True), _as_arrays(program.values)
    g = adsct.grad(f, argnums=tuple(wrt))
    with np.errstate(all="ignore"):
        first, second = g(*args), g(*args)
    _same(first, second)
