"""adsct on Python floats (the running example) against a hand-written derivative, adoo and
micrograd (its Value with log and sin added in its own style); second derivatives (code adsct
writes by transforming its own output, against adoo and by hand); and the time to transform a
50-line function, first call and cached.

Run: python benchmarks/bench_adsct.py
"""

import math
import textwrap
import time

import _setup  # noqa: F401

from ad import adoo, adsct
from ad.bench.suite import running_example_by_hand
from ad.bench.timing import compare, table
from ad.examples import RUNNING_POINT, running_example_gradient, running_example_numpy


def with_log_and_sin(Value):
    """micrograd's Value has no log or sin: add the two, written the way its own ops are
    (a new node with a closure that adds its local derivative times the output's grad)."""
    class Value2(Value):
        def log(self):
            out = Value2(math.log(self.data), (self,), "log")

            def _backward():
                self.grad += out.grad / self.data
            out._backward = _backward
            return out

        def sin(self):
            out = Value2(math.sin(self.data), (self,), "sin")

            def _backward():
                self.grad += math.cos(self.data) * out.grad
            out._backward = _backward
            return out

    return Value2  # (only the two inputs call log/sin, so micrograd's own operators do the rest)


def micrograd_step(Value):
    def run():
        x1, x2 = (Value(x) for x in RUNNING_POINT)
        y = x1.log() + x1 * x2 - x2.sin()
        y.backward()
        return y.data, (x1.grad, x2.grad)
    return run


def hessian_by_hand(x1, x2):
    """The running example's Hessian: [[-1/x1^2, 1], [1, sin x2]]."""
    return ((-1.0 / (x1 * x1), 1.0), (1.0, math.sin(x2)))


def second_derivatives():
    hessians = {"by hand": lambda: hessian_by_hand(*RUNNING_POINT),
                "adsct": lambda h=adsct.hessian(running_example_numpy, argnums=(0, 1)): h(*RUNNING_POINT),
                "adoo": lambda h=adoo.hessian(running_example_numpy, argnums=(0, 1)): h(*RUNNING_POINT)}
    for name, run in hessians.items():  # the same numbers, before any timing
        assert all(abs(float(a) - b) < 1e-12 for row, want in zip(run(), hessian_by_hand(*RUNNING_POINT))
                   for a, b in zip(row, want)), name
    medians = compare(hessians, rounds=15, target=0.05)
    print(table(medians, "by hand", "running example on Python floats: Hessian (adsct: forward over reverse code)"))
    print()


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
    runs = {"by hand": lambda: running_example_by_hand(*RUNNING_POINT),
            "adsct": lambda g=adsct.value_and_grad(running_example_numpy, argnums=(0, 1)): g(*RUNNING_POINT),
            "adoo": lambda g=adoo.value_and_grad(running_example_numpy, argnums=(0, 1)): g(*RUNNING_POINT)}
    try:
        from micrograd.engine import Value
        step = micrograd_step(with_log_and_sin(Value))
        value, grads = step()
        assert all(abs(g - e) < 1e-12 for g, e in zip(grads, running_example_gradient(*RUNNING_POINT)))
        runs["micrograd Value"] = step
    except ImportError:
        print("micrograd not installed (pip install -e '.[peers]'): skipped")
    medians = compare(runs, rounds=15, target=0.05)
    print(table(medians, "by hand", "running example on Python floats: value and gradient"))
    if "micrograd Value" in medians:
        print(f"micrograd Value / adsct: {medians['micrograd Value'] / medians['adsct']:.1f}x")
    print()
    second_derivatives()
    f, text = fifty_lines()
    start = time.perf_counter()
    adsct.source(f, argnums=(0, 1), source=text)
    first = time.perf_counter() - start
    start = time.perf_counter()
    adsct.source(f, argnums=(0, 1), source=text)
    cached = time.perf_counter() - start
    print(f"transforming a 50-line function: {first * 1e3:.1f} ms the first time, {cached * 1e6:.1f} µs cached")
