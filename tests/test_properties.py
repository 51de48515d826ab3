"""One property suite for all three strategies, on programs nobody wrote by hand.

Programs come from `random_programs.py`: DAGs of registry ops (so a new op is covered as soon
as it is registered) and programs with branches, loops and a helper function.  Each runs as
`ad.ops` calls under every strategy and as NumPy source under adoo and adsct; a failing
example is shrunk and its source printed (hypothesis `note`).
"""

import contextlib
import io
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

import ad
from ad import adoo, adsct, numeric
from ad.errors import NotDifferentiableError, UnsupportedSyntaxError
from random_programs import compile_source, control_flow_programs, partly_active_programs, straight_line_programs
from trees import assert_trees_close

AGREE = dict(rtol=1e-10, atol=1e-12)  # strategies against each other


def _versions(program):
    """(strategy module, function) for every way the program runs: ops calls under each
    strategy, NumPy source under the strategies that take plain NumPy code."""
    note(f"as ad.ops calls:\n{program.ops_source}\nas NumPy:\n{program.numpy_source}\nat {program.values!r}")
    ops_version, numpy_version = program.compile(numpy=False), program.compile(numpy=True)
    versions = [(ad.strategies.get(name), ops_version, f"{name} (ops)") for name in ad.available()]
    versions += [(adoo, numpy_version, "adoo (numpy)"), (adsct, numpy_version, "adsct (numpy)")]
    return versions


def _argnums(program):
    return tuple(range(len(program.args)))


def _gradients_checking_values(program, argnums) -> dict:
    """{version label: gradient}, after checking each version's value against plain NumPy."""
    plain_value = program.compile(numpy=True)(*program.values)
    results = {}
    for s, f, label in _versions(program):
        value, results[label] = s.value_and_grad(f, argnums=argnums)(*program.values)
        np.testing.assert_allclose(value, plain_value, rtol=1e-12, err_msg=f"{label}: value")
    return results


def _close(got, want, what, **tolerance):
    assert_trees_close(got, want, what, **(tolerance or AGREE))


@given(program=straight_line_programs())
def test_gradients_agree_across_strategies_and_with_finite_differences(program):
    argnums = _argnums(program)
    results = _gradients_checking_values(program, argnums)
    reference = results["adoo (ops)"]
    for label, grads in results.items():
        _close(grads, reference, label)
    f = program.compile(numpy=True)
    _close(reference, numeric.grad(f, *program.values, argnums=argnums, method="central"), "central differences",
           rtol=1e-5, atol=1e-6)
    if program.analytic:  # complex step: no subtraction, so agreement to rounding
        _close(reference, numeric.grad(f, *program.values, argnums=argnums, method="complex"), "complex step",
               rtol=1e-9, atol=1e-12)


@given(program=straight_line_programs())
def test_forward_and_reverse_jacobians_agree(program):
    argnums = _argnums(program)
    for s, f, label in _versions(program):
        forward = s.jacobian(f, argnums=argnums, mode="forward")(*program.values)
        reverse = s.jacobian(f, argnums=argnums, mode="reverse")(*program.values)
        _close(forward, reverse, label)


@given(program=straight_line_programs(), seed=st.integers(0, 2**16))
def test_vjp_and_jvp_are_adjoint(program, seed):
    """<vjp(u), v> = <u, jvp(v)> for random u and v."""
    rng = np.random.default_rng(seed)
    u = float(rng.standard_normal())
    tangents = tuple(rng.standard_normal(np.shape(x)) if np.shape(x) else float(rng.standard_normal())
                     for x in program.values)
    for s, f, label in _versions(program):
        _, vjp_fn = s.vjp(f, *program.values)
        _, tangent_out = s.jvp(f, tuple(program.values), tangents)
        left = sum(float(np.sum(c * t)) for c, t in zip(vjp_fn(u), tangents))
        np.testing.assert_allclose(left, u * tangent_out, rtol=1e-9, atol=1e-12, err_msg=label)


@given(drawn=partly_active_programs())
def test_only_some_arguments_active_with_broadcasting_in_every_mode(drawn):
    """An argument broadcast against inactive values (x + ones((2, 3)) with only x
    differentiated): each mode must spread its derivative to the output's shape itself."""
    program, argnums = drawn
    note(f"differentiating argnums={argnums}")
    every = _argnums(program)
    reference = adoo.grad(program.compile(numpy=False), argnums=every)(*program.values)
    want = tuple(reference[i] for i in argnums)
    f = program.compile(numpy=True)
    _close(want, numeric.grad(f, *program.values, argnums=argnums, method="central"), "central differences",
           rtol=1e-5, atol=1e-6)
    for s, f, label in _versions(program):
        _close(s.grad(f, argnums=argnums)(*program.values), want, f"{label} reverse")
        _close(s.jacobian(f, argnums=argnums, mode="forward")(*program.values), want, f"{label} forward")
        first = argnums[0]  # forward over reverse, one argument active
        hessian = s.hessian(f, argnums=first)(*program.values)
        _close(hessian, adoo.hessian(program.compile(numpy=False), argnums=first)(*program.values), f"{label} hessian")


@given(program=straight_line_programs(max_ops=4))
def test_hessians_are_symmetric_and_agree(program):
    hessians = {label: np.asarray(s.hessian(f)(*program.values)) for s, f, label in _versions(program)}
    reference = hessians["adoo (ops)"]
    # Reverse over reverse shares no rule with forward over reverse (which runs the JVP rules of
    # the ops inside each VJP rule: unreduce, broadcast_to, swapaxes...): an outside check.
    by_two_sweeps = adoo.jacobian(adoo.grad(program.compile(numpy=False)), mode="reverse")(*program.values)
    np.testing.assert_allclose(reference, by_two_sweeps, rtol=1e-9, atol=1e-10, err_msg="reverse over reverse")
    for label, h in hessians.items():
        n = max(1, np.size(program.values[0]))
        square = h.reshape(n, n)
        np.testing.assert_allclose(square, square.T, rtol=1e-9, atol=1e-10, err_msg=label)
        np.testing.assert_allclose(h, reference, rtol=1e-9, atol=1e-10, err_msg=label)


@given(program=straight_line_programs())
def test_float32_inputs_give_float32_gradients(program):
    values32 = [np.float32(v) if np.ndim(v) == 0 else np.asarray(v, np.float32) for v in program.values]
    argnums = _argnums(program)
    for s, f, label in _versions(program):
        for g in s.grad(f, argnums=argnums)(*values32):
            assert np.asarray(g).dtype == np.float32, f"{label}: {np.asarray(g).dtype}"


@given(program=control_flow_programs())
def test_programs_with_branches_loops_and_calls_agree(program):
    argnums = _argnums(program)
    results = _gradients_checking_values(program, argnums)
    for label, grads in results.items():
        _close(grads, results["adoo (ops)"], label)
    forward = adsct.jacobian(program.compile(numpy=True), argnums=argnums, mode="forward")(*program.values)
    _close(forward, results["adoo (ops)"], "adsct forward mode")


# -- adsct fuzz: outside the subset, a clear error or the right answer; never a wrong number ---------

INSERTIONS = [
    "try:\n    pass\nexcept ValueError:\n    pass",
    "junk = [x0 for _ in range(2)]",
    "x0 = x0.real",
    "print(x0)",
    "x0 = np.linalg.norm(x0) + x0",
    "x0 = x0 * 1.0",
    "x0 = x0 + 0.0",
    "assert True",
    "x0 = np.sort(x0)",
    "x0 = (lambda v: v)(x0)",
    "global G",
    "x0 = float(np.sum(x0)) + x0",
    "for r in np.atleast_1d(x0):\n    x0 = x0 + 0.5 * r",  # iterating over a differentiated array
    "for r in [x0, x0]:\n    x0 = x0 * 0.5 + np.sin(r)",
    "x0 = x0 if np.sum(x0) > 0 else -x0",
]


@given(program=straight_line_programs(max_ops=4), insertion=st.sampled_from(INSERTIONS), data=st.data())
def test_adsct_outside_its_subset_errs_clearly_or_is_right(program, insertion, data):
    lines = program.numpy_source.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("def program"))) + 1
    at = data.draw(st.integers(start, len(lines) - 1))
    text = "\n".join(lines[:at] + ["    " + line for line in insertion.splitlines()] + lines[at:]) + "\n"
    note(text)
    f = compile_source(text)
    argnums = _argnums(program)
    with contextlib.redirect_stdout(io.StringIO()):  # (the print insertion)
        try:
            want = adoo.grad(f, argnums=argnums)(*program.values)
        except Exception:  # noqa: BLE001 - the reference cannot run it either (x.real, np.sort, float(...))
            want = None
        assume(want is not None)
        try:
            got = adsct.grad(f, argnums=argnums)(*program.values)
        except (UnsupportedSyntaxError, NotDifferentiableError):
            return
    _close(got, want, "adsct")


# -- an outside oracle ------------------------------------------------------------------------

@given(program=straight_line_programs())
def test_gradients_match_hips_autograd(program):
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    assume("ops." not in program.numpy_source)  # autograd knows NumPy's spelling only
    note(program.numpy_source)
    f = program.compile(numpy=True, namespace={"np": anp})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Output seems independent of input"
        try:
            want = tuple(autograd.grad(f, i)(*program.values) for i in _argnums(program))
        except Exception:  # noqa: BLE001 - what autograd cannot run (keyword forms, some ops) proves nothing
            want = None
    assume(want is not None)
    # Gradients of the wrong shape are autograd's own bugs, seen here: np.where does not sum a
    # broadcast input back (a scalar's gradient in sum(where(True, a, ones(3))) comes back as
    # [1, 1, 1], not 3) and np.transpose with negative axes permutes the gradient wrongly.
    assume(all(np.shape(w) == np.shape(x) for w, x in zip(want, program.values)))
    got = adoo.grad(program.compile(numpy=True), argnums=_argnums(program))(*program.values)
    _close(got, want, "autograd", rtol=1e-10, atol=1e-12)
