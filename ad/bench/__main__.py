"""`python -m ad.bench`: every strategy, the numeric methods, the hand-written limit and the
installed peers on the same workloads, with medians of interleaved runs and ratios to the
hand-written code, the peak memory of one MLP gradient and of a long loop's with checkpoints
(`ad.bench.checkpoints`); then the cost of a full gradient by forward mode (n sweeps) and by
reverse mode (one sweep) as n grows, and symbolic differentiation's expression swell against
AD (`ad.bench.swell`).  Prints aligned tables and
writes `results.json` and PNG charts to the output folder.

    python -m ad.bench            # the full suite (several minutes)
    python -m ad.bench --quick    # fewer rounds and sizes: under a minute
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from ..nn.progress import progress_bar
from . import checkpoints, machine, report, suite, swell
from .timing import compare, workload_table


def _progress(iterable, total, description, enabled):
    return progress_bar(iterable, enabled, total=total, desc=description, leave=False, file=sys.stderr)


def run_workloads(quick: bool, progress: bool) -> list:
    makers = [suite.running_example_workload, suite.loop_workload, suite.demo_mlp_workload,
              lambda: suite.tensor_mlp_workload(1), lambda: suite.tensor_mlp_workload(64)]
    if not quick:
        makers += [lambda: suite.tensor_mlp_workload(1024), suite.scalar_mlp_workload]
    rounds, target = (5, 0.01) if quick else (21, 0.05)
    results = []
    for make in _progress(makers, len(makers), "workloads", progress):
        workload = make()
        medians = compare(workload.candidates, rounds=rounds, target=target)
        print(workload_table(workload, medians), end="\n\n", flush=True)
        results.append({"name": workload.name, "title": workload.title, "reference": workload.reference,
                        "median_seconds": medians, "ratios": {k: v / medians[workload.reference] for k, v in medians.items()},
                        "skipped": workload.skipped})
    return results


def _best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# tracemalloc sees what NumPy allocates; PyTorch and JAX allocate outside it, so they are not compared
_MEMORY_CANDIDATES = ("numpy (hand)", "adsct", "adoo", "adlib", "autograd")


def run_memory(quick: bool) -> list:
    """Peak memory (tracemalloc) of one value and gradient of the MLP, by hand and by each
    strategy, after a first call (code generated, caches filled), with ratios to by hand."""
    workload = suite.tensor_mlp_workload(64 if quick else 1024)
    peaks = {}
    for name, run in workload.candidates.items():
        if name in _MEMORY_CANDIDATES:
            run()
            peaks[name] = _peak_bytes(run)
    reference = workload.reference
    return [{"title": f"peak memory: {workload.title.split(':')[0]}", "reference": reference, "peak_bytes": peaks,
             "ratios": {name: peak / peaks[reference] for name, peak in peaks.items()}}]


def memory_table(memory: list) -> str:
    lines = []
    for m in memory:
        lines.append(m["title"] + " (tracemalloc peak of one call)")
        lines += [f"  {name:<14} {peak / 2**20:8.2f} MiB {m['ratios'][name]:6.2f}x" for name, peak in m["peak_bytes"].items()]
    return "\n".join(lines)


def run_growth(sizes, progress: bool) -> dict:
    """For each n and strategy: seconds and peak bytes of one full gradient by reverse mode (one
    sweep) and by forward mode (n sweeps), beside the plain function's time."""
    rows, function_seconds = [], {}
    cells = [(n, name) for n in sizes for name in suite.GROWTH_VERSIONS]
    for n, name in _progress(cells, len(cells), "forward vs reverse", progress):
        module, f = suite.GROWTH_VERSIONS[name]
        x = np.linspace(-1.0, 1.0, n)
        if n not in function_seconds:  # (the plain function: once per n, shared by the strategies' rows)
            function_seconds[n] = _best_of(lambda: suite.growth_function_numpy(x), 5)
        reverse, forward = module.grad(f), module.jacobian(f, mode="forward")
        np.testing.assert_allclose(forward(x), reverse(x), rtol=1e-10)  # the same gradient both ways
        repeats = 5 if n <= 1000 else 2
        rows.append({"n": n, "strategy": name,
                     "function_seconds": function_seconds[n],
                     "reverse_seconds": _best_of(lambda: reverse(x), repeats),
                     "forward_seconds": _best_of(lambda: forward(x), 1 if n > 1000 else 2),
                     "reverse_peak_bytes": _peak_bytes(lambda: reverse(x)),
                     "forward_peak_bytes": _peak_bytes(lambda: forward(x))})
    return {"rows": rows}


def growth_table(growth: dict) -> str:
    lines = ["full gradient of f(x) = sum(sin(x) * x), f: R^n -> R: reverse mode (one sweep) against forward mode "
             "(n sweeps)",
             f"  {'n':>6} {'strategy':<8} {'f':>10} {'reverse':>10} {'rev/f':>7} {'forward':>10} {'fwd/f':>9} "
             f"{'rev peak':>9} {'fwd peak':>9}"]
    for r in growth["rows"]:
        f = r["function_seconds"]
        lines.append(f"  {r['n']:>6} {r['strategy']:<8} {f * 1e6:>7.1f} µs {r['reverse_seconds'] * 1e6:>7.1f} µs "
                     f"{r['reverse_seconds'] / f:>6.1f}x {r['forward_seconds'] * 1e3:>7.2f} ms "
                     f"{r['forward_seconds'] / f:>8.0f}x {r['reverse_peak_bytes'] / 1024:>6.0f} KiB "
                     f"{r['forward_peak_bytes'] / 1024:>6.0f} KiB")
    return "\n".join(lines)


def plot(results: list, growth: dict, out: Path) -> list:
    """PNG charts (ratios per workload; forward vs reverse cost growth); their paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    paths = []
    columns = min(3, len(results))
    rows_of_panels = -(-len(results) // columns)
    fig, axes = plt.subplots(rows_of_panels, columns, figsize=(5.2 * columns, 3.4 * rows_of_panels), squeeze=False)
    for ax in axes.flat[len(results):]:
        ax.set_visible(False)
    for ax, result in zip(axes.flat, results):
        items = sorted(result["ratios"].items(), key=lambda item: item[1])
        bars = ax.barh([k for k, _ in items], [v for _, v in items],
                       color=[_candidate_colour(k, result["reference"]) for k, _ in items])
        ax.bar_label(bars, labels=[f"{v:.{0 if v >= 100 else 1 if v >= 10 else 2}f}x" for _, v in items], padding=3, fontsize=8)
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        low, high = min(v for _, v in items), max(v for _, v in items)
        ax.set_xlim(low / 1.5, high * 4)  # (room for the labels)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        subs = (1.0, 2.0, 5.0) if high / low < 50 else (1.0,)  # (enough ticks to read, never crowded)
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=subs))
        ax.set_title(_short_title(result["title"]), fontsize=9)
        ax.set_xlabel(f"time relative to {result['reference']} (log scale; shorter is faster)", fontsize=8)
    fig.suptitle("ad.bench: median time of each candidate relative to the hand-written gradient (same run)")
    fig.tight_layout()
    paths.append(out / "ratios.png")
    fig.savefig(paths[-1], dpi=130)
    plt.close(fig)
    fig, (ax_time, ax_memory) = plt.subplots(1, 2, figsize=(10, 4))
    for name in suite.GROWTH_VERSIONS:
        rows = [r for r in growth["rows"] if r["strategy"] == name]
        ns = [r["n"] for r in rows]
        colour = _candidate_colour(name, "")  # the strategy's colour; the mode is the line style
        ax_time.loglog(ns, [r["reverse_seconds"] for r in rows], "o-", color=colour, label=f"{name} reverse")
        ax_time.loglog(ns, [r["forward_seconds"] for r in rows], "s--", color=colour, label=f"{name} forward")
        ax_memory.loglog(ns, [r["reverse_peak_bytes"] for r in rows], "o-", color=colour, label=f"{name} reverse")
        ax_memory.loglog(ns, [r["forward_peak_bytes"] for r in rows], "s--", color=colour, label=f"{name} forward")
    rows = [r for r in growth["rows"] if r["strategy"] == "adoo"]
    ax_time.loglog([r["n"] for r in rows], [r["function_seconds"] for r in rows], "k:", label="f itself")
    ax_time.set(xlabel="n (inputs)", ylabel="seconds for the full gradient", title="time")
    ax_memory.set(xlabel="n (inputs)", ylabel="peak bytes (tracemalloc)", title="memory")
    ax_time.legend(fontsize=8)
    ax_memory.legend(fontsize=8)
    fig.suptitle("Full gradient of sum(sin(x) * x): reverse mode (one sweep) against forward mode (n sweeps)")
    fig.tight_layout()
    paths.append(out / "forward_vs_reverse.png")
    fig.savefig(paths[-1], dpi=130)
    plt.close(fig)
    return paths


def _short_title(title: str) -> str:
    """A panel title: the workload's description up to its first colon, wrapped.

    >>> _short_title("784-256-10 ReLU MLP, batch 64, float64: value and gradient")
    '784-256-10 ReLU MLP, batch 64, float64'
    """
    import textwrap
    return textwrap.fill(title.split(":")[0], 48)


def _candidate_colour(name: str, reference: str) -> str:
    """One colour per strategy, as in the notebook (`ad.plots.STRATEGY_COLOURS`); grey for the
    reference and the peers.

    >>> _candidate_colour("adoo (Var)", "numpy (hand)"), _candidate_colour("jax", "numpy (hand)")
    ('tab:orange', '0.75')
    """
    from ..plots import STRATEGY_COLOURS
    for strategy, colour in STRATEGY_COLOURS.items():
        if name.startswith(strategy):
            return colour
    return "0.55" if name == reference else "0.75"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ad.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and sizes (under a minute)")
    parser.add_argument("--out", default="bench-out", help="folder for results.json and the PNG charts")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG charts")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--readme", metavar="PATH", help="rewrite the results table in this README (its marked block) "
                                                          "with this run's figures")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress
    started = time.perf_counter()
    measured_on = machine.describe()
    print(f"ad.bench ({'quick' if args.quick else 'full'}), {time.strftime('%Y-%m-%d')}: medians of interleaved "
          f"runs; ratios to the hand-written code measured in the same run.\n{machine.summary_line(measured_on)}\n")
    results = run_workloads(args.quick, progress)
    memory = run_memory(args.quick)
    print(memory_table(memory), end="\n\n")
    sizes = (10, 100, 1000) if args.quick else (10, 100, 1000, 10000)
    growth = run_growth(sizes, progress)
    print(growth_table(growth), end="\n\n")
    steps = 300 if args.quick else 2000
    remat = checkpoints.run(steps=steps, size=steps, rounds=1 if args.quick else 3)
    print(checkpoints.table(remat, steps, steps), end="\n\n")
    products = swell.product_rows((3, 10, 30) if args.quick else swell.PRODUCT_SIZES, rounds=3 if args.quick else 9)
    compositions = swell.composition_rows(range(1, 9) if args.quick else swell.COMPOSITIONS)
    print(swell.table(products, "symbolic differentiation against AD: gradient of θ1 θ2 ... θn "
                                "(op counts; seconds per gradient)"), end="\n\n")
    print(swell.table(compositions, "expression swell: ops in d/dx of x ↦ x sin x composed k times"), end="\n\n")
    command = " ".join(["python -m ad.bench", *(sys.argv[1:] if argv is None else argv)])
    record = {"quick": args.quick, "date": time.strftime("%Y-%m-%d"), "command": command, "machine": measured_on,
              "workloads": results, "memory": memory, "checkpoints": remat, "growth": growth, "swell": {"product": products, "composition": compositions}}
    (out / "results.json").write_text(json.dumps(record, indent=1))
    if args.readme:
        readme = Path(args.readme)
        readme.write_text(report.replace_block(readme.read_text(), report.markdown(record)))
        print(f"rewrote the results table in {readme}")
    written = [out / "results.json"]
    if not args.no_plots:
        written += plot(results, growth, out)
        swell.plot(products, compositions, out / "symbolic_swell.png")
        written.append(out / "symbolic_swell.png")
    print(f"wrote {', '.join(str(p) for p in written)} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    machine.run_with_one_blas_thread("ad.bench")  # (the ad package loaded NumPy already)
    sys.exit(main())
