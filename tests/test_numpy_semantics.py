"""Plain NumPy semantics under adoo and adsct: aliases, views, in-place updates, re-bound names.

The programs (`semantic_programs.py`) are ordinary NumPy code; the oracle is the same source
run on plain NumPy values.  For each strategy and each transform one of two things must hold:

- it refuses with a clear error: `UnsupportedSyntaxError` or `NotDifferentiableError` whose
  message names a line of the program (adsct: the program's file and line; adoo: at least
  "line N"), or
- it is right: the value equals NumPy's to 1e-12 and the derivative matches central
  differences of the plain program (and the complex step, where the program has no branch).

Anything else (another exception, a wrong number) fails.  The caller's arrays: a program may
update its own arguments in place (`x *= 2`), and then NumPy's run changes the caller's
array.  Differentiating may leave the caller's arrays as they were (as JAX does) or change
them exactly as NumPy's run did; any other state, in particular a change where NumPy's run
changes nothing, is wrong.  Each call gets fresh copies of the inputs, so one transform's
update cannot leak into the next call or into the oracle.

Refusing everything would pass the properties, so `test_everyday_patterns_are_not_refused`
holds the strategies to the patterns people write every day.
"""

import re
import traceback

import numpy as np
import pytest
from hypothesis import assume, currently_in_test_context, event, given, note
from hypothesis import strategies as st

from ad import adoo, adsct, numeric
from ad.errors import NotDifferentiableError, UnsupportedSyntaxError
from random_programs import compile_source
from semantic_programs import SemanticProgram, semantic_programs
from trees import assert_trees_close

STRATEGIES = [pytest.param(adoo, id="adoo"), pytest.param(adsct, id="adsct")]
REFUSALS = (UnsupportedSyntaxError, NotDifferentiableError)
VALUE = dict(rtol=1e-12, atol=1e-12)


def fresh(values) -> list:
    """Copies of the arrays among `values` (numbers are immutable already)."""
    return [np.array(v) if isinstance(v, np.ndarray) else v for v in values]


def plain(f):
    """f on copies of its arguments: the function of the caller's values that NumPy computes,
    whatever f does to its arguments in place (the finite differences call it many times)."""
    return lambda *args: f(*fresh(args))


def numpy_run(program: SemanticProgram):
    """(value, arguments after the call) of the plain NumPy run."""
    inputs = fresh(program.values)
    return program.function(*inputs), inputs


def drawn_numpy_run(program: SemanticProgram):
    """numpy_run for a drawn program (noted for the report); programs that NumPy cannot run
    or that leave the smooth range are assumed away."""
    note(f"program:\n{program.source}at {program.values!r}")
    with np.errstate(all="ignore"):
        try:
            value, after = numpy_run(program)
        except Exception:  # noqa: BLE001 - not a valid NumPy program at these values
            value = after = None
    assume(value is not None and np.isfinite(value) and abs(value) < 1e6)
    return value, after


def lines_named(message: str, filename: str, strict: bool) -> set:
    """The line numbers `message` names: after the file name, or (not strict) as "line N"."""
    found = re.findall(re.escape(filename) + r'(?::|", line |, line | line )(\d+)', message)
    if not strict:
        found += re.findall(r"\bline (\d+)", message)
    return {int(n) for n in found}


def check_refusal(err: Exception, strategy, program: SemanticProgram, label: str) -> None:
    """A refusal is clear: the right error class, naming a line of the program."""
    filename = program.function.__code__.co_filename
    body = set(range(2, len(program.source.splitlines()) + 1))
    named = lines_named(str(err), filename, strict=strategy is adsct)
    where = f"{filename}:N" if strategy is adsct else "line N"
    assert named & body, f"{label} refused without naming the program's line ({where}): {err}"


def check_inputs(label: str, before: list, numpy_after: list, after: list) -> None:
    """The caller's arrays are as they were, or as NumPy's run left its own copies."""
    for k, (old, by_numpy, got) in enumerate(zip(before, numpy_after, after)):
        if isinstance(old, np.ndarray):
            kept = np.array_equal(got, old)
            as_numpy = np.allclose(got, by_numpy, rtol=1e-12, atol=1e-12)
            assert kept or as_numpy, (f"{label} left argument {k} as {got!r}; it was {old!r} and "
                                      f"NumPy's run made it {by_numpy!r}")


def attempt(strategy, label: str, program: SemanticProgram, numpy_after: list, call):
    """call(f, fresh inputs) under the rules above; None when the strategy refused clearly
    (under hypothesis, counted as an event: `--hypothesis-show-statistics` shows how often)."""
    inputs = fresh(program.values)
    result = refusal = failure = None
    try:
        result = call(program.function, inputs)
    except REFUSALS as err:
        refusal = err
    except Exception as err:  # noqa: BLE001 - any other error is a failure, named as such
        if isinstance(err.__cause__, REFUSALS):  # NumPy re-raising a refusal (`a[0] = traced` into a plain array)
            refusal = err.__cause__
        else:
            failure = f"{label} raised {type(err).__name__} instead of refusing clearly: {err}\n{last_frames(err)}"
    # Raised out here, not inside `except`: hypothesis tells failures apart by where their
    # chained exceptions arose, and every program has lines of its own.
    if failure:
        raise AssertionError(failure)
    if refusal is not None:
        check_refusal(refusal, strategy, program, label)
        if currently_in_test_context():
            event(f"{label} refused")
    check_inputs(label, program.values, numpy_after, inputs)
    return result


def last_frames(err: Exception, count: int = 3) -> str:
    """The innermost frames of err's traceback, for the failure message."""
    return "".join(traceback.format_tb(err.__traceback__)[-count:])


def close_to_differences(got, want, value, what: str) -> None:
    """Central differences are good to about 1e-10 of the value's size; 1e-8 leaves room."""
    scale = max(1.0, abs(float(value)))
    assert_trees_close(got, want, what, rtol=1e-6, atol=1e-8 * scale)


def complex_step(program: SemanticProgram, argnums):
    """The complex-step gradient, or None where the program is not complex-safe."""
    if not program.analytic:
        return None
    try:
        with np.errstate(all="ignore"):
            return numeric.grad(plain(program.function), *fresh(program.values), argnums=argnums, method="complex")
    except (TypeError, ValueError):  # e.g. a float buffer (`s = 0.0` is fine, np.zeros(3) is not)
        return None


def all_args(program: SemanticProgram) -> tuple:
    return tuple(range(len(program.args)))


# -- properties on generated programs -------------------------------------------------------

@pytest.mark.parametrize("strategy", STRATEGIES)
@given(program=semantic_programs())
def test_value_and_gradient_follow_numpy(strategy, program):
    value, numpy_after = drawn_numpy_run(program)
    argnums = all_args(program)
    label = f"{strategy.__name__}.value_and_grad"
    got = attempt(strategy, label, program, numpy_after,
                  lambda f, xs: strategy.value_and_grad(f, argnums=argnums)(*xs))
    if got is None:
        return
    np.testing.assert_allclose(got[0], value, err_msg=f"{label}: value", **VALUE)
    want = numeric.grad(plain(program.function), *fresh(program.values), argnums=argnums, method="central")
    close_to_differences(got[1], want, value, f"{label}: gradient against central differences")
    exact = complex_step(program, argnums)
    if exact is not None:
        assert_trees_close(got[1], exact, f"{label}: gradient against the complex step", rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("strategy", STRATEGIES)
@given(program=semantic_programs(), seed=st.integers(0, 2**16))
def test_forward_mode_follows_numpy(strategy, program, seed):
    value, numpy_after = drawn_numpy_run(program)
    rng = np.random.default_rng(seed)
    tangents = tuple(float(rng.standard_normal()) if np.ndim(x) == 0 else rng.standard_normal(np.shape(x))
                     for x in program.values)
    note(f"tangents {tangents!r}")
    label = f"{strategy.__name__}.jvp"
    got = attempt(strategy, label, program, numpy_after, lambda f, xs: strategy.jvp(f, tuple(xs), tangents))
    if got is None:
        return
    np.testing.assert_allclose(got[0], value, err_msg=f"{label}: value", **VALUE)
    _, want = numeric.jvp(plain(program.function), tuple(fresh(program.values)), tangents, method="central")
    close_to_differences(got[1], want, value, f"{label}: tangent against central differences")


@pytest.mark.parametrize("strategy", STRATEGIES)
@given(program=semantic_programs(max_statements=5, max_args=2))
def test_hessian_follows_differences_of_the_gradient(strategy, program):
    """Second order: the Hessian by argument 0 against central differences of the strategy's
    own gradient, itself checked against central differences of the program (where the
    gradient is refused, against second differences of the program)."""
    value, numpy_after = drawn_numpy_run(program)
    name = strategy.__name__
    got = attempt(strategy, f"{name}.hessian", program, numpy_after, lambda f, xs: strategy.hessian(f)(*xs))
    if got is None:
        return
    gradient = attempt(strategy, f"{name}.grad", program, numpy_after, lambda f, xs: strategy.grad(f)(*xs))
    if gradient is None:
        want = numeric.hessian(plain(program.function), *fresh(program.values))
        assert_trees_close(got, want, f"{name}.hessian: against second differences", rtol=1e-4,
                           atol=1e-5 * max(1.0, abs(float(value))))
        return
    first = numeric.grad(plain(program.function), *fresh(program.values), method="central")
    close_to_differences(gradient, first, value, f"{name}.grad")
    try:
        want = numeric.jacobian(plain(strategy.grad(program.function)), *fresh(program.values), method="central")
    except Exception as err:  # noqa: BLE001 - the gradient fails at a point next to this one
        want = f"{name}.grad raised {type(err).__name__} near the point: {err}\n{last_frames(err)}"
    if isinstance(want, str):
        raise AssertionError(want)
    assert_trees_close(got, want, f"{name}.hessian: against differences of the gradient", rtol=1e-5,
                       atol=1e-7 * max(1.0, float(np.max(np.abs(want), initial=0.0))))


# -- the everyday patterns: working is the goal, so these must not be refused ---------------

X, W = np.array([0.3, -0.7, 1.1]), np.array([0.5, 1.5, -0.4])
EVERYDAY = {
    "accumulate into zeros_like": ("acc = np.zeros_like(x)\nacc += x * 2\nreturn np.sum(acc * x)", (X,)),
    "scale a copy in place": ("y = x.copy()\ny *= 3\nreturn np.sum(y * x)", (X,)),
    "sum in a loop into a float": ("s = 0.0\nfor i in range(3):\n    s += np.sum(np.sin(x * i))\nreturn s", (X,)),
    "sum of squares by index": ("total = 0.0\nfor i in range(3):\n    total += x[i] ** 2\nreturn total", (X,)),
    "product in a loop": ("p = 1.0\nfor i in range(3):\n    p *= x[i]\nreturn p", (X,)),
    "centre in place": ("y = x * 1.0\ny -= np.mean(y)\nreturn np.sum(y ** 2)", (X,)),
    "affine then bias in place": ("out = x * w\nout += 0.5\nreturn np.sum(np.tanh(out))", (X, W)),
    "re-bind an argument": ("x = x * 2.0\nx = np.sin(x)\nreturn np.sum(x)", (X,)),
    "re-bind an alias": ("a = x\na = a + 1.0\nreturn np.sum(a * x)", (X,)),
    "update a float argument": ("s *= 2.0\ns += 1.0\nreturn s * np.sum(x)", (X, 0.7)),
    "divide a copy in place": ("y = x.copy()\ny /= np.sum(w * w)\nreturn np.sum(y * w)", (X, W)),
    "fill zeros_like by index": ("y = np.zeros_like(x)\nfor i in range(3):\n    y[i] = x[i] * w[i]\nreturn np.sum(y ** 2)",
                                 (X, W)),
    "zero out a mask": ("y = x.copy()\ny[y > 0.5] = 0.0\nreturn np.sum(y * x)", (X,)),
    "scale part of a copy": ("y = x * w\ny[1:] *= 2.0\nreturn np.sum(np.tanh(y))", (X, W)),
}


def handwritten(body: str, values) -> SemanticProgram:
    args = ["x", "w"] if len(values) == 2 and np.ndim(values[1]) else ["x", "s"][:len(values)]
    source = f"def program({', '.join(args)}):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    return SemanticProgram(source, args, list(values), analytic=False)


def check_works(strategy, program: SemanticProgram) -> None:
    """The strategy gives NumPy's value and the gradient of central differences, unrefused."""
    value, numpy_after = numpy_run(program)
    argnums = all_args(program)
    label = f"{strategy.__name__}.value_and_grad"
    got = attempt(strategy, label, program, numpy_after,
                  lambda f, xs: strategy.value_and_grad(f, argnums=argnums)(*xs))
    assert got is not None, f"{label} refused an everyday pattern:\n{program.source}"
    np.testing.assert_allclose(got[0], value, err_msg=f"{label}: value", **VALUE)
    want = numeric.grad(plain(program.function), *fresh(program.values), argnums=argnums, method="central")
    close_to_differences(got[1], want, value, f"{label}: gradient")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("pattern", sorted(EVERYDAY))
def test_everyday_patterns_are_not_refused(strategy, pattern):
    check_works(strategy, handwritten(*EVERYDAY[pattern]))


# -- the issue's own example ------------------------------------------------------------------

ISSUE_EXAMPLE = """def program(x):
    a = x ** 2
    b = a
    b *= {factor}
    return np.sum(a)
"""


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("factor", [2, 3])
def test_update_through_an_alias_reaches_the_array(strategy, factor):
    """`b = a; b *= 2` changes a (one array, two names): at x = [1, 2] NumPy gives 10 and
    the gradient is [4, 8]; with `b *= 3`, 15 and [6, 12]."""
    x = np.array([1.0, 2.0])
    source = ISSUE_EXAMPLE.format(factor=factor)
    program = SemanticProgram(source, ["x"], [x], analytic=True, _function=compile_source(source))
    want = numeric.grad(plain(program.function), x.copy(), method="central")
    np.testing.assert_allclose(want, factor * 2 * x, rtol=1e-8)  # the oracle itself, by hand
    check_works(strategy, program)
