"""In-place updates of traced arrays with NumPy's aliasing: `a += x`, `a[i] = v`, `np.add(a, b, out=a)`.

NumPy changes an array in place, and every name for that array and every view of it
(`a[1:]`, `a.T`, `a.reshape(...)`, the rows a loop yields) sees the change.  Here a traced
value is a handle: an in-place update computes the new value with ordinary ops (`add`,
`index_update`, ...) and then makes the handle itself hold it, so every alias sees it.

- `Var`: the handle's earlier contents move to a fresh node, linked from the handle
  (`_prev`).  Nodes computed from the handle before the update still point at the handle;
  the reverse sweep sends them on to the earlier node they meant (`var.repaired_parents`).
- `Dual`: the pair (primal, tangent) is replaced; no graph refers to it.
- Views: a view made by a view op (`getitem` with a slice, `reshape`, `transpose`, ...)
  whose data shares memory with its base remembers the base.  Writing into the view writes
  into the base (`index_update` for an index, the inverse reshape or transpose otherwise),
  and updating a base recomputes its live views.
- Python floats and NumPy scalars are immutable, so for them `a += x` rebinds `a`, as in
  plain Python.  Arrays are never changed in place, not even the caller's.

>>> import numpy as np
>>> from ad import adoo
>>> def f(x):
...     a = x * 1.0
...     b = a          # another name for the same array
...     b += x         # so a changes too
...     return np.sum(a * x)
>>> adoo.value_and_grad(f)(np.array([1.0, 2.0]))
(10.0, array([4., 8.]))
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..derived import plain
from ..errors import NotDifferentiableError, user_line
from . import var as var_module
from .dual import Dual, _dual
from .traced import Traced
from .var import Var
from .views import AFTER_APPLY, WRITE_BACK, WeakIdentitySet, base_of, live_views

__all__ = ["write", "update", "note_shared_arguments"]

_VAR_SLOTS = ("data", "grad", "_op", "_inputs", "_parents", "_a", "_b", "_params", "_partials", "_ad_level", "_retain", "_stamp")


def _is_array(handle) -> bool:
    """Whether the handle holds an ndarray (mutable), not a float or NumPy scalar."""
    return type(plain(handle)) is np.ndarray


def _fresh_handle(out, inputs, params):
    """After zeros_like/empty_like/ones_like on a traced value: a constant handle at its level, so that
    the code that fills it in place (`y = np.zeros_like(x); y += ...`) can be followed."""
    source = max((x for x in inputs if isinstance(x, Traced)), key=lambda x: x._ad_level, default=None)
    value = plain(out)  # (out is a handle of an enclosing transform's level in nested derivatives)
    if source is None or not isinstance(value, np.ndarray) or value.dtype.kind not in "fc":
        return out  # integer and boolean masks stay plain arrays
    if type(source) is Dual:
        return _dual(out, np.zeros_like(value), source._ad_level)
    return Var(out, level=source._ad_level)


for _op in (ops.zeros_like, ops.empty_like, ops.ones_like):
    AFTER_APPLY[_op] = _fresh_handle


def _written(handle, new):
    """`new` as NumPy would store it into `handle`'s array: same shape, handle's dtype."""
    shape, new_shape = ops.shape_of(handle), ops.shape_of(new)
    if new_shape != shape:
        raise ValueError(f"non-broadcastable output operand with shape {shape} doesn't match the broadcast "
                         f"shape {new_shape}")
    dtype, new_dtype = plain(handle).dtype, np.result_type(plain(new))
    if new_dtype != dtype:
        if not np.can_cast(new_dtype, dtype, casting="same_kind"):
            raise TypeError(f"Cannot cast an in-place result from {new_dtype} to {dtype} with casting rule "
                            f"'same_kind' (as NumPy refuses it)")
        new = ops.astype(new, dtype)
    return new


def _in_layout_of(old, new):
    """`new`'s values in `old`'s memory layout: NumPy's in-place update keeps an array's strides,
    and whether a later reshape or ravel of it is a view depends on them.

    >>> _in_layout_of(np.zeros((2, 2)), np.ones((2, 2))[::-1]).strides
    (16, 8)
    """
    if type(old) is np.ndarray and type(new) is np.ndarray and new.strides != old.strides \
            and new.shape == old.shape:
        laid_out = np.empty_like(old)
        laid_out[...] = new
        return laid_out
    return new


def _contents(node: Var, into=None) -> Var:
    """Copy node's contents (value, op, inputs, parents, stamp, ...) into `into`, or a new Var."""
    into = Var.__new__(Var) if into is None else into
    for slot in _VAR_SLOTS:
        setattr(into, slot, getattr(node, slot))
    return into


def _laid_out(old, new):
    """`new` with its array in `old`'s layout (`_in_layout_of`), through the engine values of
    nested derivatives (rebuilt, never changed: they may be shared)."""
    kind = type(new)
    if kind is np.ndarray:
        return _in_layout_of(plain(old), new)
    if kind is Var:
        data = _laid_out(old.data if type(old) is Var else old, new.data)
        if data is new.data:
            return new
        copy = _contents(new)
        copy.data = data
        return copy
    if kind is Dual:
        primal = _laid_out(old.primal if type(old) is Dual else old, new.primal)
        return new if primal is new.primal else _dual(primal, new.tangent, new._ad_level)
    return new


def _assign(handle, new) -> None:
    """Make `handle` hold `new`, keeping its earlier contents for what was computed from them."""
    if type(new) is not type(handle) and isinstance(new, Traced):
        raise NotDifferentiableError(
            f"an in-place update writes a {type(new).__name__} into a {type(handle).__name__}: the array "
            f"belongs to a different transform than the value written into it; write `a = a + x` instead"
            + user_line())
    if type(handle) is Dual:
        earlier = handle.primal
        if type(new) is Dual:
            handle.primal, handle.tangent, handle._ad_level = new.primal, new.tangent, new._ad_level
        else:  # no tangent reaches the written value
            handle.primal, handle.tangent = new, np.zeros_like(plain(new))
        handle.primal = _laid_out(earlier, handle.primal)
        return
    if type(new) is not Var:
        new = Var(new, level=handle._ad_level)
    new.data = _laid_out(handle.data, new.data)
    earlier = _contents(handle)
    earlier._prev = getattr(handle, "_prev", None)
    _contents(new, into=handle)
    handle.grad, handle._prev = None, earlier
    var_module.note_update()


def _refresh_views(handle) -> None:
    """Recompute the live views of an updated handle from its new contents."""
    for view in live_views(handle):
        base, write_back, params, op = base_of(view)
        _assign(view, op.apply((handle,), params))
        _refresh_views(view)


# Arguments whose arrays are one array (f(a, a)): each gets a handle of its own, so an
# in-place update of one could not reach the other as NumPy's would; such updates are refused.
_SHARED_ARGUMENTS = WeakIdentitySet()


def note_shared_arguments(handles, values, constants=()) -> None:
    """Remember the handles of arguments that are (views of) one and the same array, with each
    other or with an argument held constant (`constants`: arrays not differentiated).

    >>> a = np.ones(3); handles = [Var(a, level=1), Var(a[1:], level=1), Var(np.ones(3), level=1)]
    >>> note_shared_arguments(handles, [a, a[1:], np.ones(3)]); [h in _SHARED_ARGUMENTS for h in handles]
    [True, True, False]
    """
    owners: dict = {}
    for handle, value in list(zip(handles, values)) + [(None, c) for c in constants]:
        if type(value) is np.ndarray:
            owner = value if value.base is None else value.base
            owners.setdefault(id(owner), []).append(handle)
    for group in owners.values():
        if len(group) > 1:
            for handle in group:
                if handle is not None:
                    _SHARED_ARGUMENTS.add(handle)


def _root(handle):
    view = base_of(handle)
    while view is not None:
        handle = view[0]
        view = base_of(handle)
    return handle


def write(handle, new) -> None:
    """Store `new` into the array `handle` holds, as NumPy's in-place assignment does: every alias
    and view of the array sees it.

    >>> x = Var(np.ones(2), level=1)
    >>> write(x, np.zeros(2)); x.data
    array([0., 0.])
    """
    new = _written(handle, new)
    if _SHARED_ARGUMENTS and _root(handle) in _SHARED_ARGUMENTS:
        raise NotDifferentiableError(
            "an in-place update of an argument whose array was also passed as another argument (f(a, a)): "
            "the two arguments are differentiated separately, so the update cannot reach the other one; "
            "pass a copy (f(a, a.copy())) or write `x = x + ...`" + user_line())
    view = base_of(handle)
    if view is not None:  # a view: the write lands in its base, which then refreshes this view
        base, write_back, params, op = view
        if write_back is None:
            raise NotDifferentiableError(
                f"this array is a view made by {op.name}, which shares memory with its input in NumPy; adoo "
                f"cannot carry a write into it back to that input: write into a copy ({op.name}(...).copy()) "
                f"or into the input itself" + user_line())
        write(base, WRITE_BACK[write_back](base, new, params))
    else:
        _assign(handle, new)
        _refresh_views(handle)


def update(handle, op, other):
    """`handle op= other`: in place for an array, a rebinding for a number (as in Python).

    >>> x = Var(np.ones(2), level=1); alias = x
    >>> update(x, ops.add, 1.0) is x, alias.data
    (True, array([2., 2.]))
    """
    new = op(handle, other)
    if not _is_array(handle):
        return new
    write(handle, new)
    return handle


def _setitem(self, index, value):
    if any(isinstance(i, Traced) for i in (index if isinstance(index, tuple) else (index,))):
        raise TypeError("indices must be plain integers or arrays, not traced values")
    if not _is_array(self):
        raise TypeError(f"'{type(plain(self)).__name__}' object does not support item assignment")
    write(self, ops.index_update(self, value, index))


def _in_place(op):
    return lambda self, other: update(self, op, other)


Traced.__setitem__ = _setitem
Traced.__iadd__ = _in_place(ops.add)
Traced.__isub__ = _in_place(ops.sub)
Traced.__imul__ = _in_place(ops.mul)
Traced.__itruediv__ = _in_place(ops.div)
Traced.__ipow__ = _in_place(ops.pow)
Traced.__imatmul__ = _in_place(ops.matmul)
Traced.__ifloordiv__ = _in_place(Traced.__floordiv__)
Traced.__imod__ = _in_place(Traced.__mod__)


def _write_out(self, ufunc, op, inputs, out):
    """`ufunc(*inputs, out=(handle,))`: compute, then write into the handle (see `write`)."""
    if len(out) != 1 or not isinstance(out[0], Traced):
        raise NotDifferentiableError(
            f"numpy.{ufunc.__name__}(..., out=...) would write a traced value into a plain NumPy array "
            f"(as `y += x` does when y is a plain array), losing its derivative: create y from a traced value "
            f"(y = np.zeros_like(x)) or write `y = y + x`" + user_line())
    write(out[0], op(*inputs))
    return out[0]


Traced._write_out = _write_out
