"""micrograd's demo network MLP(2, [16, 16, 1]) on 100 points, one forward + backward, on
adoo's Var and on micrograd's own Value (when installed) with the same code; then one
training step (loss, backward, SGD update) of `ad.nn.MLP` against micrograd's own `nn.MLP`,
micrograd timed with Python's garbage collector on (as it runs by default) and off.

micrograd's graphs are reference cycles (each node's backward closure holds the node), so the
collector's passes cost it most of its time; adoo's graphs have no cycles, and a scalar node
is one object for the collector to visit, so adoo is timed as it runs, collector on.

Run: python benchmarks/bench_scalar_mlp.py
"""

import _setup  # noqa: F401

from ad import nn
from ad.bench import suite, workloads
from ad.bench.timing import collector_off, compare, workload_table


def training_step(model, points, labels, lr=0.01):
    """One step of micrograd's demo loop: hinge loss + L2, backward, SGD (any micrograd-style model)."""
    params = model.parameters()

    def step():
        for p in params:
            p.grad = 0.0
        losses = [(1 + -label * model(point)).relu() for point, label in zip(points, labels)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        return loss.data
    return step


if __name__ == "__main__":
    workload = suite.scalar_mlp_workload(100)
    if "micrograd" in workload.candidates:
        workload.candidates["micrograd gc off"] = collector_off(workload.candidates["micrograd"])
    print(workload_table(workload, compare(workload.candidates, rounds=9, target=0.3)))
    print("(median of 9 interleaved rounds)\n")

    xs, ys = workloads.moons(100)
    xs, ys = xs.tolist(), ys.tolist()
    steps = {"ad.nn.MLP": training_step(nn.MLP(2, [16, 16, 1], seed=0), xs, ys)}
    if suite.installed("micrograd"):
        import micrograd.nn
        steps["micrograd"] = training_step(micrograd.nn.MLP(2, [16, 16, 1]), xs, ys)
        steps["micrograd gc off"] = collector_off(training_step(micrograd.nn.MLP(2, [16, 16, 1]), xs, ys))
    medians = compare(steps, rounds=9, target=0.3)
    print("one training step of MLP(2, [16, 16, 1]) on 100 points (loss, backward, SGD update)")
    for name, seconds in sorted(medians.items(), key=lambda item: item[1]):
        print(f"  {name:<16} {seconds * 1e3:8.2f} ms {seconds / medians['ad.nn.MLP']:7.2f}x")
    print("(median of 9 interleaved rounds)")
