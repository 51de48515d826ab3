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
import builtins
import functools
import inspect
import re
import types
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .. import derived, ops, tree
from ..errors import NotDifferentiableError, UnsupportedSyntaxError
from .astutil import clone, fresh_name, helper
from .callables import as_function
from .checks import check_unpack, number_for_math
from .desugar import desugar
from . import comprehensions, lists
from .inplace import IN_PLACE_HINT, in_place_change, refuse_shared_update, same_array
from .loops import lower_loop
from . import inlining, local_functions
from .local_functions import is_function_value
from .parse import Parsed, parse_function
from .scope import Namespace
from .statements import lower_expression, lower_statement, unpack
from .words import unsupported_expression, unsupported_statement
from .writes import is_item_write, lower_item_write

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow", ast.MatMult: "matmul"}
_COMPARE = {ast.Gt: "greater", ast.GtE: "greater_equal", ast.Lt: "less", ast.LtE: "less_equal",
            ast.Eq: "equal", ast.NotEq: "not_equal"}
_METHODS = {"sum": "sum", "mean": "mean", "max": "max", "min": "min", "prod": "prod", "dot": "dot",
            "reshape": "reshape", "transpose": "transpose", "clip": "clip", "squeeze": "squeeze",
            "swapaxes": "swapaxes", "ravel": "reshape", "flatten": "reshape", "var": "variance", "std": "std",
            "cumsum": "cumsum", "cumprod": "cumprod", "diagonal": "diagonal", "repeat": "repeat", "take": "take",
            "astype": "astype", "round": "round", "conj": "conj", "conjugate": "conj", "trace": "trace",
            "argmax": "argmax", "argmin": "argmin", "argsort": "argsort"}
# Methods with the NumPy function of the same name (a recipe or a constant): x.ptp() is np.ptp(x).
_METHOD_FUNCTIONS = {"ptp": np.ptp, "any": np.any, "all": np.all, "nonzero": np.nonzero}
_PARTS = {"real": "real", "imag": "imag"}  # attributes that are ops: x.real is np.real(x)
_STRUCTURE = {"shape", "ndim", "size", "dtype"}


@dataclass
class Stmt:
    """`target = op(*inputs, **params)`, or with op None a plain statement `target = expr`."""

    target: str
    op: Optional[ops.Op]
    inputs: list = field(default_factory=list)  # ast.Name or ast.Constant / plain expressions
    params: dict = field(default_factory=dict)  # name -> ast expression (static)
    expr: Optional[ast.expr] = None  # the plain expression
    origin: Optional[ast.AST] = None  # the source statement, for comments
    callee: Optional[str] = None  # a plain call's function, named for errors
    source: Optional[Parsed] = None  # the function the statement comes from (callees are inlined)
    updates: Optional[tuple] = None  # `name op= value`: (name, its old version); NumPy may update in place
    fresh: bool = False  # a.copy(), a.flatten(): an array of its own (generated code, changing none, may share it)
    effect: bool = False  # print(...), assert, raise: `expr` is the statement itself, run as written, no value


@dataclass
class If:
    """`if test: body else: orelse`; the test is a name or constant that carries no derivative."""

    test: ast.expr
    body: list
    orelse: list
    origin: Optional[ast.AST] = None
    source: Optional[Parsed] = None


@dataclass
class Loop:
    """`for target in iterable: body` (iterable set) or `while <test_body>; test: body`."""

    target: Optional[str]
    iterable: Optional[ast.expr]
    test_body: list
    test: Optional[ast.expr]
    body: list
    origin: Optional[ast.AST] = None
    source: Optional[Parsed] = None


def walk(body: list):
    """Every Stmt in a body, into branches and loops."""
    for item in body:
        if isinstance(item, Stmt):
            yield item
        elif isinstance(item, If):
            yield from walk(item.body)
            yield from walk(item.orelse)
        else:
            yield from walk(item.test_body)
            yield from walk(item.body)


def loops(body: list):
    """Every Loop in a body, into branches and loops."""
    for item in body:
        if isinstance(item, If):
            yield from loops(item.body)
            yield from loops(item.orelse)
        elif isinstance(item, Loop):
            yield item
            yield from loops(item.test_body)
            yield from loops(item.body)


def has_control_flow(body: list) -> bool:
    return any(not isinstance(item, Stmt) for item in body)


def assigned_in_control_flow(body: list) -> set:
    """Names assigned inside branches and loops (they keep one name; reverse mode saves them)."""
    names = set()
    for item in body:
        if isinstance(item, If):
            names |= {s.target for s in walk(item.body) if not s.effect} | {s.target for s in walk(item.orelse)
                                                                             if not s.effect}
        elif isinstance(item, Loop):
            names |= {s.target for s in walk(item.body) if not s.effect} | ({item.target} if item.target else set())
    return names


@dataclass
class Program:
    """A function in three-address form."""

    name: str
    args: list  # the generated function's parameters: one per array leaf of the arguments
    body: list  # Stmt, in order
    result: ast.expr  # a Name or a constant
    parsed: Parsed
    namespace: dict  # globals and closure of the function
    groups: list = field(default_factory=list)  # for each original argument, its parameters in `args`
    namespaces: list = field(default_factory=list)  # of the function and every inlined callee (scope.Namespace)
    callees: list = field(default_factory=list)  # the functions inlined into it


class Structured:
    """A tuple, list or dict argument (a pytree): its leaves are parameters of their own,
    and constant subscripts and unpacking select them at transformation time."""

    def __init__(self, value):
        self.value = value  # nested tuples/lists/dicts with ast.Name leaves

    def select(self, key):
        try:
            part = self.value[key]
        except (KeyError, IndexError, TypeError):
            return None
        return part if isinstance(part, ast.Name) else Structured(part)

    def items(self) -> list:
        values = self.value.values() if isinstance(self.value, dict) else self.value
        return [v if isinstance(v, ast.Name) else Structured(v) for v in values]


class Normaliser:
    """Normalises one function; a called user function is inlined by a child normaliser that
    shares the statement list and the names taken, and prefixes its locals with its name."""

    structured, statement_class = Structured, Stmt  # (for the passes given a normaliser: inlining.py)

    def __init__(self, parsed: Parsed, namespace: dict, parent: "Normaliser | None" = None, prefix: str = "",
                 structures=None, n_args=None):
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
        if parent is None:
            self.temps = 0
            self.injected: dict = {}  # callee globals given to the generated code, by name
            self.inlining: list = []  # the functions being inlined (to refuse recursion)
            self.callees: list = []  # every function inlined
            self.namespaces: list = []  # every namespace looked into, for the staleness check
            self.plain_names: set = set()  # names of values that carry no derivative (shapes, strings, ...)
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
        self.refuse_in_place(node.value if isinstance(node, ast.Expr) else node)
        raise unsupported_statement(self.parsed, node)

    def effect(self, statement: ast.stmt) -> None:
        """A statement run for its effect alone (print, assert, raise): kept as written."""
        self.body.append(Stmt(self.fresh(), None, expr=statement, origin=self.origin, source=self.parsed, effect=True))

    def another_name(self, name: str, part, node: ast.stmt) -> None:
        """`name` now names `part`, a leaf (ast.Name) or a pytree of a tuple, list or dict.  Inside
        a branch or loop which value it names depends on the path taken, so a leaf is copied
        into the name's one version there (and a pytree refused, as in `assign`)."""
        if not self.depth:
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
            if self.depth:  # which one it names would depend on the path taken: not known here
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

    # -- expressions --------------------------------------------------------------------------
    def expr(self, node: ast.expr, top: bool = False) -> ast.expr:
        """Normalise an expression; returns a Name (or a constant / plain expression)."""
        if isinstance(node, ast.Constant):
            return node
        if isinstance(node, ast.Name):
            if node.id in self.versions:
                version = self.versions[node.id]
                return version if isinstance(version, (Structured,) + local_functions.FUNCTION_VALUES) \
                    else ast.Name(version, ast.Load())
            return self.outside(node)  # a global or closure value: a constant here
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.emit(ops.get(_BINARY[type(node.op)]), [self.expr(node.left), self.expr(node.right)], {}, node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
            quotient = self.emit(ops.get("div"), [self.expr(node.left), self.expr(node.right)], {}, node)
            return self.emit(ops.get("floor"), [quotient], {}, node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):  # x % y = x - y * floor(x / y)
            left, right = self.expr(node.left), self.expr(node.right)
            quotient = self.emit(ops.get("floor"), [self.emit(ops.get("div"), [left, right], {}, node)], {}, node)
            return self.emit(ops.get("sub"), [left, self.emit(ops.get("mul"), [right, quotient], {}, node)], {}, node)
        if isinstance(node, (ast.Tuple, ast.List, ast.Dict)):
            return self.structure(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):  # a truth value: no derivative
            return self.plain(ast.UnaryOp(ast.Not(), self.expr(node.operand)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self.emit(ops.get("neg"), [self.expr(node.operand)], {}, node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self.expr(node.operand)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            op = ops.get(_COMPARE[type(node.ops[0])])
            return self.emit(op, [self.expr(node.left), self.expr(node.comparators[0])], {}, node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Subscript):
            value = self.expr(node.value)
            if isinstance(value, ast.Name) and value.id in self.root.plain_names:  # x.shape[0]: a plain int
                return self.plain(ast.Subscript(value, self.static(_index_expr(node.slice)), ast.Load()))
            listed = lists.subscript(self, value, node)  # ys[i] of a list, params[i] (lists.py)
            if listed is not None:
                return listed
            if isinstance(value, Structured):
                key = node.slice
                part = value.select(key.value) if isinstance(key, ast.Constant) else None
                if part is None:
                    raise self.parsed.error(node, "a pytree argument is indexed here with something other than "
                                            "one of its constant keys", "use constant keys: p['w'], params[0]")
                return part
            return self.emit(ops.get("getitem"), [value], {"index": self.static(_index_expr(node.slice))}, node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Lambda):
            return local_functions.from_lambda(self, node)
        if isinstance(node, ast.BoolOp):  # a and b is `b if a else a`; a or b is `a if a else b`
            left, rest = self.expr(node.values[0]), node.values[1:]  # the left side is evaluated once
            right = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
            if isinstance(node.op, ast.And):
                return self.expr(ast.IfExp(left, right, left))
            return self.expr(ast.IfExp(left, left, right))
        if isinstance(node, ast.IfExp):  # a if test else b: a branch that assigns a temporary
            test = self.expr(node.test)
            target = self.fresh()
            branches = [self.value_block(value, target) for value in (node.body, node.orelse)]
            self.body.append(If(test, branches[0], branches[1], self.origin, self.parsed))
            return ast.Name(target, ast.Load())
        if isinstance(node, (ast.Tuple, ast.List)) and not self.mentions_locals(node):
            return self.outside(node)  # a constant tuple (axes, shapes)
        lowered = lower_expression(self, node)  # statements.py: chained comparisons, f-strings, ...
        if lowered is not None:
            return lowered
        raise unsupported_expression(self.parsed, node)

    def structure(self, node: ast.expr) -> Structured:
        """A tuple, list or dict literal: a pytree whose leaves are names (for tuple outputs)."""
        def leaf(element):
            value = self.expr(element)
            if isinstance(value, Structured):
                return value.value
            return value if isinstance(value, ast.Name) else self.plain(value)
        if isinstance(node, ast.Dict):
            if not all(isinstance(k, ast.Constant) for k in node.keys):
                raise self.parsed.error(node, "dict keys must be constants here", "write {'w': w, 'b': b}")
            return Structured({k.value: leaf(v) for k, v in zip(node.keys, node.values)})
        if any(isinstance(e, ast.Starred) for e in node.elts):
            raise self.parsed.error(node, "*unpacking in a tuple or list is not supported")
        items = [leaf(e) for e in node.elts]
        return Structured(tuple(items) if isinstance(node, ast.Tuple) else items)

    def static(self, node: ast.expr) -> ast.expr:
        """A static parameter: normalised, and later checked to be inactive."""
        if isinstance(node, (ast.Tuple, ast.List)):
            return type(node)([self.static(e) for e in node.elts], ast.Load())
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "slice":
            return node
        return self.expr(node)

    def mentions_locals(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.versions for n in ast.walk(node))

    def emit(self, op, inputs, params, node) -> ast.Name:
        for value in list(inputs) + list(params.values()):
            if is_function_value(value):
                local_functions.refuse_as_value(self, value, node)
        if any(isinstance(x, Structured) for x in list(inputs) + list(params.values())):
            raise self.parsed.error(node, f"a tuple, list or dict value is passed to {op.name}, which needs arrays",
                                    "select its arrays first: p['w'], params[0], or W, b = params")
        target = self.fresh()
        self.body.append(Stmt(target, op, inputs, params, origin=self.origin, source=self.parsed))
        return ast.Name(target, ast.Load())

    def plain(self, expr: ast.expr) -> ast.Name:
        if is_function_value(expr):
            local_functions.refuse_as_value(self, expr, self.origin)
        target = self.fresh()
        self.body.append(Stmt(target, None, expr=expr, origin=self.origin, source=self.parsed))
        if not isinstance(expr, ast.Name):  # (a copy carries the derivative of what it copies)
            self.root.plain_names.add(target)
        return ast.Name(target, ast.Load())

    def attribute(self, node: ast.Attribute) -> ast.expr:
        if self.mentions_locals(node.value):
            value = self.expr(node.value)
            if node.attr == "T":
                return self.emit(ops.get("transpose"), [value], {}, node)
            if node.attr in _PARTS:
                return self.emit(ops.get(_PARTS[node.attr]), [value], {}, node)
            if node.attr in _STRUCTURE:
                return self.plain(ast.Attribute(value, node.attr, ast.Load()))
            if isinstance(value, Structured) and node.attr in getattr(value.value, "_fields", ()):
                part = getattr(value.value, node.attr)  # a named result: np.linalg.eigh(a).eigenvalues
                return part if isinstance(part, ast.Name) else Structured(part)
            raise self.parsed.error(node, f"attribute .{node.attr} of a value is not supported",
                                    "supported: .T, .real, .imag, .shape, .ndim, .size, .dtype")
        return self.outside(node)  # a module attribute such as np.pi: a constant

    def outside(self, node: ast.expr) -> ast.expr:
        """An expression of values from outside the function.  The generated code runs in the
        outermost function's namespace, so an inlined callee's globals are passed into it."""
        if self.root is self:
            for name in ast.walk(node):
                if isinstance(name, ast.Name) and name.id not in self.versions:
                    _ = name.id in self.namespace  # recorded: the generated code reads it (scope.py)
            return node
        node = clone(node)
        for name in ast.walk(node):
            if isinstance(name, ast.Name) and name.id not in self.versions and name.id in self.namespace:
                name.id = self.root.inject(name.id, self.namespace[name.id])
        return node

    def inject(self, name: str, value) -> str:
        """A name under which `value` is in the generated code's namespace."""
        candidate, k = name, 1
        while (candidate in self.namespace and self.namespace[candidate] is not value) or \
                (candidate in self.injected and self.injected[candidate] is not value):
            candidate, k = f"{name}_{k}", k + 1
        self.injected[candidate] = value
        return candidate

    def refuse_in_place(self, node: ast.AST) -> None:
        """Raise for `a[i] = v`, `a.sort()`, `np.copyto(a, b)`, `out=`: NumPy changes an array in place."""
        function = None
        if isinstance(node, ast.Call) and not self.is_method_call(node.func):
            function = self.resolve(node.func)
        change = in_place_change(node, function)
        if change is not None:
            raise self.parsed.error(node, change, IN_PLACE_HINT)

    def copy_of(self, node: ast.Call) -> "ast.Name | None":
        """`a.copy()` and `np.copy(a)` as a copy statement marked fresh (None for other calls)."""
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "copy" and self.mentions_locals(func.value):
            value = func.value if not node.args and not node.keywords else None
        elif self.is_method_call(func):
            value = None
        elif not self.mentions_locals(func) and len(node.args) == 1 and not node.keywords:
            value = node.args[0] if self.resolve(func) is np.copy else None
        else:
            value = None
        value = None if value is None else self.expr(value)
        if value is None or isinstance(value, Structured):
            return None
        target = self.fresh()
        self.body.append(Stmt(target, None, expr=value, origin=self.origin, source=self.parsed, fresh=True))
        return ast.Name(target, ast.Load())

    def is_method_call(self, func: ast.expr) -> bool:
        """Whether `func` is a method of a value (x.sum, (x * 2).reshape, np.arange(6.0).reshape), not a
        function reached through modules and globals (np.sum, np.linalg.norm)."""
        return isinstance(func, ast.Attribute) and (self.mentions_locals(func.value) or _dotted(func.value) is None)

    def call(self, node: ast.Call) -> ast.expr:
        function = local_functions.called_function(self, node.func)
        if function is not None:  # a local def or lambda, a partial, a function passed in: inlined
            return self.inline(function, node)
        if _dotted(node.func) is None and not self.mentions_locals(node):
            return self.outside(node)  # np.arange(6.0).reshape(3, 2): a constant expression
        self.refuse_in_place(node)
        copy = self.copy_of(node)
        if copy is not None:
            return copy
        func = node.func
        method = self.is_method_call(func)
        listed = lists.call(self, node, None if method else self.resolve(func))  # ys.pop(), max(a, b) (lists.py)
        if listed is not None:
            return listed
        if method and func.attr in _METHOD_FUNCTIONS:  # x.ptp(): np.ptp(x)
            function = ast.Name(self.root.inject(func.attr, _METHOD_FUNCTIONS[func.attr]), ast.Load())
            return self.call(ast.copy_location(ast.Call(function, [func.value] + list(node.args), node.keywords), node))
        if method:  # a method: x.sum(axis=1), (x * 2).reshape(-1)
            if func.attr not in _METHODS:
                raise self.parsed.error(node, f"method .{func.attr}() is not supported",
                                        f"supported methods: {', '.join(sorted({*_METHODS, *_METHOD_FUNCTIONS, 'copy'}))}")
            op = ops.get(_METHODS[func.attr])
            args = [func.value] + list(node.args)
            if func.attr in ("ravel", "flatten"):
                args = [func.value, ast.Tuple([ast.Constant(-1)], ast.Load())]
            elif func.attr in ("reshape", "transpose") and len(node.args) > 1:
                args = [func.value, ast.Tuple(list(node.args), ast.Load())]
            result = self.apply(op, args, node.keywords, node)
            self.body[-1].fresh = func.attr == "flatten"  # (NumPy copies, where reshape may make a view)
            return result
        target = self.resolve(func)
        if target is dict and not node.args and all(k.arg for k in node.keywords) and self.mentions_locals(node):  # dict(w=W, b=b): a pytree
            return self.structure(ast.Dict([ast.Constant(k.arg) for k in node.keywords],
                                           [k.value for k in node.keywords]))
        op = target if isinstance(target, ops.Op) else ops.lookup(target)
        if isinstance(op, ops.Multi):
            return self.apply_multi(op, list(node.args), node.keywords, node)
        partial = local_functions.partial_of(self, node, target, _inlinable) if op is None else None
        if partial is not None:  # g = functools.partial(h, k=2.0): calls of g are inlined
            return partial
        if op is None and (isinstance(target, functools.partial) or _is_callable_object(target)):
            target = as_function(target)  # what calling it does: a function to inline
        if op is None and target in ops.recipes.RECIPES:
            return self.recipe(target, node)
        if op is None and ops.compose.composite(target) is not None:
            return self.composite(target, node)
        if op is None and _inlinable(target):
            return self.inline(target, node)
        if op is None and getattr(target, "__ad_derivative__", None) is not None:
            from .transforms import _stand_in  # (transforms imports this module)
            stand_in = _stand_in(target, len(node.args))
            if stand_in is not None:  # adsct's grad(h): the generated code it runs, inlined like h would be
                return self.inline(stand_in, node)
            raise self.parsed.error(node, "a derivative adsct cannot write as code (only adsct.grad of functions "
                                    "without loops or branches) is called inside a function being transformed",
                                    "transform it directly instead: adsct.grad(adsct.grad(f)), adsct.hessian(f)")
        if op is None:
            if any(self.mentions_locals(a) for a in list(node.args) + [k.value for k in node.keywords]):
                # Known values only here; whether they are differentiated is decided later.
                args = [self.expr(a) for a in node.args]
                keywords = [ast.keyword(k.arg, self.expr(k.value)) for k in node.keywords]
                for value in args + [k.value for k in keywords]:
                    if is_function_value(value):
                        local_functions.refuse_as_value(self, value, node)
                args = [_literal(a) for a in args]  # a pytree goes in as the tuple/list/dict it is
                keywords = [ast.keyword(k.arg, _literal(k.value)) for k in keywords]
                stmt_expr = ast.Call(self.outside(func), args, keywords)  # (an inlined callee's global: passed in)
                name = self.plain(stmt_expr)
                if not any(target is s for s in _STRUCTURAL):  # (a shape query has no derivative to lose)
                    self.body[-1].callee = _describe(target, func)
                return name
            return self.outside(node)  # no local value involved: a constant expression
        result = self.apply(op, list(node.args), node.keywords, node)
        if getattr(target, "__module__", None) == "math":  # math.sin(x) takes a number, not an array
            self.plain(ast.Call(helper(NUMBER_FOR_MATH), [result, ast.Constant(_describe(target, func))],
                                []))
        return result

    def composite(self, target, node: ast.Call):
        """np.split and friends as getitems (a list of pieces), np.select as nested wheres."""
        try:
            bound = inspect.signature(ops.compose.composite(target)).bind(*node.args, **{k.arg: k.value for k in node.keywords})
        except TypeError as error:
            raise self.parsed.error(node, f"{_describe(target, node.func)}: {error}") from None
        bound.apply_defaults()
        if target is np.select:
            conditions, choices = bound.arguments["condlist"], bound.arguments["choicelist"]
            if not (isinstance(conditions, (ast.List, ast.Tuple)) and isinstance(choices, (ast.List, ast.Tuple))):
                raise self.parsed.error(node, "np.select needs literal lists of conditions and choices here")
            default = bound.arguments["default"]
            result = default if isinstance(default, ast.AST) else ast.Constant(default)
            for condition, choice in reversed(list(zip(conditions.elts, choices.elts))):
                result = self.emit(ops.get("where"), [self.expr(condition), self.expr(choice), self.expr(result)], {}, node)
            return result
        sections, axis = bound.arguments["indices_or_sections"], bound.arguments["axis"]
        try:  # the number of pieces must be known now: a number or a list of positions written out
            count = ops.compose.split_count(ast.literal_eval(sections))
        except ValueError:
            raise self.parsed.error(node, f"{_describe(target, node.func)}: write the sections as a number or a list of "
                                    f"numbers here, so that the number of pieces is known") from None
        x = self.expr(bound.arguments["ary"])
        shape = self.plain(ast.Call(ast.Name(self.root.inject("shape_of", ops.shape_of), ast.Load()), [x], []))
        split_slot, fn = self.root.inject("split_slot", ops.compose.split_slot), self.root.inject("split_function", target)
        pieces = []
        for k in range(count):
            index = self.plain(ast.Call(ast.Name(split_slot, ast.Load()), [
                shape, ast.Name(fn, ast.Load()), self.static(sections),
                self.static(axis) if isinstance(axis, ast.AST) else ast.Constant(axis), ast.Constant(k)], []))
            pieces.append(self.emit(ops.get("getitem"), [x], {"index": index}, node))
        return Structured(pieces)

    def recipe(self, target, node: ast.Call) -> ast.expr:
        """np.ptp, np.cov, ...: the recipe's source inlined like a helper of the user's
        (ops/recipes.py); where adsct cannot read the recipe, the error names the user's call."""
        try:
            return self.inline(ops.recipes.RECIPES[target], node)
        except UnsupportedSyntaxError as error:
            if error.filename != ops.recipes.__file__:
                raise
            raise self.parsed.error(node, f"{_describe(target, node.func)} cannot be written as adsct code with "
                                    f"these arguments ({error.msg})", "use ad.adoo for this function") from None

    def inline(self, callee, node: ast.Call) -> ast.expr:
        """A call to a user function: its body, normalised in place (with its own names); see inlining.py."""
        return inlining.inline(self, callee, node)

    def apply(self, op, args, keywords, node) -> ast.expr:
        if any(isinstance(a, ast.Starred) for a in args) or any(k.arg is None for k in keywords):
            raise self.parsed.error(node, "a call with *-unpacking or **-unpacking of its arguments (f(*xs), f(**options))",
                                    "pass the arguments one by one")
        if op.nin is None:  # concatenate([a, b], axis=...): the list holds the inputs
            if args and getattr(op, "subscripts_first", False) and not isinstance(args[0], (ast.List, ast.Tuple)):
                args = [ast.List(list(args[1:]), ast.Load()), args[0]]  # einsum("ij,j", a, b): arrays after
            if not args or not isinstance(args[0], (ast.List, ast.Tuple)):
                raise self.parsed.error(node, f"{op.name} needs a literal list of arrays here")
            args = [tuple(args[0].elts)] + list(args[1:])
        try:
            inputs, params = op.bind(tuple(args), {k.arg: k.value for k in keywords})
        except TypeError as error:
            raise self.parsed.error(node, str(error)) from None
        # a list of constants is a constant array input (np.append(x, [1.0, 2.0])), not a pytree
        inputs = [self.outside(a) if isinstance(a, (ast.List, ast.Tuple)) and not self.mentions_locals(a) else self.expr(a)
                  for a in inputs]
        params = {k: self.static(v) for k, v in params.items()}
        return self.emit(op, inputs, params, node)

    def apply_multi(self, multi, args, keywords, node):
        """A function with several outputs (np.linalg.svd): one statement per output it returns."""
        try:
            _, params = multi.parts[0].bind(tuple(args), {k.arg: k.value for k in keywords})
            chosen = multi.selected({k: ast.literal_eval(v) for k, v in params.items()})
        except (TypeError, ValueError) as error:
            raise self.parsed.error(node, f"{multi.name}: {error}; its parameters must be literal constants here "
                                    f"(they decide which outputs it returns)") from None
        if isinstance(chosen, ops.Op):
            return self.apply(chosen, args, keywords, node)
        if any(isinstance(a, ast.Starred) for a in args) or any(k.arg is None for k in keywords):
            raise self.parsed.error(node, "a call with *-unpacking or **-unpacking of its arguments (f(*xs), f(**options))",
                                    "pass the arguments one by one")
        inputs, params = chosen[0].bind(tuple(args), {k.arg: k.value for k in keywords})
        inputs = [self.expr(a) for a in inputs]  # once, for all the outputs
        params = {k: self.static(v) for k, v in params.items()}
        return Structured(multi.result(*(self.emit(part, [clone(x) for x in inputs], {k: clone(v) for k, v in params.items()},
                                                   node) for part in chosen)))  # (NumPy's named tuple)

    def resolve(self, func: ast.expr):
        """The object a call's function expression names, from globals, closure and builtins."""
        if isinstance(func, ast.Name):
            if func.id in self.namespace:
                return self.namespace[func.id]
            if hasattr(builtins, func.id):
                return getattr(builtins, func.id)
            raise self.parsed.error(func, f"name {func.id!r} is not defined")
        if isinstance(func, ast.Attribute):
            owner = self.resolve(func.value)
            try:
                target = getattr(owner, func.attr)
            except AttributeError:
                raise self.parsed.error(func, f"{_describe(owner, func.value)} has no attribute {func.attr!r}") from None
            path = _dotted(func)
            if path is not None and dict.__contains__(self.namespace, path[0]):
                self.namespace.note_attribute(path, target)  # np.sin, mylib.helper: re-checked later
            return target
        raise self.parsed.error(func, f"calling {ast.unparse(func)}, which is not a function adsct can name here",
                                "call a function by its name (a global or local def, a lambda or functools.partial "
                                "assigned to a name), or a method of a value (x.sum(), np.ones(3).dot(x))")


class PytreeOutputError(UnsupportedSyntaxError):
    """The function returns a tuple, list or dict: vjp, jvp and jacobian differentiate it
    through wrappers instead (see transforms.py); grad refuses it."""

_NOT_INLINED = ("numpy", "scipy", "math", "ad.")
# Generated code checks that a math function's value is one number, as math itself would (see emit.py).
NUMBER_FOR_MATH = "number_for_math"
# Calls that only look at structure (how many, what shape), never at values: differentiated
# values may reach them, and their results are constants.
_STRUCTURAL = tuple(ops.constant.NO_DERIVATIVE) + (len, isinstance, type, ops.shape_of, ops.ndim_of,
               derived.zeros_like,  # (a zero of x's shape: generated code's zero derivatives)
               refuse_shared_update, same_array,  # (generated code's checks of in-place updates: inplace.py)
               number_for_math, check_unpack)  # (generated code's checks: a math function's value, unpacking)
_INLINED_FROM_AD = ("ad.nn.", "ad.examples", "ad.bench.")  # our own user-level code, written in the subset


_LEAF = tree.flatten(0.0)[1]


def _paths(treedef) -> list:
    """The access paths of a structure's leaves, in flatten order ("['w']", "[0]", ...)."""
    return tree.leaf_paths(tree.unflatten(treedef, [0.0] * treedef.num_leaves))


def _renameable(stmt: Stmt) -> bool:
    """An op's result or a plain value (x.shape) that an assignment can name directly."""
    return stmt.op is not None or not (stmt.effect or stmt.fresh or isinstance(stmt.expr, ast.Name))


def _is_callable_object(target) -> bool:
    """An instance of a user's class with a __call__ method (a class-based decorator, a model)."""
    return isinstance(getattr(type(target), "__call__", None), types.FunctionType) \
        and not isinstance(target, (types.FunctionType, type))


def _inlinable(target) -> bool:
    """A user's Python function or method bound to an object (library functions are not opened up)."""
    if isinstance(target, types.MethodType):
        target = target.__func__
    module = getattr(target, "__module__", "") or ""
    return isinstance(target, types.FunctionType) and (
        not module.startswith(_NOT_INLINED) or module.startswith(_INLINED_FROM_AD))




def _describe(target, func) -> str:
    module = getattr(target, "__module__", None)
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    if module and name:
        return f"{module}.{name}"
    return ast.unparse(func)


def _index_expr(node: ast.expr) -> ast.expr:
    """Subscript syntax as an expression: a[1:2, ::-1] -> (slice(1, 2, None), slice(None, None, -1))."""
    if isinstance(node, ast.Slice):
        parts = [p if p is not None else ast.Constant(None) for p in (node.lower, node.upper, node.step)]
        return ast.Call(ast.Name("slice", ast.Load()), parts, [])
    if isinstance(node, ast.Tuple):
        return ast.Tuple([_index_expr(e) for e in node.elts], ast.Load())
    return node


def _literal(value):
    """A Structured value as the tuple/list/dict expression of its leaves' names."""
    if isinstance(value, Structured):
        value = value.value
    if isinstance(value, tuple):
        return ast.Tuple([_literal(v) for v in value], ast.Load())
    if isinstance(value, list):
        return ast.List([_literal(v) for v in value], ast.Load())
    if isinstance(value, dict):
        return ast.Dict([ast.Constant(k) for k in value], [_literal(v) for v in value.values()])
    return value


def _dotted(node: ast.expr) -> "tuple | None":
    """("np", "linalg", "norm") for np.linalg.norm; None for anything but names and attributes."""
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else head + (node.attr,)
    return None


def normalise(parsed: Parsed, f, structures=None, n_args=None) -> Program:
    """Three-address form of the parsed function (user functions it calls are inlined);
    `structures` gives each argument's tree structure when some are tuples, lists or dicts,
    `n_args` how many arguments f is called with (parameters left out take their defaults)."""
    normaliser = Normaliser(parsed, Namespace(f), structures=structures, n_args=n_args)
    program = normaliser.run()
    program.namespace = {**program.namespace, **normaliser.injected}
    return program


def check_activity(program: Program, active_args) -> set:
    """The names that carry derivatives when `active_args` are differentiated: those that
    depend on them (varied) and that the result depends on (useful), so no derivative is
    computed for a value that only feeds a comparison or nothing at all.

    Raises NotDifferentiableError where a varied name reaches a call without a rule, and
    UnsupportedSyntaxError where it reaches a static parameter (an axis, an index, a shape).
    """
    varied = set(active_args)
    before = -1
    while len(varied) != before:  # loops carry activity backwards: repeat until nothing changes
        before = len(varied)
        _propagate(program, varied)
    for loop in loops(program.body):
        if isinstance(loop.iterable, ast.Name) and loop.iterable.id in varied:
            raise (loop.source or program.parsed).error(
                loop.origin, "a loop over the items of a differentiated array",
                f"loop over the positions instead: for i in range(len({loop.iterable.id})): "
                f"... {loop.iterable.id}[i] ...")
    useful = {program.result.id} if isinstance(program.result, ast.Name) else set()
    before = -1
    statements = list(walk(program.body))[::-1]  # backwards: straight-line code settles in one pass
    while len(useful) != before:
        before = len(useful)
        for stmt in statements:
            if stmt.target not in useful:
                continue
            if stmt.op is None:
                if _is_copy(stmt):
                    useful.add(stmt.expr.id)
            elif stmt.op.differentiable:
                useful.update(n.id for n in _differentiable_inputs(stmt))
    return varied & useful


def _propagate(program: Program, active: set) -> None:
    for stmt in walk(program.body):
        uses = {n.id for n in _differentiable_inputs(stmt)} if stmt.op is not None else set()
        for param in stmt.params.values():
            if {n.id for n in ast.walk(param) if isinstance(n, ast.Name)} & active:
                raise (stmt.source or program.parsed).error(stmt.origin, f"a differentiated value is used as the {stmt.op.name} "
                                           f"parameter here", "indices, axes and shapes must not depend on "
                                           "differentiated values")
        if stmt.op is None:
            mentioned = {n.id for n in ast.walk(stmt.expr) if isinstance(n, ast.Name)} & active
            callee = getattr(stmt, "callee", None)
            if mentioned and callee is not None:
                source = stmt.source or program.parsed
                line, column = source.first_line + stmt.origin.lineno - 1, stmt.origin.col_offset + 1
                raise NotDifferentiableError(f"{source.filename}:{line}:{column}: {callee} has no derivative rule; it is "
                                             f"called with a differentiated value here: {source.text_of(stmt.origin)}")
            if mentioned and _is_copy(stmt):
                active.add(stmt.target)
            continue
        if stmt.op.differentiable and uses & active:
            active.add(stmt.target)


def _is_copy(stmt: Stmt) -> bool:
    return isinstance(stmt.expr, ast.Name)


def _differentiable_inputs(stmt: Stmt) -> list:
    """The names among an op statement's inputs that have a rule: a derivative flows only
    through them (not through where's condition, or the `like` of unbroadcast, which gives only a
    shape), so no adjoint or tangent is computed that nothing could use."""
    op = stmt.op
    return [x for i, x in enumerate(stmt.inputs)
            if isinstance(x, ast.Name) and (op.vjp_rule(i) is not None or op.jvp_rule(i) is not None)]
