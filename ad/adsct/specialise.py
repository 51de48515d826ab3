"""Variants of generated code for plain inputs: Python floats, and plain NumPy arrays.

The float variant: `math` instead of NumPy, no broadcasting helpers.

On Python floats a NumPy call costs about a microsecond and `math` a few tens of
nanoseconds, so for scalar arguments the generated code is rewritten: registry ops whose
scalar form is a `math` function call it, `**` becomes `math.pow` (which refuses a negative
base with a fractional exponent instead of returning a complex number), and the
broadcasting helpers go (floats do not broadcast).  The variant is used only when every
argument is a float, and its results are checked to be floats; anything else (an array
constant in the function, a math domain error) falls back to the general code.
"""

from __future__ import annotations

import ast
import math
import types
from collections import Counter

import numpy as np

from .. import ops
from .astutil import HELPER, clone, fresh_name, helper, is_helper
from .sameshape import drop_known_unbroadcasts
from .scope import staleness_test

_DROPPED = {"unbroadcast", "broadcast_like", "cotangent_of", "number_for_math"}  # (floats: all one number)


def _math_name(op_name: str):
    op = ops.REGISTRY.get(op_name)
    fn = op.scalar[0] if op is not None and op.scalar else None
    if fn is not None and getattr(math, getattr(fn, "__name__", ""), None) is fn:
        return fn.__name__
    return None


class _ToScalar(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id.startswith(HELPER) and func.id[len(HELPER):] in _DROPPED \
                and node.args:
            return node.args[0]
        if isinstance(func, ast.Name) and func.id == HELPER + "zeros_like":
            return ast.Constant(0.0)  # (a float's zero)
        if isinstance(func, ast.Attribute) and is_helper(func.value, "ops") and not node.keywords:
            name = _math_name(func.attr)
            if name is not None:
                return ast.Call(ast.Attribute(helper("math"), name, ast.Load()), node.args, [])
        return node

    def visit_BinOp(self, node: ast.BinOp):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            return ast.Call(ast.Attribute(helper("math"), "pow", ast.Load()), [node.left, node.right], [])
        return node


def _is_copy(stmt) -> bool:
    return (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Name))


def _propagate_copies(function: ast.FunctionDef) -> None:
    """Drop `a = b` copies from straight-line code, reading `b` where `a` was read.

    With the broadcasting helpers gone, the reverse sweep of float code is full of them
    (`bt3 = bt5`).  Only safe where each name keeps one value: `a` assigned once, `b` a
    parameter never assigned or a name assigned once (straight-line code assigns before use).
    """
    if any(isinstance(n, (ast.For, ast.While, ast.If, ast.With, ast.Try, ast.AugAssign, ast.FunctionDef))
           for statement in function.body for n in ast.walk(statement)):  # (nested defs: checkpointed loops)
        return
    params = {a.arg for a in function.args.args}
    body = [s for s in function.body if not (_is_copy(s) and s.targets[0].id == s.value.id)]
    assigned = Counter(n.id for n in ast.walk(ast.Module(body, [])) if isinstance(n, ast.Name)
                       and isinstance(n.ctx, ast.Store))
    renames, kept = {}, []
    for stmt in body:
        if _is_copy(stmt):
            a, b = stmt.targets[0].id, renames.get(stmt.value.id, stmt.value.id)
            if a not in params and assigned[a] == 1 and assigned[b] == (0 if b in params else 1):
                renames[a] = b
                continue
        kept.append(stmt)
    for node in ast.walk(ast.Module(kept, [])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in renames:
            node.id = renames[node.id]
    function.body = kept


def scalar_variant(function: ast.FunctionDef) -> ast.FunctionDef:
    """The function rewritten for Python-float arguments (same name with `_floats`).

    >>> from ad.adsct.astutil import HELPER as h
    >>> from ad.adsct.emit import name_helpers
    >>> tree = ast.parse(f"def f_vjp(x, b):\\n    y = {h}ops.sin(x) ** 2\\n    by = b\\n    return y, {h}unbroadcast(by, x)")
    >>> variant = scalar_variant(tree.body[0])
    >>> _ = name_helpers(variant, {}, {"math": math})
    >>> print(ast.unparse(variant))
    def f_vjp_floats(x, b):
        y = math.pow(math.sin(x), 2)
        return (y, b)
    """
    variant = _ToScalar().visit(clone(function))
    variant.name = function.name + "_floats"
    _propagate_copies(variant)
    return ast.fix_missing_locations(variant)


SCALAR_REFUSALS = (TypeError, ValueError, ZeroDivisionError, OverflowError)  # float code failing where NumPy would not


def float_entry(variant: ast.FunctionDef, namespaces, with_value: bool, single: bool, checks=()):
    """The hot path of `grad(f)` / `value_and_grad(f)` on Python floats, as one function.

    Takes the float variant of reverse-mode code, `f_vjp_floats(x1, ..., seed)`, and the
    namespaces its names were resolved in, and returns `(entry, names)`: `entry(x1, ...)`
    checks that every argument is a float and the code is current (scope.staleness_test,
    written inline: a call costs as much as the checks; `checks` are further functions that
    must answer True, such as a callee's), runs the sweeps with seed 1.0 and
    returns the gradient (with the value first if `with_value`), or None where the general
    code must answer (an argument of another type, stale code, a math domain error, a
    result that is not a float).  `names` are what the entry needs in its namespace.
    None unless the code ends in its only `return value, (grads...)`.

    >>> tree = ast.parse("def f_vjp_floats(x, b):\\n    y = x * x\\n    return y, (2.0 * x * b,)\\n")
    >>> entry, names = float_entry(tree.body[0], [], True, True)
    >>> print(ast.unparse(entry))  # doctest: +NORMALIZE_WHITESPACE
    def f_value_and_grad_floats(x):
        if type(x) is not float:
            return None
        try:
            if not True:
                return None
        except Exception:
            return None
        try:
            b = 1.0
            y = x * x
            value, g0 = (y, 2.0 * x * b)
        except refusals:
            return None
        if type(value) is float and type(g0) is float:
            return (value, g0)
        return None
    """
    return _fused_entry(variant, namespaces, with_value, single, checks, None)


def array_entry(code: ast.FunctionDef, namespaces, with_value: bool, single: bool, selected: tuple, checks=()):
    """The hot path of `grad(f)` / `value_and_grad(f)` on float64 NumPy arrays, as one function:
    `float_entry`'s shape around the plain reverse-mode code `f_vjp(x1, ..., seed)`, taking
    only float64 arrays (every argument) and answering a float value and float64 gradients of
    the `selected` arguments' shapes, else None (the general code answers, with its checks and
    error messages).

    >>> tree = ast.parse("def f_vjp(x, b):\\n    y = ops.sum(x * x)\\n    return y, (2.0 * x * b,)\\n")
    >>> entry, names = array_entry(tree.body[0], [], False, True, (0,))
    >>> print(ast.unparse(entry))  # doctest: +NORMALIZE_WHITESPACE
    def f_grad_arrays(x):
        if type(x) is not ndarray or x.dtype is not float64:
            return None
        try:
            if not True:
                return None
        except Exception:
            return None
        try:
            b = 1.0
            y = ops.sum(x * x)
            value, g0 = (y, 2.0 * x * b)
        except Exception:
            return None
        if type(value) is not float64_scalar:
            if type(value) is not ndarray or value.shape != () or value.dtype is not float64:
                return None
            value = value[()]
        if type(g0) is not ndarray or g0.dtype is not float64 or g0.shape != x.shape:
            return None
        return g0
    """
    return _fused_entry(code, namespaces, with_value, single, checks, selected)


def _checks_the_seed(statement, seed: str) -> bool:
    """Whether a statement is `seed = cotangent_of(seed, value)`."""
    return (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id == seed
            and isinstance(statement.value, ast.Call) and is_helper(statement.value.func, "cotangent_of")
            and statement.value.args and isinstance(statement.value.args[0], ast.Name) and statement.value.args[0].id == seed)


def _fused_entry(variant, namespaces, with_value, single, checks, selected):
    """float_entry (`selected` None) or array_entry."""
    arrays = selected is not None
    body = list(variant.body)
    doc = body[:1] if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else []
    sweeps, last = body[len(doc):-1], body[-1] if body else None
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Tuple) and len(last.value.elts) == 2
            and isinstance(last.value.elts[1], ast.Tuple)) or any(
            isinstance(n, ast.Return) for s in sweeps for n in ast.walk(s)):
        return None
    *leaves, seed = [a.arg for a in variant.args.args]
    taken = {n.id for n in ast.walk(variant) if isinstance(n, ast.Name)} | set(leaves) | {seed}
    prefix, k = "s_", 0
    while any(name.startswith(prefix) for name in taken):  # the test's names must not meet the code's
        k += 1
        prefix = f"s{k}_"
    test, names = staleness_test(namespaces, prefix)
    for j, check in enumerate(checks):
        names[f"{prefix}check{j}"] = check
        test += f" and {prefix}check{j}()"
    taken |= set(names)
    value = fresh_name("value", taken)
    grads = [fresh_name(f"g{k}", taken) for k in range(len(last.value.elts[1].elts))]
    result = grads[0] if single else f"({', '.join(grads)},)"
    if arrays:  # the seed 1.0 is the cotangent of any float64 scalar value, the only value answered
        sweeps = drop_known_unbroadcasts([s for s in sweeps if not _checks_the_seed(s, seed)], leaves, [seed])
        type_, ndarray, float64, float64_scalar, float_ = (
            fresh_name(name, taken) for name in ("type", "ndarray", "float64", "float64_scalar", "float"))
        names.update({type_: type, ndarray: np.ndarray, float64: np.dtype(np.float64), float64_scalar: np.float64,
                      float_: float})
        refusals = "Exception"  # (the general code raises it again, naming the user's line)
        argument_test = " or ".join(f"{type_}({x}) is not {ndarray} or {x}.dtype is not {float64}" for x in leaves)
        assigned = {n.id for s in sweeps for n in ast.walk(s) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        shapes = {}  # (a parameter the code assigns to: its shape taken first)
        for k in selected:
            x = leaves[k]
            shapes[x] = f"{x}.shape" if x not in assigned else fresh_name(f"{x}_shape", taken)
        value_out, result_test = f"{float_}({value})", ""
        value_test = (f"    if {type_}({value}) is not {float64_scalar}:\n"
                      f"        if {type_}({value}) is not {ndarray} or {value}.shape != () or {value}.dtype is not {float64}:\n"
                      f"            return None\n"
                      f"        {value} = {value}[()]\n")
        value_test += "".join(f"    if {type_}({g}) is not {ndarray} or {g}.dtype is not {float64} or "
                              f"{g}.shape != {shapes[leaves[k]]}:\n        return None\n" for g, k in zip(grads, selected))
        taking = "".join(f"    {name} = {x}.shape\n" for x, name in shapes.items() if name != f"{x}.shape")
    else:
        type_, float_, refusals = (fresh_name(name, taken) for name in ("type", "float", "refusals"))
        names.update({type_: type, float_: float, refusals: SCALAR_REFUSALS})
        argument_test = " or ".join(f"{type_}({x}) is not {float_}" for x in leaves)
        result_test = " and ".join(f"{type_}({n}) is {float_}" for n in [value] + grads)
        value_out, value_test, taking = value, "", ""
    result = f"({value_out}, {result})" if with_value else result
    shell = ast.parse(
        f"def entry({', '.join(leaves)}):\n"
        f"    if {argument_test or 'False'}:\n"
        f"        return None\n"
        f"    try:\n"
        f"        if not ({test}):\n"
        f"            return None\n"
        f"    except Exception:\n"
        f"        return None\n"
        f"{taking}"
        f"    try:\n"
        f"        {seed} = 1.0\n"
        f"        {', '.join([value] + grads)} = 0\n"
        f"    except {refusals}:\n"
        f"        return None\n"
        f"{value_test}"
        + (f"    if {result_test}:\n        return {result}\n    return None\n" if result_test else
           f"    return {result}\n")).body[0]
    trial = shell.body[2 + (taking.count("\n"))]
    trial.body[1].value = ast.Tuple([last.value.elts[0], *last.value.elts[1].elts], ast.Load())
    trial.body[1:1] = sweeps
    shell.body[:0] = doc
    kind = "value_and_grad" if with_value else "grad"
    shell.name = (variant.name[:-len("_vjp")] + f"_{kind}_arrays") if arrays else \
        variant.name.replace("_vjp_floats", f"_{kind}_floats")
    return ast.fix_missing_locations(shell), names


def _plain_ops() -> types.ModuleType:
    """`ops` for generated code whose inputs are plain NumPy arrays: each fixed-arity op is its
    NumPy implementation, called directly (no dispatch on the argument types, which costs a
    microsecond per call on the small arrays of rules).  Anything else is `ad.ops`' own.  A
    module (with PEP 562's `__getattr__`, each name looked up once), as Python reads a
    module's attributes several times faster than an object's with `__getattr__`.

    >>> PLAIN_OPS.exp is ops.get("exp").impl
    True
    """
    module = types.ModuleType("ad.adsct.plain_ops", _plain_ops.__doc__)

    def __getattr__(name):
        op = ops.REGISTRY.get(name)
        value = op.impl if op is not None and op.nin is not None else getattr(ops, name)
        setattr(module, name, value)  # looked up once
        return value

    module.__getattr__ = __getattr__
    return module


PLAIN_OPS = _plain_ops()
