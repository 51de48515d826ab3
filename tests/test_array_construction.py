"""Arrays built from traced values with NumPy's own constructors (issue 14).

Users write `np.array([x, y])`, `np.asarray([...])`, `np.r_[x, y]` or `np.mean([a, b])` on the
values adoo traces.  Each program below is checked against plain NumPy for its value and against
finite differences (ad.numeric) for its derivative: reverse mode, forward mode and second order.
"""

import numpy as np
import pytest

import ad
from ad import adoo, numeric
from ad.errors import NotDifferentiableError

RNG = np.random.default_rng(14)


def _scalar(f, x):
    """x -> a fixed random weighting of all of f's outputs (a scalar to differentiate)."""
    weights = RNG.standard_normal(np.shape(f(x)))
    return lambda v: np.sum(f(v) * weights)


def check(f, x, hessian=True):
    """f's value against plain NumPy; reverse, forward and second derivatives against numeric ones."""
    expected = f(x)  # plain NumPy on plain inputs: the specification
    direction = RNG.standard_normal(np.shape(x)) if np.ndim(x) else 0.7
    value, tangent = adoo.jvp(f, (x,), (direction,))
    assert np.shape(value) == np.shape(expected)
    np.testing.assert_allclose(value, expected, rtol=1e-13)
    np.testing.assert_allclose(tangent, numeric.jvp(f, (x,), (direction,))[1], rtol=1e-6, atol=1e-8)
    s = _scalar(f, x)
    np.testing.assert_allclose(adoo.grad(s)(x), numeric.grad(s, x, method="richardson"), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(adoo.jacobian(f, mode="forward")(x), adoo.jacobian(f)(x), rtol=1e-12, atol=1e-14)
    if hessian:
        np.testing.assert_allclose(ad.hessian(s, strategy="adoo")(x), numeric.hessian(s, x), rtol=1e-4, atol=1e-5)


# -- np.array / np.asarray of lists --------------------------------------------------------------

def test_array_of_scalar_expressions():
    check(lambda x: np.array([x, x * 1.0, x + 2.5]) * np.sin(x), 0.8)


def test_array_of_scalars_then_vector_code():
    def f(x):
        p = np.array([np.cos(x), np.sin(x)])
        return np.exp(p) @ np.array([[1.0, 2.0], [3.0, -1.0]]) + p ** 2
    check(f, 0.3)


def test_two_dimensional_array_from_scalars_then_matrix_code():
    def f(v):
        a, b = v[0], v[1]
        m = np.array([[a, b], [-b, a * a]])
        return (m + 3.0 * np.eye(2)) @ m.T @ np.array([1.0, -2.0]) + np.trace(m)
    check(f, np.array([0.4, 1.3]))


def test_array_of_vectors_has_the_numpy_shape():
    def f(v):
        x, y = v[:3], np.sin(v[3:])
        a = np.array([x, y])
        assert a.shape == (2, 3)
        return a @ np.arange(3.0) + a.sum(axis=1)
    check(f, np.linspace(0.2, 1.4, 6))


def test_asarray_of_a_list_of_traced_values():
    check(lambda v: np.asarray([v[0] * v[1], v[1], 2.0]) * v, np.array([0.5, 1.5, -0.5]))


def test_fan_out_the_same_value_in_many_places():
    def f(x):
        a = np.array([[x, x], [x, x * x]])
        return a @ a + np.sum(a, axis=0)
    check(f, 1.3)


def test_mixing_traced_values_and_constants():
    def f(x):
        a = np.array([x, 1.0, 2.0 * x, -3.0])
        return np.exp(a * x) * np.array([1.0, 2.0, 3.0, 4.0]) + (a @ a) * a
    check(f, 0.25)


def test_nested_lists_of_traced_values():
    def f(v):
        a, b, c = v
        return np.array([[[a, b], [c, a]], [[b * c, 0.5], [a - c, b]]]).sum(axis=(0, 2))
    check(f, np.array([0.3, -0.7, 1.1]))


def test_array_of_a_traced_vector_is_the_vector():
    check(lambda x: np.asarray(x) * x + np.array(x) ** 2, np.array([0.5, -1.5, 2.0]))
    check(lambda x: np.asarray(x) * x, 2.0)


def test_numpy_functions_on_an_array_of_traced_scalars():
    def f(v):
        a = np.array([v[0], v[1], v[0] * v[1]])
        return np.stack([np.sqrt(a), np.tanh(a), np.arctan2(a, 2.0), np.hypot(a, a[::-1]),
                         np.maximum(a, 0.6), np.abs(a), np.square(a)])
    check(f, np.array([0.4, 1.7]))


def test_object_array_returned_by_f_is_differentiated():
    f = lambda x: np.array([x, x ** 2, np.sin(x)])
    np.testing.assert_allclose(adoo.jacobian(f)(0.5), [1.0, 1.0, np.cos(0.5)])
    np.testing.assert_allclose(adoo.jacobian(f, mode="forward")(0.5), [1.0, 1.0, np.cos(0.5)])
    check(f, 0.5)


def test_array_of_values_returned_inside_a_pytree():
    f = lambda x: {"pair": np.array([x, 2.0 * x]), "x": x}
    value, vjp_fn = adoo.vjp(f, 1.5)
    assert value["pair"].dtype == np.float64
    np.testing.assert_allclose(vjp_fn({"pair": np.array([1.0, 1.0]), "x": 1.0})[0], 4.0)


# -- np.r_, np.c_ ----------------------------------------------------------------------------------

def test_r_joins_traced_pieces():
    check(lambda v: np.r_[v[:2] * 2.0, np.cos(v[2]), v] ** 2, np.array([0.2, 0.9, -0.4]))


def test_c_makes_columns_of_traced_vectors():
    def f(v):
        m = np.c_[v, np.sin(v), np.ones(3)]
        assert m.shape == (3, 3)
        return m.T @ m
    check(f, np.array([0.2, 0.9, -0.4]))


# -- reductions of lists ---------------------------------------------------------------------------

def test_mean_sum_max_of_a_list_of_traced_values():
    check(lambda v: np.mean([v[0], v[1] ** 2, np.sin(v[2])]), np.array([0.3, 1.2, 0.5]))
    check(lambda v: np.sum([v[0], v[1] * v[2]]), np.array([0.3, 1.2, 0.5]))
    check(lambda v: np.max([v[0], v[1], v[2]]) * v[0], np.array([0.3, 1.2, 0.5]))


def test_array_methods_of_an_array_of_traced_values():
    check(lambda v: np.array([v[0], v[1] * v[2]]).mean() + np.array([[v[0]], [v[2]]]).std(), np.array([0.3, 1.2, 0.5]))


def test_float32_values_stay_float32():
    x = np.array([0.5, 1.5], dtype=np.float32)
    value, g = adoo.value_and_grad(lambda v: np.sum(np.array([v, v * v]) * 2.0))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2.0 + 4.0 * x, rtol=1e-6)


def test_mean_along_an_axis_of_a_list_of_traced_vectors():
    check(lambda v: np.mean([v, np.cos(v)], axis=0), np.array([0.3, 1.2, 0.5]))


def test_var_std_and_norm_of_a_list_of_traced_values():
    check(lambda v: np.var([v[0], v[1], v[2] * 2.0]), np.array([0.3, 1.2, 0.5]))
    check(lambda v: np.std([v[0], v[1], v[2] * 2.0]), np.array([0.3, 1.2, 0.5]))
    check(lambda v: np.linalg.norm([v[0], v[1], 1.0]), np.array([0.3, 1.2, 0.5]))


# -- what still cannot be traced is refused, never a wrong number ----------------------------------

@pytest.mark.parametrize("convert", [lambda v: np.array([v], dtype=float),
                                     lambda v: np.array([v, v]).astype(float),
                                     lambda v: np.asarray(v, dtype=np.float64),
                                     lambda v: np.asarray(v * np.ones(2), dtype=np.float64)])
def test_conversion_to_a_numeric_dtype_is_refused(convert):
    # (NumPy reports .astype(float) of an array of traced values as a ValueError of its own)
    with pytest.raises((NotDifferentiableError, ValueError)):
        adoo.grad(lambda x: np.sum(convert(x) * x))(2.0)


@pytest.mark.parametrize("program", [lambda m: np.linalg.inv(m), lambda m: np.linalg.det(m),
                                     lambda m: np.linalg.eigvalsh(m)])
def test_linalg_on_an_array_of_traced_values_is_refused_not_wrong(program):
    # NumPy's linalg has no loop for object arrays and refuses them itself: never a number
    def f(v):
        return np.sum(program(np.array([[v[0], 1.0], [0.5, v[1]]])))
    with pytest.raises(TypeError):
        adoo.grad(f)(np.array([1.0, 2.0]))
    with pytest.raises(TypeError):
        adoo.jvp(f, (np.array([1.0, 2.0]),), (np.ones(2),))


def test_writing_into_asarray_of_a_traced_array_is_refused():
    # np.asarray(x) is x itself in NumPy: a write into it would change x, so it is refused here,
    # in our words (NumPy's own "assignment destination is read-only" said nothing of asarray)
    def f(x):
        view = np.asarray(x)
        view[0] = 0.0
        return np.sum(x)
    with pytest.raises(NotDifferentiableError, match=r"np\.asarray\(x\) of a traced array gives a copy.*line \d+: view = np"):
        adoo.grad(f)(np.ones(3))


def test_array_keeps_the_values_it_was_built_from_after_an_in_place_update():
    # np.array copies: a later `x += 1` must not reach the array (its rows are x's old values)
    def f(v):
        x = v * 1.0
        a = np.array([x, 2.0 * x])
        x += 1.0
        return a * v + x
    check(f, np.array([0.5, -1.0, 2.0]))
