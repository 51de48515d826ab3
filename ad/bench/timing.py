"""Interleaved timing: every candidate runs once per round, so machine noise hits all alike.

>>> medians = compare({"a": lambda: sum(range(100)), "b": lambda: sum(range(200))}, rounds=3)
>>> sorted(medians)
['a', 'b']
"""

from __future__ import annotations

import gc
import time
from statistics import median
from typing import Callable


def collector_off(run: Callable) -> Callable:
    """`run` with Python's garbage collector off (as micrograd's fans time it; `compare`
    still collects the heap between samples).

    >>> collector_off(lambda: 3)()
    3
    """
    def off():
        gc.disable()
        try:
            return run()
        finally:
            gc.enable()
    return off


def _calls_per_sample(fn: Callable, target: float) -> int:
    """How many calls make one timing sample of about `target` seconds."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(target / once))


def compare(candidates: dict, rounds: int = 15, target: float = 0.02, warmup: int = 1) -> dict:
    """Median seconds per call of each candidate, measured in interleaved rounds.

    Each round times every candidate once (a sample of about `target` seconds); the
    result maps each name to the median over `rounds` samples.  The heap is collected
    before each sample, so garbage one candidate leaves behind (reference cycles) is not
    charged to the next.
    """
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    numbers = {name: _calls_per_sample(fn, target) for name, fn in candidates.items()}
    samples = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            n = numbers[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / n)
    return {name: median(s) for name, s in samples.items()}


def table(medians: dict, reference: str, title: str = "") -> str:
    """An aligned text table of medians with each one's ratio to `reference`.

    >>> print(table({"numpy": 1e-3, "ours": 1.2e-3}, "numpy"))
    candidate          median     ratio
    numpy           1000.0 µs    1.00x
    ours            1200.0 µs    1.20x
    """
    lines = [title] if title else []
    lines.append(f"{'candidate':<12} {'median':>12} {'ratio':>9}")
    base = medians[reference]
    for name, seconds in medians.items():
        lines.append(f"{name:<12} {seconds * 1e6:>9.1f} µs {seconds / base:>7.2f}x")
    return "\n".join(lines)


def workload_table(workload, medians: dict) -> str:
    """The table of an `ad.bench.suite.Workload`: fastest first, each median in µs or ms with
    its ratio to the workload's reference, then the candidates skipped and why.

    >>> from ad.bench.suite import Workload
    >>> print(workload_table(Workload("w", "a title", "hand", {}), {"hand": 1e-6, "ours": 3e-6}))
    a title
      candidate            median    ratio
      hand                1.00 µs    1.00x
      ours                3.00 µs    3.00x
    """
    base = medians[workload.reference]
    lines = [workload.title, f"  {'candidate':<16} {'median':>10} {'ratio':>8}"]
    for name, seconds in sorted(medians.items(), key=lambda item: item[1]):
        shown = f"{seconds * 1e6:.2f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"
        lines.append(f"  {name:<16} {shown:>10} {seconds / base:>7.2f}x")
    missing = [name for name, why in workload.skipped.items() if why.startswith("not installed")]
    for name, why in workload.skipped.items():
        if name not in missing:
            lines.append(f"  {name:<16} {'-':>10} {'':>8}  ({why})")
    if missing:
        lines.append(f"  (not installed here, so not compared: {', '.join(missing)})")
    return "\n".join(lines)
