"""Expression swell in `python -m ad.bench` (and `benchmarks/bench_symbolic.py`): symbolic
differentiation against AD on the course notes' product example and on x ↦ x sin x composed
k times, in op counts and in time; SymPy's `diff` and `cse` beside ours when it is installed.

Counts come from `ad.symbolic.swell` (op applications in the expressions the registry's rules
build).  Times are per full gradient at a random point: the symbolic gradient compiled in its
tree form and in its DAG form (`lambdify`), the reverse sweep compiled the same way (so the
three differ only in the operations they perform), adoo's forward mode (n sweeps) and reverse
mode (one sweep) and adsct's reverse mode on an array; the time to derive the symbolic
gradient is shown too.
Every gradient is checked against adoo's reverse mode before it is timed.
"""

from __future__ import annotations

import functools
import operator
import time

import numpy as np

from .. import adoo, adsct, symbolic
from ..symbolic import swell
from .suite import installed
from .timing import compare

PRODUCT_SIZES = (3, 4, 5, 6, 8, 10, 12, 20, 30, 50, 70, 100)
COMPOSITIONS = tuple(range(1, 13))


def product_numpy(x):
    """θ1 θ2 ... θn for an array θ, as a loop (the product folded from the left)."""
    p = x[0]
    for i in range(1, len(x)):
        p = p * x[i]
    return p


def _sympy_product_counts(n: int) -> dict:
    import sympy
    thetas = sympy.symbols(f"theta1:{n + 1}")
    f = functools.reduce(operator.mul, thetas)
    gradient = [sympy.diff(f, t) for t in thetas]
    replacements, reduced = sympy.cse(gradient)
    return {"sympy tree": sum(sympy.count_ops(g) for g in gradient),
            "sympy cse": sum(sympy.count_ops(e) for _, e in replacements) + sum(sympy.count_ops(g) for g in reduced)}


def _sympy_composition_counts(k: int) -> dict:
    import sympy
    x = sympy.Symbol("x")
    f = x
    for _ in range(k):
        f = f * sympy.sin(f)
    d = sympy.diff(f, x)
    replacements, reduced = sympy.cse(d)
    return {"sympy tree": int(sympy.count_ops(d)),
            "sympy cse": sum(sympy.count_ops(e) for _, e in replacements) + sum(sympy.count_ops(g) for g in reduced)}


def product_rows(sizes=PRODUCT_SIZES, timing: bool = True, rounds: int = 5) -> list:
    """One row per n: multiplications (and all ops) of each form, and seconds per gradient."""
    rows = []
    with_sympy = installed("sympy")
    for n in sizes:
        counts = swell.product_counts(n)
        row = {"n": n, "notes n(n-2)": n * (n - 2)}
        row.update({f"{form} mul": c.get("mul", 0) for form, c in counts.items()})
        row.update({f"{form} ops": sum(c.values()) for form, c in counts.items()})
        if with_sympy:
            row.update(_sympy_product_counts(n))
        if timing:
            row.update(_product_times(n, rounds))
        rows.append(row)
    return rows


def _product_times(n: int, rounds: int) -> dict:
    value, thetas = swell.product_symbols(n)
    start = time.perf_counter()
    gradient = symbolic.diff(value, wrt=thetas)
    derive = time.perf_counter() - start
    tree, dag = symbolic.lambdify(gradient, thetas, shared=False), symbolic.lambdify(gradient, thetas)
    sweep = symbolic.lambdify(symbolic.diff(value, wrt=thetas, mode="reverse"), thetas)
    point = np.random.default_rng(n).uniform(0.9, 1.1, n)
    args = tuple(float(v) for v in point)
    candidates = {"symbolic tree": lambda: tree(*args), "symbolic dag": lambda: dag(*args),
                  "compiled reverse sweep": lambda: sweep(*args),
                  "adoo forward": lambda: adoo.jacobian(product_numpy, mode="forward")(point),
                  "adoo reverse": lambda: adoo.grad(product_numpy)(point),
                  "adsct reverse": lambda: adsct.grad(product_numpy)(point)}
    want = adoo.grad(product_numpy)(point)
    for name, run in candidates.items():
        np.testing.assert_allclose(np.asarray(run(), dtype=float), want, rtol=1e-12, err_msg=name)
    medians = compare(candidates, rounds=rounds, target=0.005)
    return {"symbolic derive s": derive, **{f"{name} s": t for name, t in medians.items()}}


def composition_rows(ks=COMPOSITIONS) -> list:
    """One row per k: total ops of f and of d/dx in tree and DAG form (and SymPy's counts)."""
    rows = []
    for k in ks:
        row = {"k": k, **swell.composition_counts(k)}
        if installed("sympy"):
            row.update(_sympy_composition_counts(k))
        rows.append(row)
    return rows


def table(rows: list, title: str) -> str:
    """Rows of numbers as an aligned text table under `title`."""
    columns = list(rows[0])
    def cell(v):
        return f"{v * 1e6:.1f}µs" if isinstance(v, float) else str(v)
    widths = {c: max(len(c), *(len(cell(r.get(c, ""))) for r in rows)) for c in columns}
    lines = [title, "  " + " ".join(f"{c:>{widths[c]}}" for c in columns)]
    lines += ["  " + " ".join(f"{cell(r.get(c, '')):>{widths[c]}}" for c in columns) for r in rows]
    return "\n".join(lines)


def plot(products: list, compositions: list, path) -> None:
    """The swell figure (see `figure`), written to `path` as a PNG."""
    figure(products, compositions).savefig(path, dpi=110)


def figure(products: list, compositions: list, width: float | None = None):
    """The swell figure: multiplications against n (product), seconds against n when the rows are
    timed, then ops against k (composition).  A bare matplotlib Figure, no pyplot, so the caller's
    backend is left alone; a notebook shows it with `display(figure(..., width=8))` (inches)."""
    from matplotlib.figure import Figure
    timed = [key for key in products[0] if key.endswith(" s") and key != "symbolic derive s"]
    fig = Figure(figsize=(width or (16 if timed else 11), 4))
    axes = fig.subplots(1, 3 if timed else 2)
    left, right = axes[0], axes[-1]
    ns = [r["n"] for r in products]
    for key, style, label in (("tree mul", "o-", "symbolic, tree: n(n-2)"), ("dag mul", "s-", "symbolic, DAG (shared)"),
                              ("forward mul", "^--", "forward mode (n sweeps)"), ("reverse mul", "v-", "reverse mode (one sweep)"),
                              ("sympy tree", "x:", "SymPy diff (count_ops)"), ("sympy cse", "+:", "SymPy diff + cse")):
        if key in products[0]:
            left.loglog(ns, [r[key] for r in products], style, label=label, markersize=4)
    left.set(xlabel="n", ylabel="multiplications for the full gradient",
             title="f(θ) = θ1 θ2 ... θn")
    left.legend(fontsize=7)
    if timed:
        for key in timed + ["symbolic derive s"]:
            axes[1].loglog(ns, [r[key] for r in products], "--" if "derive" in key else "o-",
                           label=key[:-2].replace("derive", "derive (diff)"), markersize=3)
        axes[1].set(xlabel="n", ylabel="seconds per gradient", title="time (this machine)")
        axes[1].legend(fontsize=7)
    ks = [r["k"] for r in compositions]
    for key, style, label in (("tree", "o-", "symbolic, tree"), ("dag", "s-", "symbolic, DAG (shared)"),
                              ("f", "k:", "f itself"), ("sympy tree", "x:", "SymPy diff (count_ops)"),
                              ("sympy cse", "+:", "SymPy diff + cse")):
        if key in compositions[0]:
            right.semilogy(ks, [r[key] for r in compositions], style, label=label, markersize=4)
    right.set(xlabel="k (compositions)", ylabel="ops in df/dx", title="x ↦ x sin x, k times")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig
