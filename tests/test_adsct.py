"""ad.adsct: generated derivative code, checked against adoo and finite differences, golden
files of generated source, every registry op, and a clear error for everything unsupported."""

import inspect
import math
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ad import adoo, adsct, numeric, ops
from ad.errors import NotDifferentiableError, UnsupportedSyntaxError
from adsct_corpus import CORPUS, mlp_loss, running_example
from registry_strategies import domain_values, op_inputs
from trees import assert_trees_close

GOLDEN = pathlib.Path(__file__).parent / "golden"


def _as_tuple(g, argnums):
    return g if isinstance(argnums, tuple) else (g,)




@pytest.mark.parametrize("f,args,argnums", CORPUS, ids=[f.__name__ for f, _, _ in CORPUS])
def test_corpus_reverse_mode_matches_adoo_and_finite_differences(f, args, argnums):
    value, got = adsct.value_and_grad(f, argnums=argnums)(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)  # the value comes back too, unchanged
    assert_trees_close(got, numeric.grad(f, *args, argnums=argnums, method="richardson"), rtol=1e-6, atol=1e-7)
    try:
        want = adoo.grad(f, argnums=argnums)(*args)
    except TypeError as error:  # math.* on traced values: adoo refuses by design
        assert "math" in str(error)
        return
    assert_trees_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f,args,argnums", CORPUS, ids=[f.__name__ for f, _, _ in CORPUS])
def test_corpus_forward_mode_matches_reverse_mode(f, args, argnums):
    forward = adsct.jacobian(f, argnums=argnums, mode="forward")(*args)
    assert_trees_close(forward, adsct.grad(f, argnums=argnums)(*args), rtol=1e-10, atol=1e-12)


def test_vector_output_through_a_loop_jacobians_agree():
    from adsct_corpus import for_range
    x = np.array([0.3, 0.6])
    forward = adsct.jacobian(for_range, mode="forward")(x, 3)
    np.testing.assert_allclose(forward, adoo.jacobian(for_range)(x, 3), rtol=1e-12)
    np.testing.assert_allclose(adsct.jacobian(for_range, mode="reverse")(x, 3), forward, rtol=1e-12)


def test_running_example_exactly():
    assert adsct.grad(running_example, argnums=(0, 1))(2.0, 5.0) == (5.5, 1.7163378145367738)
    assert adsct.jvp(running_example, (2.0, 5.0), (1.0, 0.0))[1] == 5.5


# -- generated source --------------------------------------------------------------------------

@pytest.mark.parametrize("f,mode,argnums,golden", [
    (running_example, "reverse", (0, 1), "running_example_reverse"),
    (running_example, "forward", (0, 1), "running_example_forward"),
    (mlp_loss, "reverse", (0, 1, 2, 3), "mlp_loss_numpy_reverse"),
    (adsct.grad(running_example, 1), "forward", (0, 1), "running_example_grad_x2_forward")])  # (the Hessian's code)
def test_generated_source_matches_golden_file(f, mode, argnums, golden):
    path = GOLDEN / f"{golden}.py"
    text = adsct.source(f, mode=mode, argnums=argnums)
    if os.environ.get("AD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"generated code changed; review it and rerun with AD_UPDATE_GOLDEN=1"


def _cube(x):
    return x ** 3


def _zeroth_power(x):
    return x ** 0


def test_rules_are_folded_where_their_inputs_are_numbers():
    text = adsct.source(_cube)
    assert "bt1 * (3 * x ** 2.0)" in text and "where" not in text  # (the 0 ** 0 guard only y = 0 needs)
    assert adsct.grad(_cube)(np.float32(2.0)).dtype == np.float32
    assert "where" in adsct.source(_zeroth_power) and adsct.grad(_zeroth_power)(0.0) == 0.0  # (kept where needed)


def test_generated_source_is_byte_identical_across_interpreter_runs():
    program = ("import sys; sys.path.insert(0, 'tests'); from adsct_corpus import mlp_loss; from ad import adsct; "
               "print(adsct.source(mlp_loss, argnums=(0, 1, 2, 3)), end='')")
    runs = [subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                           cwd=pathlib.Path(__file__).parent.parent).stdout for _ in range(2)]
    assert runs[0] == runs[1] == adsct.source(mlp_loss, argnums=(0, 1, 2, 3))


def test_generated_code_reads_like_numpy():
    text = adsct.source(running_example, argnums=(0, 1))
    assert "bx1" in text and "bx2" in text, "adjoints are named after their variables"
    assert "# line" in text and "np.log(x1) + x1 * x2 - np.sin(x2)" in text, "comments point to the source"
    assert "t1 = ops.log(x1)" in text and "t2 = x1 * x2" in text
    assert "bx2 = bt4 * ops.cos(x2)" in text, "the rule of sin is inlined"


def test_generated_functions_are_registered_for_inspect_and_cached():
    from ad.adsct.transforms import _generate
    function, text = _generate(running_example, "reverse", (0,))
    assert function.__code__.co_filename.startswith("<ad.adsct")
    assert inspect.getsource(function) == text
    assert _generate(running_example, "reverse", (0,))[0] is function, "transformed once, then cached"


def _root(x):
    return np.sqrt(x)


def test_python_floats_run_a_math_variant_and_arrays_the_numpy_one():
    from ad.adsct.transforms import _generate
    adsct.grad(running_example)(2.0, 5.0)
    floats_text = _generate(running_example, "reverse", (0,), floats=True)[1]
    assert "math.log(x1)" in floats_text and "unbroadcast" not in floats_text
    np.testing.assert_allclose(adsct.grad(lambda x: np.sum(np.log(x)))(np.array([2.0, 4.0])), [0.5, 0.25])
    with np.errstate(invalid="ignore"):  # math refuses sqrt(-1); the NumPy code gives nan, as adoo does
        assert np.isnan(adsct.grad(_root)(-1.0)) and np.isnan(adoo.grad(_root)(-1.0))


def test_two_lambdas_on_one_line_are_told_apart_or_refused():
    f, g = (lambda x: x * 2.0), (lambda x: x * 3.0)
    with pytest.raises(UnsupportedSyntaxError, match="which lambda"):
        adsct.grad(f)(1.0)
    h = lambda x, y: x * y  # noqa: E731  (different parameters: found)
    assert adsct.grad(h)(2.0, 3.0) == 3.0 and g(1.0) == 3.0


def test_only_requested_adjoints_are_computed():
    text = adsct.source(mlp_loss, argnums=(2, 3))
    assert "bW2" in text and "bb2" in text
    assert "bW1" not in text and "bX" not in text, "no adjoint for inputs nobody asked about"
    assert "matmul_vjp_a(" not in text.split("bW2")[-1], "no adjoint through X @ W1 is built"


def test_float32_stays_float32():
    x = np.ones(3, dtype=np.float32)
    g = adsct.grad(lambda x: np.sum(np.sin(x) * x))(x)
    assert g.dtype == np.float32


# -- every registry op ----------------------------------------------------------------------------

def _op_function(op, n_inputs, params, weights, complex_output=False):
    """Source for sum(op(x0, x1, ..., param=p_param, ...) * weights) (its real part for an op
    with complex values, such as eig's), compiled in a namespace that holds the parameters and
    weights; returns (function, source)."""
    names = [f"x{i}" for i in range(n_inputs)]
    call_args = [f"[{', '.join(names)}]"] if op.nin is None else list(names)
    call_args += [f"{k}=p_{k}" for k in params]
    total = f"ops.sum(ops.{op.name}({', '.join(call_args)}) * weights)"
    text = f"def f({', '.join(names)}):\n    return {f'ops.real({total})' if complex_output else total}\n"
    namespace = {"ops": ops, "weights": weights, **{f"p_{k}": v for k, v in params.items()}}
    exec(compile(text, f"<op {op.name}>", "exec"), namespace)
    return namespace["f"], text


def _drawn_op_function(name, data):
    """(op, inputs, f, f's source) for inputs drawn from the op's domain."""
    op = ops.get(name)
    inputs, params, rng = data.draw(op_inputs(op))
    out = op.apply(inputs, params)
    weights = rng.standard_normal(np.shape(out))
    return (op, inputs) + _op_function(op, len(inputs), params, weights, np.iscomplexobj(out))


@pytest.mark.parametrize("name", [n for n in ops.differentiable_ops() if n != "where"])
def test_generated_code_calls_each_op_by_name(name):
    # (its derivatives against finite differences: tests/test_strategies.py, every op under every strategy)
    op = ops.get(name)
    case = op.domain.cases[0]
    inputs = [domain_values(np.random.default_rng(0), op.domain.spec(i), shape, np.float64)
              for i, shape in enumerate(case.shapes)]
    weights = np.ones(np.shape(op.apply(inputs, case.params)))
    f, text = _op_function(op, len(inputs), case.params, weights)
    reverse = adsct.source(f, argnums=tuple(range(len(inputs))), source=text)
    assert f"ops.{name}(" in reverse or name in ("add", "sub", "mul", "div", "pow", "matmul", "neg", "getitem")


_VARIADIC = {name for name in ops.differentiable_ops() if ops.get(name).nin is None}


@pytest.mark.parametrize("name", ops.differentiable_ops())
@given(data=st.data())
def test_every_op_twice_through_adsct(name, data):
    # Second derivatives of sum(op(...) * weights) in all its differentiable inputs, written by adsct
    # as code (forward over reverse for the Hessian, reverse over reverse for the Jacobian of the
    # gradient), checked against adoo and against central differences of the gradient.
    op, inputs, f, text = _drawn_op_function(name, data)
    argnums = tuple(i for i in range(len(inputs)) if op.vjp_rule(i) is not None)
    adsct.source(f, source=text)  # (remembered for the transforms below)
    if name not in _VARIADIC:  # (their rules are called through the registry, so adoo runs those)
        for mode, suffix in (("forward", "jvp"), ("reverse", "vjp")):
            assert f"def f_grad_{suffix}(" in adsct.source(adsct.grad(f, argnums[0]), mode=mode, argnums=argnums)
    point = [np.asarray(x, dtype=float) if j in argnums else x for j, x in enumerate(inputs)]
    want = adoo.hessian(f, argnums=argnums)(*point)
    assert_trees_close(adsct.hessian(f, argnums=argnums)(*point), want, rtol=1e-9, atol=1e-12)
    assert_trees_close(adsct.jacobian(adsct.grad(f, argnums), argnums=argnums)(*point), want, rtol=1e-9, atol=1e-12)
    by_fd = numeric.jacobian(adsct.grad(f, argnums), *point, argnums=argnums)
    assert_trees_close(want, by_fd, rtol=1e-5, atol=1e-6)


def test_where_through_adsct():
    def f(x, y):
        return np.sum(np.where(x > y, x * y, y - x))

    x, y = np.array([0.5, -1.0, 2.0]), np.array([0.0, 1.0, 1.0])
    np.testing.assert_allclose(adsct.grad(f, argnums=(0, 1))(x, y), adoo.grad(f, argnums=(0, 1))(x, y))


# -- errors ---------------------------------------------------------------------------------------

UNSUPPORTED = {
    "while-else": "def f(x):\n    while x < 1.0:\n        x = x * 2.0\n    else:\n        x = -x\n    return x\n",
    "del": "def f(x):\n    y = [x]\n    del y[0]\n    return x\n",
    "tuple assigned in a branch": "def f(x):\n    if x > 0:\n        p = (x, 1.0)\n    else:\n        p = (1.0, x)\n"
                                  "    return p[0]\n",
    "for-else": "def f(x):\n    for i in range(3):\n        x = x * 2.0\n    else:\n        x = -x\n    return x\n",
    "try": "def f(x):\n    try:\n        y = x\n    except ValueError:\n        y = x\n    return y\n",
    "no return": "def f(x):\n    y = x * 2.0\n",
    "recursion": "def f(x):\n    return f(x * 0.5)\n",
    "local function defined in a branch": "def f(x):\n    if x > 0:\n        g = lambda y: y\n    else:\n"
                                          "        g = lambda y: -y\n    return g(x)\n",
    "assignment into an item of an item": "def f(x):\n    x[0][1] = 1.0\n    return x\n",
    "attribute": "def f(x):\n    return x.flags\n",
    "with": "def f(x):\n    with open('f') as h:\n        y = x\n    return y\n",
}


@pytest.mark.parametrize("construct", sorted(UNSUPPORTED))
def test_unsupported_constructs_raise_a_clear_error(construct):
    text = UNSUPPORTED[construct]
    namespace = {"np": np}
    exec(compile(text, "<unsupported>", "exec"), namespace)
    with pytest.raises(UnsupportedSyntaxError) as info:
        adsct.source(namespace["f"], source=text)
    error = info.value
    assert error.lineno is not None and error.lineno >= 1 and error.offset is not None
    assert isinstance(error, SyntaxError) and error.hint and str(error)


def test_missing_source_says_how_to_give_it():
    namespace = {}
    exec("def f(x):\n    return x * x\n", namespace)
    with pytest.raises(UnsupportedSyntaxError, match="source="):
        adsct.grad(namespace["f"])(1.0)
    text = "def f(x):\n    return x * x\n"
    assert "bx" in adsct.source(namespace["f"], source=text)
    assert adsct.grad(namespace["f"])(3.0) == 6.0, "the source given once is remembered"


def _no_rule(x):
    return np.unwrap(x)


def test_active_value_reaching_a_call_without_a_rule_is_not_differentiable():
    def f(x, y):
        return np.sum(np.unwrap(x)) + y

    with pytest.raises(NotDifferentiableError, match="numpy.unwrap"):
        adsct.grad(f)(np.ones(3), 1.0)
    assert adsct.grad(f, argnums=1)(np.ones(3), 1.0) == 1.0, "the same call on a constant is fine"

    def g(x):  # inside an inlined user function, the error names the library call and its line
        return np.sum(_no_rule(x))

    with pytest.raises(NotDifferentiableError,
                       match=r"test_adsct.py:\d+:\d+: numpy.unwrap has no derivative rule; it is called with"):
        adsct.grad(g)(np.ones(3))


def test_recursion_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="recursive"):
        adsct.grad(_recursive)(1.0)


def _recursive(x):
    return _recursive(x * 0.5)


def test_differentiated_value_as_static_parameter_is_refused():
    def f(x):
        return np.sum(np.reshape(x, x))

    with pytest.raises(UnsupportedSyntaxError, match="parameter"):
        adsct.grad(f)(np.ones(2))


def test_pytree_arguments_become_one_parameter_per_array():
    def loss(params, x):
        W, b = params["layer"]
        return np.sum(np.tanh(x @ W + b) * params["scale"])

    params = {"layer": (np.full((2, 3), 0.1), np.zeros(3)), "scale": 2.0}
    x = np.array([[1.0, -1.0]])
    g = adsct.grad(loss)(params, x)
    want = adoo.grad(loss)(params, x)
    assert set(g) == {"layer", "scale"} and isinstance(g["layer"], tuple) and type(g["scale"]) is float
    np.testing.assert_allclose(g["layer"][0], want["layer"][0])
    np.testing.assert_allclose(g["layer"][1], want["layer"][1])
    assert g["scale"] == pytest.approx(want["scale"])
    text = adsct.source(loss, args=(params, x))
    assert text.startswith("def loss_vjp(params_layer_0, params_layer_1, params_scale, x, bt")
    assert "bparams_layer_0" in text


def test_pytree_misuse_is_reported():
    def whole(p):
        return np.sum(p)

    def dynamic_key(p, k):
        return p[k]

    with pytest.raises(UnsupportedSyntaxError, match="needs arrays"):
        adsct.grad(whole)([1.0, 2.0])
    # an index known only when f runs picks the item then, as Python does (lists.py)
    assert adsct.grad(dynamic_key)([1.0, 2.0], 1) == adoo.grad(dynamic_key)([1.0, 2.0], 1) == [0.0, 1.0]


def test_non_scalar_output_for_grad():
    def f(x):
        return x * 2.0

    with pytest.raises(ValueError, match="vjp or jacobian"):
        adsct.grad(f)(np.ones(3))


def test_unsupported_syntax_error_names_the_file_and_line():
    text = textwrap.dedent("""\
        def f(x):
            y = x
            while y < 1.0:
                del y
            return y
        """)
    namespace = {}
    exec(compile(text, "<where>", "exec"), namespace)
    with pytest.raises(UnsupportedSyntaxError) as info:
        adsct.source(namespace["f"], source=text)
    assert info.value.lineno == 4 and "a del statement" in str(info.value)


def test_loops_save_and_restore_what_they_overwrite():
    from adsct_corpus import for_range
    text = adsct.source(for_range)
    assert "saved_y.append(y)" in text and "y = saved_y.pop()" in text, "one stack per overwritten variable"
    assert "for i in reversed(saved.pop()):" in text, "the reverse sweep walks the loop backwards"


def test_differentiating_a_loop_count_is_refused():
    from adsct_corpus import for_range
    with pytest.raises(NotDifferentiableError, match="range"):
        adsct.grad(for_range, argnums=1)(0.5, 3)


# -- generated code never outlives the names it was built from ----------------------------------

SCALE = 2.0


def _scaled_sin(x):
    return np.sum(SCALE * np.sin(x))


def _scaled_sin_of_a_number(x):
    return np.sin(x) * SCALE


def test_rebinding_a_global_regenerates_the_code(monkeypatch):
    x = np.array([0.0, 0.5])
    g, g_floats = adsct.grad(_scaled_sin), adsct.grad(_scaled_sin_of_a_number)  # kept across the rebinding:
    for scale in (2.0, 3.0):                                                      # their fast paths must notice
        monkeypatch.setattr(sys.modules[__name__], "SCALE", scale)
        want = scale * np.cos(x)
        np.testing.assert_allclose(adsct.grad(_scaled_sin)(x), want)
        np.testing.assert_allclose(g(x), want)
        assert adsct.grad(_scaled_sin)(0.0) == scale  # the Python-float variant too
        assert g_floats(0.0) == g_floats(0.0) == scale
        np.testing.assert_allclose(adsct.jacobian(_scaled_sin, mode="forward")(x), want)


def test_rebinding_a_closure_variable_regenerates_the_code():
    scale = 1.0

    def f(x):
        return scale * x * x

    def set_scale(value):
        nonlocal scale
        scale = value

    g = adsct.grad(f)
    assert g(1.0) == 2.0
    set_scale(7.0)
    assert g(1.0) == 14.0
    np.testing.assert_allclose(g(np.array(1.0)), 14.0)


def test_redefining_an_inlined_helper_regenerates_the_code():
    from ad.adsct.parse import define
    namespace = {"np": np}

    def run_cell(name, text):  # as a notebook does: code without a file, then a new definition
        define(text, "helper", namespace, name)

    run_cell("<cell 1>", "def helper(x):\n    return 2.0 * x\n\ndef f(x):\n    return helper(x) * x\n")
    g = adsct.grad(namespace["f"])
    assert g(1.0) == 4.0
    run_cell("<cell 2>", "def helper(x):\n    return 5.0 * x\n")
    assert g(1.0) == 10.0


def test_code_is_reused_while_nothing_changes():
    first = adsct.source(_scaled_sin)
    from ad.adsct import transforms
    compiled = transforms._generate(_scaled_sin, "reverse", (0,))[0]
    assert transforms._generate(_scaled_sin, "reverse", (0,))[0] is compiled
    assert adsct.source(_scaled_sin) == first


@pytest.mark.parametrize("f", [_scaled_sin_of_a_number, "loop"])
def test_repeated_calls_on_numbers_run_without_generating(f, monkeypatch):
    from ad.adsct import pipeline, transforms
    from ad.bench.suite import loop_numpy
    f = loop_numpy if f == "loop" else f
    g = adsct.value_and_grad(f)
    first = g(0.7)

    def refuse(*args, **kwargs):
        raise AssertionError("code was generated (or looked up in the cache) on a repeated call")
    monkeypatch.setattr(transforms, "_generate", refuse)  # (the fused float entry)
    monkeypatch.setattr(pipeline, "_generate", refuse)  # (the general code, looked up by calling.py)
    assert g(0.7) == first


def test_registry_ops_are_transformed_as_functions():
    assert adsct.grad(ops.exp)(0.5) == pytest.approx(np.exp(0.5), rel=1e-15)
    assert adsct.grad(ops.sub, argnums=(0, 1))(2.0, 5.0) == (1.0, -1.0)
    assert "def exp_vjp(x, " in adsct.source(ops.exp)
    with pytest.raises(TypeError, match="any number of inputs"):
        adsct.grad(ops.stack)([1.0, 2.0])


# -- transforms of adsct's own output --------------------------------------------------------------

def _x_sin_x(x):
    return np.sum(np.sin(x) * x)


def test_transforming_generated_derivatives_again_gives_higher_derivatives():
    x = np.array([0.5, -1.2])
    second = adsct.grad(lambda v: np.sum(adsct.grad(_x_sin_x)(v)))  # a lambda with source: adsct itself
    d2 = 2 * np.cos(x) - x * np.sin(x)
    d3 = -3 * np.sin(x) - x * np.cos(x)
    np.testing.assert_allclose(adsct.jacobian(adsct.grad(_x_sin_x))(x), np.diag(d2), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(adsct.hessian(_x_sin_x)(x), np.diag(d2), rtol=1e-12, atol=1e-15)
    g2 = adsct.grad(adsct.grad(lambda v: math.sin(v) * v))
    assert g2(0.5) == pytest.approx(d2[0], rel=1e-12)
    assert adsct.grad(g2)(0.5) == pytest.approx(d3[0], rel=1e-12)
    np.testing.assert_allclose(second(x), d2, rtol=1e-12)  # a call of adsct inside transformed source (nesting.py)


def test_a_pytree_passed_to_a_call_adsct_does_not_open_goes_in_whole():
    def g(p):
        return ops.sum(p[0]) * len(p) + np.sum(np.zeros((len(p), 2)))
    np.testing.assert_allclose(adsct.grad(g)((np.ones(2), np.ones(2)))[0], [2.0, 2.0])

    def h(p):
        return np.sum(np.i0(p[0])) + np.sum(p[1])  # no rule, with a differentiated value: refused
    with pytest.raises(NotDifferentiableError):
        adsct.grad(h)((np.ones(2), np.ones(2)))


def test_second_derivatives_are_code_adsct_writes():
    # grad(grad(f)) and hessian(f) of straight-line code: adsct transforms its own output again.
    text = adsct.source(adsct.grad(running_example, 1), mode="reverse", argnums=(0, 1))
    assert text.startswith("def running_example_grad_vjp(x1, x2, ")
    assert "ops.sin(" in text and "ops.cos(" in text and "# reverse sweep" in text
    g2 = adsct.grad(adsct.grad(running_example), argnums=(0, 1))
    assert g2(2.0, 5.0) == (pytest.approx(-0.25, rel=1e-15), pytest.approx(1.0, rel=1e-15))
    hessian = adsct.hessian(running_example, argnums=(0, 1))(2.0, 5.0)
    np.testing.assert_allclose(np.array(hessian, dtype=float), [[-0.25, 1.0], [1.0, math.sin(5.0)]], rtol=1e-14)
    assert adsct.source(adsct.grad(running_example), mode="forward") == \
        adsct.source(adsct.grad(running_example), mode="forward")  # deterministic


def test_third_derivative_code_inlines_the_second():
    cube_sin = lambda x: math.sin(x) * x ** 3  # noqa: E731
    g3 = adsct.grad(adsct.grad(adsct.grad(cube_sin)))
    exact = lambda x: -math.cos(x) * x ** 3 - 9 * math.sin(x) * x ** 2 + 18 * math.cos(x) * x + 6 * math.sin(x)  # noqa: E731
    for x in (0.3, -1.1):
        assert g3(x) == pytest.approx(exact(x), rel=1e-12)
    assert "def lambda__grad_grad_vjp(" in adsct.source(adsct.grad(adsct.grad(cube_sin)))


_FREQUENCY = 2.0


def _sin_at_frequency(x):
    return np.sum(np.sin(_FREQUENCY * x))


def test_second_derivative_code_is_regenerated_when_a_global_changes():
    global _FREQUENCY
    d2, d3 = adsct.hessian(_sin_at_frequency), adsct.grad(adsct.grad(adsct.grad(_sin_at_frequency)))
    x = np.array([0.4, -0.3])
    try:
        for w in (2.0, 3.0):
            _FREQUENCY = w
            np.testing.assert_allclose(d2(x), np.diag(-w ** 2 * np.sin(w * x)), rtol=1e-13)
            assert d3(0.4) == pytest.approx(-w ** 3 * np.cos(w * 0.4), rel=1e-13)
    finally:
        _FREQUENCY = 2.0


def test_a_gradient_called_inside_a_transformed_function_is_inlined_as_code():
    # The inner function lives in a module of its own (its globals are `inner`), so only the
    # inner code's staleness can tell the outer code that w was rebound.
    from ad.adsct.parse import define
    inner = {"np": np, "w": 2.0}
    sin_wx = define("def sin_wx(x):\n    return np.sum(np.sin(w * x))\n", "sin_wx", inner, "<a module of its own>")
    f = define("def uses_a_gradient(x):\n    return np.sum(d_sin_wx(x) * x)\n", "uses_a_gradient",
               {"np": np, "d_sin_wx": adsct.grad(sin_wx)}, "<another module>")
    assert "ops.cos(" in adsct.source(f)  # (no call left to an opaque derivative)
    g, x = adsct.grad(f), np.array([0.4, -0.3])
    for w in (2.0, 3.0):
        inner["w"] = w
        np.testing.assert_allclose(g(x), w * np.cos(w * x) - w ** 2 * x * np.sin(w * x), rtol=1e-13)


def _looped(x):
    y = x
    for _ in range(3):
        y = np.sin(y) * x
    return np.sum(y)


def _looped_number(x, y):
    z = x
    for _ in range(3):
        if z > 0.5:
            z = np.sin(z) * y
        else:
            z = z * x + y
    return z


def test_loops_on_numbers_give_higher_derivative_code_through_forward_mode():
    d2 = adsct.grad(adsct.grad(_looped_number), argnums=(0, 1))
    d3 = adsct.grad(adsct.grad(adsct.grad(_looped_number)))
    for point in ((0.3, 1.2), (0.8, 0.4)):  # (the two take different branches)
        assert d2(*point) == pytest.approx(adoo.grad(adoo.grad(_looped_number), argnums=(0, 1))(*point), rel=1e-12)
        assert d3(*point) == pytest.approx(adoo.grad(adoo.grad(adoo.grad(_looped_number)))(*point), rel=1e-12)
        assert_trees_close(adsct.hessian(_looped_number, argnums=(0, 1))(*point),
                            adoo.hessian(_looped_number, argnums=(0, 1))(*point), rtol=1e-12)
    text = adsct.source(adsct.grad(_looped_number), args=(0.3, 1.2))
    assert text.startswith("def _looped_number_grad_vjp(x, y, ") and "# _looped_number_jvp, line 3:" in text  # (inlined)
    # without the arguments, the code for arrays: built on the reverse code and its stacks
    text = adsct.source(adsct.grad(_looped_number))
    assert "# _looped_number_vjp, line" in text and "bsaved_z.append(" in text


def test_loops_second_derivatives_of_arrays_are_code_adsct_writes():
    x = np.array([0.3, 0.8])
    np.testing.assert_allclose(adsct.hessian(_looped)(x), adoo.hessian(_looped)(x), rtol=1e-12)
    np.testing.assert_allclose(adsct.jacobian(adsct.grad(_looped))(x), adoo.hessian(_looped)(x), rtol=1e-12)
    text = adsct.source(adsct.grad(_looped), mode="forward")  # (hessian: forward over reverse)
    assert text.startswith("def _looped_grad_jvp(x, dx):") and " = dsaved_y.pop()" in text


def test_gradient_checks_of_higher_order_run_through_generated_code():
    numeric.check_grads(running_example, (2.0, 5.0), strategy="adsct", order=3)


def _pair(x, y):
    s = np.sin(x) * y
    return s, {"square": x * x, "total": np.sum(y)}


def _with_a_none(x):
    return x * 2.0, None


def test_a_none_in_the_outputs_is_an_empty_branch_as_in_flatten():
    assert adsct.vjp(_with_a_none, 3.0)[1]((1.0, None)) == (2.0,)
    assert adsct.jvp(_with_a_none, (3.0,), (1.0,)) == ((6.0, None), (2.0, None))


def test_tuple_and_dict_outputs_in_vjp_jvp_and_jacobian():
    x, y = np.array([0.3, 0.4]), 2.0
    u = (np.array([1.0, -2.0]), {"square": np.array([0.5, 0.5]), "total": 3.0})
    value, vjp_fn = adsct.vjp(_pair, x, y)
    want_value, want_vjp = adoo.vjp(_pair, x, y)
    assert_trees_close(value, want_value, rtol=1e-15)
    assert_trees_close(vjp_fn(u), want_vjp(u), rtol=1e-12)
    tangents = (np.array([1.0, 0.5]), -1.0)
    assert_trees_close(adsct.jvp(_pair, (x, y), tangents), adoo.jvp(_pair, (x, y), tangents), rtol=1e-12)
    assert_trees_close(adsct.jacobian(_pair, argnums=(0, 1), mode="forward")(x, y),
                        adoo.jacobian(_pair, argnums=(0, 1))(x, y), rtol=1e-12)
    with pytest.raises(UnsupportedSyntaxError, match="tuple, list or dict"):
        adsct.grad(_pair)(x, y)  # grad wants one number


def test_plain_array_code_gives_way_when_a_closure_holds_a_traced_value():
    # adoo differentiates through adsct's derivative; inside, `a` is an adoo value while x is a
    # plain array: the direct-NumPy variant must not treat `a` as a constant
    outer = adoo.grad(lambda a: np.sum(adsct.grad(lambda x: np.sum(np.sin(x) * a))(np.ones(2))))
    assert outer(0.5) == pytest.approx(2 * np.cos(1.0), rel=1e-14)
