"""ad.symbolic: derivative expressions from the registry's rules, their text and LaTeX, their
simplification, lambdify, op counts, and the clear errors for what a symbolic trace cannot follow."""

import functools
import math
import operator

import numpy as np
import pytest

from ad import adoo, adsct, numeric, ops, symbolic
from ad.errors import NotDifferentiableError
from ad.examples import RUNNING_POINT, running_example, running_example_gradient, running_example_numpy
from ad.symbolic import swell


def _point():
    return dict(zip(("x1", "x2"), RUNNING_POINT))


# -- the running example: golden text and LaTeX, values against the analytic gradient ----------

def test_running_example_gradient_text_is_what_a_reader_writes():
    assert symbolic.text(symbolic.diff(running_example_numpy, argnums=(0, 1))) == "(1/x1 + x2, x1 - cos(x2))"


def test_running_example_text_and_latex_are_golden():
    value, _ = symbolic.trace(running_example_numpy)
    assert str(value) == "log(x1) + x1*x2 - sin(x2)"
    assert value.latex() == r"\ln\left(x_{1}\right) + x_{1} x_{2} - \sin\left(x_{2}\right)"
    d1, d2 = symbolic.diff(running_example_numpy, argnums=(0, 1))
    assert d1.latex() == r"\frac{1}{x_{1}} + x_{2}"
    assert d2.latex() == r"x_{1} - \cos\left(x_{2}\right)"
    assert d2._repr_latex_() == r"$x_{1} - \cos\left(x_{2}\right)$"
    assert symbolic.latex((d1, d2)) == r"\left(\frac{1}{x_{1}} + x_{2},\ x_{1} - \cos\left(x_{2}\right)\right)"


def test_running_example_values_match_the_analytic_gradient_for_both_spellings_and_modes():
    exact = running_example_gradient(*RUNNING_POINT)
    for f in (running_example, running_example_numpy):
        for mode in ("forward", "reverse"):
            got = [d.evaluate(**_point()) for d in symbolic.diff(f, argnums=(0, 1), mode=mode)]
            np.testing.assert_allclose(got, exact, rtol=1e-15)


def test_printed_text_is_python_that_recomputes_the_expression():
    x1, x2 = symbolic.symbols("x1 x2")
    expressions = [(x1 - x2) * -x1, x1 / (x2 * x1), (-x1) ** 2, -(x1 ** 2), x1 - (x2 - x1), 2.0 ** -x1,
                   x1 * (x2 * x1), np.sin(x1 + x2) / (x1 - 3.0)]
    for e in expressions:
        plain = eval(str(e), {"sin": np.sin, "np": np}, _point())
        assert plain == e.evaluate(**_point()), str(e)


# -- higher order ------------------------------------------------------------------------------

def test_second_derivatives_by_nesting_diff_agree_with_adoo_hessian():
    f = running_example_numpy
    nested = symbolic.diff(symbolic.diff(f, argnums=(0, 1)), argnums=(0, 1))
    values = [[e.evaluate(**_point()) for e in row] for row in nested]
    np.testing.assert_allclose(values, adoo.hessian(f, argnums=(0, 1))(*RUNNING_POINT), rtol=1e-14)
    assert symbolic.text(symbolic.hessian(f, argnums=(0, 1))) == "((-1/x1/x1, 1), (1, sin(x2)))"


def test_third_derivative_of_a_power_is_what_calculus_says():
    x = symbolic.Symbol("x")
    third = symbolic.diff(symbolic.diff(symbolic.diff(x ** 4, wrt=x), wrt=x), wrt=x)
    assert third.evaluate(x=1.5) == pytest.approx(24 * 1.5)


def test_diff_of_a_hand_built_expression_without_wrt_is_refused():
    x, y = symbolic.symbols("x y")
    with pytest.raises(TypeError, match="wrt="):
        symbolic.diff(x * y, argnums=0)


def test_argnums_of_an_expression_shared_by_functions_with_different_arguments_is_refused():
    """Expressions are shared: x*y from f(x, y) and from g(y, x) is one object, so argnums=0
    names x in one and y in the other; diff refuses rather than pick one."""
    shared = symbolic.diff(lambda x, y: x * y * np.sin(x), argnums=1)  # x*sin(x), from (x, y)
    again = symbolic.diff(lambda y, x: x * y * np.sin(x), argnums=0)  # x*sin(x), from (y, x)
    assert again is shared
    with pytest.raises(TypeError, match="different arguments"):
        symbolic.diff(shared, argnums=0)
    x = symbolic.Symbol("x")
    assert str(symbolic.diff(shared, wrt=x)) == str(symbolic.diff(x * np.sin(x), wrt=x))


# -- simplification: what it does, and that it never changes the value -------------------------

@pytest.mark.parametrize("build, text", [
    (lambda x, y: x * 1.0 + 0.0, "x"),
    (lambda x, y: 0.0 * x + y, "y"),
    (lambda x, y: x - x, "0"),
    (lambda x, y: -(-x), "x"),
    (lambda x, y: 2.0 * (3.0 * x), "6*x"),
    (lambda x, y: (x * 2.0) * 3.0, "6*x"),
    (lambda x, y: x + (-y), "x - y"),
    (lambda x, y: x - (-y), "x + y"),
    (lambda x, y: x + -2.0 * y, "x - 2*y"),
    (lambda x, y: (2.0 + 3.0) * x, "5*x"),
    (lambda x, y: x ** 1, "x"),
    (lambda x, y: x / 1.0, "x"),
    (lambda x, y: x + x, "2*x"),
])
def test_simplification_rules(build, text):
    x, y = symbolic.symbols("x y")
    e = build(x, y)
    assert str(e) == text
    point = {"x": 0.7, "y": -1.3}
    assert e.evaluate(**point) == pytest.approx(build(0.7, -1.3), rel=1e-15, abs=0)


def test_simplification_is_deterministic_and_shares_equal_subexpressions():
    x, y = symbolic.symbols("x y")
    assert (np.sin(x) * y) is (np.sin(x) * y)
    assert symbolic.text(symbolic.diff(running_example_numpy, argnums=(0, 1))) == \
        symbolic.text(symbolic.diff(running_example_numpy, argnums=(0, 1)))


def test_derivative_of_a_power_folds_the_registry_rules_zero_guard_away():
    x = symbolic.Symbol("x")
    assert str(symbolic.diff(x ** 3, wrt=x)) == "3*x**2"


# -- evaluate and lambdify ---------------------------------------------------------------------

def test_evaluate_works_elementwise_on_arrays():
    f = lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2)  # noqa: E731
    x1, x2 = np.linspace(0.5, 2.0, 4), np.linspace(-1.0, 5.0, 4)
    d1, d2 = symbolic.diff(f, argnums=(0, 1))
    np.testing.assert_allclose(d1.evaluate(x1=x1, x2=x2), 1 / x1 + x2, rtol=1e-15)
    np.testing.assert_allclose(symbolic.lambdify(d2)(x1, x2), x1 - np.cos(x2), rtol=1e-15)


def test_evaluate_names_a_missing_symbol():
    x1, x2 = symbolic.symbols("x1 x2")
    with pytest.raises(KeyError, match="x2"):
        (x1 * x2).evaluate(x1=1.0)


def test_lambdify_tree_and_dag_forms_compute_the_same_gradient():
    value, thetas = swell.product_symbols(6)
    gradient = symbolic.diff(value, wrt=thetas)
    point = np.linspace(0.5, 1.5, 6)
    tree, dag = symbolic.lambdify(gradient, thetas, shared=False), symbolic.lambdify(gradient, thetas)
    want = adoo.grad(lambda *t: functools.reduce(operator.mul, t), argnums=tuple(range(6)))(*point)
    np.testing.assert_allclose(tree(*point), want, rtol=1e-15)
    np.testing.assert_allclose(dag(*point), want, rtol=1e-15)
    assert dag.__source__.count(" * ") < tree.__source__.count(" * ")


def test_lambdify_names_each_constant_it_cannot_write_as_a_literal():
    x = symbolic.Symbol("x")
    f = symbolic.lambdify(x + np.inf, (x,))
    assert f(1.0) == np.inf


def test_lambdify_refuses_arguments_missing_a_symbol():
    x, y = symbolic.symbols("x y")
    with pytest.raises(TypeError, match="y"):
        symbolic.lambdify(x * y, (x,))


# -- op counts and expression swell ------------------------------------------------------------

@pytest.mark.parametrize("n", range(3, 13))
def test_product_gradient_tree_has_n_times_n_minus_2_multiplications(n):
    """The course notes' count: ∂f/∂θk = ∏_{j≠k} θj written out for every k."""
    value, thetas = swell.product_symbols(n)
    gradient = symbolic.diff(value, wrt=thetas)
    assert symbolic.count_ops(gradient) == {"mul": n * (n - 2)}
    point = np.linspace(0.6, 1.4, n)
    for k, g in enumerate(gradient):
        assert g.evaluate(**{t.name: v for t, v in zip(thetas, point)}) == pytest.approx(
            np.prod(np.delete(point, k)), rel=1e-14)


def test_reverse_mode_costs_linear_and_the_shared_forms_less_than_the_tree():
    for n in (10, 40):
        counts = swell.product_counts(n)
        assert counts["reverse"]["mul"] <= 3 * n
        assert counts["reverse"]["mul"] < counts["dag"]["mul"] < counts["tree"]["mul"] == n * (n - 2)
        assert counts["forward"]["mul"] < counts["tree"]["mul"]


def test_count_ops_tree_and_dag_of_a_shared_subexpression():
    x, y = symbolic.symbols("x y")
    shared = x * y
    e = np.sin(shared) + shared * shared
    assert symbolic.count_ops(e) == {"add": 1, "mul": 4, "sin": 1}
    assert symbolic.count_ops(e, shared=True) == {"add": 1, "mul": 2, "sin": 1}


def test_nested_x_sin_x_tree_grows_exponentially_and_the_dag_linearly():
    counts = [swell.composition_counts(k) for k in range(1, 11)]
    trees = [c["tree"] for c in counts]
    dags = [c["dag"] for c in counts]
    assert all(b > 2 * a for a, b in zip(trees[3:], trees[4:]))
    assert len({b - a for a, b in zip(dags, dags[1:])}) == 1  # a constant number of ops per composition
    k = 6
    x = symbolic.Symbol("x")
    derivative = symbolic.diff(swell.nested_x_sin_x(k), wrt=x)
    got = symbolic.lambdify(derivative, (x,), shared=False)(0.8)
    np.testing.assert_allclose(got, numeric.grad(lambda v: swell.nested_x_sin_x(k, v), 0.8, method="complex"),
                               rtol=1e-13)


def _chain(v, length):
    for _ in range(length):
        v = np.sin(v) + 0.5
    return v


def test_a_long_chain_is_printed_counted_and_differentiated_without_recursion():
    x = symbolic.Symbol("x")
    e = _chain(x, 5000)
    d = symbolic.diff(e, wrt=x)
    assert symbolic.count_ops(d, shared=True)["cos"] == 5000
    assert len(str(e)) > 5000
    f = symbolic.lambdify(d, (x,))
    want = adsct.grad(lambda v: _chain(v, 5000))(0.3)
    assert f(0.3) == pytest.approx(want, rel=1e-12)


# -- what a symbolic trace cannot follow -------------------------------------------------------

def test_a_value_dependent_branch_names_the_line_and_suggests_an_ad_strategy():
    def f(x):
        if x > 0:  # the branch
            return np.sin(x)
        return x

    with pytest.raises(symbolic.SymbolicBranchError) as error:
        symbolic.diff(f)
    message = str(error.value)
    assert "test_symbolic.py" in message and "if x > 0:  # the branch" in message
    assert "ad.adoo.grad" in message and "ad.adsct.grad" in message and "np.where" in message


def test_np_where_is_followed_where_an_if_is_not():
    f = lambda x: np.where(x > 0.0, np.sin(x), x * x)  # noqa: E731
    d = symbolic.diff(f)
    for v in (-0.7, 0.4):
        assert d.evaluate(x=v) == pytest.approx(adoo.grad(f)(v), rel=1e-15)


def test_math_functions_and_float_are_refused_with_the_numpy_spelling():
    with pytest.raises(NotDifferentiableError, match="np.sin"):
        symbolic.diff(lambda x: math.sin(x))


def test_an_op_that_is_not_elementwise_is_refused_by_name():
    with pytest.raises(NotDifferentiableError, match="sum is not elementwise"):
        symbolic.diff(lambda x: np.sum(x * x))
    with pytest.raises(NotDifferentiableError, match="matmul"):
        symbolic.diff(lambda x: ops.matmul(x, x))


def test_symbols_are_real_and_evaluate_refuses_complex_values():
    x = symbolic.Symbol("x")
    with pytest.raises(TypeError, match="real"):
        (x * x).evaluate(x=1j)
    assert str(np.abs(x)) == "abs(x)"
    assert symbolic.diff(np.abs(x), wrt=x).evaluate(x=-2.0) == -1.0


def test_indexing_a_symbol_is_refused_with_the_line():
    def f(x):
        return x[0] * 2.0

    with pytest.raises(NotDifferentiableError, match=r"indexing the symbolic x.*return x\[0\] \* 2.0"):
        symbolic.diff(f)


def test_argnums_out_of_range_is_named():
    with pytest.raises(ValueError, match="argnums 2 is out of range: the function has 2 parameter"):
        symbolic.diff(running_example_numpy, argnums=(0, 2))
