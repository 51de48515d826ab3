"""ad.symbolic as a fourth strategy in the property suite, where it applies: programs of
numbers built from the registry's elementwise ops (random_programs.py, `numbers_only`).

The symbolic derivative, evaluated at the program's point, agrees with adsct and adoo to
1e-12; so does its value with plain NumPy, its lambdified form in both the DAG and tree
forms, its reverse-mode form, and its Hessian with adoo's.
"""

import numpy as np
from hypothesis import given, note, settings

from ad import adoo, adsct, symbolic
from ad.symbolic.engine import ELEMENTWISE
from random_programs import straight_line_programs
from trees import assert_trees_close

TIGHT = dict(rtol=1e-12, atol=1e-12)


def _traced(program):
    note(f"as NumPy:\n{program.numpy_source}\nat {program.values!r}")
    f = program.compile(numpy=True)
    return f, tuple(range(len(program.args))), dict(zip(program.args, program.values))


def _evaluated(expressions, point):
    return tuple(e.evaluate(**point) for e in expressions)


@given(program=straight_line_programs(numbers_only=ELEMENTWISE))
def test_symbolic_gradients_agree_with_adsct_and_adoo(program):
    f, argnums, point = _traced(program)
    value, _ = symbolic.trace(f)
    np.testing.assert_allclose(value.evaluate(**point), f(*program.values), **TIGHT)
    for mode in ("forward", "reverse"):
        gradient = _evaluated(symbolic.diff(f, argnums=argnums, mode=mode), point)
        assert_trees_close(gradient, adsct.grad(f, argnums=argnums)(*program.values), f"adsct ({mode})", **TIGHT)
        assert_trees_close(gradient, adoo.grad(f, argnums=argnums)(*program.values), f"adoo ({mode})", **TIGHT)


@given(program=straight_line_programs(numbers_only=ELEMENTWISE))
def test_ops_spelling_traces_to_the_same_derivative(program):
    f, argnums, point = _traced(program)
    by_ops = program.compile(numpy=False)
    assert_trees_close(_evaluated(symbolic.diff(by_ops, argnums=argnums), point),
                       _evaluated(symbolic.diff(f, argnums=argnums), point), "ops spelling", **TIGHT)


@given(program=straight_line_programs(numbers_only=ELEMENTWISE))
def test_lambdified_gradients_in_both_forms_agree_with_adsct(program):
    f, argnums, _ = _traced(program)
    gradient = symbolic.diff(f, argnums=argnums)
    want = adsct.grad(f, argnums=argnums)(*program.values)
    for shared in (True, False):
        compiled = symbolic.lambdify(gradient, symbolic.symbols(" ".join(program.args + ["_"]))[:-1], shared=shared)
        note(compiled.__source__)
        assert_trees_close(compiled(*program.values), want, f"lambdify(shared={shared})", **TIGHT)


@settings(max_examples=8)
@given(program=straight_line_programs(max_ops=4, numbers_only=ELEMENTWISE))
def test_symbolic_hessians_agree_with_adoo(program):
    f, argnums, point = _traced(program)
    hessian = np.array([_evaluated(row, point) for row in symbolic.hessian(f, argnums=argnums)], dtype=float)
    want = np.array(adoo.hessian(f, argnums=argnums)(*program.values), dtype=float)
    np.testing.assert_allclose(hessian, want, rtol=1e-10, atol=1e-10)
