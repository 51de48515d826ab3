"""micrograd's demo network MLP(2, [16, 16, 1]) on 100 points, one forward + backward, on
adoo's Var and on micrograd's own Value (when installed) with the same code.

Run: python benchmarks/bench_scalar_mlp.py
"""

import _setup  # noqa: F401

from ad.bench import suite
from ad.bench.timing import compare, workload_table

if __name__ == "__main__":
    workload = suite.scalar_mlp_workload(100)
    print(workload_table(workload, compare(workload.candidates, rounds=9, target=0.3)))
    print("(median of 9 interleaved rounds)")
