"""Symbolic differentiation against AD: expression swell in op counts and time.

The course notes' product f(θ) = θ1 ... θn (its symbolic gradient written out has n(n-2)
multiplications; DAG form, forward mode and reverse mode beside it) for n up to 100, and
x ↦ x sin x composed k times (the tree of d/dx grows exponentially in k).  SymPy's diff and
cse join when sympy is installed (the optional `peers` extra).  Prints two tables and writes
symbolic_swell.png.

Run: python benchmarks/bench_symbolic.py [--quick] [--out bench-out]
"""

import argparse
from pathlib import Path

import _setup  # noqa: F401

from ad.bench import swell

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n up to 30, k up to 8")
    parser.add_argument("--out", default="bench-out", help="folder for symbolic_swell.png")
    args = parser.parse_args()
    sizes = (3, 5, 10, 30) if args.quick else swell.PRODUCT_SIZES
    products = swell.product_rows(sizes, rounds=3 if args.quick else 9)
    compositions = swell.composition_rows(range(1, 9) if args.quick else swell.COMPOSITIONS)
    print(swell.table(products, "gradient of θ1 θ2 ... θn: op counts, then seconds per gradient"), end="\n\n")
    print(swell.table(compositions, "ops in d/dx of x ↦ x sin x composed k times"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    swell.plot(products, compositions, out / "symbolic_swell.png")
    print(f"\nwrote {out / 'symbolic_swell.png'}")
