"""Memory against recomputation: adsct's `checkpoints=k` on a long loop (issue 16, part 3).

A loop of n steps over an array of m floats, `x = np.sin(x) * 0.999 + 0.001 * x`, then
np.sum(x), differentiated by one `adsct.grad` call: without checkpoints the forward sweep
saves each step's values for the reverse sweep (about 3 arrays of m floats per step); with
`checkpoints=k` it keeps at most k states of the loop, and the reverse sweep runs steps again
from the nearest one, Griewank's binomial schedule deciding where the states go.  Prints, for
each k, the tracemalloc peak of one gradient, the median wall-clock and CPU time of a few
(tracemalloc off, the k's interleaved), the steps run without recording, `advances` (counted by the schedule, and the
binomial formula), and the ratios to the unchecked run.  One BLAS thread.

Run: python benchmarks/checkpoints.py            # n = m = 10,000; k = none, 100, 10 (a minute or two)
     python benchmarks/checkpoints.py --quick    # n = m = 1,000

The time is about n reverse steps (each recorded once) plus `advances` forward steps, the
binomial least for k states: 5.76 per step for n = 10,000 and k = 10, 4.61 for k = 14.  How
that compares with the unchecked run depends on what a forward step costs against a forward
and reverse step with saving (here about 0.39): 2026-12-02, 2 shared cores, load about 3:
k = 100: 1.0% of the peak, 1.9-2.2x the time; k = 14: 0.2%, 2.7-3.0x; k = 10: 0.15%, 3.2-3.3x.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import _setup  # noqa: F401  (one BLAS thread, before NumPy loads)
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # (the ad of this checkout)

from ad import adsct
from ad.adsct import revolve
from ad.bench.checkpoints import long_loop, peak_and_counts


def timings(gradients: dict, x, n, rounds: int) -> dict:
    """Per k, the median wall-clock and CPU seconds of one gradient, the k's interleaved round
    by round (so that other work on a shared machine slows them alike)."""
    wall, cpu = {k: [] for k in gradients}, {k: [] for k in gradients}
    for _ in range(rounds):
        for k, gradient in gradients.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            gradient(x, n)
            wall[k].append(time.perf_counter() - start_wall)
            cpu[k].append(time.process_time() - start_cpu)
    return {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in gradients}


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
          f"one BLAS thread; medians of {args.rounds} interleaved runs")
    ks = [None] + args.k
    gradients = {k: adsct.grad(long_loop, checkpoints=k) for k in ks}
    for gradient in gradients.values():
        gradient(x, 2)  # (the code generated before anything is measured)
    counted = {k: peak_and_counts(gradients[k], x, n) for k in ks}
    for k in ks:  # the same gradient with every k
        np.testing.assert_allclose(counted[k][0], counted[None][0], rtol=1e-12, atol=1e-14)
    times = timings(gradients, x, n, args.rounds)
    print(f"{'checkpoints':>12}{'peak MB':>10}{'x peak':>8}{'wall s':>8}{'x wall':>8}{'CPU s':>8}{'x CPU':>7}"
          f"{'advances':>10}{'formula':>9}")
    (_, base_peak, _), (base_wall, base_cpu) = counted[None], times[None]
    for k in ks:
        _, peak, again = counted[k]
        wall, cpu = times[k]
        formula = "-" if k is None else f"{revolve.advances(n, k):,}"
        print(f"{'none' if k is None else k:>12}{peak / 1e6:10.1f}{peak / base_peak:8.3f}{wall:8.2f}"
              f"{wall / base_wall:8.2f}{cpu:8.2f}{cpu / base_cpu:7.2f}{again:10,}{formula:>9}")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; 'advances' counts every "
          f"step run without recording, the forward sweep's included)")


if __name__ == "__main__":
    main()
