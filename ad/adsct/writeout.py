"""How each name generated code refers to is written in a standalone module (for export.py).

Accepts the generated function's syntax tree and the namespace its names mean something in;
guarantees the tree rewritten so that its free names refer to module-level names of a `Module`,
which holds what they refer to, written out with numpy and math only:
- a registry op whose implementation is a NumPy function is that function (`ops.sin(x)` is
  `np.sin(x)`); one that is a lambda of a NumPy call is inlined (`ops.reshape(x, s)` is
  `np.reshape(x, s)`), and `ops.sum(x, axis)` is `np.sum(x, axis=axis)`; arguments that say
  what the defaults say are left out;
- ad's helpers (`unbroadcast`, `cotangent_of`, `ops.unreduce`, ...) are replaced by the plain
  NumPy versions in standalone.py, and anything else written in Python (an op's implementation,
  the functions it calls, a rule the code applies through the registry) is written out from its
  own source, its names resolved the same way;
- NumPy and math functions, builtins, numbers, arrays and containers of them are spelled as such.
What cannot be written so (the registry itself, an object of another kind) raises `Unwritable`
naming it.  Names are given last (`Module.name`): a helper keeps its own name unless the
module uses that name for something else (then `name_1`, ...), and builtins are never shadowed.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import os
import textwrap
import types

import numpy as np

from .. import ops
from .emit import jvp_rule, vjp_rule
from .inplace import SharedUpdate
from .listops import LIST_OPS
from .opcalls import STANDALONE, STANDALONE_BY_NAME, Unwritable, numpy_path, op_call, rule_call
from .templates import describe

__all__ = ["Module", "Unwritable", "write_out"]

_MISSING = object()  # (a name that means nothing where the code runs)

SYMBOL = "__ad_export_{}__"  # a reference to a module-level name, before names are given

# -- the module: what the code refers to, and the names it gets ---------------------------------

class Module:
    """Module-level names in the order they were first needed: imports, builtins, constants
    and helper definitions, each referred to by a placeholder (SYMBOL) until names are given."""

    def __init__(self):
        self.keys: dict = {}  # key -> index
        self.entries: list = []  # [kind, preferred name, definition node or value expression]

    def symbol(self, key, kind: str, preferred: str, make=None) -> ast.Name:
        """A reference to the module-level name for `key` (made by `make()` the first time)."""
        if key not in self.keys:
            self.keys[key] = len(self.entries)
            entry = [kind, preferred, None]
            self.entries.append(entry)
            if make is not None:
                entry[2] = make()  # (after registering: a helper may refer to itself)
        return ast.Name(SYMBOL.format(self.keys[key]), ast.Load())

    def definitions(self) -> list:
        """The helpers' defs, in the order they were first needed."""
        return [node for kind, _, node in self.entries if kind == "def"]

    def name(self, top_level: list) -> dict:
        """Give every module-level name its final name, in the module's syntax trees
        (`top_level` functions and the helpers), and return placeholder -> name."""
        nodes = top_level + [node for _, _, node in self.entries if node is not None]
        used = {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}
        used |= {a.arg for node in nodes for a in ast.walk(node) if isinstance(a, ast.arg)}
        used = {name for name in used if not name.startswith("__ad_export_")} | {node.name for node in top_level}
        reserved = used | set(dir(builtins))  # (a builtin is never shadowed)
        names: dict = {}
        for k, (kind, preferred, _) in enumerate(self.entries):
            name, n = preferred, 1
            while name in (used if kind == "builtin" else reserved):
                name, n = f"{preferred}_{n}", n + 1
            reserved.add(name)
            names[SYMBOL.format(k)] = name
        for node in nodes:
            for n in ast.walk(node):
                if isinstance(n, ast.Name) and n.id in names:
                    n.id = names[n.id]
                elif isinstance(n, ast.FunctionDef) and n.name in names:
                    n.name = names[n.name]
        return names

    def preamble(self, names: dict) -> list:
        """The import lines, then a line per builtin that a variable of the code hides and per constant."""
        imports = sorted((("numpy" if preferred == "np" else preferred), names[SYMBOL.format(k)])
                         for k, (kind, preferred, _) in enumerate(self.entries) if kind == "import")
        lines = [f"import {base}" if name == base else f"import {base} as {name}" for base, name in imports]
        assignments = []
        for k, (kind, preferred, value) in enumerate(self.entries):
            name = names[SYMBOL.format(k)]
            if kind == "builtin" and name != preferred:
                assignments.append(f"{name} = {preferred}")
            elif kind == "constant":
                assignments.append(f"{name} = {ast.unparse(value)}")
        return lines + ([""] + assignments if assignments else [])


def write_out(function: ast.FunctionDef, namespace: dict, module: Module) -> None:
    """Rewrite generated code (in place) so that its free names, which mean what they mean in
    `namespace`, refer to `module`'s names; raises Unwritable naming what has no spelling."""
    _Rewriter(module, lambda name: namespace[name] if name in namespace else getattr(builtins, name, _MISSING)
              ).rewrite_function(function)


# -- resolving names ----------------------------------------------------------------------------

def _locals(function) -> set:
    """Names bound anywhere in a function (parameters, assignments, loop variables, nested defs)."""
    bound = {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not function and hasattr(node, "name"):
            bound.add(node.name)
    return bound


def _literal(value) -> bool:
    """Whether repr(value) is a Python literal for it (finite numbers, strings, tuples of them)."""
    if type(value) in (bool, int, str, type(None)):
        return True
    if type(value) in (float, complex):
        return all(math.isfinite(part) for part in (value.real, value.imag))
    return type(value) is tuple and all(_literal(v) for v in value)


def _is_data(value) -> bool:
    """Whether `value` is written as an expression of its own (numbers, arrays, containers)."""
    return isinstance(value, (bool, int, float, complex, str, type(None), list, tuple, dict, np.ndarray, np.generic,
                              np.dtype, SharedUpdate)) or value is Ellipsis


class _Rewriter(ast.NodeTransformer):
    """Replaces the free names of one function (generated code, or a helper written out) by
    references to module-level names, writing out what they refer to."""

    def __init__(self, module: Module, resolve, bound=frozenset()):
        self.module, self.resolve, self.bound = module, resolve, bound

    def rewrite_function(self, function: ast.FunctionDef) -> ast.FunctionDef:
        self.bound = _locals(function)
        function.body = [self.visit(stmt) for stmt in function.body]
        return function

    # (what a name of the code stands for: _MISSING when it is a local variable)
    def value_of(self, node):
        if isinstance(node, ast.Name) and node.id not in self.bound and not node.id.startswith("__ad_export_"):
            value = self.resolve(node.id)
            if value is _MISSING:
                raise Unwritable(f"{node.id!r}, which is not defined where the code runs")
            return value
        if isinstance(node, ast.Attribute):
            base = self.value_of(node.value)
            if base is ops or (isinstance(base, ops.Op) and node.attr == "impl"):
                return getattr(ops, node.attr, _MISSING) if base is ops else base
        return _MISSING

    def visit_Name(self, node: ast.Name):
        value = self.value_of(node)
        if value is _MISSING or not isinstance(node.ctx, ast.Load):
            return node
        return self.reference(value, node.id)

    def visit_Attribute(self, node: ast.Attribute):
        value = self.value_of(node)
        if value is not _MISSING:
            return self.reference(value, node.attr)
        self.generic_visit(node)
        return node

    def visit_Call(self, node: ast.Call):
        op = self.value_of(node.func)
        if op is vjp_rule or op is jvp_rule:
            return rule_call(self, op is vjp_rule, node)
        if isinstance(op, ops.Op):
            func = node.func
            return op_call(self, op, node, func.id if isinstance(func, ast.Name) else func.attr)
        self.generic_visit(node)
        return node

    # -- references -----------------------------------------------------------------------------

    def reference(self, value, name: str) -> ast.expr:
        module = self.module
        if value is np:
            return module.symbol(("module", "numpy"), "import", "np")
        if value is math:
            return module.symbol(("module", "math"), "import", "math")
        if value is ops:
            raise Unwritable("ad.ops, the registry itself")
        replacement = STANDALONE_BY_NAME.get((name, value)) if _hashable(value) else None
        if replacement is None and _hashable(value):
            replacement = STANDALONE.get(value)
        if replacement is not None:
            return self.reference(replacement, name)
        path = numpy_path(value, name)
        if path is not None:
            return _attributes(self.reference(np, "np"), path[1:])
        if callable(value) and getattr(math, getattr(value, "__name__", ""), None) is value:
            return self.math(value.__name__)
        builtin_name = getattr(value, "__name__", name)
        if isinstance(builtin_name, str) and getattr(builtins, builtin_name, None) is value and _hashable(value):
            return module.symbol(("builtin", builtin_name), "builtin", builtin_name)
        if isinstance(value, ops.Op):
            return self.op_reference(value)
        if isinstance(value, types.FunctionType):
            return self.function(value, value.__name__.lstrip("_") or "helper")
        if isinstance(value, (np.ndarray, list, dict, SharedUpdate)) or (type(value) is tuple and not _literal(value)):
            return module.symbol(("data", id(value)), "constant", name, lambda: self.data(value, name))
        if _is_data(value):
            return self.data(value, name)
        raise Unwritable(f"{name!r} ({_describe(value)})")

    def data(self, value, name: str) -> ast.expr:
        """A number, array or container of them written as an expression (numbers as literals)."""
        if _literal(value):
            return ast.parse(repr(value), mode="eval").body
        if type(value) is float:  # inf, nan
            return self.math("nan") if value != value else ast.UnaryOp(ast.USub() if value < 0 else ast.UAdd(),
                                                                        self.math("inf"))
        if isinstance(value, SharedUpdate):  # the check of an in-place update: its messages, one per other name
            where = f"{os.path.basename(value.filename)}, line {value.line}: "
            return self.data(tuple(where + value.error(k).args[0] for k in range(len(value.described))), name)
        if isinstance(value, (list, tuple)):
            items = [self.item(v, name) for v in value]
            return ast.List(items, ast.Load()) if isinstance(value, list) else ast.Tuple(items, ast.Load())
        if isinstance(value, dict):
            return ast.Dict([self.item(k, name) for k in value], [self.item(v, name) for v in value.values()])
        if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            return ast.Call(self.numpy("array"), [ast.parse(repr(value.tolist()), mode="eval").body],
                            [ast.keyword("dtype", ast.Constant(value.dtype.name))])
        if isinstance(value, np.generic) and value.dtype.kind in "biufc":
            return ast.Call(self.numpy("asarray"), [self.data(value.item(), name), ast.Constant(value.dtype.name)], [])
        if isinstance(value, np.dtype) and value.kind in "biufc":
            return ast.Call(self.numpy("dtype"), [ast.Constant(value.name)], [])
        if value is Ellipsis:
            return ast.Constant(...)
        raise Unwritable(f"{name!r} ({_describe(value)})")

    def item(self, value, name: str) -> ast.expr:
        """An item of a container: written in place, or (a function, ...) referred to."""
        return self.data(value, name) if _is_data(value) else self.reference(value, name)

    def math(self, *parts) -> ast.expr:
        """math.<parts> in the module."""
        return _attributes(self.reference(math, "math"), parts)

    def numpy(self, *parts) -> ast.expr:
        """np.<parts> in the module."""
        return _attributes(self.reference(np, "np"), parts)

    def op_reference(self, op) -> ast.expr:
        """A registry op referred to (or called) by name: its implementation, written out."""
        if op is not ops.REGISTRY.get(op.name) and not _is_list_op(op):
            raise Unwritable(f"the op {op.name!r}, which is not the registered op of that name")
        impl = op.impl
        path = numpy_path(impl, op.name)
        if path is not None:
            return _attributes(self.reference(np, "np"), path[1:])
        if not isinstance(impl, types.FunctionType):
            raise Unwritable(f"the op {op.name!r}, whose implementation is {_describe(impl)}")
        return self.function(impl, op.name, doc=op.doc)

    def function(self, fn, name: str, doc: str | None = None) -> ast.Name:
        """A Python function written out as a module-level def (once per function)."""
        return self.module.symbol(("def", fn), "def", name, lambda: self.write_function(fn, name, doc))

    def write_function(self, fn, name: str, doc: str | None) -> ast.FunctionDef:
        node = _definition(fn, name)
        doc = _first_paragraph(doc) or _first_paragraph(inspect.getdoc(fn))
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        node.body = ([ast.Expr(ast.Constant(doc))] if doc else []) + body
        node.name = self.module.symbol(("def", fn), "def", name).id
        closure = dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__ or ())))

        def resolve(n):
            if n in closure:
                return closure[n]
            return fn.__globals__[n] if n in fn.__globals__ else getattr(builtins, n, _MISSING)

        try:
            _Rewriter(self.module, resolve).rewrite_function(node)
        except Unwritable as error:
            raise Unwritable(f"{error}, used by {fn.__module__}.{fn.__qualname__}") from None
        return node


def _is_list_op(op) -> bool:
    """Whether op is an operation on Python lists (listops.py: not in the registry)."""
    return LIST_OPS.get(op.name) is op


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _describe(value) -> str:
    if isinstance(value, types.ModuleType):
        return f"the module {value.__name__}"
    kind = type(value)
    what = f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else kind.__qualname__
    return f"a value of type {what}"


def _attributes(base: ast.expr, parts) -> ast.expr:
    for part in parts:
        base = ast.Attribute(base, part, ast.Load())
    return base


def _definition(fn, name: str) -> ast.FunctionDef:
    """A def of `name` with fn's parameters and body (a lambda's body is returned)."""
    if fn.__name__ == "<lambda>":
        try:
            node = ast.parse(describe(fn), mode="eval").body
        except (SyntaxError, OSError, TypeError):
            node = None
        if not isinstance(node, ast.Lambda):
            raise Unwritable(f"a lambda of {fn.__module__} whose source cannot be found")
        return ast.FunctionDef(name, node.args, [ast.Return(node.body)], [], None, None, type_params=[])
    try:
        text = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        raise Unwritable(f"{fn.__module__}.{fn.__qualname__}, whose source cannot be found") from None
    node = ast.parse(text).body[0]
    if not isinstance(node, ast.FunctionDef) or node.decorator_list:
        raise Unwritable(f"{fn.__module__}.{fn.__qualname__}, which is not a plain def")
    for a in ast.walk(node.args):
        if isinstance(a, ast.arg):
            a.annotation = None
    node.returns = None
    return node


def _first_paragraph(doc) -> str:
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())

