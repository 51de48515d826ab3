"""adoo against micrograd (scalar MLP) and against hand-written NumPy and HIPS autograd (tensor MLP).

Run: python benchmarks/bench_adoo.py   (peers from `pip install -e ".[peers]"`; skipped when absent)

BLAS runs on one thread (unless OPENBLAS_NUM_THREADS etc. are set): on a small shared
machine a second BLAS thread mostly adds noise, and every candidate gets the same BLAS.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # must happen before NumPy is imported

import numpy as np  # noqa: E402

from ad import adoo  # noqa: E402
from ad.adoo.var import Var  # noqa: E402
from ad.bench import workloads  # noqa: E402
from ad.bench.timing import compare, table  # noqa: E402


def scalar_step(value_class, points, labels):
    layers = workloads.scalar_mlp_params(value_class)

    def step():
        loss = workloads.scalar_mlp_loss(layers, points, labels)
        loss.backward()
        return loss
    return step


def main():
    points, labels = workloads.moons(100)
    points, labels = points.tolist(), labels.tolist()
    candidates = {"adoo Var": scalar_step(Var, points, labels)}
    try:
        from micrograd.engine import Value
        candidates["micrograd"] = scalar_step(Value, points, labels)
    except ImportError:
        print("micrograd not installed: skipped")
    medians = compare(candidates, rounds=7, target=0.3)
    print(table(medians, "adoo Var", "scalar MLP(2, [16, 16, 1]), 100 points, forward + backward"))
    print()

    params, X, Y = workloads.tensor_mlp_data(batch=64)
    ours = adoo.value_and_grad(workloads.tensor_mlp_loss(np))
    # Same numbers first: a benchmark of a wrong gradient is worthless.
    ref_loss, ref_grads = workloads.tensor_mlp_numpy_grad(params, X, Y)
    loss, grads = ours(params, X, Y)
    assert np.isclose(loss, ref_loss) and all(np.allclose(g, r) for g, r in zip(grads, ref_grads))
    candidates = {"numpy": lambda: workloads.tensor_mlp_numpy_grad(params, X, Y),
                  "adoo": lambda: ours(params, X, Y)}
    try:
        import autograd
        import autograd.numpy as anp
        theirs = autograd.value_and_grad(workloads.tensor_mlp_loss(anp))
        candidates["autograd"] = lambda: theirs(params, X, Y)
    except ImportError:
        print("autograd not installed: skipped")
    medians = compare(candidates, rounds=41, target=0.05)
    print(table(medians, "numpy", "784-256-10 ReLU MLP, softmax cross-entropy, batch 64, float64: value and gradient"))


if __name__ == "__main__":
    main()
