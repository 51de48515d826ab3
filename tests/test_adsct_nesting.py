"""adsct differentiates functions that take derivatives themselves (nesting): grad,
value_and_grad and jvp called inside f become the generated code of the function they
differentiate, inlined into f's code (ad/adsct/nesting.py)."""

import functools

import numpy as np
import pytest

import ad
from ad import adoo, adsct, numeric
from ad.errors import UnsupportedSyntaxError

SCALE = 1.5


def gradient_norm(x):  # an inner gradient of an array function, closing over x
    g = adsct.grad(lambda w: np.sum(np.tanh(w * x)))
    return np.sum(g(x) ** 2)


def newton_sqrt(a):  # a derivative inside a loop: three Newton steps for sqrt(a)
    x = a
    for _ in range(3):
        x = x - (x * x - a) / ad.grad(lambda t: t * t - a)(x)
    return x


def energy_and_force(q, k):  # value_and_grad with two arguments, one of them selected by argnums
    def potential(r, stiffness):
        return 0.5 * stiffness * np.sum(r * r) + np.sum(np.cos(r))
    energy, force = adsct.value_and_grad(potential, argnums=0)(q, k)
    return energy + np.sum(force * force) * k


def directional(x):  # forward mode inside f
    value, slope = adsct.jvp(lambda y: np.sin(y) * x, (x,), (np.ones_like(x),))
    return np.sum(value * slope)


def late_binding(x):  # a closure reads x as it is when called, as Python does
    g = grad_of(lambda y: x * y * y)
    x = x * 2.0
    return g(1.0)


def grad_of(h):
    return adsct.grad(h)


def shifted(y, shift=0.5, *, power=2.0):
    return (y - shift) ** power


def with_defaults(x):  # a user's function with a default and a keyword-only parameter
    return adsct.grad(shifted)(x) + adsct.grad(shifted, argnums=(0, 1))(x, x * 0.1)[1]


def offset_cube(y, shift):
    return (y - shift) ** 3


def through_partial(x):
    return adsct.grad(functools.partial(offset_cube, shift=0.25))(x * x)


def apply_twice(g, y):  # a derivative passed to a function of the user's, which calls it
    return g(g(y))


def passed_on(x):
    return apply_twice(adsct.grad(lambda y: np.sin(x * y)), x)


def global_read(x):  # a module-level constant read inside the inner function
    return adsct.grad(lambda y: SCALE * y ** 3)(x) * x


def strategy_given(x):  # any exact strategy's grad is the same derivative
    return ad.grad(lambda y: y * np.exp(x * y), strategy="adoo")(x) + adoo.grad(lambda y: np.cos(x + y))(x)


def strategy_named(strategy, argnums):  # the transform's options read from the closure
    def f(x, y):
        return ad.grad(lambda a, b: a * np.sin(b) * x, argnums=argnums, strategy=strategy)(y, x)[1] * y
    return f


def cubic(a, x):
    return a * x ** 3


def second_of_a_partial(x):  # the partial's argument comes first: argnums count after it at both levels
    return x * adsct.grad(adsct.grad(functools.partial(cubic, 2.0)))(x)


def weighted_squares(w, y, c=1.0):
    return np.sum(c * w * y ** 2)


WEIGHTED = functools.partial(weighted_squares, np.array([1.0, 2.0]), c=3.0)


def of_a_global_partial(x):  # a functools.partial made at module level: its arguments passed in
    return np.sum(adsct.grad(WEIGHTED)(x) * x)


def second_inside(x):  # a gradient of a gradient, both taken inside f
    d2 = adsct.grad(adsct.grad(lambda y: np.sin(x * y)))
    return d2(x) * x


def looping_inner(x):
    def h(y):
        total = 0.0
        for k in range(3):
            total = total + np.sin(y * k)
        return total
    return adsct.grad(h)(x) * x


V = np.array([1.0, -0.5, 0.25])


def loss(w):
    return np.sum(np.sin(w) * w ** 2)


def hvp_norm(x):  # a Hessian-vector product: forward mode over a gradient, inside f
    return np.sum(adsct.jvp(adsct.grad(loss), (x,), (V,))[1] ** 2)


def one_inner_step(theta):  # an inner gradient step, then the outer loss (as in meta-learning)
    inner = lambda w: np.sum((w - theta) ** 2 * np.arange(1.0, 4.0))
    w1 = theta - 0.1 * ad.grad(inner)(theta * 0.5)
    return np.sum(np.cos(w1))


def force_squared(q):  # a force from a potential, inside an energy
    def potential(r):
        return np.sum(r ** 4) - np.sum(r ** 2)
    force = -ad.grad(potential)(q)
    return np.dot(force, force)


def residual(y, x):
    return np.sin(y * x) + y[::-1] * y[0]


def linearised_solve(x):  # a Jacobian inside f, used by a linear solve (as in a Newton step)
    J = ad.jacobian(lambda y: residual(y, x))(x * 0.5)
    return np.sum(np.linalg.solve(J + 3.0 * np.eye(3), x))


def hessian_trace(x):  # a Hessian inside f
    H = adsct.hessian(lambda y: np.sum(np.cos(y) * y * x))(x)
    return np.trace(H) * np.sum(x)


def forward_jacobian_of_a_matrix(x):  # jacfwd of a function of a matrix: shape output + argument
    J = adoo.jacfwd(lambda M: np.tanh(M @ x[:2]))(np.outer(x[:2], x[1:]))
    return np.sum(J * J)


PROGRAMS = [  # (function, arguments)
    (linearised_solve, (np.array([0.3, -0.5, 0.9]),)),
    (hessian_trace, (np.array([0.3, -0.5, 0.9]),)),
    (forward_jacobian_of_a_matrix, (np.array([0.3, -0.5, 0.9]),)),
    (hvp_norm, (np.array([0.3, 0.7, -1.1]),)),
    (looping_inner, (0.7,)),
    (one_inner_step, (np.array([0.3, 0.7, -1.1]),)),
    (force_squared, (np.array([0.3, 0.7, -1.1]),)),
    (gradient_norm, (np.array([0.3, -0.8, 1.2]),)),
    (newton_sqrt, (2.0,)),
    (energy_and_force, (np.array([0.4, -1.1]), 2.5)),
    (directional, (np.array([0.2, 0.7, -1.3]),)),
    (late_binding, (1.7,)),
    (with_defaults, (1.3,)),
    (through_partial, (0.9,)),
    (passed_on, (0.6,)),
    (global_read, (0.8,)),
    (strategy_given, (0.4,)),
    (second_inside, (0.7,)),
    (of_a_global_partial, (0.5,)),
    (second_of_a_partial, (1.5,)),
    (strategy_named("adoo", (0, 1)), (0.7, -0.4)),
]
IDS = [f.__name__ + ("" if np.ndim(args[0]) == 0 else "_array") for f, args in PROGRAMS]


def _scalar(f):
    return lambda *args: np.sum(f(*args))


@pytest.mark.parametrize("f,args", PROGRAMS, ids=IDS)
def test_value_is_what_the_function_computes(f, args):
    value, _ = adsct.value_and_grad(_scalar(f))(*args)
    np.testing.assert_allclose(value, np.sum(f(*args)), rtol=1e-13)


@pytest.mark.parametrize("f,args", PROGRAMS, ids=IDS)
def test_gradient_agrees_with_adoo_and_finite_differences(f, args):
    argnums = tuple(range(len(args)))
    got = adsct.grad(_scalar(f), argnums=argnums)(*args)
    expected = adoo.grad(_scalar(f), argnums=argnums)(*args)
    for g, e, x in zip(got, expected, args):
        np.testing.assert_allclose(g, e, rtol=1e-11, atol=1e-13)
        assert np.shape(g) == np.shape(x)
    numeric.check_grads(_scalar(f), args, strategy=adsct, order=1)


@pytest.mark.parametrize("f,args", PROGRAMS, ids=IDS)
def test_forward_mode_agrees_with_reverse_mode(f, args):
    tangents = tuple(np.full(np.shape(x), 0.5) + 0.1 * np.arange(np.size(x)).reshape(np.shape(x)) for x in args)
    _, slope = adsct.jvp(_scalar(f), args, tangents)
    grads = adsct.grad(_scalar(f), argnums=tuple(range(len(args))))(*args)
    np.testing.assert_allclose(slope, sum(np.sum(g * t) for g, t in zip(grads, tangents)), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("f,args", [p for p in PROGRAMS if len(p[1]) == 1], ids=[i for i, p in zip(IDS, PROGRAMS) if len(p[1]) == 1])
def test_second_order_agrees_with_adoo(f, args):
    np.testing.assert_allclose(adsct.hessian(_scalar(f))(*args), adoo.hessian(_scalar(f))(*args), rtol=1e-9, atol=1e-11)


def test_newton_iterations_differentiate_to_the_derivative_of_sqrt():
    a = 2.0
    assert adsct.grad(newton_sqrt)(a) == pytest.approx(adoo.grad(newton_sqrt)(a), rel=1e-13)
    assert adsct.grad(newton_sqrt)(a) == pytest.approx(0.5 / np.sqrt(a), rel=1e-3)  # (three steps: close to sqrt)


def test_no_perturbation_confusion_with_arrays():
    # d/dx sum(x * d/dy sum(x * y)) = d/dx sum(x * x) = 2x; mixing the levels up gives x.
    f = lambda x: np.sum(x * adsct.grad(lambda y: np.sum(x * y))(np.ones(3)))
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(adsct.grad(f)(x), 2 * x, rtol=1e-15)


def test_inner_function_in_a_closure_of_the_test():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])  # a closure variable of f and of the lambda inside it

    def f(x):
        return adsct.grad(lambda y: y @ A @ y)(x) @ x

    x = np.array([0.3, -0.4])
    np.testing.assert_allclose(adsct.grad(f)(x), 2 * (A + A.T) @ x, rtol=1e-14)


def test_the_inner_code_is_rewritten_when_a_global_it_reads_changes():
    global SCALE
    derivative = adsct.grad(global_read)
    try:
        before = derivative(0.8)
        SCALE = 2.5
        after = derivative(0.8)
    finally:
        SCALE = 1.5
    assert before == pytest.approx(9 * 1.5 * 0.8 ** 2) and after == pytest.approx(9 * 2.5 * 0.8 ** 2)


def test_the_inner_derivative_is_inlined_as_code():
    lines = adsct.source(gradient_norm).splitlines()
    assert not any("grad(" in line for line in lines if not line.strip().startswith("#"))  # no transform called
    assert any(line.strip().startswith("# lambda__vjp, line") for line in lines)  # the inner reverse code, inlined


def _error(f, *args):
    with pytest.raises(UnsupportedSyntaxError) as info:
        adsct.grad(f)(*args)
    return info.value


@pytest.mark.parametrize("f,words", [
    (lambda x: adsct.vjp(lambda y: y ** 3, x)[1](1.0), "vjp(...) is called inside"),
    (lambda x: adsct.hessian(lambda y, z: y ** 3 * z, argnums=(0, 1))(x, x), "tuple of argnums"),
    (lambda x: ad.grad(lambda y: y ** 3, strategy="numeric")(x), "strategy='numeric'"),
    (lambda x: adsct.grad(lambda y: (y ** 3, y), has_aux=True)(x)[0], "has_aux"),
    (lambda x: adsct.grad(lambda y: y ** 3, argnums=3)(x), "argnums 3"),
    (lambda x: adsct.grad(lambda y, c=1.0: c * y ** 3)(x, c=2.0), "keyword arguments"),
    (lambda x: adsct.grad(np.sin)(x), "a derivative of sin inside"),
])
def test_what_nesting_does_not_write_is_refused_at_the_users_line(f, words):
    error = _error(f, 0.5)
    assert words in str(error) and __file__ in str(error)


def test_an_inner_function_with_loops_is_written_as_code_with_its_stacks():
    assert adsct.grad(looping_inner)(0.7) == pytest.approx(adoo.grad(looping_inner)(0.7), rel=1e-13)
    assert adsct.hessian(looping_inner)(0.7) == pytest.approx(adoo.hessian(looping_inner)(0.7), rel=1e-12)


def test_an_inner_derivative_whose_code_adsct_cannot_differentiate_again_is_refused():
    # np.array([...]) of traced values: its forward code calls the stack op's rule, which adsct's
    # subset does not differentiate again; a refusal, never a number
    f = lambda x: np.sum(ad.jacfwd(lambda t: np.array([np.sin(t), t * t]))(x[0])) * x[1]
    with pytest.raises((UnsupportedSyntaxError, ad.errors.NotDifferentiableError)):
        adsct.grad(f)(np.array([0.3, -0.5]))
