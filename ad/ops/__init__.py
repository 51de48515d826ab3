"""The op registry: every primitive defined once, with its rules, shared by all strategies.

>>> from ad import ops
>>> float(ops.sin(0.0)), ops.get("sin") is ops.sin, ops.lookup(np.sin) is ops.sin
(0.0, True, True)

Each op is callable and dispatches on its inputs: NumPy values compute directly, values of a
differentiation engine are handed to it.  See `ad.ops.core.Op` for the record's fields.
"""

import sys

import numpy as np

from .core import REGISTRY, Op, UnknownOpError, defop, get, lookup, ndim_of, register, register_engine, shape_of
from .multi import MULTI, Multi, register_multi
from . import constant, shape, elementwise, writes, complex_ops, reductions, linalg, linsolve, triangles, decompositions, eig, norms, structure, joins, contract, scans, statistics, compose, elementwise_extra, fft, objects, operators  # noqa: E402  (order: rules use earlier ops)

# Every op is also an attribute of this package: ad.ops.sin, ad.ops.matmul, ... (ops defined
# later, by `defop` in your own module, too).
from .core import publish, unregister  # noqa: E402
publish(sys.modules[__name__])

__all__ = ["REGISTRY", "MULTI", "Multi", "register_multi", "Op", "UnknownOpError", "defop", "get", "lookup", "register", "register_engine", "unregister",
           "shape_of", "ndim_of", "differentiable_ops"] + sorted(REGISTRY)


def differentiable_ops() -> list:
    """Names of the ops that carry derivatives, sorted.

    >>> "sin" in differentiable_ops(), "floor" in differentiable_ops()
    (True, False)
    """
    return sorted(name for name, op in REGISTRY.items() if op.differentiable)
