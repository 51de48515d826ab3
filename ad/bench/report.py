"""The README's performance table, written from one `python -m ad.bench` run's results.json.

Every figure in the table comes from that one run, and the table says which command made it,
when and on what machine; `python -m ad.bench --readme README.md` rewrites it in place (between
the two marker comments), so the README never mixes figures from different runs.

>>> text = "intro\\n" + START + "\\nold\\n" + END + "\\nrest\\n"
>>> replace_block(text, "new") == "intro\\n" + START + "\\nnew\\n" + END + "\\nrest\\n"
True
"""

from __future__ import annotations

from .machine import summary_line

START = "<!-- ad.bench results: start (python -m ad.bench --readme README.md rewrites this block) -->"
END = "<!-- ad.bench results: end -->"
STRATEGY_COLUMNS = ("adsct", "adoo", "adlib")


def _time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale or unit == "µs":
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def _cell(workload: dict, name: str) -> str:
    found = [n for n in workload["median_seconds"] if n == name or n.startswith(name + " ")]  # ("adoo Var")
    if not found:
        return "—"
    return f"{_time(workload['median_seconds'][found[0]])} ({workload['ratios'][found[0]]:.2f}x)"


def _reference(workload: dict) -> str:
    """The hand-written time, or where a workload has none, what its ratios are against."""
    reference = workload["reference"]
    if "hand" in reference:
        return _time(workload["median_seconds"][reference])
    return f"— (ratios to {reference})"


def _peers(workload: dict) -> str:
    names = [n for n in workload["median_seconds"] if n.split(" ")[0] not in STRATEGY_COLUMNS
             and n != workload["reference"] and not n.startswith("numeric")]
    return ", ".join(f"{n} {workload['ratios'][n]:.2g}x" for n in names) or "—"


def markdown(results: dict) -> str:
    """The table (and the line naming the run) for the README, from results.json's contents."""
    lines = [f"Measured by `{results['command']}` on {results['date']} ({summary_line(results['machine'])}); "
             f"medians of interleaved runs, each ratio against the hand-written gradient of the same run.", "",
             "| workload | hand-written | " + " | ".join(STRATEGY_COLUMNS) + " | peers installed in that run |",
             "|---|---|" + "---|" * len(STRATEGY_COLUMNS) + "---|"]
    for w in results["workloads"]:
        cells = [_cell(w, name) for name in STRATEGY_COLUMNS]
        lines.append(f"| {w['title']} | {_reference(w)} | " + " | ".join(cells)
                     + f" | {_peers(w)} |")
    for m in results.get("memory", []):
        cells = [f"{m['peak_bytes'][name] / 2**20:.1f} MiB ({m['ratios'][name]:.2f}x)" if name in m["peak_bytes"]
                 else "—" for name in STRATEGY_COLUMNS]
        lines.append(f"| {m['title']} | {m['peak_bytes'][m['reference']] / 2**20:.1f} MiB | " + " | ".join(cells) + " | — |")
    rows = results.get("growth", {}).get("rows", [])
    if rows:
        n = max(r["n"] for r in rows)
        by_strategy = {r["strategy"]: r for r in rows if r["n"] == n}
        cells = [f"reverse {by_strategy[s]['reverse_seconds'] / by_strategy[s]['function_seconds']:.1f}x f, forward "
                 f"{by_strategy[s]['forward_seconds'] / by_strategy[s]['function_seconds']:.0f}x f"
                 if s in by_strategy else "—" for s in STRATEGY_COLUMNS]
        f_seconds = next(iter(by_strategy.values()))["function_seconds"]
        lines.append(f"| full gradient of sum(sin(x) x), n = {n}: one reverse sweep against n forward sweeps "
                     f"(ratios to f itself) | f: {_time(f_seconds)} | " + " | ".join(cells) + " | — |")
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """`text` with whatever stood between START and END replaced by `block`."""
    if START not in text or END not in text:
        raise ValueError(f"the README has no results block: put {START!r} and {END!r} where the table goes")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{block}\n{END}{tail}"
