"""`python -m ad`: the running example computed by every method available, with errors.

f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5): its value, the analytic gradient, then the
gradient by each numeric method, each differentiation strategy and symbolic differentiation
(its derivative expressions compiled), each with its error against the analytic gradient; the
symbolic gradient as expressions; then the elemental library's primal, tangent and adjoint
traces, the derivative code the source transformer generates, and a quick benchmark (all
timings are there, against a hand-written gradient).  `python -m ad --help` lists the options.
"""

from __future__ import annotations

import argparse
import sys

from . import __version__, numeric, strategies, symbolic
from .examples import RUNNING_POINT, running_example, running_example_gradient, running_example_numpy

NUMERIC_METHODS = ("forward", "backward", "central", "richardson", "complex")


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
    compiled = symbolic.lambdify(symbolic.diff(running_example_numpy, argnums=(0, 1)))
    yield "symbolic", lambda: compiled(x1, x2)


PURPOSE = ("ad computes exact derivatives of NumPy code three ways (an elemental library, operator\n"
           "overloading, source transformation) and sets them beside finite differences and\n"
           "symbolic differentiation.")

# Why a row prints what it prints, where a reader would wonder.
NOTES = {
    "numeric forward": "one-sided: error ~ h, and f is only resolved to steps of ulp(f)/h ~ 1e-7,\n"
                       "  so df/dx1 landing on 5.5 exactly is luck (see df/dx2)",
    "numeric complex": "complex step: no subtraction, so no cancellation (f must be analytic)",
}


def main(out=sys.stdout, timing: bool = True) -> int:
    """Print the comparison table and the traces; with `timing`, the quick benchmark too.

    >>> import io; text = io.StringIO(); _ = main(text, timing=False)
    >>> "adsct" in text.getvalue() and "5.5" in text.getvalue()
    True
    """
    x1, x2 = RUNNING_POINT
    exact = running_example_gradient(x1, x2)
    print(PURPOSE, file=out)
    print(file=out)
    print(f"ad {__version__}: the running example f(x1, x2) = ln x1 + x1*x2 - sin x2", file=out)
    print(f"at (x1, x2) = {RUNNING_POINT}", file=out)
    print(f"  value             f = {float(running_example(x1, x2))!r}", file=out)
    print(f"  analytic gradient   = ({exact[0]!r}, {exact[1]!r})", file=out)
    print(file=out)
    header = f"{'method':<20} {'df/dx1':>20} {'df/dx2':>20} {'max |error|':>12}"
    print(header, file=out)
    print("-" * len(header), file=out)
    notes = []
    for label, compute in _rows():
        if compute is None:
            print(f"{label:<20} {'(not built yet)':>20}", file=out)
            continue
        g1, g2 = (float(v) for v in compute())
        error = max(abs(g1 - exact[0]), abs(g2 - exact[1]))
        mark = ""
        if label in NOTES:
            notes.append(NOTES[label])
            mark = f" [{len(notes)}]"
        print(f"{label:<20} {g1:>20.16f} {g2:>20.16f} {error:>12.1e}{mark}", file=out)
    for k, note in enumerate(notes, 1):
        print(f"[{k}] {note}", file=out)
    _print_symbolic_gradient(out)
    _print_traces(out)
    _print_generated_code(out)
    if timing:
        _print_quick_benchmark(out)
    return 0


def parse_arguments(argv=None) -> argparse.Namespace:
    """The command line of `python -m ad`.

    >>> parse_arguments(["--no-bench"]).bench
    False
    """
    parser = argparse.ArgumentParser(
        prog="python -m ad", description=PURPOSE + " This demo prints the running example computed every "
        "way, the textbook traces, adsct's generated code and a quick benchmark.",
        epilog="The full benchmark: python -m ad.bench (--help for its options). The notebook: make notebook.")
    parser.add_argument("--no-bench", dest="bench", action="store_false",
                        help="skip the quick benchmark (about ten seconds)")
    return parser.parse_args(argv)


def _print_quick_benchmark(out) -> None:
    """A few rounds of two `ad.bench` workloads (`python -m ad.bench` has the whole suite)."""
    from .bench import suite
    from .bench.machine import describe, summary_line
    from .bench.timing import compare, workload_table
    print("Quick benchmark (python -m ad.bench for the full suite; times depend on the machine):", file=out)
    print(summary_line(describe()), file=out)
    for workload in (suite.running_example_workload(), suite.tensor_mlp_workload(64)):
        print(file=out)
        print(workload_table(workload, compare(workload.candidates, rounds=5, target=0.01)), file=out)


def _print_symbolic_gradient(out) -> None:
    """The running example's gradient as expressions, from the registry's rules (ad.symbolic)."""
    d1, d2 = symbolic.diff(running_example_numpy, argnums=(0, 1))
    print(file=out)
    print("Symbolic gradient (ad.symbolic: the registry's rules applied to expressions):", file=out)
    print(f"  df/dx1 = {d1}", file=out)
    print(f"  df/dx2 = {d2}", file=out)


def _print_generated_code(out) -> None:
    """adsct's reverse-mode code for the running example (when adsct is built)."""
    try:
        adsct = strategies.get("adsct")
    except strategies.StrategyUnavailableError:
        return
    print(file=out)
    print("Reverse-mode code generated by adsct:", file=out)
    print(adsct.source(running_example_numpy, argnums=(0, 1)), file=out)


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
    arguments = parse_arguments()
    if arguments.bench:  # (timings with one BLAS thread: the ad package loaded NumPy already)
        from .bench.machine import run_with_one_blas_thread
        run_with_one_blas_thread("ad")
    sys.exit(main(timing=arguments.bench))
