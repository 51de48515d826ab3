"""`diff`: derivative expressions from the registry's rules.

Forward mode (the default, how derivatives are taken by hand): one sweep per variable, the
tangent of each node from its op's JVP rules, run on expressions, with the variable's tangent
1 and every other symbol's 0 (left out, as an AD tool with activity analysis leaves it out).
Reverse mode: one sweep from the output, each node's adjoint from its op's VJP rules, summed
over its users.  Both give the same derivative; their expressions share different
intermediate results, which `ad.symbolic.counting` measures.

`diff` of a function traces it with one symbol per parameter, named after the parameter.  The
expressions it returns remember those symbols, so `diff(diff(f))` differentiates again with
respect to the same arguments; a hand-built expression names its variables with `wrt=`.
"""

from __future__ import annotations

import inspect
import weakref

from .. import ops
from .expr import Const, Expr, Symbol, as_expr
from .graph import topological

__all__ = ["diff", "hessian", "trace"]

# id(expression) -> (weak reference, {tuple of the traced function's symbols}); expressions
# compare by building `equal` nodes, so a WeakKeyDictionary cannot hold them.
_VARIABLES: dict = {}


def _remember(expr: Expr, variables: tuple) -> None:
    entry = _VARIABLES.get(id(expr))
    if entry is None or entry[0]() is not expr:
        key = id(expr)
        entry = (weakref.ref(expr, lambda _, key=key, table=_VARIABLES: table.pop(key, None)), set())
        _VARIABLES[key] = entry
    entry[1].add(variables)


def _remembered(expr: Expr) -> set:
    entry = _VARIABLES.get(id(expr))
    return entry[1] if entry is not None and entry[0]() is expr else set()


def _map(structure, fn):
    if isinstance(structure, (tuple, list)):
        return tuple(_map(item, fn) for item in structure)
    return fn(structure)


def trace(f):
    """(f's value as an expression, the symbols of f's parameters): f run on symbols.

    >>> value, (x, y) = trace(lambda x, y: x * y + 1.0)
    >>> str(value)
    'x*y + 1'
    """
    parameters = list(inspect.signature(f).parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY) for p in parameters):
        raise TypeError(f"ad.symbolic traces functions with named positional parameters only; "
                        f"{getattr(f, '__name__', f)} has *args, **kwargs or keyword-only ones")
    variables = tuple(Symbol(p.name) for p in parameters)
    value = f(*variables)

    def checked(out):
        if isinstance(out, (Expr, bool, int, float)):
            return as_expr(out)
        raise TypeError(f"{getattr(f, '__name__', 'f')} returned {type(out).__name__} on symbols; ad.symbolic "
                        f"differentiates functions returning numbers (or tuples of them)")
    value = _map(value, checked)
    _map(value, lambda e: _remember(e, variables))
    return value, variables


def _targets(expr: Expr, argnums, wrt):
    if wrt is not None:
        return wrt
    known = {tuple(variables[k] for k in _indices(argnums)) if isinstance(argnums, tuple) else variables[argnums]
             for variables in _remembered(expr) if max(_indices(argnums)) < len(variables)}
    if len(known) == 1:
        return known.pop()
    why = "comes from functions with different arguments" if known else "does not come from diff of a function"
    raise TypeError(f"{expr} {why}, so argnums does not say which symbols to differentiate by: "
                    f"write diff(expr, wrt=symbol) or wrt=(symbol, ...)")


def _indices(argnums) -> tuple:
    return argnums if isinstance(argnums, tuple) else (argnums,)


def diff(f, argnums=0, *, wrt=None, mode="forward"):
    """Derivative expression(s) of f: a function, an expression, or a tuple of them.

    `argnums` selects f's arguments (an int gives one expression, a tuple a gradient tuple);
    for an expression, `wrt` gives the symbol(s) instead.  Nested: `diff(diff(f, (0, 1)), (0, 1))`
    is the Hessian as a tuple of tuples.

    >>> import numpy as np
    >>> f = lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2)
    >>> str(diff(f, argnums=1)), str(diff(diff(f, argnums=1), argnums=1))
    ('x1 - cos(x2)', 'sin(x2)')
    >>> x = Symbol("x")
    >>> str(diff(x ** 3, wrt=x))
    '3*x**2'
    """
    if mode not in ("forward", "reverse"):
        raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}")
    if callable(f) and not isinstance(f, Expr):
        f, variables = trace(f)
        for k in _indices(argnums):
            if not -len(variables) <= k < len(variables):
                raise ValueError(f"argnums {k} is out of range: the function has {len(variables)} parameter(s)")
    if isinstance(wrt, list):
        wrt = tuple(wrt)
    for symbol in (wrt if isinstance(wrt, tuple) else () if wrt is None else (wrt,)):
        if not isinstance(symbol, Symbol):
            raise TypeError(f"wrt takes symbols, got {type(symbol).__name__}")

    def one(expr):
        expr = as_expr(expr)
        if isinstance(expr, Const) and wrt is None:  # (whatever argnums names, a constant's derivative is 0)
            return tuple(Const(0.0) for _ in argnums) if isinstance(argnums, tuple) else Const(0.0)
        targets = _targets(expr, argnums, wrt)
        listed = targets if isinstance(targets, tuple) else (targets,)
        derivatives = _reverse(expr, listed) if mode == "reverse" else [_forward(expr, t) for t in listed]
        for variables in _remembered(expr):
            for d in derivatives:
                _remember(d, variables)
        return tuple(derivatives) if isinstance(targets, tuple) else derivatives[0]
    return _map(f, one)


def hessian(f, argnums=0):
    """The Hessian of f as a tuple of tuples of expressions (for a tuple `argnums`).

    >>> H = hessian(lambda x, y: x * x * y, argnums=(0, 1))
    >>> [[str(e) for e in row] for row in H]
    [['2*y', '2*x'], ['2*x', '0']]
    """
    return diff(diff(f, argnums), argnums)


def _forward(expr: Expr, variable: Symbol) -> Expr:
    """d expr / d variable by one tangent sweep; None tangents are zeros never built."""
    tangents: dict = {id(variable): Const(1.0)}
    for node in topological([expr]):
        if node.op is None or not node.op.differentiable:
            continue
        inputs = [tangents.get(id(a)) for a in node.args]
        if all(t is None for t in inputs):
            continue
        tangent = node.op.tangent(inputs, node, node.args, node.params)
        if tangent is not None:
            tangents[id(node)] = as_expr(tangent)
    return tangents.get(id(expr), Const(0.0))


def _reverse(expr: Expr, variables: tuple) -> list:
    """d expr / d each variable by one adjoint sweep from the output."""
    order = topological([expr])
    wanted = {id(v) for v in variables}
    active = set()  # nodes that depend on a variable: only they get adjoints
    for node in order:
        if id(node) in wanted or (node.op is not None and node.op.differentiable
                                  and any(id(a) in active for a in node.args)):
            active.add(id(node))
    adjoints: dict = {id(expr): Const(1.0)}
    for node in reversed(order):
        g = adjoints.get(id(node))
        if g is None or node.op is None or id(node) not in active:
            continue
        flags = [id(a) in active for a in node.args]
        for arg, c in zip(node.args, node.op.cotangents(g, node, node.args, node.params, flags)):
            if c is None:
                continue
            previous = adjoints.get(id(arg))
            adjoints[id(arg)] = as_expr(c) if previous is None else as_expr(ops.add(previous, c))
    return [adjoints.get(id(v), Const(0.0)) for v in variables]
