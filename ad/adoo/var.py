"""`Var`: reverse mode by operator overloading.

Each op applied to a `Var` records one node: the op, its input values, the parent `Var`s
and the static parameters.  `backward()` walks the nodes in reverse topological order
(iteratively: no recursion limit) and applies the registry's VJP rules.

Nodes hold their parents, never closures over themselves, so a graph has no reference
cycles and is freed as soon as its output is dropped.  For Python floats the registry's
scalar fast path (`Op.scalar`) computes the value with `math`, and the reverse sweep the
local partial derivatives from the same floats.  A scalar node is one object: it keeps its
parents in two slots (no tuple) and no partials.  Every object a graph holds costs the
garbage collector's passes time, so one object per node keeps micrograd-style scalar graphs
fast.
"""

from __future__ import annotations

import itertools
import threading

import numpy as np

from .. import ops
from ..ops import reads as _reads
from ..ops.core import _ENGINES
from ..ops.objects import OBJECT as _OBJECT, lift_all
from .. import levels
from ..derived import as_value
from .traced import Traced
from .views import finish

_MATH_ERRORS = (ValueError, ZeroDivisionError, OverflowError)
_NO_PARAMS: dict = {}
# Creation stamps: a node is always created after its parents, so sorting by stamp is a
# topological order (see backward.topological_order).
_next_stamp = itertools.count().__next__


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

    # _prev, _view and _views are set only by in-place updates (ad.adoo.inplace), so they cost
    # nothing elsewhere; read them with getattr(node, name, None).  `_partials` is None, or for
    # a node of Python floats the op's scalar partials function (Op.scalar), which the sweep
    # calls on the node's floats.  A scalar node of one or two inputs has `_parents` None and
    # its parents in `_a` and `_b` (None for a constant or no second input): read them with
    # `parents_of`.
    __slots__ = ("data", "grad", "_op", "_inputs", "_parents", "_a", "_b", "_params", "_partials", "_ad_level",
                 "_retain", "_stamp", "_prev", "_view", "_views", "__weakref__")

    def __init__(self, data, *, level=None):
        self.data = as_value(data)
        self.grad = None
        self._op = None  # a leaf
        self._inputs = self._parents = ()
        self._a = self._b = None
        self._params = self._partials = None
        self._ad_level = levels.current() if level is None else level
        self._retain = False
        self._stamp = _next_stamp()

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
        return tuple(p for p in repaired_parents(self) if p is not None)

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


_new = object.__new__

# The plain arrays (constants, not Var data) the nodes of each running vjp read in its reverse
# sweep, made read-only while f runs (one list per vjp, innermost last): NumPy code that
# changed one in place after using it (`a = y * x; y += 1`) would change what the sweep
# reads, so NumPy refuses that write, and vjp names it (transforms.vjp).
_THREAD = threading.local()  # (each thread runs its own transforms)


def recorded() -> list:
    """This thread's stack of recorded-array lists, one per running vjp."""
    stack = getattr(_THREAD, "recorded", None)
    if stack is None:
        stack = _THREAD.recorded = []
    return stack


def freeze(values) -> None:
    """Make the writable arrays among `values` read-only until the running vjp ends.

    >>> recorded().append([]); y = np.ones(2); freeze((y, 2.0)); y.flags.writeable
    False
    >>> thaw(recorded().pop()); y.flags.writeable
    True
    """
    stack = recorded()
    if not stack:
        return  # (no vjp is running: a graph built by hand is swept at once)
    recorded_here = stack[-1]
    for x in values:
        if type(x) is np.ndarray and x.flags.writeable:
            x.flags.writeable = False
            recorded_here.append(x)


def thaw(arrays) -> None:
    """Make arrays `freeze` made read-only writable again (a view can be writable again only
    once its base is: those wait for a second pass)."""
    pending = list(arrays)
    while pending:
        waiting = []
        for x in pending:
            try:
                x.flags.writeable = True
            except ValueError:
                waiting.append(x)
        if len(waiting) == len(pending):
            return  # (their bases are read-only for a reason of their own)
        pending = waiting

# Whether any Var was ever updated in place: until then no graph needs repairing.
_updated = False


def note_update() -> None:
    """Record that a Var was updated in place (see `repaired_parents`)."""
    global _updated
    _updated = True


def any_updates() -> bool:
    """Whether some Var was updated in place since the program started."""
    return _updated


def earliest(node: Var) -> Var:
    """The first contents of a Var updated in place since (for an input: the leaf itself).

    >>> x = Var(1.0); earliest(x) is x
    True
    """
    while getattr(node, "_prev", None) is not None:
        node = node._prev
    return node


def parents_of(node: Var) -> tuple:
    """node's parents, one per input (None for a constant), as recorded.

    >>> x = Var(1.0); parents_of(x * 2.0) == (x, None), parents_of(-x) == (x,)
    (True, True)
    """
    parents = node._parents
    if parents is None:  # a scalar node (see _scalar)
        return (node._a,) if node._op.nin == 1 else (node._a, node._b)
    return parents


def repaired_parents(node: Var) -> tuple:
    """node's parents as they were when node was computed.

    An in-place update gives a Var new contents (with a new stamp) and keeps its earlier
    contents in `_prev`.  A parent whose stamp is not older than node's was updated after node
    was computed: node meant one of its earlier contents.  The repair is stored, once.

    >>> x = Var(1.0); y = x * 2.0
    >>> repaired_parents(y) == (x, None)
    True
    """
    parents, stamp = parents_of(node), node._stamp
    if _updated and any(p is not None and p._stamp >= stamp for p in parents):
        fixed = []
        for p in parents:
            while p is not None and p._stamp >= stamp:
                p = p._prev
            fixed.append(p)
        node._parents = parents = tuple(fixed)
    return parents


def _node(data, op, inputs, parents, params, partials, level) -> Var:
    node = _new(Var)
    node.data = data
    node.grad = None
    node._op = op
    node._inputs = inputs
    node._parents = parents
    node._a = node._b = None
    node._params = params
    node._partials = partials
    node._ad_level = level
    node._retain = False
    node._stamp = _next_stamp()
    return node


def _scalar(data, op, inputs, a, b, level) -> Var:
    """A node of Python floats: parents a (and b) in slots, partials left to the sweep."""
    node = _new(Var)
    node.data = data
    node.grad = None
    node._op = op
    node._inputs = inputs
    node._parents = None
    node._a = a
    node._b = b
    node._params = _NO_PARAMS
    node._partials = op.scalar[1]
    node._ad_level = level
    node._retain = False
    node._stamp = _next_stamp()
    return node


def binary(op, a, b):
    """a op b with at least one Var: scalar fast path when both are floats at one level."""
    node = _scalar_binary(op, a, b)
    if node is not None:
        return node
    if (type(a) is Var or type(a) not in _ENGINES) and (type(b) is Var or type(b) not in _ENGINES):
        return apply(op, (a, b), _NO_PARAMS)  # only Vars and plain values: no dispatch needed
    return op(a, b)


def _scalar_binary(op, a, b):
    """a op b as a scalar node when both are Python floats (Vars of one level, or numbers);
    None otherwise, or where math refuses (NumPy gives inf or nan there: the general path)."""
    ta, tb = type(a), type(b)
    if ta is Var:
        x, level = a.data, a._ad_level
        if type(x) is not float:
            return None
        if tb is Var:
            y = b.data
            if type(y) is not float or b._ad_level != level:
                return None
            inputs = None  # (a node whose inputs are all Vars reads their values from its parents)
        elif tb is float or tb is int:
            y = float(b)
            b, inputs = None, (x, y)
        else:
            return None
    elif (ta is float or ta is int) and tb is Var:
        x, y, level = float(a), b.data, b._ad_level
        if type(y) is not float:
            return None
        a, inputs = None, (x, y)
    else:
        return None
    try:
        out = op.scalar[0](x, y)
    except _MATH_ERRORS:
        return None
    return _scalar(out, op, inputs, a, b, level)


def _binary_methods(op):
    """Var's methods for a binary op (`__mul__`, `__rmul__`): the common scalar cases at once
    (one call per op counts in micrograd-style code), everything else through `binary`."""
    fn = op.scalar[0]

    def method(self, other):
        x = self.data
        if type(x) is float:
            kind = type(other)
            try:
                if kind is Var:
                    y = other.data
                    if type(y) is float and other._ad_level == self._ad_level:
                        return _scalar(fn(x, y), op, None, self, other, self._ad_level)
                elif kind is float or kind is int:
                    y = float(other)
                    return _scalar(fn(x, y), op, (x, y), self, None, self._ad_level)
            except _MATH_ERRORS:
                pass  # math refuses where NumPy gives inf/nan: `binary` takes the general path
        return binary(op, self, other)

    def reflected(self, other):  # other op self, other not a Var
        kind, y = type(other), self.data
        if (kind is float or kind is int) and type(y) is float:
            x = float(other)
            try:
                return _scalar(fn(x, y), op, (x, y), None, self, self._ad_level)
            except _MATH_ERRORS:
                pass
        return binary(op, other, self)

    return method, reflected


def _scalar_unary(op, a):
    """op(a) as a scalar node when a holds a Python float; None otherwise, or where math refuses."""
    x = a.data
    if type(x) is float:
        try:
            return _scalar(op.scalar[0](x), op, None, a, None, a._ad_level)
        except _MATH_ERRORS:
            pass
    return None


def _unary_method(op):
    """Var's method for a unary op (`__neg__`, `relu`): scalar fast path for a float."""
    def method(self):
        node = _scalar_unary(op, self)
        return op(self) if node is None else node
    return method


# The hot operators skip the registry's dispatch when they can; the result is the same node.
Var.__add__, Var.__radd__ = _binary_methods(ops.get("add"))
Var.__sub__, Var.__rsub__ = _binary_methods(ops.get("sub"))
Var.__mul__, Var.__rmul__ = _binary_methods(ops.get("mul"))
Var.__truediv__, Var.__rtruediv__ = _binary_methods(ops.get("div"))
Var.__pow__, Var.__rpow__ = _binary_methods(ops.get("pow"))
Var.__neg__ = _unary_method(ops.get("neg"))
for _name in ("relu", "tanh", "exp", "log", "sigmoid"):
    setattr(Var, _name, _unary_method(ops.get(_name)))


def apply(op, inputs, params):
    """The engine hook: apply `op` at the level of the highest `Var` among the inputs."""
    level = -1
    for x in inputs:
        if type(x) is Var and x._ad_level > level:
            level = x._ad_level
    parents, raw, floats, plain, constants = [], [], True, True, False
    for x in inputs:
        if type(x) is Var and x._ad_level == level:
            parents.append(x)
            x = x.data
        else:
            if type(x) is np.ndarray:
                if x.dtype is _OBJECT:  # np.array([a, b]) of traced values: one traced array again
                    lifted = lift_all(inputs)
                    if lifted is not None:
                        return op.apply(lifted, params)
                constants = True  # (a caller's array: see freeze)
            parents.append(None)
        raw.append(x)
        floats = floats and type(x) is float
        plain = plain and type(x) not in _ENGINES
    parents, raw = tuple(parents), tuple(raw)
    if not op.differentiable:
        out = op.apply(raw, params)
    else:
        if floats and op.scalar is not None and not params:  # (np.sin(x), ops.mul(x, y), ...)
            try:
                out = op.scalar[0](*raw)
            except _MATH_ERRORS:
                pass  # math refuses (log of a negative, 1/0, ...): NumPy's semantics below
            else:
                if op.nin == len(raw) == 2:  # one object, as the operators make it
                    a, b = parents
                    return _scalar(out, op, None if a is not None and b is not None else raw, a, b, level)
                if op.nin == len(raw) == 1:
                    return _scalar(out, op, None, parents[0], None, level)
                return _node(out, op, raw, parents, params, op.scalar[1], level)
        # values of outer levels (nested derivatives) go through the registry's dispatch
        data = op.compute(raw, params) if plain else op.apply(raw, params)
        if type(data) is np.ndarray and data.nbytes >= _reads.SMALL:
            _reads.LARGE[0] += 1  # (see ad.adoo.release)
        out = _node(data, op, raw, parents, params, None, level)
        if constants:
            freeze(raw)
    return finish(op, out, inputs, params, out.data if type(out) is Var else out)  # (views: ad.adoo.views)


ops.register_engine(Var, apply)
