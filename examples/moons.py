"""Two moons: a small ReLU network classifies the training set almost perfectly.

The tensor model is trained with each strategy (the same loss curve comes out of all three),
and the micrograd-style scalar `MLP` of `adoo.Var`s is trained micrograd style on a subset.

Run: python examples/moons.py
"""

import numpy as np

import ad
from ad import nn


def tensor(strategy="adsct"):
    X, y = nn.data.moons(n=200, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    params, history = nn.fit(model, X, y, loss="cross_entropy", optimizer=nn.Adam(lr=0.02), epochs=100,
                             strategy=strategy, progress=False)
    return model, params, history, nn.accuracy(model, params, X, y)


def scalar(steps=40, n=60):
    """micrograd's recipe: MLP(2, [16, 16, 1]), hinge loss on labels -1/+1, SGD by hand."""
    X, y = nn.data.moons(n=n, noise=0.1, seed=0)
    points = X.tolist()  # Python floats: the scalar fast path (NumPy scalars would take the array path)
    labels = [1.0 if label == 1 else -1.0 for label in y]
    model = nn.MLP(2, [16, 16, 1], seed=0)
    for k in range(steps):
        scores = [model(x) for x in points]
        losses = [(1.0 - label * s).relu() for label, s in zip(labels, scores)]
        loss = sum(losses) * (1.0 / n) + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / steps
        for p in model.parameters():
            p.data -= lr * p.grad
    accuracy = np.mean([(s.data > 0) == (label > 0) for s, label in zip(scores, labels)])
    return loss.data, accuracy


def main():
    for strategy in ad.STRATEGIES:
        model, params, history, accuracy = tensor(strategy)
        print(f"{strategy:6s} {model}: loss {history.loss[-1]:.4f}, training accuracy {accuracy:.1%}, "
              f"{sum(history.seconds):.2f} s")
    loss, accuracy = scalar()
    print(f"scalar MLP(2, [16, 16, 1]) micrograd style: loss {loss:.4f}, training accuracy {accuracy:.1%}")


if __name__ == "__main__":
    main()
