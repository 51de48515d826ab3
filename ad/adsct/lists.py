"""Step 1b and hooks of step 3: lists built inside the function, comprehensions, builtins.

Step 1b, `lower(normaliser, fn, body)`, runs on a function's statements before `desugar`.
It accepts any statements and guarantees to the next step:

- no list comprehension or generator expression is left: each becomes, just before the
  statement that used it, a loop that appends to a fresh list
  (`ys = [f(v) for v in xs if v > 0]` reads `acc = []; for v_1 in xs: if v_1 > 0:
  acc.append(f(v_1)); ys = acc`); the loop variables get fresh names, as a comprehension's
  do not leak;
- builtin `sum(items)` is a chain of adds starting from 0, as Python computes it:
  `total = 0; for i in range(len(items)): total = total + items[i]` (a generator expression
  inside sum adds its values directly, with no list); `max(items)` / `min(items)` of one
  argument start from items[0] in the same way.  Indexing makes this right for a list, a
  tuple and an array (whose items are its rows) alike;
- a name that `.append`, `.extend` or `.pop` changes (a "list variable") is bound to a list
  display in this function and used only as a list: indexed, measured with len, iterated,
  passed to sum/max/min/np.stack/np.array, changed.  Another name for it (`b = a`), a list
  passed in as an argument, and returning one are refused: adsct rebinds a list variable at
  each change, so a second name would silently miss it.

In step 3 the normaliser calls the hooks below.  A list variable is a value of its own in
generated code, a Python list, and every change rebinds it with an operation of listops.py:
`ys.append(v)` is `ys = list_append(ys, v)`, `a = ys.pop(i)` is `a = list_getitem(ys, i);
ys = list_delete(ys, i)`, `ys.extend(zs)` appends zs's items one by one.  `ys[i]` with any
integer (a loop variable too) is list_getitem; a for loop over a list variable runs over its
positions.  Builtins on traced values become registry ops: max/min of several values
`maximum`/`minimum` (NumPy's tie convention: half the derivative each way), `abs` `abs`,
`round` `round` (no derivative), `float(x)` a reshape to one number; np.stack / np.array of a
list variable is `list_stack`, and np.array of a list display is the registry's `stack`.
"""

from __future__ import annotations

import ast
import builtins

import numpy as np

from .. import ops
from .astutil import clone, fresh_name
from .listops import list_append, list_delete, list_getitem, list_stack

_CHANGES = ("append", "extend", "pop")
_READERS = {"len", "sum", "max", "min", "print"}  # builtins that only read a list variable
_FOLDS = {"sum": "sum", "max": "maximum", "min": "minimum"}


def _load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _store(name: str) -> ast.Name:
    return ast.Name(name, ast.Store())


def _call(name: str, *args) -> ast.Call:
    return ast.Call(_load(name), list(args), [])


def _at(node: ast.AST, *statements):
    for statement in statements:
        ast.copy_location(statement, node)
        for child in ast.walk(statement):
            if isinstance(child, (ast.expr, ast.stmt)) and not hasattr(child, "lineno"):
                ast.copy_location(child, node)
    return list(statements)


class _Rename(ast.NodeTransformer):
    def __init__(self, names: dict):
        self.names = names

    def visit_Name(self, node):
        if node.id in self.names:
            return ast.copy_location(ast.Name(self.names[node.id], node.ctx), node)
        return node


class _Lowering(ast.NodeTransformer):
    """Hoists comprehensions and folds out of one statement's expressions."""

    def __init__(self, owner: "_Pass"):
        self.owner, self.before = owner, []

    def visit_ListComp(self, node):
        return _load(self.owner.comprehension(node, self.before))

    visit_GeneratorExp = visit_ListComp

    def visit_Lambda(self, node):
        return node  # (its body runs later, elsewhere)

    def visit_Call(self, node):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in _FOLDS and self.owner.is_builtin(name) and len(node.args) == 1 and not node.keywords:
            return _load(self.owner.fold(name, node, self.before))
        self.generic_visit(node)
        return node


class _Pass:
    """Step 1b over one function's statements (see the module's docstring)."""

    def __init__(self, parsed, taken: set, is_builtin):
        self.parsed, self.taken, self.is_builtin = parsed, taken, is_builtin

    def block(self, statements: list) -> list:
        out = []
        for statement in statements:
            out += self.statement(statement)
        return out

    def statement(self, node: ast.stmt) -> list:
        if isinstance(node, ast.While):
            if any(isinstance(n, (ast.ListComp, ast.GeneratorExp)) or self.is_fold(n) for n in ast.walk(node.test)):
                raise self.parsed.error(node.test, "a comprehension or a sum/max/min of many values in a while "
                                        "loop's condition", "compute it into a name before the loop and at the end "
                                        "of its body")
            node.body = self.block(node.body)
            return [node]
        lowering = _Lowering(self)
        if isinstance(node, (ast.If, ast.For)):
            head = "test" if isinstance(node, ast.If) else "iter"
            setattr(node, head, lowering.visit(getattr(node, head)))
            node.body, node.orelse = self.block(node.body), self.block(node.orelse)
        elif not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            node = lowering.visit(node)
        return lowering.before + [node]

    def is_fold(self, node) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FOLDS \
            and self.is_builtin(node.func.id) and len(node.args) == 1 and not node.keywords

    def fresh(self, base: str) -> str:
        return fresh_name(base, self.taken)

    def loops(self, node, innermost: list) -> list:
        """The comprehension's `for` and `if` clauses around `innermost`, loop names made fresh."""
        renames: dict = {}
        clauses = []
        for generator in node.generators:
            if generator.is_async:
                raise self.parsed.error(node, "an async comprehension")
            iterable = _Rename(dict(renames)).visit(generator.iter)
            for target in ast.walk(generator.target):
                if isinstance(target, ast.Name):
                    renames[target.id] = self.fresh(target.id)
            clauses.append((_Rename(renames).visit(generator.target), iterable,
                            [_Rename(renames).visit(test) for test in generator.ifs]))
        body = [_Rename(renames).visit(statement) for statement in innermost]
        for target, iterable, tests in reversed(clauses):
            for test in reversed(tests):
                body = [ast.If(test, body, [])]
            if isinstance(iterable, ast.Call):  # range(...), enumerate(...), zip(...): as they are
                body = [ast.For(target, iterable, body, [])]
                continue
            # a list, a tuple or an array (its rows): over its positions, as sum(...) reads it
            position = self.fresh("i")
            body = [ast.Assign([target], ast.Subscript(iterable, _load(position), ast.Load()))] + body
            body = [ast.For(_store(position), _call("range", _call("len", clone(iterable))), body, [])]
        return body

    def comprehension(self, node, before: list) -> str:
        """`[elt for ...]` as a loop appending to a fresh list; returns the list's name."""
        name = self.fresh("items")
        append = ast.Expr(ast.Call(ast.Attribute(_load(name), "append", ast.Load()), [node.elt], []))
        statements = _at(node, ast.Assign([_store(name)], ast.List([], ast.Load())), *self.loops(node, [append]))
        before += self.block(statements)
        return name

    def fold(self, kind: str, node: ast.Call, before: list) -> str:
        """sum(...), max(...), min(...) of one iterable, as a loop; returns the result's name."""
        total = self.fresh({"sum": "total", "max": "largest", "min": "smallest"}[kind])
        argument = node.args[0]
        if kind == "sum" and isinstance(argument, (ast.ListComp, ast.GeneratorExp)):  # add as they come
            add = ast.Assign([_store(total)], ast.BinOp(_load(total), ast.Add(), argument.elt))
            statements = _at(node, ast.Assign([_store(total)], ast.Constant(0)), *self.loops(argument, [add]))
            before += self.block(statements)
            return total
        if isinstance(argument, ast.Name):
            items = argument.id
        elif isinstance(argument, (ast.ListComp, ast.GeneratorExp)):
            items = self.comprehension(argument, before)
        else:
            items = self.fresh("items")
            before += self.block(_at(node, ast.Assign([_store(items)], argument)))
        position = self.fresh("i")
        item = ast.Subscript(_load(items), _load(position), ast.Load())
        if kind == "sum":
            start, first = ast.Constant(0), ast.Constant(0)
            step = ast.BinOp(_load(total), ast.Add(), item)
        else:
            start, first = ast.Subscript(_load(items), ast.Constant(0), ast.Load()), ast.Constant(1)
            step = _call(kind, _load(total), item)
        loop = ast.For(_store(position), _call("range", first, _call("len", _load(items))),
                       [ast.Assign([_store(total)], step)], [])
        before += self.block(_at(node, ast.Assign([_store(total)], start), loop))
        return total


def lower(normaliser, fn: ast.FunctionDef, body: list) -> list:
    """Step 1b on `fn`'s statements `body` (see the module's docstring); records the list
    variables on the normaliser (`list_variables`)."""
    parsed = normaliser.parsed
    assigned = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}

    def is_builtin(name: str) -> bool:
        return name not in assigned and name not in normaliser.namespace and hasattr(builtins, name)

    body = _Pass(parsed, normaliser.taken, is_builtin).block(body)
    normaliser.list_variables = _list_variables(parsed, fn, body)
    return body


def _list_variables(parsed, fn, body: list) -> set:
    """The names that .append/.extend/.pop change, checked to be used only as lists."""
    tree = ast.Module(body, [])
    changed = {n.func.value.id: n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr in _CHANGES and isinstance(n.func.value, ast.Name)}
    parameters = {a.arg for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
    for name, call in changed.items():
        if name in parameters:
            raise parsed.error(call, f"`{ast.unparse(call)}` changes a list passed in as an argument",
                               f"build a new list inside the function: ys = [] and ys.append(...), "
                               f"or ys = {name} + [...]")
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in changed for t in node.targets):
            name = next(t.id for t in node.targets if isinstance(t, ast.Name) and t.id in changed)
            if isinstance(node.value, ast.Name):
                raise parsed.error(node, f"`{name}` becomes another name for the list `{node.value.id}` here, and "
                                   f".{changed[name].func.attr}() changes it later",
                                   f"adsct follows a list only by its one name: change `{node.value.id}` itself")
            if not isinstance(node.value, ast.List):
                raise parsed.error(node, f"a list that .{changed[name].func.attr}() changes is bound "
                                   f"to something other than a list display here",
                                   "start it as ys = [] or ys = [a, b] (or a list comprehension)")
    readers = {id(n.args[0]) for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args
               and isinstance(n.func, (ast.Name, ast.Attribute))
               and (getattr(n.func, "id", None) in _READERS or getattr(n.func, "attr", None) in ("stack", "array", "extend"))}
    allowed = readers | {id(n.value) for n in ast.walk(tree) if isinstance(n, (ast.Attribute, ast.Subscript))} \
        | {id(n.iter) for n in ast.walk(tree) if isinstance(n, ast.For)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in changed and isinstance(node.ctx, ast.Load) \
                and id(node) not in allowed:
            raise parsed.error(node, f"the list `{node.id}` is used here as a whole (another name for it, an "
                               f"argument of a call, a returned value) while .append/.extend/.pop change it",
                               f"adsct follows such a list only by its one name: use its items ({node.id}[i]), "
                               f"or np.stack({node.id}) after the changes")
    return set(changed)


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
    temporary = normaliser.emit(op, inputs, params, node)
    target = normaliser.bind_name(name)
    normaliser.body[-1].target = target
    normaliser.taken.add(target)
    assert temporary.id != target
    _versions(normaliser).add(target)


def assign(normaliser, name: str, value: ast.expr) -> bool:
    """`ys = [a, b]` for a list variable: `ys = []` then one append per item (True if done)."""
    if name not in getattr(normaliser, "list_variables", ()) or not isinstance(value, ast.List):
        return False
    items = [normaliser.expr(item) for item in value.elts]
    _start(normaliser, name, items, value)
    return True


def _start(normaliser, name: str, items: list, node) -> None:
    from .anf import Stmt  # (anf calls these hooks)
    target = normaliser.bind_name(name)
    normaliser.body.append(Stmt(target, None, expr=ast.List([], ast.Load()), origin=normaliser.origin,
                                source=normaliser.parsed))
    _versions(normaliser).add(target)
    for item in items:
        _append(normaliser, name, item, node)


def _append(normaliser, name: str, item, node) -> None:
    """`name = list_append(name, item)`."""
    item = _leaf(normaliser, item, node)
    _rebind(normaliser, name, list_append, [normaliser.expr(_load(name)), item], {}, node)


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
    loop = ast.For(_store(position), _call("range", _call("len", other)),
                   [ast.Expr(ast.Call(ast.Attribute(_load(name), "append", ast.Load()),
                                      [ast.Subscript(other, _load(position), ast.Load())], []))], [])
    normaliser.statement(_at(call, loop)[0])
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
        op = ops.get("maximum" if target is max else "minimum")
        result = normaliser.expr(node.args[0])
        for argument in node.args[1:]:
            result = normaliser.emit(op, [result, normaliser.expr(argument)], {}, node)
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
    return None


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
        value = normaliser.expr(_load(name))
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
    item = ast.Assign([node.target], ast.Subscript(_load(node.iter.id), _load(position), ast.Load()))
    loop = ast.For(_store(position), _call("range", _call("len", _load(node.iter.id))),
                   _at(node, item) + list(node.body), [])
    return _at(node, loop)[0]
