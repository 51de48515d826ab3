"""The three-address form that normalisation produces and every later pass reads.

Accepts nothing (data types only).  Guarantees to the passes after normalisation: a function
is a `Program` whose body is a list of `Stmt` (one op or one plain expression each), `If` and
`Loop`; `walk` and `loops` visit them into branches and loops.  `Structured` is a tuple, list or
dict of names that normalisation selects from at transformation time.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional

from .. import ops
from ..errors import UnsupportedSyntaxError
from .parse import Parsed


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


class _Deleted:
    """What a name names after `del name`: nothing (reading it is Python's UnboundLocalError)."""

    def __repr__(self) -> str:
        return "DELETED"


DELETED = _Deleted()


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


class PytreeOutputError(UnsupportedSyntaxError):
    """The function returns a tuple, list or dict: vjp, jvp and jacobian differentiate it
    through wrappers instead (see transforms.py); grad refuses it."""



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

