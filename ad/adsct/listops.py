"""Python lists as values of generated code: the list operations and their derivative rules.

A list a function builds (`ys = []`, `ys.append(v)`, a comprehension) is a plain Python list
in generated code, and every change to it is a rebinding by one of the operations below:
`ys.append(v)` becomes `ys = list_append(ys, v)`, `a = ys.pop()` becomes
`a = list_getitem(ys, index=-1); ys = list_delete(ys, index=-1)`.  They are `ops.Op`
records (so codegen instantiates their rules like any other op's) but are not in the
registry, which holds array primitives: a list operation only moves values around, so
calling one never goes to a differentiation engine; a list of adoo values passes through
untouched and each item keeps its own graph.

The derivative of a list is a list of derivatives, one per item.  Two list derivatives are
added item by item with `list_add` (never `+`, which concatenates); a list derivative that
nothing has reached yet may still be the number 0.0, which `list_add` reads as "all zeros".
Every rule here is written with these operations and registry ops, so generated code that
uses them can be transformed again (second derivatives).

>>> ys = list_append(list_append([], 1.0), 2.0)
>>> ys, list_getitem(ys, index=-1), list_delete(ys, index=0)
([1.0, 2.0], 2.0, [2.0])
>>> list_add([1.0, 2.0], [10.0, 20.0]), list_add(0.0, [1.0])
([11.0, 22.0], [1.0])
"""

from __future__ import annotations

import ast

from .. import ops
from ..derived import zeros_like
from .astutil import helper


class ListOp(ops.Op):
    """An operation on Python lists: called directly, never dispatched to an engine."""

    def __call__(self, *args, **kwargs):
        return self.impl(*args, **kwargs)


def _is_list(value) -> bool:
    return type(value) is list


def _zeros(items) -> list:
    return [zeros_like(item) for item in items] if _is_list(items) else 0.0


def _onehot(g, xs, index):
    position = index % len(xs)
    return [g if k == position else zeros_like(x) for k, x in enumerate(xs)]


def _delete(xs, index):
    position = index % len(xs)
    return xs[:position] + xs[position + 1:]


def _undelete(g, xs, index):
    position = index % len(xs)
    g = g if _is_list(g) else _zeros(_delete(xs, index))
    return g[:position] + [zeros_like(xs[position])] + g[position:]


def _add(a, b):
    if not _is_list(a):
        return b
    if not _is_list(b):
        return a
    return [x + y for x, y in zip(a, b)]


def _item(xs, index):
    return xs[index] if _is_list(xs) else 0.0  # (a list derivative nothing reached: zero)


def _unstack(x, axis=0):
    count = ops.shape_of(x)[axis]
    before = (slice(None),) * (axis % len(ops.shape_of(x)))
    return [ops.getitem(x, before + (k,)) for k in range(count)]


def _define(name, impl, nin, jvp=None, vjp=None, doc=""):
    return ListOp(name, impl, nin, jvp=jvp, vjp=vjp, differentiable=jvp is not None, doc=doc)


list_zeros = _define("list_zeros", _zeros, 1, doc="A zero derivative per item (0.0 for what is not a list).")
list_add = _define(
    "list_add", _add, 2,
    jvp=(lambda t, out, a, b: t, lambda t, out, a, b: t),
    vjp=(lambda g, out, a, b: g, lambda g, out, a, b: g),
    doc="Two list derivatives added item by item.")
list_append = _define(
    "list_append", lambda xs, v: [*xs, v], 2,
    jvp=(lambda t, out, xs, v: list_append(t, zeros_like(v)), lambda t, out, xs, v: list_append(list_zeros(xs), t)),
    vjp=(lambda g, out, xs, v: list_delete(g, index=-1), lambda g, out, xs, v: list_getitem(g, index=-1)),
    doc="`xs.append(v)` as a value: a new list, xs and then v.")
list_getitem = _define(
    "list_getitem", _item, 1,
    jvp=(lambda t, out, xs, index: list_getitem(t, index=index),),
    vjp=(lambda g, out, xs, index: list_onehot(g, xs, index=index),),
    doc="`xs[index]` for a list and an integer index.")
list_onehot = _define(
    "list_onehot", _onehot, 2,
    jvp=(lambda t, out, g, xs, index: list_onehot(t, xs, index=index), None),
    vjp=(lambda h, out, g, xs, index: list_getitem(h, index=index), None),
    doc="Zeros shaped like xs's items, with g at `index` (the transpose of list_getitem).")
list_delete = _define(
    "list_delete", _delete, 1,
    jvp=(lambda t, out, xs, index: list_delete(t, index=index),),
    vjp=(lambda g, out, xs, index: list_undelete(g, xs, index=index),),
    doc="xs without its item at `index` (what `xs.pop(index)` leaves).")
list_undelete = _define(
    "list_undelete", _undelete, 2,
    jvp=(lambda t, out, g, xs, index: list_undelete(t, xs, index=index), None),
    vjp=(lambda h, out, g, xs, index: list_delete(h, index=index), None),
    doc="g with a zero shaped like xs[index] put back at `index` (the transpose of list_delete).")
list_stack = _define(
    "list_stack", lambda xs, axis=0: ops.stack(list(xs), axis=axis), 1,
    jvp=(lambda t, out, xs, axis=0: list_stack(t, axis=axis),),
    vjp=(lambda g, out, xs, axis=0: list_unstack(g, axis=axis),),
    doc="`np.stack(xs)` (and `np.array(xs)`) of a list built inside the function.")
list_unstack = _define(
    "list_unstack", _unstack, 1,
    jvp=(lambda t, out, x, axis=0: list_unstack(t, axis=axis),),
    vjp=(lambda g, out, x, axis=0: list_stack(g, axis=axis),),
    doc="The slices of x along `axis`, as a list (the transpose of list_stack).")

LIST_OPS = {op.name: op for op in (list_zeros, list_add, list_append, list_getitem, list_onehot, list_delete,
                                   list_undelete, list_stack, list_unstack)}
# Those whose value is a list (list_getitem gives an item, list_stack an array).
MAKES_LIST = frozenset(LIST_OPS) - {"list_getitem", "list_stack"}


def is_list_op(op) -> bool:
    """Whether `op` is one of the list operations above."""
    return isinstance(op, ListOp)


def list_names(statements) -> set:
    """The names that hold lists among three-address statements (ir.Stmt): results of the
    list operations, `[]` and `list(...)`, and copies of those.

    >>> import ast
    >>> from ad.adsct.ir import Stmt
    >>> body = [Stmt("ys", None, expr=ast.List([], ast.Load())), Stmt("zs", None, expr=ast.Name("ys", ast.Load()))]
    >>> sorted(list_names(body))
    ['ys', 'zs']
    """
    statements = list(statements)
    names = {s.target for s in statements if (s.op is not None and s.op.name in MAKES_LIST and is_list_op(s.op))
             or (s.op is None and isinstance(s.expr, ast.List))}
    before = -1
    while len(names) != before:
        before = len(names)
        names |= {s.target for s in statements if s.op is None and isinstance(s.expr, ast.Name) and s.expr.id in names}
    return names


def plus(left, right, is_list: bool):
    """`left + right` in generated code; for list derivatives `list_add(left, right)`."""
    if is_list:
        return ast.Call(helper("list_add"), [left, right], [])
    return ast.BinOp(left, ast.Add(), right)


def zero_of(name: str, is_list: bool, like: bool):
    """The starting value of a derivative: `list_zeros(name)` for a list, `zeros_like(name)`
    where `like` (a name a loop overwrites), else 0.0."""
    if is_list:
        return ast.Call(helper("list_zeros"), [ast.Name(name, ast.Load())], [])
    if like:
        return ast.Call(helper("zeros_like"), [ast.Name(name, ast.Load())], [])
    return ast.Constant(0.0)
