"""Value and gradient of the 784-256-10 ReLU MLP (softmax cross-entropy, batch 64, float64):
every strategy against the hand-written NumPy gradient, and HIPS autograd when installed.

Run: python benchmarks/bench_tensor_mlp.py [batch]
"""

import sys

import _setup  # noqa: F401  (one BLAS thread, before NumPy loads)
import numpy as np

from ad import adlib, adoo, adsct
from ad.bench import workloads
from ad.bench.timing import compare, table


def candidates(batch: int) -> dict:
    params, X, Y = workloads.tensor_mlp_data(batch=batch)
    reference = workloads.tensor_mlp_numpy_grad(params, X, Y)
    runs = {"numpy (hand)": lambda: workloads.tensor_mlp_numpy_grad(params, X, Y)}
    engines = {"adsct": adsct.value_and_grad(workloads.mlp_loss_numpy, argnums=(0, 1, 2, 3)),
               "adoo": adoo.value_and_grad(workloads.tensor_mlp_loss(np)),
               "adlib": adlib.value_and_grad(workloads.tensor_mlp_loss_elemental(adlib))}
    try:
        import autograd
        import autograd.numpy as anp
        engines["autograd"] = autograd.value_and_grad(workloads.tensor_mlp_loss(anp))
    except ImportError:
        print("autograd not installed (pip install -e '.[peers]'): skipped")
    for name, value_and_grad in engines.items():
        args = (*params, X, Y) if name == "adsct" else (params, X, Y)  # adsct takes arrays, not a tuple
        loss, grads = value_and_grad(*args)  # a benchmark of a wrong gradient is worthless
        assert np.isclose(loss, reference[0]) and all(np.allclose(g, r) for g, r in zip(grads, reference[1])), name
        runs[name] = lambda v=value_and_grad, a=args: v(*a)
    return runs


if __name__ == "__main__":
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    medians = compare(candidates(batch), rounds=41, target=0.05)
    print(table(medians, "numpy (hand)", f"784-256-10 ReLU MLP, softmax cross-entropy, batch {batch}, float64: "
                                         f"value and gradient (median of 41 interleaved rounds)"))
