"""Value and gradient of the 784-256-10 ReLU MLP (softmax cross-entropy, float64): every
strategy against the hand-written NumPy gradient, and HIPS autograd / PyTorch when installed.

Run: python benchmarks/bench_tensor_mlp.py [batch]     (default batch 64)
"""

import sys

import _setup  # noqa: F401  (one BLAS thread, before NumPy loads)

from ad.bench import suite
from ad.bench.timing import compare, workload_table

if __name__ == "__main__":
    workload = suite.tensor_mlp_workload(int(sys.argv[1]) if len(sys.argv) > 1 else 64)  # checks every candidate
    print(workload_table(workload, compare(workload.candidates, rounds=41, target=0.05)))
    print("(median of 41 interleaved rounds)")
