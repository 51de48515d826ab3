"""Hooks of step 3 for lists built inside the function and builtins on traced values.

The normaliser (anf.py) calls these hooks; comprehensions.py (step 1b) has already turned
comprehensions and folds into loops that append, and found the list variables.  A list
variable is a value of its own in generated code, a Python list, and every change rebinds it
with an operation of listops.py:
`ys.append(v)` is `ys = list_append(ys, v)`, `a = ys.pop(i)` is `a = list_getitem(ys, i);
ys = list_delete(ys, i)`, `ys.extend(zs)` appends zs's items one by one.  `ys[i]` with any
integer (a loop variable too) is list_getitem; a for loop over a list variable runs over its
positions.  Builtins on traced values become registry ops: max/min of several values
`maximum`/`minimum` (NumPy's tie convention: half the derivative each way), `abs` `abs`,
`round` `round` (no derivative), `float(x)` a reshape to one number; np.stack / np.array of a
list variable is `list_stack`, and np.array of a list display is the registry's `stack`;
np.array(a) of an array is a copy and np.asarray(a) is a itself.
"""

from __future__ import annotations

import ast

import numpy as np

from .. import ops
from .astutil import GENERATED, clone, fresh_name
from .comprehensions import call_of, load, located, store
from .ir import Stmt
from .listops import list_append, list_delete, list_getitem, list_stack

_CHANGES = ("append", "extend", "pop")


# -- hooks of step 3 ------------------------------------------------------------------------------

def _versions(normaliser) -> set:
    """The generated names that hold lists (shared by a function and its inlined callees)."""
    root = normaliser.root
    if not hasattr(root, "list_versions"):
        root.list_versions = set()
    return root.list_versions


def is_list(normaliser, value) -> bool:
    """Whether a normalised value is a list variable's current version."""
    return isinstance(value, ast.Name) and value.id in _versions(normaliser)


def _rebind(normaliser, name: str, op, inputs: list, params: dict, node) -> None:
    """`name = op(*inputs, **params)`, the op's result being a list."""
    normaliser.emit(op, inputs, params, node)
    target = normaliser.bind_name(name)
    normaliser.body[-1].target = target
    normaliser.taken.add(target)
    _versions(normaliser).add(target)


def assign(normaliser, name: str, value: ast.expr) -> bool:
    """`ys = [a, b]` for a list variable: `ys = []` then one append per item (True if done).
    In code adsct generated, `ys = []` starts a list that list operations change (`ys =
    list_append(ys, v)`, as adsct writes `ys.append(v)`)."""
    generated = normaliser.parsed.filename.startswith(GENERATED) and isinstance(value, ast.List) and not value.elts
    if (name not in getattr(normaliser, "list_variables", ()) and not generated) or not isinstance(value, ast.List):
        return False
    items = [normaliser.expr(item) for item in value.elts]
    _start(normaliser, name, items, value)
    return True


def _start(normaliser, name: str, items: list, node) -> None:
    target = normaliser.bind_name(name)
    normaliser.body.append(Stmt(target, None, expr=ast.List([], ast.Load()), origin=normaliser.origin,
                                source=normaliser.parsed))
    _versions(normaliser).add(target)
    for item in items:
        _append(normaliser, name, item, node)


def _append(normaliser, name: str, item, node) -> None:
    """`name = list_append(name, item)`."""
    item = _leaf(normaliser, item, node)
    _rebind(normaliser, name, list_append, [normaliser.expr(load(name)), item], {}, node)


def _leaf(normaliser, item, node):
    if isinstance(item, ast.Name) or isinstance(item, ast.Constant):
        return item
    if type(item).__name__ == "Structured":
        raise normaliser.parsed.error(node, "a tuple, list or dict is put into a list that .append changes",
                                      "append arrays and numbers")
    return normaliser.plain(item)


def statement(normaliser, node: ast.stmt) -> bool:
    """`ys.append(v)`, `ys.extend(zs)`, `ys.pop(...)` as statements (True if handled)."""
    call = node.value if isinstance(node, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in _CHANGES
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id in getattr(normaliser, "list_variables", ())):
        return False
    name, method = call.func.value.id, call.func.attr
    if call.keywords or (method != "pop" and len(call.args) != 1) or (method == "pop" and len(call.args) > 1):
        raise normaliser.parsed.error(call, f".{method}() with these arguments",
                                      "ys.append(v), ys.extend(zs), ys.pop() or ys.pop(i)")
    if method == "pop":
        pop(normaliser, call)
        return True
    other = call.args[0]
    if method == "append":
        _append(normaliser, name, normaliser.expr(other), call)
        return True
    if isinstance(other, (ast.List, ast.Tuple)):  # extend: its items one by one
        for item in other.elts:
            _append(normaliser, name, normaliser.expr(item), call)
        return True
    position = fresh_name("i", normaliser.taken)
    loop = ast.For(store(position), call_of("range", call_of("len", other)),
                   [ast.Expr(ast.Call(ast.Attribute(load(name), "append", ast.Load()),
                                      [ast.Subscript(other, load(position), ast.Load())], []))], [])
    normaliser.statement(located(call, loop)[0])
    return True


def pop(normaliser, call: ast.Call) -> ast.Name:
    """`ys.pop(i)`: the item, then ys rebound without it."""
    name = call.func.value.id
    index = normaliser.static(call.args[0]) if call.args else ast.Constant(-1)
    current = normaliser.expr(call.func.value)
    item = normaliser.emit(list_getitem, [current], {"index": index}, call)
    _rebind(normaliser, name, list_delete, [clone(current)], {"index": clone(index)}, call)
    return item


def call(normaliser, node: ast.Call, target):
    """A call the list hooks handle: `ys.pop()` as a value, builtins on traced values,
    np.stack/np.array of lists.  Returns the result, or None for any other call."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "pop" and isinstance(func.value, ast.Name) \
            and func.value.id in getattr(normaliser, "list_variables", ()):
        return pop(normaliser, node)
    if target is None or node.keywords and target not in (np.stack, np.array, round):
        return None
    touched = any(normaliser.mentions_locals(a) for a in node.args)
    if not touched:
        return None
    if target in (max, min) and len(node.args) >= 2:
        values = [normaliser.expr(a) for a in node.args]
        plain = getattr(normaliser.root, "plain_names", set())
        if all(isinstance(v, ast.Constant) or (isinstance(v, ast.Name) and v.id in plain) for v in values):
            return normaliser.plain(ast.Call(node.func, values, []))  # min(len(x), len(y)): Python's, on numbers
        op = ops.get("maximum" if target is max else "minimum")
        result = values[0]
        for value in values[1:]:
            result = normaliser.emit(op, [result, value], {}, node)
        return result
    if target is abs and len(node.args) == 1:
        return normaliser.emit(ops.get("abs"), [normaliser.expr(node.args[0])], {}, node)
    if target is round and len(node.args) in (1, 2):
        digits = node.args[1] if len(node.args) == 2 else next((k.value for k in node.keywords if k.arg == "ndigits"),
                                                                 ast.Constant(0))
        return normaliser.emit(ops.get("round"), [normaliser.expr(node.args[0])],
                               {"decimals": normaliser.static(digits)}, node)
    if target is float and len(node.args) == 1:
        return normaliser.emit(ops.get("reshape"), [normaliser.expr(node.args[0])],
                               {"shape": ast.Tuple([], ast.Load())}, node)
    if target in (np.stack, np.array) and node.args:
        return _stack(normaliser, node, target)
    if target is np.asarray and len(node.args) == 1 and not node.keywords:
        return _as_array(normaliser, node.args[0], copy=False)
    return None


def _as_array(normaliser, first: ast.expr, copy: bool):
    """np.array(a) (a copy) or np.asarray(a) (a itself, which aliasing.py then follows like
    `b = a`) of an array or number; None for lists and tuples, which the callers stack."""
    if isinstance(first, (ast.List, ast.Tuple, ast.ListComp, ast.GeneratorExp)):
        return None
    value = normaliser.expr(first)
    if not isinstance(value, ast.Name) or is_list(normaliser, value):
        return None
    return normaliser.emit(ops.get("copy"), [value], {}, first) if copy else value


def _stack(normaliser, node: ast.Call, target):
    keywords = {k.arg: k.value for k in node.keywords}
    if target is np.array and set(keywords) - {"dtype"} or len(node.args) > (2 if target is np.stack else 1):
        return None
    axis = keywords.get("axis", node.args[1] if len(node.args) > 1 else ast.Constant(0))
    first = node.args[0]
    if isinstance(first, (ast.List, ast.Tuple)):
        if target is np.stack:
            return None  # (the registry's stack takes a list display)
        items = [normaliser.expr(e) for e in first.elts]
        if any(type(i).__name__ == "Structured" for i in items):
            return None
        return normaliser.emit(ops.get("stack"), [_leaf(normaliser, i, node) for i in items], {"axis": axis}, node)
    value = normaliser.expr(first) if isinstance(first, ast.Name) else None
    if is_list(normaliser, value):
        return normaliser.emit(list_stack, [value], {"axis": normaliser.static(axis)}, node)
    if target is np.array and not keywords:
        return _as_array(normaliser, first, copy=True)
    return None


def subscript(normaliser, value, node: ast.Subscript):
    """`ys[i]` of a list variable, or of a tuple/list argument with a position known only
    when the code runs (a loop variable): list_getitem.  None for anything else."""
    if type(value).__name__ == "Structured" and isinstance(value.value, (list, tuple)) \
            and not isinstance(node.slice, (ast.Constant, ast.Slice, ast.Tuple)):
        if not all(isinstance(v, ast.Name) for v in value.value):
            return None
        name = fresh_name("items", normaliser.taken)
        normaliser.list_variables = getattr(normaliser, "list_variables", set()) | {name}
        _start(normaliser, name, list(value.value), node)
        value = normaliser.expr(load(name))
    if not is_list(normaliser, value):
        return None
    if isinstance(node.slice, ast.Slice):
        raise normaliser.parsed.error(node, "a slice of a list that .append changes",
                                      "index its items one at a time: ys[i]")
    return normaliser.emit(list_getitem, [value], {"index": normaliser.static(node.slice)}, node)


def for_loop(normaliser, node: ast.For) -> "ast.For | None":
    """`for v in ys` over a list variable, as a loop over its positions (None otherwise)."""
    if not (isinstance(node.iter, ast.Name) and node.iter.id in getattr(normaliser, "list_variables", ())):
        return None
    position = fresh_name("i", normaliser.taken)
    item = ast.Assign([node.target], ast.Subscript(load(node.iter.id), load(position), ast.Load()))
    loop = ast.For(store(position), call_of("range", call_of("len", load(node.iter.id))),
                   located(node, item) + list(node.body), [])
    return located(node, loop)[0]
