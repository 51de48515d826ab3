"""Which traced arrays are views of which, so that in-place updates follow NumPy's views.

NumPy's `a[1:]`, `a.T`, `a.reshape(...)`, `np.flip(a)`, ... share memory with `a`: writing
into one changes the other.  Engine values never share memory that way (their arrays are
never changed in place), so each engine asks `finish` about every array it computes: a
result whose data shares memory with an input's data is a view of that input.  Views made
by the ops in `WRITE_BACK` can be written into (the write is carried back to the base, see
`ad.adoo.inplace`); a view made by any other op is marked read-only for writes, so a write
into it is refused instead of silently missing the base.

>>> import numpy as np
>>> from ad.adoo import Var
>>> x = Var(np.arange(3.0), level=1); v = x[1:]
>>> base_of(v)[0] is x, live_views(x) == [v]
(True, True)
"""

from __future__ import annotations

import weakref

import numpy as np

from .. import ops
from ..derived import plain
from ..ops.core import _ENGINES

__all__ = ["AFTER_APPLY", "WRITE_BACK", "finish", "base_of", "live_views", "WeakIdentitySet"]


# How a write into a view reaches its base: (base, new value of the view, params) -> new base.
# An index writes into the base's entries; every other view op here only rearranges entries,
# so its VJP rule (the transpose of a rearrangement) is its inverse: that rule carries the write.
WRITE_BACK = {ops.getitem: lambda base, view, p: ops.index_update(base, view, p["index"])}
for _op in (ops.reshape, ops.expand_dims, ops.squeeze, ops.transpose, ops.swapaxes, ops.ravel, ops.atleast_1d,
            ops.atleast_2d, ops.atleast_3d, ops.flip, ops.flipud, ops.fliplr, ops.moveaxis, ops.rot90):
    WRITE_BACK[_op] = lambda base, view, p, rule=_op.vjp_rule(0): rule(view, None, base, **p)


# Ops whose engine result goes through a hook `hook(out, inputs, params) -> out` instead
# (filled by ad.adoo.inplace: zeros_like gives a handle that can be written into).
AFTER_APPLY: dict = {}


def finish(op, out, inputs, params, data):
    """An engine's last step for an op's result `out` (whose own array is `data`)."""
    hook = AFTER_APPLY.get(op)
    if hook is not None:
        return hook(out, inputs, params)
    if type(data) is np.ndarray:
        if data.base is None and not op.view:  # a fresh array: the common case, decided at once
            return out  # (an op flagged `view` may hand back its input array itself)
    elif type(data) not in _ENGINES:
        return out  # a number
    value = plain(data)
    if type(value) is not np.ndarray or (value.base is None and not op.view):
        return out
    for position, x in enumerate(inputs):
        if type(x) in _ENGINES and np.may_share_memory(value, plain(x)):
            writable = position == 0 and op in WRITE_BACK
            _link(out, x, op if writable else None, params, op)
            break
    return out


class WeakIdentitySet:
    """A set of objects compared by identity and held weakly (weakref.WeakSet would compare
    traced values with ==, which gives arrays, not booleans).

    >>> class Thing: pass
    >>> things = WeakIdentitySet(); a = Thing(); things.add(a)
    >>> a in things, Thing() in things, len(list(things))
    (True, False, 1)
    """

    def __init__(self):
        self._refs: dict = {}

    def add(self, item) -> None:
        key = id(item)
        self._refs[key] = weakref.ref(item, lambda _, key=key, refs=self._refs: refs.pop(key, None))

    def __contains__(self, item) -> bool:
        ref = self._refs.get(id(item))
        return ref is not None and ref() is item

    def __iter__(self):
        return (item for item in (ref() for ref in list(self._refs.values())) if item is not None)

    def __bool__(self) -> bool:
        return bool(self._refs)


def _link(view, base, write_back, params, op) -> None:
    view._view = (base, write_back, params, op)
    views = getattr(base, "_views", None)
    if views is None:
        base._views = views = WeakIdentitySet()  # (forgets views that are gone)
    views.add(view)


def base_of(handle):
    """(base, write-back op or None, params, op) for a view, None for an array of its own."""
    return getattr(handle, "_view", None)


def live_views(handle) -> list:
    """The views of `handle` that still exist."""
    views = getattr(handle, "_views", None)
    return [] if views is None else list(views)
