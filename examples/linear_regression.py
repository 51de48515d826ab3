"""Linear regression on data y = 2x + 5 + noise: a `Linear(1, 1)` model trained
with the mean squared error learns w -> 2, b -> 5.

Run: python examples/linear_regression.py [strategy]
"""

import sys

from ad import nn


def main(strategy="adsct"):
    X, y = nn.data.linear(n=100, noise=0.1, seed=0)
    model = nn.Linear(1, 1)
    for lr, epochs in ((0.01, 100), (0.1, 100)):
        params, history = nn.fit(model, X, y, loss="mse", optimizer=nn.SGD(lr=lr), epochs=epochs,
                                 strategy=strategy, progress=False)
        W, b = params
        print(f"SGD lr={lr}, {epochs} full-batch steps ({strategy}): w = {W[0, 0]:.4f}, b = {b[0]:.4f}, "
              f"loss {history.loss[0]:.3f} -> {history.loss[-1]:.4f}")
    return params


if __name__ == "__main__":
    main(*sys.argv[1:])
