"""Step 3b: `for` loops of every everyday kind, as loops over positions or unrolled.

Accepts a `for` statement over an array (its rows), a tuple, list or dict the normaliser can
see into (a literal, a pytree argument), `enumerate(...)`, `zip(...)`, `reversed(...)` and
`.items()`, `.keys()`, `.values()` of a dict, nested in any way, with a plain name or a tuple
of names as the loop variable (`for i, (a, b) in enumerate(zip(x, y))`).

Guarantees to the normaliser, which then sees only loops it already handles:
- over arrays, a loop over positions: `for row in x` becomes
  `for i in range(len(x)): row = x[i]` (the user's names and lines kept; the sequence is
  evaluated once, before the loop, as Python does; `reversed` counts down, `zip` stops at
  the shortest, `enumerate` counts from its start);
- over tuples, lists and dicts whose items are known now, one copy of the body per item
  (the loop unrolled), each starting with the loop variable's assignment;
- over values from outside the function (a module-level list, `enumerate(COEFFS)`) the loop
  stays as written, and a tuple of loop names is unpacked at the start of the body.
Loops over `range(...)` and loops of a plain name over outside values are left to the
normaliser unchanged.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Optional

from .astutil import fresh_name
from .statements import usable_name

_VIEWS = ("items", "keys", "values")


@dataclass
class _Walk:
    """How one level of a loop's iterable is walked.

    kind: "sequence" (an array, or a tuple/list/dict known now), "enumerate", "zip",
    "reversed", or a dict view ("items", "keys", "values")."""

    kind: str
    parts: list = field(default_factory=list)  # the walks inside (enumerate, zip, reversed)
    name: Optional[str] = None  # a sequence's (or dict's) name, usable in syntax
    keys: Optional[list] = None  # a tuple/list/dict known now: its positions or keys
    start: Optional[ast.expr] = None  # enumerate's start


def lower_loop(normaliser, node: ast.stmt) -> bool:
    """Normalise the `for` loop `node` as described above; False (nothing done) for a loop
    over `range(...)`, for a plain name over outside values, and for anything but a `for`.

    >>> from ad import adsct
    >>> text = "def f(x):\\n    s = 0.0\\n    for i, v in enumerate(x):\\n        s = s + i * v\\n    return s\\n"
    >>> exec(text)
    >>> "v = x[i]" in adsct.source(f, source=text)
    True
    """
    if not isinstance(node, ast.For) or node.orelse or _is_range(normaliser, node.iter):
        return False
    outside = not normaliser.mentions_locals(node.iter)
    if outside and isinstance(node.target, ast.Name):
        return False
    _check_target(normaliser, node.target, node)
    if outside:  # for i, c in enumerate(COEFFS): the loop as written, its item unpacked
        item = fresh_name("item", normaliser.taken)
        normaliser.local_names[item] = item  # (the loop variable keeps this name, also when inlined)
        normaliser.root.plain_names.add(item)  # an item of an outside value carries no derivative
        body = [_at(node, ast.Assign([node.target], ast.Name(item, ast.Load())))] + node.body
        normaliser.statement(_at(node, ast.For(ast.Name(item, ast.Store()), node.iter, body, [])))
        return True
    walk = _walk(normaliser, node.iter, _assigned(node))
    count = _static_count(walk)
    if count is not None:
        for k in range(count):  # items known now: the loop unrolled
            _bind(normaliser, node.target, _name_builtins(normaliser, _item(walk, ast.Constant(k), k)), node)
            for statement in node.body:
                normaliser.statement(statement)
        return True
    counter, item_target, counted = _counter(normaliser, node.target, walk)
    position = ast.Name(counter, ast.Load())
    if walk.kind == "reversed" and walk.parts[0].kind == "sequence" and not counted:  # reversed(x): count down
        length = _count(walk)
        positions = _call("range", _minus(length, 1), ast.Constant(-1), ast.Constant(-1))
        item = _item(walk.parts[0], position, None)
    else:
        positions = _call("range", _count(walk))
        item = _item(walk, position, None)
    if item_target is None:
        first = []
    else:
        first = [_at(node, ast.Assign([item_target], _as_expression(item)))] if isinstance(item_target, ast.Name) \
            else _assignments(normaliser, item_target, item, node)
    loop = ast.For(ast.Name(counter, ast.Store()), positions, first + node.body, [])
    normaliser.statement(_at(node, _name_builtins(normaliser, loop)))
    return True


# -- what the iterable is -------------------------------------------------------------------
def _walk(normaliser, node: ast.expr, assigned: set) -> _Walk:
    """The walk of `node`; its sequences are evaluated now, once (copied first where the loop
    body rebinds a name they are read from, as the loop walks the value it started with)."""
    if isinstance(node, ast.Call) and not normaliser.mentions_locals(node.func):
        function = normaliser.resolve(node.func)
        words = _loop_words(node)
        if function is enumerate:
            arguments = _arguments(normaliser, node, ("iterable", "start"), words)
            start = arguments.get("start", ast.Constant(0))
            start = normaliser.expr(start) if normaliser.mentions_locals(start) else normaliser.outside(start)
            return _Walk("enumerate", [_walk(normaliser, arguments["iterable"], assigned)], start=start)
        if function is zip:
            if node.keywords or not node.args:
                raise normaliser.parsed.error(node, f"{words} with keyword arguments or no sequences",
                                              "zip two or more sequences: zip(x, y)")
            return _Walk("zip", [_walk(normaliser, a, assigned) for a in node.args])
        if function is reversed:
            arguments = _arguments(normaliser, node, ("sequence",), words)
            return _Walk("reversed", [_walk(normaliser, arguments["sequence"], assigned)])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _VIEWS \
            and not node.args and not node.keywords and normaliser.mentions_locals(node.func.value):
        value = normaliser.expr(node.func.value)
        if isinstance(value, ast.AST) or not isinstance(value.value, dict):
            raise normaliser.parsed.error(node, f"a loop over .{node.func.attr}() of a value that is not a dict",
                                          "loop over a dict built in the function or passed as an argument")
        return _Walk(node.func.attr, name=usable_name(normaliser, value), keys=list(value.value))
    if not normaliser.mentions_locals(node):  # a value from outside (next to local ones in a zip)
        value = normaliser.plain(ast.Call(ast.Name("list", ast.Load()), [normaliser.outside(node)], []))
        return _Walk("sequence", name=usable_name(normaliser, value))
    value = normaliser.expr(node)
    if not isinstance(value, ast.AST):  # a tuple, list or dict known now
        keys = list(value.value) if isinstance(value.value, dict) else list(range(len(value.value)))
        return _Walk("keys" if isinstance(value.value, dict) else "sequence", name=usable_name(normaliser, value),
                     keys=keys)
    if isinstance(node, ast.Name) and node.id in assigned:  # the body rebinds it: walk the value as it is now
        copy = fresh_name(f"{node.id}_items", normaliser.taken)
        normaliser.statement(_at(node, ast.Assign([ast.Name(copy, ast.Store())], node)))
        return _Walk("sequence", name=copy)
    if not isinstance(value, ast.Name):
        value = normaliser.plain(value)
    return _Walk("sequence", name=usable_name(normaliser, value))


def _arguments(normaliser, node: ast.Call, names: tuple, words: str) -> dict:
    if len(node.args) > len(names) or any(k.arg not in names for k in node.keywords) or \
            any(isinstance(a, ast.Starred) for a in node.args):
        raise normaliser.parsed.error(node, f"{words} with these arguments", f"write {words}")
    arguments = dict(zip(names, node.args))
    arguments.update({k.arg: k.value for k in node.keywords})
    if names[0] not in arguments:
        raise normaliser.parsed.error(node, f"{words} without a sequence to walk")
    return arguments


def _static_count(walk: _Walk) -> Optional[int]:
    """How many items, where a tuple, list or dict known now decides it (None: an array's length)."""
    if walk.keys is not None:
        return len(walk.keys)
    counts = [c for c in (_static_count(p) for p in walk.parts) if c is not None]
    return min(counts) if counts else None


def _count(walk: _Walk) -> ast.expr:
    """The number of items, as an expression."""
    if walk.kind == "sequence":
        return _call("len", ast.Name(walk.name, ast.Load()))
    if walk.kind == "zip":
        return _call("min", *[_count(p) for p in walk.parts])
    return _count(walk.parts[0])


def _item(walk: _Walk, position: ast.expr, static: Optional[int]):
    """The item at `position` (an expression; `static`, its value where known now): an
    expression, or a tuple of items for enumerate and zip."""
    if walk.kind == "enumerate":
        start = walk.start
        if isinstance(start, ast.Constant) and static is not None:
            index = ast.Constant(start.value + static)
        else:
            index = position if isinstance(start, ast.Constant) and start.value == 0 else \
                ast.BinOp(position, ast.Add(), start)
        return index, _item(walk.parts[0], position, static)
    if walk.kind == "zip":
        return tuple(_item(p, position, static) for p in walk.parts)
    if walk.kind == "reversed":
        inner = walk.parts[0]
        count = _static_count(inner)
        if count is not None and static is not None:
            return _item(inner, ast.Constant(count - 1 - static), count - 1 - static)
        return _item(inner, _minus(_minus(_count(inner), 1), position), None)
    name = ast.Name(walk.name, ast.Load())
    if walk.keys is None:
        return ast.Subscript(name, position, ast.Load())
    if static is None:
        raise SyntaxError("a tuple, list or dict is walked by a position known only at run time")  # (unreachable)
    key = walk.keys[static]
    value = ast.Subscript(name, ast.Constant(key), ast.Load())
    if walk.kind == "keys":
        return ast.Constant(key)
    if walk.kind == "items":
        return ast.Constant(key), value
    return value  # a sequence, or a dict's values


# -- the loop variable --------------------------------------------------------------------------
def _check_target(normaliser, target: ast.expr, node: ast.For) -> None:
    if isinstance(target, ast.Name):
        return
    if isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in target.elts):
        for element in target.elts:
            _check_target(normaliser, element, node)
        return
    raise normaliser.parsed.error(node, f"a loop variable like `{ast.unparse(target)}`",
                                  "loop with plain names: for x in ..., for i, (a, b) in ...")


def _counter(normaliser, target: ast.expr, walk: _Walk) -> tuple:
    """(the name of the position, what remains of the target to assign, whether the position is
    the user's own count): the user's index for `for i, v in enumerate(x)`, else a fresh name."""
    if walk.kind == "enumerate" and isinstance(walk.start, ast.Constant) and walk.start.value == 0 \
            and isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2 \
            and isinstance(target.elts[0], ast.Name):
        inner = walk.parts[0]
        walk.kind, walk.parts, walk.name, walk.keys = inner.kind, inner.parts, inner.name, inner.keys
        walk.start = inner.start
        return target.elts[0].id, target.elts[1], True
    for base in ("i", "j", "k", "n"):
        if base not in normaliser.taken:
            return fresh_name(base, normaliser.taken), target, False
    return fresh_name("position", normaliser.taken), target, False


def _bind(normaliser, target: ast.expr, item, node: ast.For) -> None:
    """The loop variable's assignment at the start of an unrolled iteration."""
    if isinstance(target, ast.Name):
        expression = _as_expression(item)
        value = normaliser.expr(expression) if _selects(normaliser, expression) else None
        if value is not None and not isinstance(value, ast.Constant):  # an item of a tuple known now: named again
            normaliser.another_name(target.id, value, node)
            return
        normaliser.statement(_at(node, ast.Assign([target], expression)))
        return
    for statement in _assignments(normaliser, target, item, node):
        normaliser.statement(statement)


def _assignments(normaliser, target, item, node: ast.For) -> list:
    """`target = item` as assignments: a tuple of names takes a tuple of items one by one."""
    if isinstance(target, ast.Name) or not isinstance(item, tuple):
        return [_at(node, ast.Assign([target], _as_expression(item)))]
    if len(target.elts) != len(item):
        raise normaliser.parsed.error(node, f"cannot unpack {len(item)} values into the {len(target.elts)} loop "
                                      f"variables `{ast.unparse(target)}`")
    return [a for t, i in zip(target.elts, item) for a in _assignments(normaliser, t, i, node)]


def _as_expression(item) -> ast.expr:
    return ast.Tuple([_as_expression(i) for i in item], ast.Load()) if isinstance(item, tuple) else item


def _selects(normaliser, expression: ast.expr) -> bool:
    """An item of a tuple, list or dict known now (`params[0]`, `d['w']`): no computation."""
    return isinstance(expression, ast.Subscript) and isinstance(expression.slice, ast.Constant) \
        and isinstance(expression.value, ast.Name) \
        and not isinstance(normaliser.versions.get(expression.value.id), (str, type(None)))


# -- small syntax helpers -------------------------------------------------------------------
def _is_range(normaliser, node: ast.expr) -> bool:
    """`range(...)`, under any name that means the builtin (generated code calls it `range_1`
    where the user's code has a `range` of its own)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id not in normaliser.versions and normaliser.resolve(node.func) is builtins.range


def _assigned(node: ast.For) -> set:
    """The names the loop rebinds: its variable and every name assigned in its body."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _loop_words(node: ast.Call) -> str:
    return f"a loop over {ast.unparse(node.func)}(...)"


_BUILTIN = "__ad_builtin__"  # (a call of Python's range, len or min, named by _name_builtins)


def _call(function: str, *args) -> ast.Call:
    return ast.Call(ast.Name(_BUILTIN + function, ast.Load()), list(args), [])


def _name_builtins(normaliser, tree):
    """`tree` (syntax, or a tuple of items) with the builtins _call wrote named where the loop
    is: by their own names, or where the function means something else by one (generated
    code keeps `range` of a user's global as it is and calls the builtin `range_1`), by a
    global that names the builtin."""
    if isinstance(tree, tuple):
        return tuple(_name_builtins(normaliser, part) for part in tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id.startswith(_BUILTIN):
            node.id = _builtin_name(normaliser, node.id[len(_BUILTIN):], node)
    return tree


def _builtin_name(normaliser, name: str, node) -> str:
    builtin = getattr(builtins, name)
    candidates = [name] + sorted(n for n in dict.keys(normaliser.namespace) if n.startswith(name + "_"))
    for candidate in candidates:  # (resolve records the name read: the code goes stale if it is rebound)
        if candidate not in normaliser.versions and normaliser.resolve(ast.Name(candidate, ast.Load())) is builtin:
            return candidate
    raise normaliser.parsed.error(node, f"a loop that needs Python's `{name}`, which names something else here",
                                  f"rename the other `{name}`")


def _minus(left: ast.expr, right: int) -> ast.expr:
    return ast.BinOp(left, ast.Sub(), ast.Constant(right)) if isinstance(right, int) else \
        ast.BinOp(left, ast.Sub(), right)


def _at(origin: ast.AST, node: ast.AST) -> ast.AST:
    """`node` with the source position of `origin` (comments and errors point there)."""
    return ast.fix_missing_locations(ast.copy_location(node, origin))
