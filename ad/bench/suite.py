"""The workloads of `python -m ad.bench`, each a set of candidates computing the same thing.

A workload is a `Workload(name, title, reference, candidates)`: `candidates` maps a name to a
function of no arguments; `reference` names the speed limit (hand-written code) that ratios
are taken against.  Every candidate's result is checked against the reference's before it
is timed: a fast wrong gradient is worth nothing.  Peers (HIPS autograd, micrograd, PyTorch,
JAX) join when they are installed and are skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass, field

import numpy as np

from .. import adlib, adoo, adsct, numeric, ops
from ..examples import RUNNING_POINT, running_example, running_example_numpy
from . import workloads


@dataclass
class Workload:
    name: str
    title: str
    reference: str
    candidates: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)  # name -> why


def installed(module: str) -> bool:
    """Whether a peer library can be imported (without importing it).

    >>> installed("numpy"), installed("surely_not_a_module")
    (True, False)
    """
    return importlib.util.find_spec(module) is not None


def _leaves(result):
    """Numbers of a (value, gradient) result, flattened, for agreement checks."""
    from .. import tree
    return [np.asarray(leaf, dtype=float) for leaf in tree.flatten(result)[0]]


def _check(workload: Workload, results: dict, rtol: float = 1e-6) -> None:
    reference = _leaves(results[workload.reference])
    for name, result in results.items():
        got = _leaves(result)
        if len(got) != len(reference) or not all(np.allclose(g, r, rtol=rtol, atol=1e-9) for g, r in zip(got, reference)):
            raise AssertionError(f"{workload.name}: {name} disagrees with {workload.reference}")


def _verified(workload: Workload, rtol: float = 1e-6) -> Workload:
    """The workload, once every candidate's result agrees with the reference's."""
    _check(workload, {name: run() for name, run in workload.candidates.items()}, rtol)
    return workload


# -- the running example -----------------------------------------------------------------------

def running_example_by_hand(x1: float, x2: float):
    """Value and gradient of ln x1 + x1 x2 - sin x2, written out: the speed limit.

    >>> running_example_by_hand(2.0, 5.0)[1][0]
    5.5
    """
    return math.log(x1) + x1 * x2 - math.sin(x2), (1.0 / x1 + x2, x1 - math.cos(x2))


def running_example_workload() -> Workload:
    x = RUNNING_POINT
    w = Workload("running_example", "running example f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5), Python floats: "
                 "value and gradient", "by hand")
    w.candidates["by hand"] = lambda: running_example_by_hand(*x)
    for name, module, f in (("adsct", adsct, running_example_numpy), ("adoo", adoo, running_example_numpy),
                            ("adlib", adlib, running_example)):
        g = module.value_and_grad(f, argnums=(0, 1))
        w.candidates[name] = lambda g=g: g(*x)
    for method in ("central", "complex"):
        def numeric_value_and_grad(m=method):
            return running_example_numpy(*x), numeric.grad(running_example_numpy, *x, argnums=(0, 1), method=m)
        w.candidates[f"numeric {method}"] = numeric_value_and_grad
    _add_autograd(w, lambda anp: lambda x1, x2: anp.log(x1) + x1 * x2 - anp.sin(x2), x, argnums=(0, 1))
    _add_torch(w, lambda torch: lambda x1, x2: torch.log(x1) + x1 * x2 - torch.sin(x2), x)
    _add_jax(w, lambda jnp: lambda x1, x2: jnp.log(x1) + x1 * x2 - jnp.sin(x2), x)
    return _verified(w, rtol=1e-5)


# -- micrograd's demo network on scalars -------------------------------------------------------

def scalar_mlp_workload(points: int = 100) -> Workload:
    w = Workload("scalar_mlp", f"micrograd's MLP(2, [16, 16, 1]) on {points} points: loss forward + backward, "
                 "scalar values", "adoo Var")
    xs, ys = workloads.moons(points)
    xs, ys = xs.tolist(), ys.tolist()

    def step(value_class):
        layers = workloads.scalar_mlp_params(value_class)

        def run():
            for layer in layers:
                for weights, bias in layer:
                    for p in (*weights, bias):
                        p.grad = 0.0
            loss = workloads.scalar_mlp_loss(layers, xs, ys)
            loss.backward()
            return loss.data, layers[0][0][0][0].grad
        return run

    w.candidates["adoo Var"] = step(adoo.Var)
    if installed("micrograd"):
        from micrograd.engine import Value
        w.candidates["micrograd"] = step(Value)
    else:
        w.skipped["micrograd"] = "not installed (pip install -e '.[peers]')"
    w.skipped.update({"adlib": "scalar networks of Python objects: adoo's Var is the scalar engine",
                      "adsct": "lists of Var objects are outside the source subset"})
    return _verified(w, rtol=1e-9)


# -- micrograd's demo network in matrix form ---------------------------------------------------

def demo_mlp_workload(points: int = 100) -> Workload:
    X, y = workloads.moons(points)
    params = workloads.demo_mlp_params()
    w = Workload("demo_mlp_matrix", f"micrograd's MLP(2, [16, 16, 1]) in matrix form, {points} points, hinge "
                 "loss + L2: value and gradient", "numpy (hand)")
    w.candidates["numpy (hand)"] = lambda: workloads.demo_mlp_numpy_grad(*params, X, y)
    every = (0, 1, 2, 3, 4, 5)
    g_sct = adsct.value_and_grad(workloads.demo_mlp_loss, argnums=every)
    w.candidates["adsct"] = lambda: g_sct(*params, X, y)
    g_oo = adoo.value_and_grad(workloads.demo_mlp_loss, argnums=every)
    w.candidates["adoo"] = lambda: g_oo(*params, X, y)
    g_lib = adlib.value_and_grad(workloads.demo_mlp_loss_elemental(adlib), argnums=every)
    w.candidates["adlib"] = lambda: g_lib(*params, X, y)
    return _verified(w, rtol=1e-9)


# -- the tensor MLP ---------------------------------------------------------------------------

def tensor_mlp_workload(batch: int = 64) -> Workload:
    params, X, Y = workloads.tensor_mlp_data(batch=batch)
    w = Workload(f"tensor_mlp_{batch}", f"784-256-10 ReLU MLP, softmax cross-entropy, batch {batch}, float64: "
                 "value and gradient", "numpy (hand)")
    w.candidates["numpy (hand)"] = lambda: workloads.tensor_mlp_numpy_grad(params, X, Y)
    g_sct = adsct.value_and_grad(workloads.mlp_loss_numpy, argnums=(0, 1, 2, 3))
    w.candidates["adsct"] = lambda: g_sct(*params, X, Y)
    g_oo = adoo.value_and_grad(workloads.tensor_mlp_loss(np))
    w.candidates["adoo"] = lambda: g_oo(params, X, Y)
    g_lib = adlib.value_and_grad(workloads.tensor_mlp_loss_elemental(adlib))
    w.candidates["adlib"] = lambda: g_lib(params, X, Y)
    if installed("autograd"):
        import autograd
        import autograd.numpy as anp
        g_ag = autograd.value_and_grad(workloads.tensor_mlp_loss(anp))
        w.candidates["autograd"] = lambda: g_ag(params, X, Y)
    else:
        w.skipped["autograd"] = "not installed"
    _add_torch(w, lambda torch: _torch_mlp_loss(torch, X, Y), params)
    _add_jax(w, lambda jnp: lambda W1, b1, W2, b2: workloads.tensor_mlp_loss(jnp)((W1, b1, W2, b2), X, Y), params)
    return _verified(w)


def _torch_mlp_loss(torch, X, Y):
    X, Y = torch.from_numpy(X), torch.from_numpy(Y)

    def loss(W1, b1, W2, b2):
        z = torch.relu(X @ W1 + b1) @ W2 + b2
        return -(Y * torch.log_softmax(z, dim=1)).sum() / X.shape[0]
    return loss


# -- a loop-heavy scalar function ----------------------------------------------------------------

LOOP_STEPS = 50


def loop_numpy(x):
    """x <- 0.9 sin x + 0.1 x, LOOP_STEPS times: control flow and many small operations."""
    for _ in range(LOOP_STEPS):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x


def loop_elemental(x):
    """`loop_numpy` spelled with registry calls (runs under adlib)."""
    for _ in range(LOOP_STEPS):
        x = ops.add(ops.mul(ops.sin(x), 0.9), ops.mul(0.1, x))
    return x


def loop_by_hand(x: float):
    """Value and derivative of `loop_numpy`, by the chain rule written out."""
    d = 1.0
    for _ in range(LOOP_STEPS):
        d = d * (0.9 * math.cos(x) + 0.1)
        x = 0.9 * math.sin(x) + 0.1 * x
    return x, d


def loop_workload() -> Workload:
    w = Workload("loop", f"loop-heavy scalar function ({LOOP_STEPS} iterations of 0.9 sin x + 0.1 x): value and "
                 "derivative", "by hand")
    w.candidates["by hand"] = lambda: loop_by_hand(0.7)
    for name, module, f in (("adsct", adsct, loop_numpy), ("adoo", adoo, loop_numpy), ("adlib", adlib, loop_elemental)):
        g = module.value_and_grad(f)
        w.candidates[name] = lambda g=g: g(0.7)
    _add_torch(w, lambda torch: _torch_loop, (0.7,))
    return _verified(w, rtol=1e-9)


def _torch_loop(x):
    import torch
    for _ in range(LOOP_STEPS):
        x = torch.sin(x) * 0.9 + 0.1 * x
    return x


# -- peers -----------------------------------------------------------------------------------

def _add_autograd(w: Workload, make, args, argnums):
    if not installed("autograd"):
        w.skipped["autograd"] = "not installed"
        return
    import autograd
    import autograd.numpy as anp
    f = make(anp)
    grads = [autograd.grad(f, i) for i in argnums]
    w.candidates["autograd"] = lambda: (f(*args), tuple(g(*args) for g in grads))


def _add_torch(w: Workload, make, args):
    if not installed("torch"):
        w.skipped["PyTorch"] = "not installed"
        return
    import torch
    f = make(torch)

    def run():
        leaves = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in args]
        value = f(*leaves)
        value.backward()
        return float(value), tuple(leaf.grad.numpy() for leaf in leaves)
    w.candidates["PyTorch"] = run


def _add_jax(w: Workload, make, args):
    """JAX's value_and_grad, compiled with jit, in float64 (the other candidates' precision)."""
    if not installed("jax"):
        w.skipped["JAX"] = "not installed"
        return
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    f = jax.jit(jax.value_and_grad(make(jnp), argnums=tuple(range(len(args)))))
    arrays = [jnp.asarray(a, dtype=jnp.float64) for a in args]

    def run():
        value, grads = f(*arrays)
        return float(value), tuple(np.asarray(g) for g in jax.block_until_ready(grads))
    w.candidates["JAX (jit)"] = run


# -- cost growth: forward mode versus reverse mode --------------------------------------------

def growth_function_numpy(x):
    """f: R^n -> R, sum(sin(x) * x): every input matters."""
    return np.sum(np.sin(x) * x)


def growth_function_elemental(x):
    return ops.sum(ops.mul(ops.sin(x), x))


GROWTH_VERSIONS = {"adsct": (adsct, growth_function_numpy), "adoo": (adoo, growth_function_numpy),
                   "adlib": (adlib, growth_function_elemental)}
