"""A one-hidden-layer network (10 ReLU units) fits a nonlinear function that a straight line
cannot: y = sin(2x) + x²/4 + noise on [-3, 3].

Run: python examples/nonlinear_regression.py [strategy]
"""

import sys

import numpy as np

from ad import nn


def main(strategy="adsct"):
    X, y = nn.data.nonlinear(n=200, noise=0.1, seed=0)
    X_test, y_test = nn.data.nonlinear(n=200, noise=0.0, seed=1)
    models = {"linear model": nn.Linear(1, 1),
              "MLP 1-10-1 (ReLU)": nn.Sequential(nn.Linear(1, 10), nn.ReLU(), nn.Linear(10, 1))}
    errors = {}
    for name, model in models.items():
        params, history = nn.fit(model, X, y, loss="mse", optimizer=nn.Adam(lr=0.05), epochs=300,
                                 strategy=strategy, progress=False)
        errors[name] = float(np.mean((model.apply(params, X_test) - y_test) ** 2))
        print(f"{name:18s} training loss {history.loss[-1]:.4f}, error on the noiseless function "
              f"{errors[name]:.4f}")
    return errors


if __name__ == "__main__":
    main(*sys.argv[1:])
