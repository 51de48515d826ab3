"""Per-op overhead of each strategy: value and gradient of a chain of 200 cheap elementwise
ops on a tiny input, minus the plain NumPy forward, divided by the op count.  Then the whole
cost per scalar op, forward + backward, written micrograd's way (`x = x * 0.999 + 0.001`,
then `.backward()`) on adoo's Var, on adlib's values and on micrograd's Value (when
installed; timed with its garbage collector on and off).

Run: python benchmarks/bench_overhead.py
"""

import _setup  # noqa: F401

import numpy as np

from ad import adlib, adoo, ops
from ad.bench import workloads
from ad.bench.timing import collector_off, compare

N = 200

def _chain_of_operators(x):
    for _ in range(N // 2):
        x = x * 0.999 + 0.001
    return x


def _micrograd_style(x):
    """N ops on a scalar leaf, then the backward sweep, as micrograd's README writes them."""
    y = _chain_of_operators(x)
    y.backward()
    return x.grad


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

    print(f"\nper scalar op, forward + backward ({N} ops written micrograd's way, median of 15 interleaved rounds):")
    runs = {"adoo Var": lambda: _micrograd_style(adoo.Var(0.5)),
            "adlib (adlib.mul, adlib.add)": lambda: adlib.grad(workloads.chain(adlib, N))(0.5)}
    try:
        from micrograd.engine import Value
    except ImportError:
        Value = None
    if Value is not None:
        runs["micrograd"] = lambda: _micrograd_style(Value(0.5))
        runs["micrograd gc off"] = collector_off(lambda: _micrograd_style(Value(0.5)))
    medians = compare(runs, rounds=15, target=0.05)
    for name, seconds in sorted(medians.items(), key=lambda item: item[1]):
        print(f"  {name:<28} {seconds / N * 1e6:6.2f} µs per op")
