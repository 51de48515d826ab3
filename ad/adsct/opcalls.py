"""How a call of a registry op is written in an exported module (for writeout.py), and the
tables of what is written in place of ad's helpers.

A call of an op whose implementation is a NumPy function calls that function; `ops.sum` and
friends are NumPy's with their parameters by keyword; an op whose implementation is a lambda of
one NumPy call is that call with the arguments in place; any other op is a call of its
implementation, written out.  Arguments that say what the callee's defaults say are left out:
`ops.sum(x, None, False)` is `np.sum(x)`.  The writer passed in (writeout._Rewriter) gives
`visit` (an argument rewritten), `reference(value, name)` and `function(fn, name)`.
"""

from __future__ import annotations

import ast
import inspect
import types

import numpy as np

from .. import derived, ops
from . import standalone
from .inplace import same_array
from .templates import describe

# ad's helpers and the plain versions written in their place.
STANDALONE = {ops.get("unbroadcast"): standalone.unbroadcast, ops.get("cotangent_of"): standalone.cotangent_of,
              ops.get("unreduce"): standalone.unreduce, ops.get("broadcast_to"): standalone.broadcast_to,
              ops.get("sum_to"): standalone.sum_to, derived.zeros_like: standalone.zeros_like,
              ops.shape_of: np.shape, ops.ndim_of: np.ndim, same_array: standalone.same_array}
STANDALONE_BY_NAME = {("broadcast_like", ops.get("unbroadcast")): standalone.broadcast_like}
# Ops that are the NumPy function of their name with their parameters passed by keyword.
NUMPY_EQUIVALENTS = {ops.get("sum"): np.sum, ops.get("max"): np.max, ops.get("min"): np.min, ops.get("mean"): np.mean}
_NUMPY_MODULES = (("np",), ("np", "linalg"), ("np", "fft"))
_MISSING = object()


class Unwritable(Exception):
    """Something generated code needs that has no standalone spelling (the message says what)."""


def numpy_path(value, *names) -> tuple | None:
    """('np', 'linalg', 'det') for np.linalg.det: where NumPy has this very object, by one of the names.

    >>> numpy_path(np.sin), numpy_path(np.linalg.det), numpy_path(len)
    (('np', 'sin'), ('np', 'linalg', 'det'), None)
    """
    candidates = [getattr(value, "__name__", None), *names]
    for path in _NUMPY_MODULES:
        where = np
        for part in path[1:]:
            where = getattr(where, part)
        for name in candidates:
            if isinstance(name, str) and name.isidentifier() and getattr(where, name, None) is value:
                return path + (name,)
    return None


def rule_call(writer, reverse: bool, node: ast.Call) -> ast.expr:
    """`vjp_rule("stack", i, g, out, *inputs, **params)`, a variadic op's rule applied through
    the registry, as a call of the rule itself summed back to its input's shape (a tangent:
    spread out to the output's)."""
    name, i = node.args[:2]
    if not (isinstance(name, ast.Constant) and isinstance(i, ast.Constant)) or any(
            isinstance(a, ast.Starred) for a in node.args):
        raise Unwritable(f"a rule applied through the registry: {ast.unparse(node)}")
    op = ops.get(name.value)
    kind = "vjp" if reverse else "jvp"
    rule = writer.function(getattr(op, kind), f"{op.name}_{kind}")
    args = [writer.visit(a) for a in node.args[1:]]
    keywords = [ast.keyword(k.arg, writer.visit(k.value)) for k in node.keywords]
    like = args[3 + i.value] if reverse else args[2]  # (after i, the incoming derivative and out)
    spread = writer.reference(ops.get("unbroadcast"), "unbroadcast" if reverse else "broadcast_like")
    return ast.Call(spread, [ast.Call(rule, args, keywords), like], [])


def op_call(writer, op, node: ast.Call, hint: str) -> ast.expr:
    """A call of a registry op: a NumPy call where the op is one, else a call of its definition."""
    args = [writer.visit(a) for a in node.args]
    keywords = [ast.keyword(k.arg, writer.visit(k.value)) for k in node.keywords]
    replacement = STANDALONE.get(op)
    if replacement is None and op in NUMPY_EQUIVALENTS:  # np.sum(x, axis=...): parameters by keyword
        nin = op.nin
        keywords = [ast.keyword(p, a) for p, a in zip(op.params, args[nin:])] + keywords
        call = ast.Call(writer.reference(NUMPY_EQUIVALENTS[op], hint), args[:nin], keywords)
        return _without_defaults(call, _defaults(op.impl))
    if replacement is None and getattr(op.impl, "__name__", "") == "<lambda>":
        inlined = _inlined(writer, op, args, keywords, hint)
        if inlined is not None:
            return inlined
    call = ast.Call(writer.reference(op, hint), args, keywords)
    return _without_defaults(call, _defaults(replacement if isinstance(replacement, types.FunctionType)
                                             else op.impl))


def _inlined(writer, op, args: list, keywords: list, hint: str):
    """An op whose implementation is a lambda of one NumPy call, as that call with the
    arguments in place (`ops.mean(x, None, False)` is `np.mean(x)`); None for any other op."""
    impl = op.impl
    try:
        node = ast.parse(describe(impl), mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Lambda) or not isinstance(node.body, ast.Call) or any(
            k.arg is None for k in keywords) or node.args.kwarg or node.args.posonlyargs:
        return None
    spec = node.args
    positional = [a.arg for a in spec.args]
    defaults = dict(zip(positional[len(positional) - len(spec.defaults):], spec.defaults))
    defaults.update({a.arg: d for a, d in zip(spec.kwonlyargs, spec.kw_defaults) if d is not None})
    nin = 1 if op.nin is None else op.nin
    inputs, extra = args[:nin], args[nin:]
    if len(inputs) < nin or len(extra) > len(op.params):
        return None
    values = dict(zip(op.params, extra))
    values.update({k.arg: k.value for k in keywords})
    if spec.vararg is not None:
        values[spec.vararg.arg] = inputs[0]
    else:
        values.update(zip(positional, inputs))
    names = positional + [a.arg for a in spec.kwonlyargs] + ([spec.vararg.arg] if spec.vararg else [])
    if not set(values) <= set(names):
        return None
    defaulted = {p for p in names if p not in values or _same_constant(values[p], defaults.get(p))}
    values = {p: values[p] if p in values else defaults.get(p) for p in names}
    if any(v is None or (p in defaulted and not _constant(v)) for p, v in values.items()):
        return None  # (a parameter without a value, or a default that is not a number or string)
    function = _callee(impl, node.body.func)
    callee_names = {n.id for n in ast.walk(node.body.func) if isinstance(n, ast.Name)}
    used = [n.id for n in ast.walk(node.body) if isinstance(n, ast.Name) and n.id not in callee_names]
    if function is None or not set(used) <= set(names) or any(
            used.count(p) > 1 and not isinstance(values[p], (ast.Name, ast.Constant)) for p in names):
        return None
    call = node.body
    signature = _defaults(function)
    call.keywords = [k for k in call.keywords if not (isinstance(k.value, ast.Name) and k.value.id in defaulted
                                                      and _unset(k.arg, values[k.value.id], signature))]
    call.args = [_Substitute(values).visit(a) for a in call.args]
    call.keywords = [ast.keyword(k.arg, _Substitute(values).visit(k.value)) for k in call.keywords]
    call.func = writer.reference(function, hint)
    return _without_defaults(call, signature)


def _callee(impl, func: ast.expr):
    """The NumPy function that `func` (a name or attribute chain in impl's scope) is, or None."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    closure = dict(zip(impl.__code__.co_freevars, (c.cell_contents for c in impl.__closure__ or ())))
    value = closure[func.id] if func.id in closure else impl.__globals__.get(func.id, _MISSING)
    for part in reversed(parts):
        value = getattr(value, part, _MISSING)
    return value if callable(value) and numpy_path(value) is not None else None


class _Substitute(ast.NodeTransformer):
    def __init__(self, values: dict):
        self.values = values

    def visit_Name(self, node):
        return self.values.get(node.id, node)


def _unset(keyword: str, value, signature: list) -> bool:
    """Whether passing `keyword=value` says what leaving it out says (NumPy's own default, or
    NumPy's "no value" marker where the lambda's default is the documented one)."""
    for name, default, _ in signature:
        if name == keyword:
            return repr(default) == "<no value>" or _is_default(value, default)
    return False


def _constant(node) -> bool:
    """Whether a syntax tree is a literal (a number, a string, a tuple of them, ...)."""
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return False
    return True


def _same_constant(a, b) -> bool:
    return isinstance(a, ast.Constant) and isinstance(b, ast.Constant) and type(a.value) is type(b.value) \
        and a.value == b.value


def _defaults(fn) -> list:
    """[(parameter, default)] of a function's signature, in order ([] where it has none to read)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [(p.name, p.default, p.kind) for p in parameters]


def _without_defaults(call: ast.Call, signature: list) -> ast.Call:
    """Leave out arguments that say what the callee's defaults say: trailing positional ones
    and keywords (x, None, False of ops.sum(x, None, False) is np.sum(x))."""
    if not signature:
        return call
    default_of = {name: default for name, default, kind in signature if default is not inspect.Parameter.empty}
    call.keywords = [k for k in call.keywords if not (k.arg in default_of and _is_default(k.value, default_of[k.arg]))]
    positional = [name for name, _, kind in signature if kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                                  inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
            kind == inspect.Parameter.VAR_POSITIONAL for _, _, kind in signature):
        return call
    while call.args and len(call.args) <= len(positional):
        name = positional[len(call.args) - 1]
        if not (name in default_of and _is_default(call.args[-1], default_of[name])):
            break
        call.args.pop()
    return call


def _is_default(node, default) -> bool:
    if not isinstance(node, ast.Constant):
        return False
    return type(node.value) is type(default) and node.value == default if default is not None else node.value is None
