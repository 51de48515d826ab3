"""ad.adlib specifics: the tape, its trace tables, elemental functions and operator refusals.
What every strategy does (transforms, higher order, every op) is in test_strategies.py."""

import gc
import math
import threading
import weakref

import numpy as np
import pytest

from ad import adlib, ops
from ad.adlib.sweeps import reverse
from ad.errors import NotDifferentiableError
from ad.examples import running_example


def _record_running_example():
    with adlib.Tape() as tape:
        x1, x2 = tape.var(2.0, "x1"), tape.var(5.0, "x2")
        y = adlib.sub(adlib.add(adlib.log(x1), adlib.mul(x1, x2)), adlib.sin(x2))
    return tape, x1, x2, y


# -- the running example and its three traces ----------------------------------------------------

def test_gradient_of_the_running_example():
    tape, x1, x2, y = _record_running_example()
    assert tape.gradient(y) == (5.5, 2.0 - math.cos(5.0))
    assert tape.gradient(y, wrt=[x2]) == (2.0 - math.cos(5.0),)


def test_primal_table_contents():
    tape, *_ = _record_running_example()
    table = tape.primal_table()
    assert table.column("node") == ["v-1", "v0", "v1", "v2", "v3", "v4", "v5"]
    assert table.column("op") == ["input", "input", "log", "mul", "add", "sin", "sub"]
    assert table.column("inputs") == ["x1", "x2", "v-1", "v-1, v0", "v1, v2", "v0", "v3, v4"]
    expected = [2.0, 5.0, math.log(2), 10.0, math.log(2) + 10, math.sin(5), math.log(2) + 10 - math.sin(5)]
    assert table.column("value") == pytest.approx(expected, rel=1e-15)
    assert "11.65207146" in str(table)


def test_tangent_table_contents():
    tape, *_ = _record_running_example()
    table = tape.tangent_table((1.0, 0.0))
    assert table.column("tangent") == pytest.approx([1.0, 0.0, 0.5, 5.0, 5.5, 0.0, 5.5])
    table = tape.tangent_table((0.0, 1.0))
    assert table.column("tangent")[-1] == pytest.approx(2.0 - math.cos(5.0))
    assert "seed (0, 1)" in table.title


def test_adjoint_table_contents():
    tape, x1, x2, y = _record_running_example()
    table = tape.adjoint_table(y)
    assert table.column("node") == ["v5", "v4", "v3", "v2", "v1", "v0", "v-1"]
    assert table.column("adjoint") == pytest.approx([1, -1, 1, 1, 1, 2 - math.cos(5), 5.5])
    partials = dict(zip(table.column("node"), table.column("partial adjoints")))
    assert partials["v5"] == "seed"
    assert partials["v-1"] == "v2: 5 + v1: 0.5"  # v̄-1 = v̄2 ∂v2/∂v-1 + v̄1 ∂v1/∂v-1
    assert partials["v0"] == "v4: -0.2836621855 + v2: 2"


def test_tables_render_as_aligned_text_and_html():
    tape, x1, x2, y = _record_running_example()
    lines = str(tape.adjoint_table(y)).splitlines()
    assert lines[0] == "Reverse adjoint trace of v5"
    header, rule = lines[1], lines[2]
    assert header.split() == ["node", "op", "value", "adjoint", "partial", "adjoints"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert all(line.index("sub") == header.index("op") for line in lines[3:4])
    html = tape.primal_table()._repr_html_()
    assert html.startswith("<table>") and "<td>v-1, v0</td>" in html and "<caption>" in html


def test_handles_print_their_name_value_and_op():
    tape, x1, x2, y = _record_running_example()
    assert repr(x1) == "v-1 = 2 (x1)" and repr(y) == "v5 = 11.65207146 (sub)"
    assert y.name == "v5" and y.value == pytest.approx(11.652071455223084)


# -- elemental functions ----------------------------------------------------------------------------

def test_one_elemental_function_per_registry_op_with_its_docstring():
    for name, op in ops.REGISTRY.items():
        fn = getattr(adlib, name)
        assert fn.__name__ == name and fn.__doc__ == op.doc and fn.op is op


def test_constants_mix_with_handles_and_plain_calls_just_compute():
    with adlib.Tape() as tape:
        x = tape.var(3.0)
        y = adlib.add(adlib.mul(x, 2.0), np.float64(1.0))
    assert tape.gradient(y) == (2.0,)
    assert adlib.sin(0.0) == 0.0 and len(tape) == 3  # a plain call records nothing


def test_functions_written_with_ad_ops_record_on_the_tape():
    with adlib.Tape() as tape:
        x1, x2 = tape.var(2.0), tape.var(5.0)
        y = running_example(x1, x2)
    assert [e.op.name for e in tape.entries[2:]] == ["log", "mul", "add", "sin", "sub"]
    assert tape.gradient(y)[0] == 5.5


def test_non_differentiable_calls_give_plain_values_and_record_nothing():
    with adlib.Tape() as tape:
        x = tape.var(np.array([1.0, -2.0]))
        mask = adlib.greater(x, 0.0)
    assert isinstance(mask, np.ndarray) and mask.tolist() == [True, False] and len(tape) == 1


def test_var_uses_the_current_tape():
    with adlib.Tape() as tape:
        x = adlib.var(2.0, "x")
    assert x.tape is tape
    with pytest.raises(RuntimeError, match="no tape is recording"):
        adlib.var(1.0)


# -- refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("use,elemental", [
    (lambda x, y: x + y, "adlib.add"), (lambda x, y: 2.0 + x, "adlib.add"), (lambda x, y: x - y, "adlib.sub"),
    (lambda x, y: x * y, "adlib.mul"), (lambda x, y: x * 2, "adlib.mul"), (lambda x, y: x / y, "adlib.div"),
    (lambda x, y: x ** 2, "adlib.pow"), (lambda x, y: -x, "adlib.neg"), (lambda x, y: abs(x), "adlib.abs"),
    (lambda x, y: x @ y, "adlib.matmul"), (lambda x, y: x > 0, "adlib.greater"), (lambda x, y: x == y, "adlib.equal"),
    (lambda x, y: x[0], "adlib.getitem"), (lambda x, y: np.sin(x), "adlib.sin"), (lambda x, y: np.sum(x), "adlib.sum"),
])
def test_operators_are_refused_with_the_elemental_to_call(use, elemental):
    with adlib.Tape() as tape:
        x, y = tape.var(np.ones(2)), tape.var(np.ones(2))
    with pytest.raises(TypeError, match=elemental.replace(".", r"\.")):
        use(x, y)


@pytest.mark.parametrize("convert", [float, bool, np.asarray, list])
def test_conversions_that_would_lose_the_derivative_are_refused(convert):
    with adlib.Tape() as tape:
        x = tape.var(2.0)
    with pytest.raises(TypeError):
        convert(x)


def test_numpy_function_without_an_op_is_not_differentiable():
    with adlib.Tape() as tape:
        x = tape.var(np.ones(3))
    with pytest.raises(NotDifferentiableError, match="nancumsum"):
        np.nancumsum(x)
    assert np.shape(x) == (3,)  # structure queries are fine


# -- sweeps, memory, threads, nesting -------------------------------------------------------------

def test_reverse_sweep_drops_intermediate_adjoints_and_release_frees_the_tape():
    tape, x1, x2, y = _record_running_example()
    adjoints = reverse(tape, [(y, 1.0)])
    assert adjoints[y.index] is None and adjoints[x1.index] == 5.5
    tape.release()
    assert len(tape) == 0


def test_tapes_are_freed_by_reference_counting_alone():
    """A tape that held its own handles would be a reference cycle, kept with its arrays
    until the garbage collector runs (and slowing every program that makes many tapes)."""
    gc.collect()
    gc.disable()
    try:
        with adlib.Tape() as tape:
            x = tape.var(np.ones(3))
            y = adlib.sum(adlib.tanh(adlib.mul(x, 2.0)))
        probe = weakref.ref(tape)
        del tape, x, y
        assert probe() is None, "the tape should be freed once its last handle goes"
        adlib.hessian(lambda w: ops.sum(ops.mul(ops.sin(w), w)))(np.ones(3))
        assert gc.collect() == 0, "a transform left reference cycles behind"
    finally:
        gc.enable()


def test_two_threads_record_on_their_own_tapes_at_once():
    barrier = threading.Barrier(2)
    results = {}

    def work(k):
        with adlib.Tape() as tape:
            x = tape.var(float(k))
            y = x
            for _ in range(200):
                barrier.wait() if _ == 100 else None
                y = adlib.add(y, adlib.mul(x, 0.5))
            results[k] = (tape.gradient(y), len(tape), adlib.current_tape() is tape)

    threads = [threading.Thread(target=work, args=(k,)) for k in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in (1, 2):
        assert results[k] == ((101.0,), 401, True)


def test_nested_tapes_give_second_derivatives():
    with adlib.Tape() as outer:
        x = outer.var(0.7)
        with adlib.Tape() as inner:
            xi = inner.var(x)  # the inner tape's input is a handle of the outer one
            y = adlib.mul(adlib.sin(xi), xi)
        (dy,) = inner.gradient(y)  # recorded on the outer tape
    (d2y,) = outer.gradient(dy)
    assert dy.value == pytest.approx(math.cos(0.7) * 0.7 + math.sin(0.7))
    assert d2y == pytest.approx(2 * math.cos(0.7) - 0.7 * math.sin(0.7))


def test_gradient_needs_a_scalar_and_tables_need_a_handle_of_the_tape():
    with adlib.Tape() as tape:
        x = tape.var(np.ones(2))
        y = adlib.mul(x, 2.0)
    with pytest.raises(ValueError, match="scalar"):
        tape.gradient(y)
    with pytest.raises(ValueError, match="handle recorded on this tape"):
        adlib.Tape().adjoint_table(y)


def test_leaked_tape_value_error_speaks_of_an_adlib_value():
    """The message names the kind of traced value in a user's words (not the class `Active`)."""
    from ad.errors import LeakedValueError
    kept = []
    adlib.grad(lambda x: (kept.append(x), adlib.mul(x, x))[1])(1.0)
    with pytest.raises(LeakedValueError, match=r"computed from an adlib tape value of a transform") as error:
        adlib.grad(lambda x: adlib.mul(x, kept[0]))(1.0)
    assert "Active" not in str(error.value)


# -- Python floats ---------------------------------------------------------------------------------

FLOAT_CASES = [  # (function of handles, point): smooth points, kinks, and where math refuses
    (lambda x: adlib.sqrt(x), (0.0,)), (lambda x, y: adlib.pow(x, y), (0.0, 0.0)),
    (lambda x, y: adlib.pow(x, y), (2.0, 0.5)), (lambda x: adlib.mul(adlib.add(x, 2), 3), (1.5,)),
    (lambda x: adlib.div(1, x), (0.0,)), (lambda x: adlib.log(x), (-1.0,)),
    (lambda x, y: adlib.maximum(x, y), (1.0, 1.0)), (lambda x: adlib.relu(x), (0.0,)),
    (lambda x, y: adlib.sub(adlib.tanh(x), adlib.mul(x, y)), (0.3, -2.0)),
]


@pytest.mark.parametrize("f, point", FLOAT_CASES)
def test_python_floats_agree_with_numpy_scalars(f, point):
    # Python floats take math and the op's partials (tape.record_floats); NumPy scalars take
    # NumPy and the rules: values, adjoints and tangents agree, inf and nan included.
    def trace(xs):
        with np.errstate(all="ignore"), adlib.Tape() as tape:
            y = f(*[tape.var(x) for x in xs])
            return [y.value, *tape.gradient(y), tape.tangents([1.0] * len(xs))[y.index]]
    floats, scalars = trace(point), trace([np.float64(x) for x in point])
    assert type(scalars[0]) is np.float64 and (type(floats[0]) is float or not np.isfinite(floats[0]))
    np.testing.assert_array_equal(np.array(floats, dtype=float), np.array(scalars, dtype=float))
