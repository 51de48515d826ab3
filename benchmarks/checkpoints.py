"""Memory against recomputation: adsct's `checkpoints=k` on a long loop (issue 16, part 3).

A loop of n steps over an array of m floats, `x = np.sin(x) * 0.999 + 0.001 * x`, then
np.sum(x), differentiated by one `adsct.grad` call: without checkpoints the forward sweep
saves each step's values for the reverse sweep (about 3 arrays of m floats per step); with
`checkpoints=k` it keeps at most k states of the loop, and the reverse sweep runs steps again
from the nearest one, Griewank's binomial schedule deciding where the states go.  Prints, for
each k, the tracemalloc peak of one gradient, the median time of a few (tracemalloc off), the
steps run again (counted by the schedule, and the binomial formula), and the ratios to the
unchecked run.  One BLAS thread.

Run: python benchmarks/checkpoints.py            # n = m = 10,000; k = none, 100, 10 (a minute or two)
     python benchmarks/checkpoints.py --quick    # n = m = 1,000
"""

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import _setup  # noqa: F401  (one BLAS thread, before NumPy loads)
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # (the ad of this checkout)

from ad import adsct
from ad.adsct import revolve


def long_loop(x, n):
    for _ in range(n):
        x = np.sin(x) * 0.999 + 0.001 * x
    return np.sum(x)


def measure(k, x, n, rounds):
    gradient = adsct.grad(long_loop, checkpoints=k)
    with revolve.recording() as loops:
        reference = gradient(x, n)  # (generates the code, and counts the schedule's steps)
    tracemalloc.start()
    gradient(x, n)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        gradient(x, n)
        times.append(time.perf_counter() - start)
    again = loops[0].advanced if loops else 0
    return reference, peak, statistics.median(times), again


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = m = 1,000")
    parser.add_argument("--steps", type=int, help="n, the loop's steps (default 10,000)")
    parser.add_argument("--size", type=int, help="m, the array's floats (default 10,000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per k (median)")
    parser.add_argument("-k", type=int, nargs="*", default=[100, 10], help="checkpoints to compare with none")
    args = parser.parse_args(argv)
    n = args.steps or (1000 if args.quick else 10_000)
    m = args.size or (1000 if args.quick else 10_000)
    x = np.linspace(-1.0, 1.0, m)
    print(f"adsct.grad of a loop of {n:,} steps (x = sin(x) * 0.999 + 0.001 * x) over {m:,} floats; "
          f"one BLAS thread; median of {args.rounds} runs")
    print(f"{'checkpoints':>12}{'peak MB':>10}{'x peak':>9}{'time s':>9}{'x time':>8}{'steps run again':>17}"
          f"{'formula':>9}")
    base = None
    for k in [None] + args.k:
        gradient, peak, seconds, again = measure(k, x, n, args.rounds)
        if base is None:
            base = gradient, peak, seconds
        else:
            np.testing.assert_allclose(gradient, base[0], rtol=1e-12, atol=1e-14)  # the same gradient
        formula = "-" if k is None else f"{revolve.advances(n, k):,}"
        print(f"{'none' if k is None else k:>12}{peak / 1e6:10.1f}{peak / base[1]:9.3f}{seconds:9.2f}"
              f"{seconds / base[2]:8.2f}{again:17,}{formula:>9}", flush=True)


if __name__ == "__main__":
    main()
