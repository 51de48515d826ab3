"""Step 3b: in-place updates (`b += x`) of arrays that other names share.

Accepts a normalised Program, in which `b += x` became the rebinding `b = b + x` (a Stmt
whose `updates` is ("b", b's old version)).  Guarantees: where another name that is read
later may see the same array (or a view of it), run-time checks stand just before the
update and conditional rebindings just after it (inplace.py), or the function is refused
here; nothing else changes.

Why: the rebinding is Python's meaning for numbers, and for an array with no other name.  But
NumPy updates an array in place, so after `b = a; b += x` (or `v = a[1:]; v *= 2`) `a` has
changed too, and code that keeps reading the old `a` computes a different value.

How: a may-alias analysis over the three-address form links names that may hold the same
array or views of one: copies (`b = a`), results of ops that may return a view or their
input (ops flagged `view`: `a[1:]`, `a.T`, `a.reshape(..)`, ...), calls adsct does not know
(`np.asarray(a)`), the items of a `for` loop, the value before and after an update, and the
arguments among themselves (a caller may pass one array twice).  Whether a name holds an
array or a float is often known only at run time, and whether a reshape made a view depends
on memory layout, so the analysis only picks the sites and the names to ask about: those
read afterwards (liveness, loops included) or living outside the function (globals).  At
each site the generated code asks, for each such local name a, `same = same_array(b, a,
site, k)` just before the update, and after it `if same: a = b_1`: the very same array
(`b = a`, a loop-carried alias, one array passed as two arguments) is rebound to the
updated value, which is exactly what NumPy shows through it, and adsct's branch machinery
differentiates that like any `if`.  A name sharing only part of the memory (a view), and a
global holding the array (`refuse_shared_update`), raise the user-facing error instead:
rebinding cannot follow them.  Numbers cost one `isinstance` and are never rebound, so
`s = x; s += 1; return s * x` on floats keeps Python's meaning.  (An update of an argument,
`x += 1` with no other name for x, is rebound like the rest: f's value and derivatives are
NumPy's, but the caller's array is left as it was.)
"""

from __future__ import annotations

import ast
import builtins

import numpy as np

from .. import ops
from .ir import If, Program, Stmt, loops, walk
from .astutil import fresh_name
from .inplace import SharedUpdate, refuse_shared_update, same_array

# The registry's ops as adsct found them: an op flagged `view` may return a view of its input (the
# registry tests check the flag); ops defined later (ops.defop by a user) count as views, to be safe.
_KNOWN = frozenset(ops.REGISTRY)


def guard_in_place_updates(program: Program) -> Program:
    """Around every in-place update that other live names may see: a run-time check before
    it and, for each other local name, a rebinding after it where that name holds the very
    same array (or raise UnsupportedSyntaxError where such a name may not exist yet);
    returns `program`.

    >>> import numpy as np
    >>> from ad.adsct.anf import normalise
    >>> from ad.adsct.parse import parse_function
    >>> def f(x):
    ...     a = x * 1.0
    ...     b = a
    ...     b += x
    ...     return np.sum(a * x)
    >>> text = "def f(x):\\n    a = x * 1.0\\n    b = a\\n    b += x\\n    return np.sum(a * x)\\n"
    >>> program = guard_in_place_updates(normalise(parse_function(f, text), f))
    >>> [ast.unparse(s.expr) for s in walk(program.body) if s.target.startswith("same")]
    ['same_array(b, a, b_update_line_4, 0)']
    >>> [(s.target, ast.unparse(s.expr)) for s in walk(program.body) if s.target == "a" and s.op is None]
    [('a', 'b_1')]
    """
    sites = [stmt for stmt in walk(program.body) if stmt.updates is not None]
    if not sites:
        return program
    local = set(program.args) | {s.target for s in walk(program.body)} | _loop_targets(program.body)
    aliases = _alias_classes(program, local)
    live, bound = {}, {}
    _live(program.body, _names(program.result), live)
    _bound(program.body, set(program.args), bound)
    taken = local | {n.id for s in walk(program.body) for n in _reads(s)} | set(program.namespace)
    helpers = {}

    def helper(function) -> str:
        """The generated code's name for a check of inplace.py (not a name the user's globals take)."""
        if function not in helpers:
            name = function.__name__
            if program.namespace.get(name, function) is not function:
                name = fresh_name(name, taken)
            helpers[function] = name
            program.namespace[name] = function
        return helpers[function]

    before, after = {}, {}
    for site in sites:
        name, old = site.updates
        others = sorted(n for n in aliases.members(old) if n != site.target and (n in live[id(site)] or n not in local))
        if not others:
            continue
        record = _site_record(program, site, others)
        missing = [k for k, n in enumerate(others) if n in local and n not in bound[id(site)]]
        if missing:  # a name that may not exist yet when the update runs: cannot be checked
            raise record.error(missing[0], certain=False)
        site_name = fresh_name(f"{name}_update_line_{record.line}", taken)
        program.namespace[site_name] = record
        checks, rebinds = [], []
        for k, other in enumerate(others):
            flag = fresh_name("same", taken)
            taken.add(flag)
            if other in local:  # the very same array: rebound to the updated value, as NumPy shows it
                call = _call(helper(same_array), old, other, site_name, k)
                rebinds.append(If(ast.Name(flag, ast.Load()), [Stmt(other, None, expr=ast.Name(site.target, ast.Load()),
                                                                 origin=site.origin, source=site.source)], [],
                                  site.origin, site.source))
            else:  # a global: the function cannot rebind it
                call = _call(helper(refuse_shared_update), old, ast.Tuple([ast.Name(other, ast.Load())], ast.Load()),
                             _record_for(program, record, k, taken))
            checks.append(Stmt(flag, None, expr=call, origin=site.origin, source=site.source))
        before[id(site)], after[id(site)] = checks, rebinds
    program.body = _with_guards(program.body, before, after)
    return program


def _call(function: str, *args) -> ast.Call:
    """`function(*args)` as an AST: a str is a name, an int a constant, an AST itself."""
    def node(a):
        return a if isinstance(a, ast.AST) else ast.Name(a, ast.Load()) if isinstance(a, str) else ast.Constant(a)
    return ast.Call(ast.Name(function, ast.Load()), [node(a) for a in args], [])


def _record_for(program: Program, record: SharedUpdate, k: int, taken: set) -> str:
    """A name for `record` narrowed to its k-th other value (the one a check looks at)."""
    name = fresh_name(f"{record.updated}_update_line_{record.line}", taken)
    taken.add(name)
    program.namespace[name] = SharedUpdate(record.text, record.updated, (record.described[k],), record.filename,
                                           record.line, record.column)
    return name


class _Classes:
    """Union-find over names: which may hold the same array (or views of one)."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, name: str) -> str:
        root = name
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        self.parent[name] = root
        return root

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def members(self, name: str) -> set:
        root = self.find(name)
        return {n for n in list(self.parent) if self.find(n) == root} | {name}


def _alias_classes(program: Program, local: set) -> _Classes:
    classes = _Classes()
    args = list(program.args)
    for a, b in zip(args, args[1:]):  # one array may be passed as two arguments
        classes.union(a, b)
    for stmt in walk(program.body):
        if stmt.fresh:  # b = a.copy()
            linked = []
        elif stmt.op is None and isinstance(stmt.expr, ast.Name):  # b = a
            linked = [stmt.expr.id]
        elif stmt.op is None and _shares_nothing(stmt.expr, program.namespace):  # a.shape, np.zeros((n, k))
            linked = []
        elif stmt.op is None:  # a call adsct does not know may return its argument
            linked = [n.id for n in ast.walk(stmt.expr) if isinstance(n, ast.Name) and n.id in local]
        elif stmt.op.view or stmt.op.name not in _KNOWN:
            linked = [x.id for x in stmt.inputs if isinstance(x, ast.Name)]
        else:
            linked = []
        if stmt.updates is not None:  # after `b += x`, b is the same array as before
            linked.append(stmt.updates[1])
        for name in linked:
            classes.union(stmt.target, name)
    for loop in loops(program.body):
        if loop.target is not None:  # for row in A: each row is a view of A
            for name in _names(loop.iterable) & local:
                classes.union(loop.target, name)
    return classes


# Calls whose result never shares memory with their arguments: numbers, shapes, new arrays.
_NEW_VALUES = (len, range, isinstance, type, int, float, bool, np.shape, np.ndim, np.size,
               np.zeros, np.ones, np.empty, np.full, np.eye, np.identity, np.arange, np.linspace)


def _shares_nothing(expr: ast.expr, namespace: dict) -> bool:
    """Whether a plain expression's value certainly shares no array with the names it reads:
    a shape query (`a.shape`) or a call of a function in _NEW_VALUES (`np.zeros((n, k))`)."""
    if isinstance(expr, ast.Attribute):
        return expr.attr in ("shape", "ndim", "size", "dtype")
    if not isinstance(expr, ast.Call):
        return False
    path, func = [], expr.func
    while isinstance(func, ast.Attribute):
        path.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return False
    target = namespace.get(func.id, getattr(builtins, func.id, None))
    for attr in reversed(path):
        target = getattr(target, attr, None)
    return any(target is f for f in _NEW_VALUES)


def _reads(stmt: Stmt) -> list:
    nodes = list(stmt.inputs) + list(stmt.params.values()) + ([stmt.expr] if stmt.expr is not None else [])
    return [n for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)]


def _names(node) -> set:
    return set() if node is None else {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _live(body: list, live_out: set, record: dict) -> set:
    """The names read before being assigned, from the start of `body` on, when `live_out`
    are read after it; records what is live just after each update statement."""
    live = set(live_out)
    for item in reversed(body):
        if isinstance(item, Stmt):
            if item.updates is not None:
                record[id(item)] = set(live)
            live = (live - {item.target}) | {n.id for n in _reads(item)}
        elif isinstance(item, If):
            live = _names(item.test) | _live(item.body, live, record) | _live(item.orelse, live, record)
        else:  # a loop's head is reached from before it and from the end of its body
            head = set(live)
            while True:
                if item.iterable is not None:
                    new = live | (_live(item.body, head, record) - {item.target})
                else:
                    new = _live(item.test_body, live | _names(item.test) | _live(item.body, head, record), record)
                if new <= head:
                    break
                head |= new
            live = head | _names(item.iterable)
    return live


def _bound(body: list, bound_in: set, record: dict) -> set:
    """The names certainly assigned after `body`; records those before each update statement."""
    bound = set(bound_in)
    for item in body:
        if isinstance(item, Stmt):
            if item.updates is not None:
                record[id(item)] = set(bound)
            bound.add(item.target)
        elif isinstance(item, If):
            bound = _bound(item.body, bound, record) & _bound(item.orelse, bound, record)
        elif item.iterable is not None:  # the body may run no times
            _bound(item.body, bound | {item.target}, record)
        else:
            bound = _bound(item.test_body, bound, record)
            _bound(item.body, bound, record)
    return bound


def _loop_targets(body: list) -> set:
    return {loop.target for loop in loops(body) if loop.target is not None}


def _with_guards(body: list, before: dict, after: dict) -> list:
    """`body` with each update statement's checks just before it and its rebindings just after."""
    out = []
    for item in body:
        if isinstance(item, Stmt):
            out += before.get(id(item), [])
            out.append(item)
            out += after.get(id(item), [])
            continue
        if isinstance(item, If):
            item.body, item.orelse = _with_guards(item.body, before, after), _with_guards(item.orelse, before, after)
        else:
            item.test_body = _with_guards(item.test_body, before, after)
            item.body = _with_guards(item.body, before, after)
        out.append(item)
    return out


def _site_record(program: Program, site: Stmt, others: list) -> SharedUpdate:
    source = site.source or program.parsed
    return SharedUpdate(ast.unparse(site.origin), site.updates[0], tuple(_describe(program, n) for n in others),
                        source.filename, source.first_line + site.origin.lineno - 1, site.origin.col_offset + 1)


def _describe(program: Program, name: str) -> str:
    """How an error names the value `name` holds, in the user's words."""
    for k, group in enumerate(program.groups):
        if name in group:
            argument = program.parsed.node.args.args[k].arg
            return f"the argument `{argument}`" if group == [name] else f"an array in the argument `{argument}`"
    for stmt in walk(program.body):
        if stmt.target == name and stmt.origin is not None:
            return _described_by(stmt.origin, stmt.source or program.parsed)
    for loop in loops(program.body):
        if loop.target == name:
            return _described_by(loop.origin, loop.source or program.parsed)
    return f"the global `{name}`"


def _described_by(origin: ast.AST, source) -> str:
    line = source.first_line + origin.lineno - 1
    target = getattr(origin, "target", None) or (origin.targets[0] if isinstance(origin, ast.Assign) else None)
    if isinstance(target, ast.Name):
        return f"`{target.id}` (line {line})"
    return f"the value of `{source.text_of(origin)}` (line {line})"
