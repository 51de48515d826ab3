"""Where an op is smooth: value ranges per input and the shape cases to test it on.

The property tests read these records to draw inputs for every op, so a new op is tested
as soon as it declares its domain.

>>> d = Domain((Real(0.1, 3.0),), unary_cases())
>>> len(d.cases)
4
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any, Callable, Optional

import numpy as np

# The shapes every broadcasting op is tested on; any two of them broadcast together.
SHAPES = ((), (3,), (2, 3), (1, 3))


@dataclass(frozen=True)
class Real:
    """Real inputs in [low, high], kept at least `gap` away from each point in `avoid`
    (kinks and poles), so finite differences see a smooth function."""

    low: float = -2.0
    high: float = 2.0
    avoid: tuple = ()
    gap: float = 0.05

    def contains(self, x) -> bool:
        x = np.asarray(x, dtype=float)
        inside = np.all((x >= self.low) & (x <= self.high))
        return bool(inside and all(np.all(np.abs(x - a) >= self.gap) for a in self.avoid))

    def describe(self) -> str:
        away = f" away from {', '.join(map(str, self.avoid))}" if self.avoid else ""
        return f"[{self.low}, {self.high}]{away}"


@dataclass(frozen=True)
class Boolean:
    """A boolean input (a condition); it carries no derivative."""

    def describe(self) -> str:
        return "bool"


@dataclass(frozen=True, eq=False)  # (compared by identity: `at` may hold arrays)
class Kink:
    """A point where an op has no derivative (or its formula breaks down) and the derivative
    the registry takes there: every path (the Python-float fast path, the rules on floats,
    0-d arrays and arrays, each strategy) must give exactly `partials` at `at`.

    `at` holds one value per input; `partials[i]` is the gradient of the sum of the output
    with respect to input i (its partial derivative, for numbers), or None for an input that
    carries no derivative; `params` are the op's static parameters there.

    >>> Kink((0.0,), (0.0,)).partials
    (0.0,)
    """

    at: tuple
    partials: tuple
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One shape configuration: the shape of each input and the static parameters."""

    shapes: tuple
    params: dict

    def __hash__(self):  # params may hold lists; hash by repr for hypothesis' sampled_from
        return hash((self.shapes, repr(self.params)))


@dataclass(frozen=True)
class Domain:
    """Inputs (one `Real`/`Boolean` per input, or one spec for every input of a variadic op),
    shape cases, and an optional extra smoothness test `valid(*inputs, **params) -> bool`
    (for conditions between inputs, like no ties in `maximum`)."""

    inputs: Any
    cases: tuple
    valid: Optional[Callable] = None

    def spec(self, i: int):
        """The value spec of input `i`."""
        return self.inputs[i] if isinstance(self.inputs, tuple) else self.inputs

    def accepts(self, inputs, params) -> bool:
        """Whether concrete inputs lie where the op is smooth."""
        for i, x in enumerate(inputs):
            spec = self.spec(i)
            if isinstance(spec, Real) and not spec.contains(x):
                return False
        return self.valid is None or bool(self.valid(*inputs, **params))


def unary_cases(**params) -> tuple:
    """Each test shape once, with the given static parameters."""
    return tuple(Case((s,), dict(params)) for s in SHAPES)


def broadcast_cases(n: int) -> tuple:
    """Every combination of test shapes for an n-input broadcasting op."""
    return tuple(Case(shapes, {}) for shapes in product(SHAPES, repeat=n))


def reduction_cases(extra: Optional[dict] = None) -> tuple:
    """Shapes with every valid `axis` (None, ints, a tuple) and both `keepdims`."""
    cases = []
    for shape in SHAPES + ((2, 3, 2),):
        axes = [None] + list(range(len(shape))) + ([-1] if shape else [])
        if len(shape) >= 2:
            axes.append((0, len(shape) - 1))
        for axis, keepdims in product(axes, (False, True)):
            cases.append(Case((shape,), dict(axis=axis, keepdims=keepdims, **(extra or {}))))
    return tuple(cases)


def axis_cases() -> tuple:
    """Shapes with a single `axis` each (for softmax-like ops that need one axis)."""
    return tuple(Case((shape,), dict(axis=axis))
                 for shape in ((3,), (2, 3), (1, 3), (2, 3, 2))
                 for axis in range(-1, len(shape)))


def gaps_at_least(x, y, gap: float = 0.05) -> bool:
    """True when x and y (broadcast) differ everywhere by at least `gap`: no ties."""
    return bool(np.all(np.abs(np.asarray(x, float) - np.asarray(y, float)) >= gap))


def distinct_extremes(x, axis=None, keepdims=False, gap: float = 0.05) -> bool:
    """True when the two largest and two smallest entries along `axis` are `gap` apart,
    so a max/min reduction is smooth at x (a tie is a kink)."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        return True
    if axis is None:
        lanes = x.reshape(1, -1)
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(a % x.ndim for a in axes)
        rest = [a for a in range(x.ndim) if a not in axes]
        moved = np.transpose(x, rest + list(axes))
        lanes = moved.reshape(int(np.prod([x.shape[a] for a in rest])), -1)
    if lanes.shape[1] < 2:
        return True
    s = np.sort(lanes, axis=1)
    return bool(np.all(s[:, -1] - s[:, -2] >= gap) and np.all(s[:, 1] - s[:, 0] >= gap))


@dataclass(frozen=True)
class PositiveDefinite(Real):
    """Symmetric positive definite matrices (stacks of them), as `cholesky` needs: drawn as
    b b^T / n + I/2 with b uniform in [-1, 1], so every entry lies in [low, high]."""

    low: float = -2.0
    high: float = 3.0

    def sample(self, rng, shape):
        """A random matrix (or stack) of `shape` from this set."""
        b = rng.uniform(-1.0, 1.0, shape)
        n = shape[-1]
        return b @ np.swapaxes(b, -1, -2) / n + 0.5 * np.eye(n)

    def holds(self, a, upper: bool = False) -> bool:
        """Whether the triangle NumPy reads makes a positive definite matrix, well conditioned."""
        a = np.asarray(a, dtype=np.float64)
        if upper:
            a = np.swapaxes(a, -1, -2)
        symmetric = np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)
        w = np.linalg.eigvalsh(symmetric)
        return bool(np.all(w[..., 0] > 0.05) and np.all(w[..., -1] < 30 * w[..., 0]))


@dataclass(frozen=True)
class Increasing(Real):
    """Increasing sequences (sample points such as np.interp's xp): sorted draws at least `gap` apart."""

    def sample(self, rng, shape):
        """A random increasing sequence of `shape` (1-D) in [low, high]."""
        steps = rng.uniform(1.0, 2.0, shape)
        points = np.cumsum(steps)
        return self.low + (points - points[0]) * (self.high - self.low) / max(points[-1] - points[0], 1e-12)
