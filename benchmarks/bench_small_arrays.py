"""adsct on small inputs, where per-call overhead decides (issue 17): five ratios of adsct's
value and gradient to the hand-written reference of `python -m ad.bench`, each pair timed in
interleaved rounds (reference, adsct, reference, ...), with the median of the per-round ratios.

- mlp_1, mlp_64: the 784-256-10 MLP at batch 1 and 64 against `tensor_mlp_numpy_grad`;
- sinx_10: grad of sum(sin(x) x) at n = 10 against the function itself (the `rev/f` column);
- demo_mlp: micrograd's demo MLP in matrix form against `demo_mlp_numpy_grad`;
- running: the running example on Python floats against `running_example_by_hand`.

Run: python benchmarks/bench_small_arrays.py [rounds] [workload ...]
"""

import _setup  # noqa: F401
import gc
import sys
import time
from statistics import median

import numpy as np

from ad import adsct
from ad.bench import suite, workloads
from ad.examples import RUNNING_POINT, running_example_numpy


def pairs() -> dict:
    """name -> (reference, adsct), each a function of no arguments."""
    params1, X1, Y1 = workloads.tensor_mlp_data(batch=1)
    params64, X64, Y64 = workloads.tensor_mlp_data(batch=64)
    mlp = adsct.value_and_grad(workloads.mlp_loss_numpy, argnums=(0, 1, 2, 3))
    x = np.linspace(-1.0, 1.0, 10)
    sinx = adsct.grad(suite.growth_function_numpy)
    X, y = workloads.moons(100)
    demo_params = workloads.demo_mlp_params()
    demo = adsct.value_and_grad(workloads.demo_mlp_loss, argnums=(0, 1, 2, 3, 4, 5))
    point = tuple(RUNNING_POINT)
    running = adsct.value_and_grad(running_example_numpy, argnums=(0, 1))
    return {"mlp_1": (lambda: workloads.tensor_mlp_numpy_grad(params1, X1, Y1), lambda: mlp(*params1, X1, Y1)),
            "mlp_64": (lambda: workloads.tensor_mlp_numpy_grad(params64, X64, Y64), lambda: mlp(*params64, X64, Y64)),
            "sinx_10": (lambda: suite.growth_function_numpy(x), lambda: sinx(x)),
            "demo_mlp": (lambda: workloads.demo_mlp_numpy_grad(*demo_params, X, y), lambda: demo(*demo_params, X, y)),
            "running": (lambda: suite.running_example_by_hand(*point), lambda: running(*point))}


def _calls(fn, target: float) -> int:
    start = time.perf_counter()
    fn()
    return max(1, int(target / max(time.perf_counter() - start, 1e-7)))


def measure(rounds: int = 41, target: float = 0.01, only=()) -> dict:
    """name -> (median seconds of the reference, of adsct, median of the per-round ratios)."""
    chosen = {name: pair for name, pair in pairs().items() if not only or name in only}
    for pair in chosen.values():
        for fn in pair:
            fn(), fn()  # (code generated, hot paths set up)
    counts = {name: tuple(_calls(fn, target) for fn in pair) for name, pair in chosen.items()}
    samples = {name: ([], []) for name in chosen}
    for _ in range(rounds):
        for name, pair in chosen.items():
            for fn, n, into in zip(pair, counts[name], samples[name]):
                gc.collect()
                start = time.perf_counter()
                for _ in range(n):
                    fn()
                into.append((time.perf_counter() - start) / n)
    return {name: (median(ref), median(sct), median(s / r for r, s in zip(ref, sct)))
            for name, (ref, sct) in samples.items()}


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 41
    for name, (ref, sct, ratio) in measure(rounds, only=sys.argv[2:]).items():
        print(f"{name:<10} reference {ref * 1e6:9.2f} µs   adsct {sct * 1e6:9.2f} µs   ratio {ratio:5.2f}x")
