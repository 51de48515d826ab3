"""Per-op overhead of each strategy: value and gradient of a chain of 200 cheap elementwise
ops on a tiny input, minus the plain NumPy forward, divided by the op count.

Run: python benchmarks/bench_overhead.py
"""

import _setup  # noqa: F401
import numpy as np

from ad import adlib, adoo, ops
from ad.bench import workloads
from ad.bench.timing import compare

N = 200

if __name__ == "__main__":
    for label, x in (("Python float", 0.5), ("array of 3", np.full(3, 0.5))):
        runs = {"plain forward": lambda x=x: workloads.chain(ops, N)(x),
                "adoo": lambda x=x: adoo.value_and_grad(workloads.chain(ops, N))(x),
                "adlib": lambda x=x: adlib.value_and_grad(workloads.chain(adlib, N))(x)}
        medians = compare(runs, rounds=15, target=0.05)
        base = medians["plain forward"]
        print(f"{label}: plain forward {base / N * 1e6:.2f} µs per op; overhead of forward + backward per op:")
        for name in ("adoo", "adlib"):
            print(f"  {name:<6} {(medians[name] - base) / N * 1e6:6.2f} µs")
