"""Kink conventions, read from the registry (`Op.kinks`) and checked on every path.

Where an op has no derivative (relu at 0, a tie in maximum, a jump of mod) the registry
lists the point and the derivative it chooses there.  Each path that computes a derivative
must give exactly that: the Python-float fast path (`Op.scalar`), the rules on floats, 0-d
arrays and arrays, and each strategy (adoo's `Var` and `Dual`, adlib's tape, adsct's general
code and its float variant), in both modes, with one input active or all of them.
"""

import numpy as np
import pytest

import ad
from ad import ops
from random_programs import compile_source

KINKS = [(name, k) for name, op in sorted(ops.REGISTRY.items()) for k in range(len(op.kinks))]
KINK_IDS = [f"{name}-{k}" for name, k in KINKS]
# the kinks at Python numbers of ops with a Python-float fast path
FAST = [(name, k) for name, k in KINKS if ops.get(name).scalar is not None and not ops.get(name).kinks[k].params
        and all(type(v) is float for v in ops.get(name).kinks[k].at)]


def _is_number_kink(kink) -> bool:
    return all(type(v) is float for v in kink.at)


def _forms(kink):
    """(label, inputs, expected gradients) for each way a user passes the kink's values."""
    if not _is_number_kink(kink):
        yield "array", list(kink.at), list(kink.partials)
        return
    yield "float", list(kink.at), list(kink.partials)
    yield "0-d array", [np.asarray(v) for v in kink.at], [None if p is None else np.asarray(p) for p in kink.partials]
    shape = (2, 3)
    yield "array", [np.full(shape, v) for v in kink.at], [None if p is None else np.full(shape, p) for p in kink.partials]


def _active(kink) -> list:
    return [i for i, p in enumerate(kink.partials) if p is not None]


def _same(got, want, what):
    np.testing.assert_array_equal(np.asarray(got, dtype=float), np.asarray(want, dtype=float), err_msg=what)


# -- the registry's own paths -------------------------------------------------------------------

@pytest.mark.parametrize("name,k", FAST, ids=[f"{name}-{k}" for name, k in FAST])
def test_scalar_fast_path_keeps_the_kink_convention(name, k):
    op = ops.get(name)
    kink = op.kinks[k]
    fn, partials = op.scalar
    out = fn(*kink.at)
    _same(out, op.impl(*kink.at, **kink.params), f"{name} fast path value at {kink.at}")
    for i in _active(kink):
        _same(partials(out, *kink.at)[i], kink.partials[i], f"{name} fast-path partial {i} at {kink.at}")


@pytest.mark.parametrize("name,k", KINKS, ids=KINK_IDS)
def test_rules_keep_the_kink_convention_on_floats_and_arrays(name, k):
    op = ops.get(name)
    kink = op.kinks[k]
    for form, inputs, want in _forms(kink):
        out = op.apply(inputs, kink.params)
        ones = 1.0 if form == "float" else np.ones(np.shape(out))
        cotangents = op.cotangents(ones, out, inputs, kink.params)
        for i in _active(kink):
            _same(cotangents[i], want[i], f"{name} vjp of input {i} on a {form}")
            # forward: one unit tangent per entry of input i; the output's tangent sums to that entry's partial
            for j in range(np.size(inputs[i])):
                unit = np.zeros(np.shape(inputs[i]))
                unit.flat[j] = 1.0
                unit = float(unit) if form == "float" else unit
                tangents = [unit if m == i else None for m in range(len(inputs))]
                tangent = op.tangent(tangents, out, inputs, kink.params)
                _same(np.sum(tangent), np.ravel(want[i])[j], f"{name} jvp of input {i}, entry {j}, on a {form}")


# -- every strategy, as users call the op -------------------------------------------------------

def _spellings(op):
    """`ops.<name>` and, where NumPy has one, NumPy's own function (adoo and adsct take it)."""
    yield "ops", f"ops.{op.name}", ad.available()
    for alias in op.aliases:
        name = getattr(alias, "__name__", None)
        if name and getattr(np, name, None) is alias:
            yield "numpy", f"np.{name}", ("adoo", "adsct")
            return


def _program(call: str, nin: int, params: dict, total: bool):
    args = [f"x{i}" for i in range(nin)] + [f"{key}={value!r}" for key, value in params.items()]
    body = f"{call}({', '.join(args)})"
    if total:
        body = f"{call.split('.')[0]}.sum({body})"
    text = f"def program({', '.join(f'x{i}' for i in range(nin))}):\n    return {body}\n"
    return compile_source(text), text


@pytest.mark.parametrize("name,k", KINKS, ids=KINK_IDS)
def test_every_strategy_keeps_the_kink_convention(name, k):
    op = ops.get(name)
    kink = op.kinks[k]
    active = _active(kink)
    for spelling, call, strategies in _spellings(op):
        for form, inputs, want in _forms(kink):
            # a float in, a float out: the float paths (adoo's fast path, adsct's float variant) see no sum
            f, text = _program(call, len(inputs), kink.params, total=form != "float")
            for strategy in strategies:
                s = ad.strategies.get(strategy)
                where = f"{strategy}, {spelling} spelling, {form} at {kink.at}:\n{text}"
                for i in active:  # one input active, the others constants
                    _same(s.grad(f, argnums=i)(*inputs), want[i], f"reverse, input {i} alone, {where}")
                    _same(s.jacobian(f, argnums=i, mode="forward")(*inputs), want[i],
                          f"forward, input {i} alone, {where}")
                if len(active) > 1:
                    both = tuple(active)
                    for mode, got in (("reverse", s.grad(f, argnums=both)(*inputs)),
                                      ("forward", s.jacobian(f, argnums=both, mode="forward")(*inputs))):
                        for i, g in zip(active, got):
                            _same(g, want[i], f"{mode}, all inputs active, input {i}, {where}")

