"""`python -m ad`: the running example computed by every method available, with errors.

f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5): its value, the analytic gradient, then the
gradient by each numeric method and each differentiation strategy, each with its error
against the analytic gradient and its time per call; then the elemental library's primal,
tangent and adjoint traces.
"""

from __future__ import annotations

import sys
import timeit

from . import __version__, numeric, strategies
from .examples import RUNNING_POINT, running_example, running_example_gradient, running_example_numpy

NUMERIC_METHODS = ("forward", "backward", "central", "richardson", "complex")


def _time_per_call(fn, budget=0.05) -> float:
    """Median seconds per call, over a few repeats sized to about `budget` seconds each."""
    timer = timeit.Timer(fn)
    number, elapsed = timer.autorange()
    number = max(1, int(number * budget / max(elapsed, 1e-9)))
    runs = sorted(timer.repeat(repeat=5, number=number))
    return runs[len(runs) // 2] / number


def _rows():
    """(method, gradient or None, note) for every method, numeric first, then strategies."""
    x1, x2 = RUNNING_POINT
    for method in NUMERIC_METHODS:
        compute = lambda m=method: numeric.grad(running_example, x1, x2, argnums=(0, 1), method=m)
        yield f"numeric {method}", compute
    for name in strategies.STRATEGIES:
        try:
            module = strategies.get(name)
        except strategies.StrategyUnavailableError:
            yield name, None
            continue
        # adlib needs elemental calls; the other two take the plain NumPy version.
        f = running_example if name == "adlib" else running_example_numpy
        gradient = module.grad(f, argnums=(0, 1))
        yield name, lambda g=gradient: g(x1, x2)


def main(out=sys.stdout, timing: bool = True) -> int:
    """Print the comparison table (with times per call unless `timing` is False) and the traces."""
    x1, x2 = RUNNING_POINT
    exact = running_example_gradient(x1, x2)
    print(f"ad {__version__}: the running example f(x1, x2) = ln x1 + x1*x2 - sin x2", file=out)
    print(f"at (x1, x2) = {RUNNING_POINT}", file=out)
    print(f"  value             f = {float(running_example(x1, x2))!r}", file=out)
    print(f"  analytic gradient   = ({exact[0]!r}, {exact[1]!r})", file=out)
    print(file=out)
    header = f"{'method':<20} {'df/dx1':>20} {'df/dx2':>20} {'max |error|':>12} {'time/call':>11}"
    print(header, file=out)
    print("-" * len(header), file=out)
    for label, compute in _rows():
        if compute is None:
            print(f"{label:<20} {'(not built yet)':>20}", file=out)
            continue
        g1, g2 = (float(v) for v in compute())
        error = max(abs(g1 - exact[0]), abs(g2 - exact[1]))
        when = f"{_time_per_call(compute) * 1e6:>8.1f} µs" if timing else ""
        print(f"{label:<20} {g1:>20.16f} {g2:>20.16f} {error:>12.1e} {when}".rstrip(), file=out)
    _print_traces(out)
    return 0


def _print_traces(out) -> None:
    """adlib's three textbook traces of the running example (when adlib is built)."""
    try:
        adlib = strategies.get("adlib")
    except strategies.StrategyUnavailableError:
        return
    with adlib.Tape() as tape:
        x1, x2 = tape.var(RUNNING_POINT[0], "x1"), tape.var(RUNNING_POINT[1], "x2")
        y = running_example(x1, x2)
    for table in (tape.primal_table(), tape.tangent_table((1.0, 0.0)), tape.adjoint_table(y)):
        print(file=out)
        print(table, file=out)


if __name__ == "__main__":
    sys.exit(main())
