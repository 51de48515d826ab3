"""Gradient descent on f(x, y) = x² + y² from (1, 1) with learning rate 0.3 (the course notes' first
experiment): each step multiplies the point by 1 - 2 * 0.3 = 0.4, so after 10 steps it is
within 0.4**10 ≈ 1e-4 of the minimum at (0, 0).

Done twice: micrograd style on `adoo.Var` scalars (backward, read .grad, reset it), and
functionally with `ad.grad` under each strategy and the `ad.nn.optim.SGD` optimizer.

Run: python examples/gradient_descent.py
"""

import ad
from ad import adoo, nn, ops


def with_vars(lr=0.3, steps=10):
    """The seed's loop on Var scalars; returns the final (x, y)."""
    x, y = adoo.Var(1.0), adoo.Var(1.0)
    for step in range(steps):
        out = x ** 2 + y ** 2
        out.backward()
        x.data -= lr * x.grad
        y.data -= lr * y.grad
        x.grad = y.grad = None  # backward accumulates: reset before the next one
        print(f"  step {step + 1:2d}: x = {x.data:.6f}, y = {y.data:.6f}")
    return x.data, y.data


def f(point):
    x, y = point
    return ops.add(ops.square(x), ops.square(y))


def with_strategy(strategy, lr=0.3, steps=10):
    """The same descent with ad.grad and an SGD optimizer on the pytree (x, y)."""
    grad_f = ad.grad(f, strategy=strategy)
    opt = nn.optim.SGD(lr=lr)
    point, state = (1.0, 1.0), opt.init((1.0, 1.0))
    for _ in range(steps):
        point, state = opt.update(point, grad_f(point), state)
    return point


def main():
    print("micrograd style (adoo.Var):")
    x, y = with_vars()
    print(f"distance to the minimum after 10 steps: {max(abs(x), abs(y)):.2e} (0.4**10 = {0.4 ** 10:.2e})")
    for strategy in ad.STRATEGIES:
        point = with_strategy(strategy)
        print(f"{strategy:6s}: (x, y) = ({point[0]:.3e}, {point[1]:.3e})")


if __name__ == "__main__":
    main()
