"""Step 1b: comprehensions and folds (sum/max/min of many values) become loops.

`lower(normaliser, fn, body)` runs on a function's statements before `desugar`.
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
"""

from __future__ import annotations

import ast
import builtins

from .astutil import clone, fresh_name
from .stacks import stack_variables

_CHANGES = ("append", "extend", "pop")
_READERS = {"len", "sum", "max", "min", "print"}  # builtins that only read a list variable
_FOLDS = {"sum": "sum", "max": "maximum", "min": "minimum"}


def load(name: str) -> ast.Name:
    """`name` read in generated statements.

    >>> ast.unparse(call_of("len", load("xs")))
    'len(xs)'
    """
    return ast.Name(name, ast.Load())


def store(name: str) -> ast.Name:
    return ast.Name(name, ast.Store())


def call_of(name: str, *args) -> ast.Call:
    return ast.Call(load(name), list(args), [])


def located(node: ast.AST, *statements):
    """The statements, given `node`'s source position (errors and comments point at the user's line)."""
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
        return load(self.owner.comprehension(node, self.before))

    visit_GeneratorExp = visit_ListComp

    def visit_Lambda(self, node):
        return node  # (its body runs later, elsewhere)

    def visit_Call(self, node):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in _FOLDS and self.owner.is_builtin(name) and len(node.args) == 1 and not node.keywords:
            return load(self.owner.fold(name, node, self.before))
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
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.ListComp) \
                and node.targets[0].id not in {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}:
            before = []  # ys = [... for ...]: the loop appends to ys itself (no second name for the list)
            self.comprehension(node.value, before, node.targets[0].id)
            return before
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
            body = [ast.Assign([target], ast.Subscript(iterable, load(position), ast.Load()))] + body
            body = [ast.For(store(position), call_of("range", call_of("len", clone(iterable))), body, [])]
        return body

    def comprehension(self, node, before: list, name: str = None) -> str:
        """`[elt for ...]` as a loop appending to a fresh list (or to `name`); returns the list's name."""
        name = name or self.fresh("items")
        append = ast.Expr(ast.Call(ast.Attribute(load(name), "append", ast.Load()), [node.elt], []))
        statements = located(node, ast.Assign([store(name)], ast.List([], ast.Load())), *self.loops(node, [append]))
        before += self.block(statements)
        return name

    def fold(self, kind: str, node: ast.Call, before: list) -> str:
        """sum(...), max(...), min(...) of one iterable, as a loop; returns the result's name."""
        total = self.fresh({"sum": "total", "max": "largest", "min": "smallest"}[kind])
        argument = node.args[0]
        if kind == "sum" and isinstance(argument, (ast.ListComp, ast.GeneratorExp)):  # add as they come
            add = ast.Assign([store(total)], ast.BinOp(load(total), ast.Add(), argument.elt))
            statements = located(node, ast.Assign([store(total)], ast.Constant(0)), *self.loops(argument, [add]))
            before += self.block(statements)
            return total
        if isinstance(argument, ast.Name):
            items = argument.id
        elif isinstance(argument, (ast.ListComp, ast.GeneratorExp)):
            items = self.comprehension(argument, before)
        else:
            items = self.fresh("items")
            before += self.block(located(node, ast.Assign([store(items)], argument)))
        position = self.fresh("i")
        item = ast.Subscript(load(items), load(position), ast.Load())
        if kind == "sum":
            start, first = ast.Constant(0), ast.Constant(0)
            step = ast.BinOp(load(total), ast.Add(), item)
        else:
            start, first = ast.Subscript(load(items), ast.Constant(0), ast.Load()), ast.Constant(1)
            step = call_of(kind, load(total), item)
        loop = ast.For(store(position), call_of("range", first, call_of("len", load(items))),
                       [ast.Assign([store(total)], step)], [])
        before += self.block(located(node, ast.Assign([store(total)], start), loop))
        return total


def lower(normaliser, fn: ast.FunctionDef, body: list) -> list:
    """Step 1b on `fn`'s statements `body` (see the module's docstring); records the list
    variables on the normaliser (`list_variables`)."""
    parsed = normaliser.parsed
    assigned = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}

    def is_builtin(name: str) -> bool:
        return name not in assigned and name not in normaliser.namespace and hasattr(builtins, name)

    body = _Pass(parsed, normaliser.taken, is_builtin).block(body)
    changed = _list_variables(parsed, fn, body)
    normaliser.stack_variables = stack_variables(parsed, fn, body, changed)  # (generated code's stacks)
    normaliser.list_variables = changed - normaliser.stack_variables
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
