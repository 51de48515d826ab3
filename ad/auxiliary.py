"""`has_aux`: a differentiated function that returns (value, aux), aux carried along undifferentiated.

>>> f_value, aux_of = split_aux(lambda x: (x * x, {"x": x}), "grad")
>>> f_value(3.0), aux_of()
(9.0, {'x': 3.0})
"""

from __future__ import annotations

import numpy as np

from . import levels, tree
from .ops.core import _ENGINES


def split_aux(f, who: str):
    """(f_value, aux_of): f_value(*args) runs f and returns its value; aux_of() then gives the
    aux of that run, its traced values made plain (see `settled`).  A result of f that is not a
    pair gets a TypeError saying what f returned instead."""
    box = []

    def f_value(*args):
        out = f(*args)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            got = (f"a {type(out).__name__} of length {len(out)}" if isinstance(out, (tuple, list))
                   else "a single value")
            raise TypeError(f"{who}(f, has_aux=True) needs f to return a pair (value, aux); "
                            f"{getattr(f, '__name__', 'f')} returned {got}")
        box[:] = [out[1]]
        return out[0]

    def aux_of():
        return tree.tree_map(settled, box[0])

    f_value.__name__ = getattr(f, "__name__", "f")
    return f_value, aux_of


def settled(x):
    """A value with the wrappers of finished transforms removed: a plain value at the top level;
    inside an enclosing transform, still traced for it (so its derivatives are not lost).
    float64 scalars become Python floats, as transforms return them.

    >>> settled(np.float64(2.0))
    2.0
    """
    while type(x) in _ENGINES and not levels.is_live(x._ad_level):
        x = x._value()
    if type(x) is np.float64 or (type(x) is np.ndarray and x.ndim == 0 and x.dtype == np.float64):
        return float(x)
    return x
