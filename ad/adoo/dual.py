"""`Dual`: forward mode by operator overloading, a (primal, tangent) pair per value.

Each op computes its primal and pushes the tangents through the registry's JVP rules.  A
Dual whose primal is itself a Dual (or a Var) gives higher derivatives; the levels keep
the nested tangents apart.
"""

from __future__ import annotations


import numpy as np

from .. import ops
from ..ops.objects import OBJECT as _OBJECT, lift_all
from .. import levels
from .traced import Traced
from .views import finish
from .var import _MATH_ERRORS, as_value


class Dual(Traced):
    """A value with a tangent: evaluating f on Duals computes f and its directional derivative.

    >>> x = Dual(2.0, 1.0); y = Dual(5.0, 0.0)
    >>> (np.log(x) + x * y - np.sin(y)).tangent
    5.5
    """

    __slots__ = ("primal", "tangent", "_ad_level", "_view", "_views", "__weakref__")  # (views: ad.adoo.inplace)

    def __init__(self, primal, tangent, *, level=None):
        self.primal = as_value(primal)
        self.tangent = tangent
        self._ad_level = levels.current() if level is None else level

    def _value(self):
        return self.primal

    @property
    def data(self):
        return self.primal

    def __repr__(self):
        return f"Dual({self.primal!r}, {self.tangent!r})"


def _dual(primal, tangent, level) -> Dual:
    d = Dual.__new__(Dual)
    d.primal, d.tangent, d._ad_level = primal, tangent, level
    return d


def apply(op, inputs, params):
    """The engine hook: primal by the op, tangent by its JVP rules, at the highest Dual level."""
    level = max(x._ad_level for x in inputs if type(x) is Dual)
    raw, tangents = [], []
    for x in inputs:
        if type(x) is Dual and x._ad_level == level:
            raw.append(x.primal)
            tangents.append(x.tangent)
        else:
            if type(x) is np.ndarray and x.dtype is _OBJECT:  # np.array([a, b]) of traced values
                lifted = lift_all(inputs)
                if lifted is not None:
                    return op.apply(lifted, params)
            raw.append(x)
            tangents.append(None)
    out = _apply(op, raw, tangents, params, level)
    return finish(op, out, inputs, params, out.primal if type(out) is Dual else out)  # (views: ad.adoo.views)


def _apply(op, raw, tangents, params, level):
    if not op.differentiable:
        return op.apply(raw, params)
    if op.scalar is not None and not params and all(type(v) is float for v in raw) \
            and all(type(t) is float for t in tangents if t is not None):
        fn, partials = op.scalar
        try:
            out = fn(*raw)
            tangent = 0.0
            for t, d in zip(tangents, partials(out, *raw)):
                if t is not None:
                    tangent += t * d
            return _dual(out, tangent, level)
        except _MATH_ERRORS:
            pass  # fall back to NumPy semantics
    out = op.apply(raw, params)
    tangent = op.tangent(tangents, out, raw, params)
    return out if tangent is None else _dual(out, tangent, level)


ops.register_engine(Dual, apply)
