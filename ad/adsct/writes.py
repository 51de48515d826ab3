"""Step 2b: writes into part of an array (`y[i] = v`, `y[:, 0] *= 2`, `y[mask] = 0`) as new values.

Accepts one assignment statement of the user's function whose single target is a subscript
of a local name (`y[index] = value`, or augmented: `y[index] op= value`), while the
Normaliser (anf.py) walks the body.  Guarantees to the next step: the statement becomes the
rebinding `y = index_update(y, value, index)` (augmented: `value` is `y[index] op value`,
which reads y once, as NumPy does: `y[[0, 0]] += 1` adds 1 once), a Stmt whose `updates`
marks it an in-place update of y, so aliasing.py (step 3b) decides what other names see:
another name for the very same array is rebound to the new value, a view or a global
sharing it is refused with the user's file and line.  The index is a static parameter
(check_activity refuses one that depends on differentiated values); masks, integer arrays,
slices with steps and Ellipsis keep NumPy's meaning, because index_update runs NumPy's own
assignment on a copy.  Writes that cannot be followed (into a global, into an attribute, into
an item of an item `y[0][1] = v`, into a tuple, list or dict) raise UnsupportedSyntaxError
here, naming the construct as a Python programmer does.

Why a new value and not the write itself: the reverse sweep needs the array as it was before
the write (the overwritten entries have their own derivatives), and loops save a name's old
value before it is reassigned (controlflow.py) -- a rebinding gets that for free.  An
argument written into is rebound too: f's value and derivatives are NumPy's, and the caller's
array is left as it was, as in adoo (arrays being differentiated are never changed in the
caller).

>>> import ast
>>> is_item_write(ast.parse("y[0] = 1.0").body[0]), is_item_write(ast.parse("y = 1.0").body[0])
(True, False)
"""

from __future__ import annotations

import ast

from .. import ops
from .astutil import clone
from .ir import Stmt, _index_expr


def is_item_write(node: ast.stmt) -> bool:
    """Whether `node` assigns into part of something: `a[i] = v`, `a[i] += v`.

    >>> is_item_write(ast.parse("a[1:, 0] *= 2").body[0])
    True
    """
    if isinstance(node, ast.Assign):
        return len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript)
    return isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Subscript)


def lower_item_write(normaliser, node: ast.stmt) -> None:
    """Append `y = index_update(y, value, index)` for the item write `node` to the
    normaliser's body, marked as an in-place update of y; raise for writes it cannot follow."""
    target = node.targets[0] if isinstance(node, ast.Assign) else node.target
    parsed = normaliser.parsed
    written = target.value
    text = parsed.text_of(node)
    if not isinstance(written, ast.Name):
        raise parsed.error(node, f"`{text}` is an assignment into an element of {_what(written)}, which adsct "
                           f"cannot follow", "write into a named array: `r = ...; r[i] = v`, or index once: "
                           "`y[0, 1] = v` instead of `y[0][1] = v`")
    name = written.id
    current = normaliser.versions.get(name)
    if current is None:
        raise parsed.error(node, f"`{text}` is an assignment into an element of the global `{name}`: it would "
                           f"change `{name}` for every later call, which adsct cannot follow",
                           f"work on an array of the function's own: `{name}_local = {name}.copy()`")
    if not isinstance(current, str):
        raise parsed.error(node, f"`{text}` is an assignment into an element of the tuple, list or dict `{name}`, "
                           f"which adsct does not follow here", "build a new one instead")
    index = normaliser.static(_index_expr(target.slice))
    old = ast.Name(current, ast.Load())
    if isinstance(node, ast.AugAssign):  # y[index] op= v reads y[index] once, then writes it back
        part = normaliser.emit(ops.get("getitem"), [old], {"index": index}, node).id
        normaliser.versions[part] = part  # (a local name for the moment, so that `part op v` reads it)
        try:
            value = normaliser.expr(ast.BinOp(ast.Name(part, ast.Load()), node.op, node.value))
        finally:
            del normaliser.versions[part]
    else:
        value = _value(normaliser, node.value)
    normaliser.body.append(Stmt(normaliser.bind_name(name), ops.get("index_update"), [old, value],
                                {"index": clone(index)}, origin=node, source=parsed, updates=(name, current)))


def _value(normaliser, node: ast.expr) -> ast.expr:
    """The written value: an expression, or a list of constants (`y[:2] = [1.0, 2.0]`)."""
    if isinstance(node, (ast.List, ast.Tuple)) and not normaliser.mentions_locals(node):
        return normaliser.outside(node)
    value = normaliser.expr(node)
    if not isinstance(value, ast.expr):  # a tuple or list of local values
        raise normaliser.parsed.error(node, "a tuple or list of values is written into part of an array here",
                                      "write an array: `y[:2] = np.stack([a, b])`")
    return value


def _what(node: ast.expr) -> str:
    """What `node` names, for an error: an attribute, an item, a call's result."""
    if isinstance(node, ast.Attribute):
        return f"the attribute `{ast.unparse(node)}`"
    if isinstance(node, ast.Subscript):
        return f"the item `{ast.unparse(node)}`"
    return f"`{ast.unparse(node)}`"
