"""Handwritten digits (scikit-learn's bundled 8x8 images): softmax regression and an MLP,
both above 95% accuracy on held-out images.  Needs scikit-learn (an optional extra).

Run: python examples/digits.py [strategy]
"""

import sys

from ad import nn


def main(strategy="adsct"):
    try:
        X_train, y_train, X_test, y_test = nn.data.digits()
    except ImportError as error:
        print(f"skipped: {error}")
        return None
    models = {"softmax regression": nn.Linear(64, 10),
              "MLP 64-64-10": nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))}
    accuracies = {}
    for name, model in models.items():
        params, history = nn.fit(model, X_train, y_train, loss="cross_entropy", optimizer=nn.Adam(lr=0.01),
                                 epochs=30, batch_size=64, strategy=strategy, progress=True)
        accuracies[name] = nn.accuracy(model, params, X_test, y_test)
        print(f"{name:18s} test accuracy {accuracies[name]:.1%} ({len(y_test)} images), "
              f"{sum(history.seconds):.2f} s")
    return accuracies


if __name__ == "__main__":
    main(*sys.argv[1:])
