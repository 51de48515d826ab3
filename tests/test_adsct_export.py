"""adsct.export: generated derivative code written as a standalone module.

Each exported module is run in a fresh interpreter in which `import ad` fails, and its
results are compared with adsct's own; a golden file keeps the running example's module; the
plain-NumPy helpers modules get are checked against the registry ops they stand for.
"""

import ast
import functools
import inspect
import os
import pathlib
import pickle
import re
import subprocess
import sys
import textwrap

import numpy
import numpy as np
import pytest

from ad import adsct, derived, ops
from ad.adsct import standalone
from ad.errors import UnsupportedSyntaxError
from adsct_corpus import CORPUS, running_example

GOLDEN = pathlib.Path(__file__).parent / "golden"
REPOSITORY = pathlib.Path(__file__).resolve().parent.parent


# -- functions written as NumPy users write them ----------------------------------------------

def mlp(W1, b1, W2, b2, x):
    h = np.tanh(x @ W1 + b1)  # (b1 broadcasts over the batch)
    out = h @ W2 + b2
    return np.mean((out - 1.0) ** 2)


def with_a_loop(x, n=4):
    total = 0.0
    y = x
    for k in range(n):
        y = np.sin(y) * (k + 1.0)
        total = total + np.sum(y * y)
    return total


def with_slices(x):
    y = x[1:] * x[:-1]
    z = y[::2] ** 2
    return y[0] + np.sum(z) + x[-1] * np.sum(x[:, None] * x[None, :])


def with_where_and_maximum(x, y):
    relu = np.maximum(x, 0.0)
    picked = np.where(x > 0.5, x * y, -x)
    return np.sum(relu * y + picked)


def with_while_and_a_list(x):
    parts = []
    k = 0
    while k < 3:
        parts.append(np.exp(-x * k))
        k += 1
    stacked = np.stack(parts, axis=0)
    joined = np.concatenate([stacked.reshape(-1), x.T.reshape(-1)])
    return np.sum(joined * joined) + np.max(stacked)


WEIGHTS = np.array([0.5, -1.0, 2.0])


def with_a_module_array(x):
    return np.sum(WEIGHTS * np.log1p(x * x)) + np.prod(x)


def with_names_the_helpers_want(x, cotangent_of):
    np = numpy.sin(x)  # (names the exported module's helpers and imports would take)
    unbroadcast = np * cotangent_of
    list = unbroadcast + 1.0
    sum = numpy.sum(list * unbroadcast)
    return sum


_rng = np.random.default_rng(16)
CASES = [
    (running_example, (2.0, 5.0), (0, 1)),
    (mlp, (_rng.normal(size=(3, 4)), _rng.normal(size=4), _rng.normal(size=(4, 2)), 0.1, _rng.normal(size=(5, 3))),
     (0, 1, 2, 3)),
    (with_a_loop, (np.array([0.3, -0.7, 1.1]),), 0),
    (with_slices, (_rng.normal(size=5),), 0),
    (with_where_and_maximum, (np.array([-1.0, 0.25, 0.75, 2.0]), np.array([1.5, -0.5, 2.0, 0.3])), (0, 1)),
    (with_while_and_a_list, (np.array([0.2, 0.9]),), 0),
    (with_a_module_array, (np.array([0.4, 1.3, -0.8]),), 0),
    (with_names_the_helpers_want, (np.array([0.4, 1.3]), np.array([2.0, -1.0])), (0, 1)),
]
IDS = [f.__name__ for f, _, _ in CASES]

# Run in a fresh interpreter, from a folder without the package, with `import ad` made impossible.
RUNNER = textwrap.dedent("""
    import importlib.abc, pickle, runpy, sys

    class NoAd(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "ad" or name.startswith("ad."):
                raise ImportError("exported code must not import ad")
            return None

    sys.meta_path.insert(0, NoAd())
    sys.modules["ad"] = None
    with open(sys.argv[1], "rb") as handle:
        jobs = pickle.load(handle)
    results = []
    for path, name, args in jobs:
        module = runpy.run_path(path)
        results.append(module[name](*args))
    loaded = sorted(name for name, module in sys.modules.items()
                    if module is not None and (name == "ad" or name.startswith("ad.")))
    with open(sys.argv[2], "wb") as handle:
        pickle.dump((results, loaded), handle)
""")


def _tangents(args, argnums):
    """A tangent per differentiated argument (and zeros for the others, for adsct.jvp)."""
    selected = argnums if isinstance(argnums, tuple) else (argnums,)
    rng = np.random.default_rng(7)
    chosen = {k: (rng.normal(size=np.shape(args[k])) if np.ndim(args[k]) else float(rng.normal()))
              for k in selected}
    everything = tuple(chosen.get(k, np.zeros_like(np.asarray(a, dtype=float)) if np.ndim(a) else 0.0)
                       for k, a in enumerate(args))
    return [chosen[k] for k in selected], everything


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """{(name, mode): (module text, what the module computed in a fresh interpreter)}."""
    folder = tmp_path_factory.mktemp("exported")
    jobs, keys, texts = [], [], {}
    for f, args, argnums in CASES:
        for mode in ("reverse", "forward"):
            path = folder / f"{f.__name__}_{mode}.py"
            texts[f.__name__, mode] = adsct.export(f, path, mode=mode, argnums=argnums)
            if mode == "reverse":
                jobs.append((str(path), f"{f.__name__}_grad", args))
                keys.append((f.__name__, "grad"))
                jobs.append((str(path), f"{f.__name__}_vjp", args + (0.75,)))
                keys.append((f.__name__, "vjp"))
            else:
                jobs.append((str(path), f"{f.__name__}_jvp", args + tuple(_tangents(args, argnums)[0])))
                keys.append((f.__name__, "jvp"))
    f, args, argnums = CASES[1]  # float32 arguments keep float32 derivatives, as adsct's do
    jobs.append((str(folder / f"{f.__name__}_reverse.py"), f"{f.__name__}_grad", _float32(args)))
    keys.append((f.__name__, "grad float32"))
    results = _run_without_ad(folder, jobs, timeout=300)
    return texts, dict(zip(keys, results)), folder


def _run_without_ad(folder, jobs: list, timeout: int) -> list:
    """Each job (file, function name, arguments) run in one fresh interpreter where `import ad`
    fails and the package is not on the path; their results, after checking no ad was loaded."""
    with open(folder / "jobs.pkl", "wb") as handle:
        pickle.dump(jobs, handle)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-c", RUNNER, str(folder / "jobs.pkl"), str(folder / "results.pkl")],
                         cwd=folder, env=environment, capture_output=True, text=True, timeout=timeout)
    assert run.returncode == 0, run.stderr
    with open(folder / "results.pkl", "rb") as handle:
        results, loaded = pickle.load(handle)
    assert loaded == [], f"the exported modules imported {loaded}"
    return results


def _float32(args):
    return tuple(np.asarray(a, dtype=np.float32) for a in args)


def _close(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w)
        return
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f,args,argnums", CASES, ids=IDS)
def test_reverse_mode_module_computes_adsct_gradient_without_ad(exported, f, args, argnums):
    texts, results, _ = exported
    _close(results[f.__name__, "grad"], adsct.grad(f, argnums=argnums)(*args))
    value, vjp_fn = adsct.vjp(f, *args)
    selected = argnums if isinstance(argnums, tuple) else (argnums,)
    got_value, got_adjoints = results[f.__name__, "vjp"]
    _close(got_value, value)
    _close(got_adjoints, tuple(vjp_fn(0.75)[k] for k in selected))


def test_float32_arguments_keep_float32_derivatives(exported):
    _, results, _ = exported
    f, args, argnums = CASES[1]
    want = adsct.grad(f, argnums=argnums)(*_float32(args))
    got = results[f.__name__, "grad float32"]
    assert [g.dtype for g in got] == [w.dtype for w in want] == [np.float32] * len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)


@pytest.mark.parametrize("f,args,argnums", CASES, ids=IDS)
def test_forward_mode_module_computes_adsct_jvp_without_ad(exported, f, args, argnums):
    texts, results, _ = exported
    _, tangents = _tangents(args, argnums)
    value, tangent = adsct.jvp(f, args, tangents)
    got_value, got_tangent = results[f.__name__, "jvp"]
    _close(got_value, value)
    _close(got_tangent, tangent)


@pytest.mark.parametrize("f,args,argnums", CASES, ids=IDS)
def test_modules_import_only_numpy_and_math_and_name_no_machine_path(exported, f, args, argnums):
    texts, _, folder = exported
    for mode in ("reverse", "forward"):
        text = texts[f.__name__, mode]
        imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
        assert all(re.fullmatch(r"import numpy as \w+|import math( as \w+)?", line) for line in imports), imports
        assert "ops." not in text and "ad." not in text.replace("ad.adsct", "")
        assert str(folder) not in text and str(REPOSITORY) not in text
        assert text == adsct.export(f, folder / "again.py", mode=mode, argnums=argnums)  # the same text again


def test_numpy_functions_are_called_by_their_names_and_only_used_helpers_are_defined(exported):
    texts, _, _ = exported
    mlp_code = texts["mlp", "reverse"]
    assert "h = np.tanh(t2)" in mlp_code and "np.mean(t7)" in mlp_code and "def unbroadcast(value, like):" in mlp_code
    running = texts["running_example", "reverse"]
    assert "np.sin(x2)" in running and "def cotangent_of(" in running
    assert "def unreduce(" not in running and "def scatter_add(" not in running and "def broadcast_like(" not in running
    loop = texts["with_while_and_a_list", "forward"]
    assert "np.concatenate([" in loop and "np.reshape(" in loop and "def concatenate_jvp(" in loop


def test_running_example_module_matches_golden_file(tmp_path):
    path = GOLDEN / "running_example_export_reverse.py"
    text = adsct.export(running_example, tmp_path / "running_example.py", argnums=(0, 1))
    if os.environ.get("AD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), "exported code changed; review it and rerun with AD_UPDATE_GOLDEN=1"
    assert (tmp_path / "running_example.py").read_text() == text


def test_golden_module_gives_the_running_example_gradient():
    module = {}
    exec(compile((GOLDEN / "running_example_export_reverse.py").read_text(), "golden", "exec"), module)
    assert tuple(float(g) for g in module["running_example_grad"](2.0, 5.0)) == (5.5, 1.7163378145367738)


def test_names_of_the_code_are_never_taken_by_helpers_or_imports(exported):
    texts, _, _ = exported
    text = texts["with_names_the_helpers_want", "reverse"]
    assert "import numpy as np_1" in text and "def unbroadcast_1(value, like):" in text
    assert "list_1 = list" not in text  # (a builtin the code does not call)


@pytest.fixture
def user_ops():
    """An op whose implementation is a lambda of one NumPy call, and one written as a def."""
    softplus = ops.defop("softplus_export_demo", lambda x: np.logaddexp(0.0, x),
                         jvp=(lambda t, out, x: t / (1.0 + np.exp(-x)),),
                         vjp=(lambda g, out, x: g / (1.0 + np.exp(-x)),))
    clipped = ops.defop("clipped_export_demo", _clipped, jvp=(lambda t, out, x: t * _inside(x),),
                        vjp=(lambda g, out, x: g * _inside(x),))
    yield softplus, clipped
    ops.unregister("softplus_export_demo")
    ops.unregister("clipped_export_demo")


LIMIT = 2.0


def _clipped(x):
    """x clipped to [-LIMIT, LIMIT]."""
    return np.clip(x, -LIMIT, LIMIT)


def _inside(x):
    return (np.abs(x) < LIMIT).astype(float)


def test_user_ops_are_inlined_or_written_out_from_their_source(tmp_path, user_ops):
    text = ("def f(x):\n"
            "    return np.sum(ops.softplus_export_demo(x) * ops.clipped_export_demo(x * 3.0))\n")

    def f(x):
        return np.sum(ops.softplus_export_demo(x) * ops.clipped_export_demo(x * 3.0))

    x = np.array([-1.0, 0.2, 0.5])
    written = adsct.export(f, tmp_path / "user_ops.py", source=text)
    assert "np.logaddexp(0.0, x)" in written and "def clipped_export_demo(x):" in written
    assert "LIMIT = 2.0" not in written and "np.clip(x, -2.0, 2.0)" in written  # (a number: written as one)
    module = {}
    exec(compile(written, "user_ops", "exec"), module)
    np.testing.assert_allclose(module["f_grad"](x), adsct.grad(f)(x), rtol=1e-12)


def takes_a_dict(params, x):
    return np.sum(np.tanh(params["w"] * x + params["b"]))


def test_pytree_arguments_get_a_parameter_per_array(tmp_path):
    params, x = {"b": 0.5, "w": np.array([1.0, -2.0])}, np.array([0.3, 0.4])
    written = adsct.export(takes_a_dict, tmp_path / "tree.py", args=(params, x))
    assert "def takes_a_dict_grad" not in written  # (the gradient entry is for arrays and numbers)
    module = {}
    exec(compile(written, "tree", "exec"), module)
    vjp = module["takes_a_dict_vjp"]
    names = list(inspect.signature(vjp).parameters)
    assert len(names) == 4  # b, w, x and the cotangent
    value, adjoints = vjp(params["b"], params["w"], x, 1.0)
    want = adsct.grad(takes_a_dict)(params, x)
    np.testing.assert_allclose(value, takes_a_dict(params, x), rtol=1e-12)
    np.testing.assert_allclose(adjoints[0], want["b"], rtol=1e-12)
    np.testing.assert_allclose(adjoints[1], want["w"], rtol=1e-12)


def _plain(args) -> bool:
    return not any(isinstance(a, (tuple, list, dict)) or a is None for a in args)


def test_every_corpus_function_exports_and_runs_without_ad(tmp_path):
    """The whole adsct corpus (loops, branches, writes, calls, lists): each function of arrays and
    numbers exported in both modes, run in one fresh interpreter, and compared with adsct."""
    jobs, expected = [], []
    for n, (f, args, argnums) in enumerate(CORPUS):
        if not _plain(args):
            continue
        selected = argnums if isinstance(argnums, tuple) else (argnums,)
        for mode in ("reverse", "forward"):
            path = tmp_path / f"corpus_{n}_{mode}.py"
            adsct.export(f, path, mode=mode, argnums=argnums, args=args)
            name = next(node.name for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef))
            if mode == "reverse":
                value, grads = adsct.value_and_grad(f, argnums=argnums)(*args)
                jobs.append((str(path), name, tuple(args) + (1.0,)))
                expected.append((f.__name__, mode, value, grads if isinstance(argnums, tuple) else (grads,)))
            elif np.ndim(value) == 0:  # (a scalar f: its tangent is the gradient's dot product with the tangents)
                tangents, _ = _tangents(args, argnums)
                jobs.append((str(path), name, tuple(args) + tuple(tangents)))
                dot = sum(np.sum(np.asarray(g) * t) for g, t in zip(expected[-1][3], tangents))
                expected.append((f.__name__, mode, value, dot))
    assert len(jobs) > 200
    results = _run_without_ad(tmp_path, jobs, timeout=600)
    wrong = []
    for (name, mode, value, want), (got_value, got) in zip(expected, results):
        try:
            np.testing.assert_allclose(got_value, value, rtol=1e-12, atol=1e-12)
            if mode == "reverse":
                _close(tuple(got), tuple(want))
            else:
                np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        except AssertionError as error:
            wrong.append(f"{name} ({mode}): {error}")
    assert not wrong, "\n".join(wrong)


# -- errors -----------------------------------------------------------------------------------------

def outside_the_subset(x):
    try:
        return x * 2.0
    except ValueError:
        return x


def test_function_outside_the_subset_is_refused(tmp_path):
    with pytest.raises(UnsupportedSyntaxError):
        adsct.export(outside_the_subset, tmp_path / "refused.py")
    assert not (tmp_path / "refused.py").exists()


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="mode must be 'reverse' or 'forward', got 'sideways'"):
        adsct.export(running_example, tmp_path / "refused.py", mode="sideways")
    assert not (tmp_path / "refused.py").exists()


def test_derivative_function_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="export the function it differentiates"):
        adsct.export(adsct.grad(running_example), tmp_path / "refused.py")


@pytest.fixture
def op_without_source():
    op = ops.defop("twice_export_demo", functools.partial(np.multiply, 2.0),
                   jvp=(lambda t, out, x: 2.0 * t,), vjp=(lambda g, out, x: 2.0 * g,))
    yield op
    ops.unregister("twice_export_demo")


def test_code_needing_something_unwritable_is_refused_naming_it(tmp_path, op_without_source):
    def f(x):
        return ops.twice_export_demo(x) * x

    text = "def f(x):\n    return ops.twice_export_demo(x) * x\n"
    assert adsct.grad(f, source=text)(3.0) == 12.0
    with pytest.raises(ValueError, match=r"twice_export_demo.*functools\.partial"):
        adsct.export(f, tmp_path / "refused.py", source=text)
    assert not (tmp_path / "refused.py").exists()


# -- the plain-NumPy helpers ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["unbroadcast", "sum_to", "broadcast_to", "unreduce", "cotangent_of"])
def test_standalone_helpers_compute_what_the_registry_computes(name):
    op, plain = ops.get(name), getattr(standalone, name)
    rng = np.random.default_rng(3)
    parameters = list(inspect.signature(plain).parameters.values())
    assert [p.name for p in parameters][op.nin:] == list(op.params)  # (so calls can leave out defaults)
    if not isinstance(op.impl, np.ufunc):
        assert [p.default for p in parameters][op.nin:] == \
            [p.default for p in inspect.signature(op.impl).parameters.values()][op.nin:]
    for case in op.domain.cases:
        for dtype in (np.float64, np.float32):
            inputs = [rng.normal(size=shape).astype(dtype) for shape in case.shapes]
            if name == "cotangent_of":
                inputs[0] = rng.normal(size=case.shapes[1]).astype(dtype)
            inputs = [float(x) if x.shape == () and dtype == np.float64 else x for x in inputs]
            want, got = op.impl(*inputs, **case.params), plain(*inputs, **case.params)
            np.testing.assert_array_equal(got, want)
            assert np.result_type(got) == np.result_type(want), (case, dtype)


def test_standalone_zeros_like_and_same_array():
    for x in (np.ones((2, 3), dtype=np.float32), np.arange(3), np.float64(2.0), 2.0):
        got, want = standalone.zeros_like(x), derived.zeros_like(x)
        np.testing.assert_array_equal(got, want)
        assert np.result_type(got) == np.result_type(want)
    a = np.ones(3)
    assert standalone.same_array(a, a, ("shared",), 0) and not standalone.same_array(a, np.ones(3), ("shared",), 0)
    with pytest.raises(ValueError, match="shared"):
        standalone.same_array(a, a[1:], ("shared",), 0)
