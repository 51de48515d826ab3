"""The `python -m ad.bench` section on memory against recomputation: one adsct gradient of a
long loop with `checkpoints=k` for a few k, beside the same gradient without checkpoints.

Reports per k the tracemalloc peak, the median time (the k's interleaved round by round) and
the steps the binomial schedule ran again; every gradient is checked equal to the unchecked
one first.  (`benchmarks/checkpoints.py` runs the issue's full size, n = m = 10,000.)

>>> rows = run(steps=20, size=10, ks=(None, 2), rounds=1)
>>> [row["checkpoints"] for row in rows], rows[0]["recomputed_steps"], rows[1]["recomputed_steps"] > 0
([None, 2], 0, True)
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from ..adsct import grad, revolve


def long_loop(x, n):
    for _ in range(n):
        x = np.sin(x) * 0.999 + 0.001 * x
    return np.sum(x)


def peak_and_counts(gradient, x, n):
    """(gradient(x, n), the tracemalloc peak of computing it, the steps the schedule ran again).

    >>> _, peak, again = peak_and_counts(grad(long_loop, checkpoints=2), np.ones(3), 10)
    >>> peak > 0, again
    (True, 20)
    """
    with revolve.recording() as loops:
        tracemalloc.start()
        try:
            result = gradient(x, n)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return result, peak, loops[0].advanced if loops else 0


def run(steps: int, size: int, ks=(None, 100, 10), rounds: int = 3) -> list:
    """One row per k: peak bytes, median seconds and recomputed steps of one gradient of
    `long_loop` (n = steps, over `size` floats), and the ratios to the unchecked run."""
    x = np.linspace(-1.0, 1.0, size)
    gradients = {k: grad(long_loop, checkpoints=k) for k in ks}
    reference = gradients[ks[0]](x, steps)
    rows = {}
    for k, gradient in gradients.items():
        result, peak, advanced = peak_and_counts(gradient, x, steps)
        np.testing.assert_allclose(result, reference, rtol=1e-12)  # the same gradient for every k
        rows[k] = {"checkpoints": k, "peak_bytes": peak, "recomputed_steps": advanced, "seconds": []}
    for _ in range(rounds):  # (interleaved: other work on the machine slows every k alike)
        for k, gradient in gradients.items():
            start = time.perf_counter()
            gradient(x, steps)
            rows[k]["seconds"].append(time.perf_counter() - start)
    first = rows[ks[0]]
    for row in rows.values():
        row["seconds"] = float(np.median(row["seconds"]))
    for row in rows.values():
        row["peak_ratio"] = row["peak_bytes"] / first["peak_bytes"]
        row["time_ratio"] = row["seconds"] / first["seconds"]
    return list(rows.values())


def table(rows: list, steps: int, size: int) -> str:
    lines = [f"memory against recomputation: adsct.grad(f, checkpoints=k) of a {steps}-step loop over {size} floats",
             f"  {'checkpoints':>11} {'peak':>10} {'x peak':>7} {'time':>10} {'x time':>7} {'steps run again':>16}"]
    for r in rows:
        lines.append(f"  {str(r['checkpoints']):>11} {r['peak_bytes'] / 2**20:>6.1f} MiB {r['peak_ratio']:>7.3f} "
                     f"{r['seconds'] * 1e3:>7.1f} ms {r['time_ratio']:>6.2f}x {r['recomputed_steps']:>16}")
    return "\n".join(lines)
