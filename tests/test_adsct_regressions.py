"""adsct regressions (issue 13): each test names the construct that once gave a wrong
derivative or a confusing error, and checks adsct against finite differences and adoo in
reverse mode, forward mode and second order where the construct can appear there."""

import numpy as np
import pytest

from ad import adoo, adsct, numeric
from trees import assert_trees_close


def _check_every_mode(f, x, second_order=True):
    """adsct's gradient (reverse), its forward-mode derivative and its second derivative agree
    with finite differences and with adoo at x (a number or a 1-d array)."""
    want = numeric.grad(f, x, method="richardson")
    assert_trees_close(adsct.grad(f)(x), want, rtol=1e-6, atol=1e-8, err_msg="reverse")
    assert_trees_close(adsct.grad(f)(x), adoo.grad(f)(x), rtol=1e-10, atol=1e-12, err_msg="reverse vs adoo")
    if np.ndim(x) == 0:
        forward = adsct.jvp(f, (x,), (1.0,))[1]
    else:
        forward = adsct.jacobian(f, mode="forward")(x)
    assert_trees_close(forward, want, rtol=1e-6, atol=1e-8, err_msg="forward")
    if second_order:
        want_hessian = adoo.hessian(f)(x)
        assert_trees_close(adsct.hessian(f)(x), want_hessian, rtol=1e-8, atol=1e-10, err_msg="hessian")
        if np.ndim(x) == 0:
            assert_trees_close(adsct.grad(adsct.grad(f))(x), want_hessian, rtol=1e-8, atol=1e-10,
                               err_msg="grad of grad")


# -- item 2: re-binding a differentiated name starts a new value -------------------------------

def loop_variable_reuses_the_parameter(x):
    y = x * 2.0
    for x in range(2):
        y = y + x
    return y


def loop_variable_reuses_the_parameter_then_reads_it(x):
    y = x * x
    for x in range(3):
        y = y * 1.5 + x
    return y * x


def parameter_rebound_in_a_branch(x):
    y = x * x
    if y > 0.1:
        x = 3.0
    return y * x


def parameter_rebound_by_a_tuple_inside_a_loop(x):
    y = np.sin(x)
    for i in range(2):
        x, z = 2.0, x
        y = y * x + z
    return y


def parameter_rebound_to_a_new_value_in_a_loop(x):
    y = x
    for i in range(2):
        x = x * x  # depends on x: stays differentiated
        y = y + x
    return y


@pytest.mark.parametrize("f", [loop_variable_reuses_the_parameter, loop_variable_reuses_the_parameter_then_reads_it,
                               parameter_rebound_in_a_branch, parameter_rebound_by_a_tuple_inside_a_loop,
                               parameter_rebound_to_a_new_value_in_a_loop])
def test_rebinding_a_differentiated_name_in_control_flow(f):
    _check_every_mode(f, 0.7)


def test_loop_variable_reusing_an_array_parameter():
    def f(x):
        y = np.sum(x * x)
        for x in range(2):
            y = y + x
        return y
    _check_every_mode(f, np.array([0.3, -1.2]), second_order=False)
    np.testing.assert_allclose(adsct.hessian(f)(np.array([0.3, -1.2])), 2.0 * np.eye(2))


def unpacking_a_tuple_argument_in_a_branch(x, p):
    a = x
    if x < 0.0:
        a, b = p
    return a * x


def looping_over_a_tuple_argument_in_a_branch(x, p):
    y = x
    if x < 0.0:
        for y in p:
            x = x + 1.0
    return y * x


@pytest.mark.parametrize("f", [unpacking_a_tuple_argument_in_a_branch, looping_over_a_tuple_argument_in_a_branch])
@pytest.mark.parametrize("x", [0.5, -0.5])
def test_names_for_a_tuple_arguments_items_inside_a_branch(f, x):
    p = (2.0, 3.0)
    value, grads = adsct.value_and_grad(f, argnums=(0, 1))(x, p)
    assert value == f(x, p)
    assert_trees_close(grads, adoo.grad(f, argnums=(0, 1))(x, p), rtol=1e-12)
    tangent = adsct.jvp(f, (x, p), (1.0, (0.5, -2.0)))[1]
    np.testing.assert_allclose(tangent, adoo.jvp(f, (x, p), (1.0, (0.5, -2.0)))[1], rtol=1e-12)
