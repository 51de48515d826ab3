"""adsct on Python floats (the running example) against a hand-written derivative, adoo and
micrograd; and the time to transform a 50-line function, first call and cached.

Run: python benchmarks/bench_adsct.py
"""

import math
import textwrap
import time

import _setup  # noqa: F401

from ad import adoo, adsct
from ad.bench.timing import compare, table
from ad.examples import running_example_numpy


def by_hand(x1, x2):
    """The running example's value and gradient, written out: the speed limit."""
    value = math.log(x1) + x1 * x2 - math.sin(x2)
    return value, (1.0 / x1 + x2, x1 - math.cos(x2))


def micrograd_step(Value):
    def run():
        x1, x2 = Value(2.0), Value(5.0)
        y = x1.log() + x1 * x2 - x2.sin() if hasattr(x1, "sin") else x1 * x2
        y.backward()
        return x1.grad, x2.grad
    return run


def fifty_lines():
    """A 50-line straight-line function, compiled from text (its source is passed in)."""
    lines = ["def long_function(x, y):", "    a0 = x * y"]
    for k in range(1, 48):
        lines.append(f"    a{k} = np.sin(a{k - 1}) * x + y / (1.0 + a{k - 1} * a{k - 1})")
    lines.append("    return a47")
    text = "\n".join(lines) + "\n"
    namespace = {"np": __import__("numpy")}
    exec(compile(text, "<fifty lines>", "exec"), namespace)
    return namespace["long_function"], text


if __name__ == "__main__":
    runs = {"by hand": lambda: by_hand(2.0, 5.0),
            "adsct": lambda g=adsct.value_and_grad(running_example_numpy, argnums=(0, 1)): g(2.0, 5.0),
            "adoo": lambda g=adoo.value_and_grad(running_example_numpy, argnums=(0, 1)): g(2.0, 5.0)}
    try:
        from micrograd.engine import Value  # micrograd has no log or sin: its closest graph is x1 * x2
        runs["micrograd (x1*x2 only)"] = micrograd_step(Value)
    except ImportError:
        print("micrograd not installed (pip install -e '.[peers]'): skipped")
    medians = compare(runs, rounds=15, target=0.05)
    print(table(medians, "by hand", "running example on Python floats: value and gradient"))
    print()
    f, text = fifty_lines()
    start = time.perf_counter()
    adsct.source(f, argnums=(0, 1), source=text)
    first = time.perf_counter() - start
    start = time.perf_counter()
    adsct.source(f, argnums=(0, 1), source=text)
    cached = time.perf_counter() - start
    print(f"transforming a 50-line function: {first * 1e3:.1f} ms the first time, {cached * 1e6:.1f} µs cached")
