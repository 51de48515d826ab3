"""Memory against recomputation: `ad.checkpoint` on a long chain, under adoo and adlib.

A chain of 200 elementwise steps on 10,000 floats, written with ad.ops calls (so it runs
under both engines), differentiated in reverse mode: with no checkpoint every intermediate
is kept for the reverse sweep; with `ad.checkpoint` over segments of k steps only each
segment's input and output are kept, and a segment is run again when the sweep reaches it.
Prints the tracemalloc peak and the median time of value and gradient for each k.

Run: python benchmarks/bench_checkpoint.py
"""

import time
import tracemalloc

import _setup  # noqa: F401
import numpy as np

import ad
from ad import adlib, adoo, ops

STEPS, SIZE = 200, 10_000


def step(x):
    return ops.tanh(ops.add(ops.mul(ops.sin(x), 1.01), 0.1))


def segment_of(k):
    def segment(x):
        for _ in range(k):
            x = step(x)
        return x
    return segment


def loss(every):
    segment = segment_of(every) if every else step
    run = ad.checkpoint(segment) if every else segment

    def f(x):
        for _ in range(STEPS // (every or 1)):
            x = run(x)
        return ops.sum(x)
    return f


def measure(transform, f, x, rounds=5):
    tracemalloc.start()
    transform(f)(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        transform(f)(x)
        times.append(time.perf_counter() - start)
    return peak, float(np.median(times))


if __name__ == "__main__":
    x = np.linspace(-1.0, 1.0, SIZE)
    print(f"value and gradient of a chain of {STEPS} steps (4 ops each) on {SIZE:,} floats")
    print(f"{'engine':<7}{'checkpoint every':>18}{'peak MB':>10}{'x peak':>8}{'time ms':>10}{'x time':>8}")
    for name, engine in (("adoo", adoo), ("adlib", adlib)):
        base = None
        for every in (None, 1, 10, 20, 50):
            peak, seconds = measure(engine.value_and_grad, loss(every), x)
            base = base or (peak, seconds)
            label = "none" if every is None else f"{every} steps"
            print(f"{name:<7}{label:>18}{peak / 1e6:10.1f}{peak / base[0]:8.2f}{seconds * 1e3:10.1f}"
                  f"{seconds / base[1]:8.2f}")
