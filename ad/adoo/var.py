"""`Var`: reverse mode by operator overloading.

Each op applied to a `Var` records one node: the op, its input values, the parent `Var`s
and the static parameters.  `backward()` walks the nodes in reverse topological order
(iteratively: no recursion limit) and applies the registry's VJP rules.

Nodes hold their parents, never closures over themselves, so a graph has no reference
cycles and is freed as soon as its output is dropped.  For Python floats the registry's
scalar fast path (`Op.scalar`) computes the value and the local partial derivatives with
`math` at once, which keeps micrograd-style scalar graphs fast.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from . import levels
from .traced import Traced

_MATH_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


def as_value(x):
    """Inputs become floats or float arrays: ints are promoted, float32 is kept."""
    if isinstance(x, (Traced, float)):
        return x
    if isinstance(x, (int, bool, np.integer, np.bool_)):
        return float(x)
    if isinstance(x, np.floating):
        return x if x.dtype != np.float64 else float(x)
    array = np.asarray(x)
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind not in "fc":
        raise TypeError(f"cannot differentiate with respect to a value of dtype {array.dtype}")
    return array


class Var(Traced):
    """A value that records the operations applied to it, for reverse-mode differentiation.

    >>> x = Var(2.0); y = Var(5.0)
    >>> f = np.log(x) + x * y - np.sin(y)
    >>> f.backward()
    >>> x.grad, round(y.grad, 12)
    (5.5, 1.716337814537)

    `.data` is the value, `.grad` the accumulated gradient of a leaf (None until a backward
    pass reaches it).  Gradients accumulate over repeated `backward()` calls, as in micrograd
    and PyTorch: reset them with `zero_grad()` (or `x.grad = None`) between steps.  An
    intermediate node keeps no gradient unless `retain_grad()` was called on it; then it
    holds the gradient of the latest backward pass (not accumulated, so never stale).
    """

    __slots__ = ("data", "grad", "_op", "_inputs", "_parents", "_params", "_partials", "_ad_level",
                 "_retain", "__weakref__")

    def __init__(self, data, *, level=None):
        self.data = as_value(data)
        self.grad = None
        self._op = None  # a leaf
        self._inputs = self._parents = ()
        self._params = self._partials = None
        self._ad_level = levels.current() if level is None else level
        self._retain = False

    def _value(self):
        return self.data

    def __repr__(self):
        grad = "" if self.grad is None else f", grad={self.grad!r}"
        op = f", op={self._op.name}" if self._op is not None else ""
        return f"Var({self.data!r}{grad}{op})"

    @property
    def is_leaf(self) -> bool:
        """True for a value created by the user (or a transform), not by an op."""
        return self._op is None

    @property
    def op(self):
        """The registry op that produced this value (None for a leaf)."""
        return self._op

    @property
    def parents(self) -> tuple:
        """The `Var` inputs of the op that produced this value."""
        return tuple(p for p in self._parents if p is not None)

    def retain_grad(self) -> "Var":
        """Keep this intermediate's gradient after backward passes (see the class doc)."""
        self._retain = True
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def detach(self) -> "Var":
        """A new leaf with the same value and no history."""
        return Var(self.data, level=self._ad_level)

    def backward(self, seed=None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`.

        `seed` is the cotangent of self (default 1.0; required when self is not a scalar).
        With `create_graph=True` the gradients are built from registry ops as new `Var`
        graphs, so they can be differentiated again.
        """
        from .backward import backward
        backward(self, seed, create_graph)


def _node(data, op, inputs, parents, params, partials, level) -> Var:
    node = Var.__new__(Var)
    node.data = data
    node.grad = None
    node._op = op
    node._inputs = inputs
    node._parents = parents
    node._params = params
    node._partials = partials
    node._ad_level = level
    node._retain = False
    return node


def apply(op, inputs, params):
    """The engine hook: apply `op` at the level of the highest `Var` among the inputs."""
    level = max(x._ad_level for x in inputs if type(x) is Var)
    raw, parents = [], []
    for x in inputs:
        if type(x) is Var and x._ad_level == level:
            raw.append(x.data)
            parents.append(x)
        else:
            raw.append(x)
            parents.append(None)
    if not op.differentiable:
        return op.apply(raw, params)
    if op.scalar is not None and not params and all(type(v) is float for v in raw):
        fn, partials = op.scalar
        try:
            out = fn(*raw)
            return _node(out, op, tuple(raw), tuple(parents), params, partials(out, *raw), level)
        except _MATH_ERRORS:
            pass  # math refuses (log of a negative, 1/0, ...): NumPy's semantics below
    out = op.apply(raw, params)
    return _node(out, op, tuple(raw), tuple(parents), params, None, level)


ops.register_engine(Var, apply)
