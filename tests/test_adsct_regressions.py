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


# -- item 3: a decorated function is differentiated as what calling it does ---------------------

import functools

from ad.errors import UnsupportedSyntaxError


def doubled(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


def doubled_without_wraps(fn):
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


def doubled_with_star_args(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return 2.0 * fn(*args)
    return wrapper


REGISTERED = []


def register(fn):
    REGISTERED.append(fn)
    return fn


class Doubled:
    """A class-based decorator."""

    def __init__(self, fn):
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, x):
        return 2.0 * self.fn(x)


@doubled
def cube_doubled(x):
    return x ** 3


@doubled_without_wraps
def cube_doubled_without_wraps(x):
    return x ** 3


@register
def cube_registered(x):
    return x ** 3


@Doubled
def cube_doubled_by_a_class(x):
    return x ** 3


@pytest.mark.parametrize("f", [cube_doubled, cube_doubled_without_wraps, cube_registered, cube_doubled_by_a_class])
def test_decorated_functions_are_differentiated_as_called(f):
    _check_every_mode(f, 1.5)


def test_a_wrapper_taking_star_args_is_differentiated_as_called():
    @doubled_with_star_args
    def cube(x):
        return x ** 3
    assert adsct.grad(cube)(1.5) == pytest.approx(2.0 * 3 * 1.5 ** 2, rel=1e-12)
    _check_every_mode(cube, 1.5)


def test_functools_partial_binds_arguments():
    def scaled_power(scale, x, p):
        return scale * x ** p
    f = functools.partial(scaled_power, 3.0)
    _check_every_mode(lambda x: f(x, 3.0), 1.5)
    assert_trees_close(adsct.grad(f, argnums=(0, 1))(1.5, 3.0), adoo.grad(f, argnums=(0, 1))(1.5, 3.0), rtol=1e-12)
    cubed = functools.partial(scaled_power, p=3.0)  # x stays positional, p is bound by keyword
    assert_trees_close(adsct.grad(cubed, argnums=1)(2.0, 1.5), numeric.grad(cubed, 2.0, 1.5, argnums=1),
                       rtol=1e-6)
    _check_every_mode(functools.partial(scaled_power, 2.0, p=3.0), 1.5)


def test_functools_lru_cache_is_refused_clearly():
    @functools.lru_cache(maxsize=None)
    def cube(x):
        return 2.0 * x ** 3
    with pytest.raises(UnsupportedSyntaxError, match="lru_cache"):
        adsct.grad(cube)(1.5)


# -- bound methods: self is a constant, argnums count the method's own arguments ----------------

class Model:
    def __init__(self, w):
        self.w = w

    def predict(self, x):
        return self.w * np.sin(x)

    def loss(self, x, y):
        return (self.predict(x) - y) ** 2


def test_bound_method_gradient():
    model = Model(3.0)
    _check_every_mode(model.predict, 0.4)
    f = model.loss
    want = adoo.grad(f, argnums=(0, 1))(0.4, 1.0)
    assert_trees_close(adsct.grad(f, argnums=(0, 1))(0.4, 1.0), want, rtol=1e-12)
    assert_trees_close(adsct.grad(f, argnums=1)(0.4, 1.0), want[1], rtol=1e-12)


def test_bound_method_sees_the_instance_it_is_bound_to():
    model, other = Model(3.0), Model(-2.0)
    g = adsct.grad(model.predict)
    assert g(0.4) == pytest.approx(3.0 * np.cos(0.4))
    assert adsct.grad(other.predict)(0.4) == pytest.approx(-2.0 * np.cos(0.4))
    model.w = 5.0  # an attribute read at run time, like the method does
    assert g(0.4) == pytest.approx(5.0 * np.cos(0.4))


def test_function_stored_on_a_class_called_through_an_instance():
    def predict(self, x):
        return self.w * x * x
    Model.plain = predict
    try:
        model = Model(3.0)
        _check_every_mode(model.plain, 0.4)
    finally:
        del Model.plain


# -- item 8: generated code follows the function it came from -----------------------------------

def test_replacing_code_regenerates_the_derivative():
    def f(x):
        return x * x

    def cubed(x):
        return x * x * x
    g = adsct.grad(f)
    assert g(3.0) == 6.0
    f.__code__ = cubed.__code__
    assert g(3.0) == pytest.approx(27.0)
    assert adsct.jvp(f, (3.0,), (1.0,))[1] == pytest.approx(27.0)
    assert adsct.grad(adsct.grad(f))(3.0) == pytest.approx(18.0)


def test_replacing_a_callees_code_regenerates_the_derivative():
    def inner(x):
        return x * x

    def f(x):
        return np.sin(inner(x))
    g = adsct.grad(f)
    assert g(0.5) == pytest.approx(np.cos(0.25) * 1.0)
    inner.__code__ = (lambda x: x * x * x).__code__
    assert g(0.5) == pytest.approx(np.cos(0.125) * 0.75)


def test_rebinding_a_closure_variable_regenerates_the_derivative():
    def make():
        power = 2.0

        def f(x):
            return x ** power

        def set_power(p):
            nonlocal power
            power = p
        return f, set_power
    f, set_power = make()
    g = adsct.grad(f)
    assert g(3.0) == pytest.approx(6.0)
    set_power(3.0)
    assert g(3.0) == pytest.approx(27.0)


def test_defaults_set_on_a_function_are_the_ones_python_uses():
    def f(x, p):
        return x ** p
    f.__defaults__ = (3.0,)  # (not in the source: f(2.0) is 2.0 ** 3.0 all the same)
    assert adsct.grad(f)(2.0) == pytest.approx(12.0, rel=1e-12)
    assert adsct.grad(f, argnums=1)(2.0, 2.0) == pytest.approx(4.0 * np.log(2.0), rel=1e-12)


# -- a function built by another strategy's transform is differentiated by running it ----------

def cube_of_sine(x):
    return np.sin(x) ** 3


def test_adsct_differentiates_an_adoo_gradient():
    g = adoo.grad(cube_of_sine)
    want = numeric.grad(g, 0.7, method="richardson")
    assert adsct.grad(g)(0.7) == pytest.approx(want, rel=1e-7)
    assert adsct.jvp(g, (0.7,), (1.0,))[1] == pytest.approx(want, rel=1e-7)
    assert adsct.hessian(g)(0.7) == pytest.approx(numeric.grad(adoo.grad(g), 0.7, method="richardson"), rel=1e-6)
    x = np.array([0.3, 0.9])
    assert_trees_close(adsct.jacobian(adoo.grad(lambda v: np.sum(v ** 3)))(x), np.diag(6.0 * x), rtol=1e-12)


# -- Python floats where math raises and NumPy does not: NumPy's semantics ---------------------

def square_root(x):
    return x ** 0.5


def square_root_times(x, y):
    return np.sum(y * x ** 0.5)


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_float_code_falls_back_to_numpy_semantics_at_zero():
    assert adsct.grad(square_root)(0.0) == adoo.grad(square_root)(0.0) == np.inf
    assert adsct.value_and_grad(square_root)(0.0) == (0.0, np.inf)
    assert adsct.jvp(square_root, (0.0,), (1.0,)) == (0.0, np.inf)
    assert adsct.hessian(square_root)(0.0) == adoo.hessian(square_root)(0.0)
    y = np.array([1.0, 2.0])  # a float next to an array: the general code, on NumPy floats too
    np.testing.assert_array_equal(adsct.grad(square_root_times)(0.0, y), adoo.grad(square_root_times)(0.0, y))


# -- math.* functions take numbers: an array of several is refused, as math refuses it ----------

import math


def sum_of_math_sine(x):
    return np.sum(math.sin(x))


def math_power_of_a_sum(x):
    return math.pow(np.sum(x), 2.0) + math.exp(x[0])


def test_math_functions_refuse_arrays_like_python():
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError):
        sum_of_math_sine(x)  # what plain Python says
    for transform in (adsct.grad(sum_of_math_sine), adsct.jacobian(sum_of_math_sine, mode="forward"),
                      adsct.hessian(sum_of_math_sine)):
        with pytest.raises(TypeError, match=r"math.sin takes a number, got an array of shape \(2,\)"):
            transform(x)


def test_math_functions_of_numbers_keep_working():
    assert adsct.grad(sum_of_math_sine)(0.7) == pytest.approx(np.cos(0.7))  # (adoo refuses math.* by design)
    assert adsct.jvp(sum_of_math_sine, (0.7,), (1.0,))[1] == pytest.approx(np.cos(0.7))
    assert adsct.hessian(sum_of_math_sine)(0.7) == pytest.approx(-np.sin(0.7))
    assert adsct.grad(adsct.grad(sum_of_math_sine))(0.7) == pytest.approx(-np.sin(0.7))
    assert adsct.grad(sum_of_math_sine)(np.array(0.7)) == pytest.approx(np.cos(0.7))  # a 0-d array is a number
    x = np.array([0.3, 0.5])
    assert_trees_close(adsct.grad(math_power_of_a_sum)(x), numeric.grad(math_power_of_a_sum, x, method="richardson"),
                       rtol=1e-7)
    assert_trees_close(adsct.jacobian(math_power_of_a_sum, mode="forward")(x), adsct.grad(math_power_of_a_sum)(x),
                       rtol=1e-12)


# -- names the generated code uses cannot be shadowed by the user's names -------------------------

from ad.adsct.parse import define

HELPER_NAMES = ["ops", "math", "np", "cotangent_of", "unbroadcast", "broadcast_like", "zeros_like", "vjp_rule",
                "jvp_rule", "number_for_math", "saved", "list", "reversed", "range", "items", "iterations"]

_LOOPS = """
    for i in numpy.arange(2):
        y = y * x
    k = 0
    while k < 2:
        y = y + x
        k = k + 1
"""
PROGRAMS_WITH_NAME = {
    "global": "def program(x):\n    y = numpy.sin(x) * NAME\n" + _LOOPS + "    return numpy.sum(y)\n",
    "global, straight-line": "def program(x):\n    return numpy.sum(numpy.sin(x) * NAME * x)\n",
    "local": "def program(x):\n    NAME = x * 2.0\n    y = numpy.sin(NAME) * x\n" + _LOOPS + "    return numpy.sum(y)\n",
    "local, straight-line": "def program(x):\n    NAME = x * 2.0\n    return numpy.sum(numpy.sin(NAME) * x)\n",
    "parameter": "def program(x, NAME):\n    y = numpy.sin(x) * NAME\n" + _LOOPS + "    return numpy.sum(y)\n",
}


@pytest.mark.parametrize("kind", list(PROGRAMS_WITH_NAME))
@pytest.mark.parametrize("name", HELPER_NAMES)
def test_user_names_do_not_collide_with_generated_code(name, kind):
    text = PROGRAMS_WITH_NAME[kind].replace("NAME", name)
    f = define(text, "program", {"numpy": np, name: 3.0}, f"<program using {name!r} #{kind}>")
    for x in (0.4, np.array([0.3, 0.7])):
        args = (x, 1.5) if kind == "parameter" else (x,)
        argnums = (0, 1) if kind == "parameter" else 0
        want = adoo.grad(f, argnums=argnums)(*args)
        assert_trees_close(adsct.grad(f, argnums=argnums)(*args), want, rtol=1e-12, err_msg="reverse")
        forward = adsct.jacobian(f, argnums=argnums, mode="forward")(*args)
        assert_trees_close(forward, want, rtol=1e-12, err_msg="forward")
        assert_trees_close(adsct.hessian(f)(*args), adoo.hessian(f)(*args), rtol=1e-10, err_msg="hessian")


@pytest.mark.parametrize("name", ["ops", "out", "x0", "u0"])
def test_a_function_named_like_the_output_wrappers_names(name):
    f = define(f"def {name}(x):\n    return (x * x, numpy.sin(x))\n", name, {"numpy": np}, f"<function {name}>")
    x = np.array([0.3, 0.7])
    assert_trees_close(adsct.jacobian(f)(x), adoo.jacobian(f)(x), rtol=1e-12)
    assert_trees_close(adsct.jacobian(f, mode="forward")(x), adoo.jacobian(f)(x), rtol=1e-12)


def swapping_names_in_a_loop(x):
    a, b = x, 2.0 * x
    for i in range(3):
        a, b = b, a * b
    return a + np.sin(b)


def test_swapping_names_by_tuple_assignment():
    _check_every_mode(swapping_names_in_a_loop, 0.6)


def reshaped_then_taken_over(x, y):
    x = x.reshape(-1)
    for x in range(2):  # the loop variable takes over the reshaped array's name
        y = x + y * 1.5
    return np.sum(y)


def test_adjoint_of_a_value_a_loop_variable_took_over_has_its_shape():
    # The reverse sweep restarts the older value's adjoint as a zero of its shape; a scalar
    # 0.0 made reshape's rule fail ("cannot reshape array of size 1").
    x, y = np.array([0.3, -0.4, 0.9]), np.array([1.0, 2.0, 3.0])
    gradient = adsct.grad(reshaped_then_taken_over, argnums=(0, 1))(x, y)
    expected = numeric.grad(reshaped_then_taken_over, x, y, argnums=(0, 1))
    for got, want in zip(gradient, expected):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(adsct.hessian(reshaped_then_taken_over, argnums=1)(x, y), 0.0, atol=1e-12)


def reshaped_in_a_loop_and_unused(x, y):
    y = x * 0.5
    for i in range(2):
        x = x.reshape(-1)  # overwritten in the loop, never read afterwards
    return np.sum(y)


def test_adjoint_of_a_value_overwritten_in_a_loop_and_never_read_has_its_shape():
    x, y = np.array([0.3, -0.4, 0.9]), np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(adsct.grad(reshaped_in_a_loop_and_unused)(x, y), 0.5)
    np.testing.assert_allclose(adsct.hessian(reshaped_in_a_loop_and_unused)(x, y), 0.0, atol=1e-12)


def test_freeing_intermediates_keeps_every_name_until_its_last_read():
    """freeing.py deletes a name after the statement that last reads it: `x += ...` reads x,
    a name only assigned inside a branch is never deleted (it may be unbound), and the
    deleted names are never read again (the code runs)."""
    import ast
    from ad.adsct.freeing import free_after_last_use
    text = ("def f_vjp(x, b):\n    t = x * 2\n    u = t + 1\n    u += t\n    if b > 0:\n        w = u * 2\n"
            "    else:\n        w = u * 3\n    bt = b * w\n    return bt\n")
    function = free_after_last_use(ast.parse(text).body[0])
    freed = [ast.unparse(s) for s in function.body if isinstance(s, ast.Delete)]
    assert freed == ["del t", "del u"]
    namespace = {}
    exec(compile(ast.fix_missing_locations(ast.Module([function], [])), "<freed>", "exec"), namespace)
    assert namespace["f_vjp"](1.5, 2.0) == 2.0 * ((1.5 * 2 + 1) + 1.5 * 2) * 2
