"""micrograd's demo network MLP(2, [16, 16, 1]) on 100 points, one forward + backward, on
adoo's Var and on micrograd's own Value (when installed) with the same code.

Run: python benchmarks/bench_scalar_mlp.py
"""

import _setup  # noqa: F401

from ad.adoo import Var
from ad.bench import workloads
from ad.bench.timing import compare, table


def step(value_class, points, labels):
    layers = workloads.scalar_mlp_params(value_class)

    def run():
        loss = workloads.scalar_mlp_loss(layers, points, labels)
        loss.backward()
    return run


if __name__ == "__main__":
    points, labels = workloads.moons(100)
    points, labels = points.tolist(), labels.tolist()
    runs = {"adoo Var": step(Var, points, labels)}
    try:
        from micrograd.engine import Value
        runs["micrograd"] = step(Value, points, labels)
    except ImportError:
        print("micrograd not installed (pip install -e '.[peers]'): skipped")
    medians = compare(runs, rounds=9, target=0.3)
    print(table(medians, "adoo Var", "scalar MLP(2, [16, 16, 1]), 100 points, forward + backward "
                                     "(median of 9 interleaved rounds)"))
