"""Steps 2 and 3: resolve names and normalise the body into three-address form.

Every differentiable computation becomes one `Stmt`: `target = op(inputs..., params...)`
with an op from the registry, inputs that are names or constants, and static parameters
(axis=, shapes, indices) that never depend on differentiated values.  Everything else (shape
queries, comparisons, calls that see no differentiated value) becomes a plain statement
kept as written.  Re-assigned names get numbered versions, so each value keeps its own name.

Names from outside the function are looked up in a `scope.Namespace`, which records every
lookup so the transforms can tell when generated code has gone stale.  Statements outside
the supported subset raise UnsupportedSyntaxError.
"""


from __future__ import annotations

import ast
import re

from .. import tree
from . import comprehensions, inlining, lists, local_functions, stacks
from .astutil import fresh_name
from .calls import CallLowering
from .desugar import desugar
from .expressions import ExpressionLowering
from .ir import DELETED, If, Loop, PytreeOutputError, Program, Stmt, Structured
from .local_functions import is_function_value
from .loops import lower_loop
from .parse import Parsed, registered_source
from .scope import Namespace
from .statements import lower_statement, unpack
from .words import unsupported_statement
from .writes import is_item_write, lower_item_write


class Normaliser(ExpressionLowering, CallLowering):
    """Normalises one function; a called user function is inlined by a child normaliser that
    shares the statement list and the names taken, and prefixes its locals with its name."""

    structured, statement_class = Structured, Stmt  # (for the passes given a normaliser: inlining.py)

    def __init__(self, parsed: Parsed, namespace: dict, parent: "Normaliser | None" = None, prefix: str = "",
                 structures=None, n_args=None, stand_in=None, derivative=None):
        self.parsed, self.namespace, self.prefix = parsed, namespace, prefix
        self.n_args = n_args  # how many arguments f is called with (None: its parameters without defaults)
        self.local_names: dict = {}  # an inlined callee's locals: the names they get in generated code
        self.structures = structures  # the arguments' tree structures (None: all arrays/numbers)
        self.root = self if parent is None else parent.root
        self.body: list = [] if parent is None else parent.body
        self.versions: dict = {}  # original name -> current version's name
        self.taken: set = set() if parent is None else parent.taken
        self.origin = None
        self.depth = 0 if parent is None else parent.depth  # how many branches/loops we are inside
        self.entry_depth = self.depth  # (an inlined callee's own top level may sit inside f's loop)
        if parent is None:
            self.temps = 0
            self.injected: dict = {}  # callee globals given to the generated code, by name
            self.inlining: list = []  # the functions being inlined (to refuse recursion)
            self.callees: list = []  # every function inlined
            self.namespaces: list = []  # every namespace looked into, for the staleness check
            self.plain_names: set = set()  # names of values that carry no derivative (shapes, strings, ...)
            self.stand_in = stand_in  # (function, n_args) -> a derivative function's stand-in or None
            self.derivative = derivative  # (Lifted, kind, argnums, single) -> code for nesting.py, or None
        self.root.namespaces.append(namespace)

    # -- names ---------------------------------------------------------------------------
    def fresh(self) -> str:
        root = self.root
        while True:
            root.temps += 1
            name = f"t{root.temps}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def bind_name(self, name: str) -> str:
        """A new version of `name` for an assignment: x, then x_1, x_2, ... (an inlined callee's
        local keeps its name where the caller does not use it, else gets the callee's name as
        a prefix)."""
        if name in self.versions and self.depth and isinstance(self.versions[name], str):
            return self.versions[name]  # inside a branch or loop a name keeps its one name
        if name not in self.versions and name in self.local_names:
            version = self.local_names[name]  # (reserved when the callee was inlined)
        elif name not in self.versions:
            version = fresh_name(self.prefix + name, self.taken) if self.prefix else name
        else:
            k = 1
            while f"{name}_{k}" in self.taken:
                k += 1
            version = f"{name}_{k}"
        self.versions[name] = version
        self.taken.add(version)
        return version

    # -- statements ----------------------------------------------------------------------------
    def run(self) -> Program:
        fn = self.parsed.node
        self.taken.update(a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg))
        self.taken.update(n.id for n in ast.walk(fn) if isinstance(n, ast.Name))
        names = inlining.entry_slots(self, fn, len(self.structures) if self.structures is not None else self.n_args)
        self.taken.update(names)
        params, groups, values = [], [], []
        for k, name in enumerate(names):
            treedef = None if self.structures is None else self.structures[k]
            if treedef is None or treedef == _LEAF:
                values.append(ast.Name(name, ast.Load()))
                group = [name]
            else:  # a pytree argument: one parameter per leaf, named after its path
                group = [self.leaf_name(name, path) for path in _paths(treedef)]
                values.append(Structured(tree.unflatten(treedef, [ast.Name(g, ast.Load()) for g in group])))
            params += group
            groups.append(group)
        inlining.bind_entry(self, fn, values)  # (defaults, keyword-only parameters, *args)
        result = self.function_body(fn)
        if isinstance(result, Structured):
            raise self.parsed.error(fn.body[-1], "this function returns a tuple, list or dict, not one array or "
                                    "number", "grad needs one number; vjp, jvp and jacobian take tuple, list and "
                                    "dict outputs", kind=PytreeOutputError)
        return Program(fn.name, params, self.body, result, self.parsed, self.namespace, groups, self.namespaces,
                       self.callees)

    def leaf_name(self, name: str, path: str) -> str:
        base = name + "_" + "_".join(re.findall(r"\w+", path))
        candidate, k = base, 1
        while candidate in self.taken:
            candidate, k = f"{base}_{k}", k + 1
        self.taken.add(candidate)
        return candidate

    def function_body(self, fn: ast.FunctionDef) -> ast.expr:
        """Normalise the statements of `fn`; returns the normalised returned expression."""
        body = fn.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # the docstring
        body = desugar(fn, comprehensions.lower(self, fn, body))  # comprehensions (lists.py); break, continue and early returns become flags
        if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
            raise self.parsed.error(body[-1] if body else fn, "the function must end with `return <expression>`",
                                    "end with return and the value to differentiate (returns inside if, for and "
                                    "while are fine too)")
        for statement in body[:-1]:
            self.statement(statement)
        self.origin = body[-1]
        return self.expr(body[-1].value)

    def statement(self, node: ast.stmt) -> None:
        self.origin = node
        if stacks.statement(self, node):  # S = [], S.append(v) of generated code's stacks (stacks.py)
            return
        if lower_loop(self, node) or lower_statement(self, node):  # loops.py, statements.py
            return
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                self.assign(target.id, node.value)
                return
            if isinstance(target, (ast.Tuple, ast.List)) and all(isinstance(t, ast.Name) for t in target.elts) \
                    and not isinstance(node.value, (ast.Tuple, ast.List)):
                value = self.expr(node.value)
                if not isinstance(value, Structured):  # r, c = x.shape; a, b = x (its rows)
                    unpack(self, target.elts, value, node)
                    return
                parts = value.items()
                if len(parts) != len(target.elts):
                    raise self.parsed.error(node, f"cannot unpack {len(parts)} values into {len(target.elts)} names")
                for t, part in zip(target.elts, parts):  # W1, b1 = params: names for the leaves
                    self.another_name(t.id, part, node)
                return
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) \
                    and len(target.elts) == len(node.value.elts) and all(isinstance(t, ast.Name) for t in target.elts):
                values = [self.expr(v) for v in node.value.elts]  # right-hand sides first, as Python does
                rebound = {self.versions.get(t.id) for t in target.elts} if self.depth else set()
                # (inside a loop or branch a name keeps its one name: a value read from a name this
                # statement rebinds is copied first, so `x, z = 2.0, x` gives z the old x)
                values = [self.plain(v) if isinstance(v, ast.Name) and v.id in rebound else v for v in values]
                for t, v in zip(target.elts, values):
                    self.body.append(Stmt(self.bind_name(t.id), None, expr=v, origin=node, source=self.parsed))
                return
        if is_item_write(node):  # y[i] = v: y = index_update(y, v, i), an in-place update of y (writes.py)
            lower_item_write(self, node)
            return
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            old = self.versions.get(node.target.id, node.target.id)
            self.assign(node.target.id, ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value))
            self.body[-1].updates = (node.target.id, old)  # (an array's other names see it: aliasing.py)
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # a bare string or number: a comment
        if isinstance(node, ast.FunctionDef):
            local_functions.define(self, node)  # a nested def: inlined where it is called
            return
        if isinstance(node, ast.If):
            test = self.expr(node.test)
            body, orelse = self.block(node.body), self.block(node.orelse)
            self.body.append(If(test, body, orelse, node, self.parsed))
            return
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and not node.orelse:
            node = lists.for_loop(self, node) or node  # over a list variable: over its positions
            iterable = self.expr(node.iter)
            if isinstance(iterable, Structured):  # a tuple/list of arrays: as many items as it has, unrolled
                for item in iterable.items():
                    self.another_name(node.target.id, item, node)
                    for statement in node.body:
                        self.statement(statement)
                return
            target, body = self.loop_target(node)
            self.body.append(Loop(target, iterable, [], None, body, node, self.parsed))
            return
        if isinstance(node, ast.While) and not node.orelse:
            outer, self.body = self.body, []
            self.depth += 1
            try:
                test = self.expr(node.test)
            finally:
                self.depth -= 1
            test_body, self.body = self.body, outer
            self.body.append(Loop(None, None, test_body, test, self.block(node.body), node, self.parsed))
            return
        if lists.statement(self, node):  # ys.append(v), ys.extend(zs), ys.pop()
            return
        if isinstance(node, ast.Delete) and registered_source(self.parsed.filename) is not None:
            return  # (generated code inlined here frees its values; the code written from f frees its own)
        deleted = _deleted_names(node)  # (`del (a, b)`, as astor prints a long `del a, b`, too)
        if deleted is not None and not self.depth and all(t.id in self.versions for t in deleted):
            for t in deleted:  # `del h` (to free memory): h names nothing until assigned again
                self.versions[t.id] = DELETED
            return
        self.refuse_in_place(node.value if isinstance(node, ast.Expr) else node)
        raise unsupported_statement(self.parsed, node)

    def effect(self, statement: ast.stmt) -> None:
        """A statement run for its effect alone (print, assert, raise): kept as written."""
        self.body.append(Stmt(self.fresh(), None, expr=statement, origin=self.origin, source=self.parsed, effect=True))

    def at_top_level(self) -> bool:
        """Whether the statement being normalised runs on every path through its own function.
        An inlined callee's top level does, even inside a loop of f: a pytree it names there
        is its own (its locals are renamed apart) and is gone when it returns."""
        return self.depth == self.entry_depth

    def another_name(self, name: str, part, node: ast.stmt) -> None:
        """`name` now names `part`, a leaf (ast.Name) or a pytree of a tuple, list or dict.  Inside
        a branch or loop which value it names depends on the path taken, so a leaf is copied
        into the name's one version there (and a pytree refused, as in `assign`)."""
        if not self.depth or (isinstance(part, Structured) and self.at_top_level()):
            self.versions[name] = part if isinstance(part, Structured) else part.id
        elif isinstance(part, Structured):
            raise self.parsed.error(node, "a tuple, list or dict is assigned inside a branch or loop",
                                    "build it after the branch or loop, from arrays assigned there")
        else:
            self.body.append(Stmt(self.bind_name(name), None, expr=part, origin=node, source=self.parsed))

    def loop_target(self, node: ast.For) -> tuple:
        """(the loop variable, the loop body) of `for name in ...: <body>`.  Where `name` already
        names a value (a parameter, an earlier variable), the loop iterates over a fresh name and
        its body starts with `name = <fresh name>`: an assignment like any other, so the old
        value's derivative stops there (the items of a loop carry none)."""
        name = node.target.id
        if name not in self.versions:
            self.depth += 1
            try:
                return self.bind_name(name), self.block(node.body)
            finally:
                self.depth -= 1
        item = fresh_name(f"{name}_item", self.taken)
        outer, self.body = self.body, []
        self.depth += 1
        try:
            self.body.append(Stmt(self.bind_name(name), None, expr=ast.Name(item, ast.Load()), origin=node,
                                  source=self.parsed))
            for statement in node.body:
                self.statement(statement)
            return item, self.body
        finally:
            self.depth -= 1
            self.body = outer

    def value_block(self, value: ast.expr, target: str) -> list:
        """The statements computing `value` into `target`, as a branch of their own."""
        outer, self.body = self.body, []
        self.depth += 1
        try:
            result = self.expr(value)
            if isinstance(result, Structured):  # (which tuple it is would depend on the test)
                raise self.parsed.error(value, "a conditional expression that chooses between tuples, lists or dicts",
                                        "choose each item: a, b = (x if c else y), (y if c else x)")
            self.body.append(Stmt(target, None, expr=result, origin=self.origin, source=self.parsed))
            return self.body
        finally:
            self.depth -= 1
            self.body = outer

    def block(self, statements: list) -> list:
        """Normalise the statements of a branch or loop body into a list of their own."""
        outer, self.body = self.body, []
        self.depth += 1
        try:
            for statement in statements:
                self.statement(statement)
            return self.body
        finally:
            self.depth -= 1
            self.body = outer

    def assign(self, name: str, value: ast.expr) -> None:
        if lists.assign(self, name, value):  # ys = [a, b] for a list that .append changes
            return
        result = self.expr(value, top=True)
        if is_function_value(result):  # g = lambda t: ..., g = functools.partial(h, k=2)
            local_functions.bind(self, name, result, value)
            return
        if isinstance(result, Structured):  # another name for a pytree (of an argument or a literal)
            if not self.at_top_level():  # which one it names would depend on the path taken: not known here
                raise self.parsed.error(value, "a tuple, list or dict is assigned inside a branch or loop",
                                        "build it after the branch or loop, from arrays assigned there")
            self.versions[name] = result
            return
        target = self.bind_name(name)
        last = self.body[-1] if self.body and isinstance(self.body[-1], Stmt) else None
        if last is not None and isinstance(result, ast.Name) and last.target == result.id and _renameable(last) \
                and result.id not in self.versions.values() and last.source is self.parsed:
            last.target = target  # name the op's result after the variable, not a temporary
            self.taken.add(target)
        else:
            self.body.append(Stmt(target, None, expr=result, origin=self.origin, source=self.parsed))


_LEAF = tree.flatten(0.0)[1]


def _paths(treedef) -> list:
    """The access paths of a structure's leaves, in flatten order ("['w']", "[0]", ...)."""
    return tree.leaf_paths(tree.unflatten(treedef, [0.0] * treedef.num_leaves))


def _deleted_names(node: ast.stmt):
    """The names a `del` statement deletes (None for any other statement, or a del of items)."""
    if not isinstance(node, ast.Delete):
        return None
    targets = [e for t in node.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
    return targets if all(isinstance(t, ast.Name) for t in targets) else None


def _renameable(stmt: Stmt) -> bool:
    """An op's result or a plain value (x.shape) that an assignment can name directly."""
    return stmt.op is not None or not (stmt.effect or stmt.fresh or isinstance(stmt.expr, ast.Name))



def normalise(parsed: Parsed, f, structures=None, n_args=None, stand_in=None, derivative=None) -> Program:
    """Three-address form of the parsed function (user functions it calls are inlined);
    `f` is the function, or the Namespace its names are read in; `structures` gives each
    argument's tree structure when some are tuples, lists or dicts, `n_args` how many arguments
    f is called with (parameters left out take their defaults), `stand_in(g, n_args)` the code
    a derivative function g called inside f stands for (None: none), `derivative` the code of a
    transform called inside f (see nesting.py)."""
    namespace = f if isinstance(f, Namespace) else Namespace(f)
    normaliser = Normaliser(parsed, namespace, structures=structures, n_args=n_args, stand_in=stand_in,
                            derivative=derivative)
    program = normaliser.run()
    program.namespace = {**program.namespace, **normaliser.injected}
    return program

