"""Generated derivative code as a standalone module: `export(f, path, mode, argnums)`.

Accepts what `source(f, mode, argnums)` accepts; guarantees a file that imports only numpy and
math (never ad) and defines the derivative function with exactly the helpers it calls.

The code `source()` shows runs in a namespace of ad's helpers: registry ops (`ops.sin`),
broadcasting helpers that dispatch on engine values, helpers of rules.  Each name the code
refers to is written out here, by what it is:
- a registry op whose implementation is a NumPy function is that function (`ops.sin(x)` is
  `np.sin(x)`); one that is a lambda of a NumPy call is inlined (`ops.reshape(x, s)` is
  `np.reshape(x, s)`), and `ops.sum(x, axis)` is `np.sum(x, axis=axis)`;
- ad's helpers (`unbroadcast`, `cotangent_of`, `ops.unreduce`, ...) are replaced by the plain
  NumPy versions in standalone.py, and anything else written in Python (an op's implementation,
  the functions it calls) is written out from its own source, its names resolved the same way;
- NumPy and math functions, builtins, numbers and arrays are spelled as such.
What cannot be written so (the registry itself, an object of another kind) is refused with a
ValueError naming it.  Names are given last: a helper takes its own name unless the code uses
that name for something else (then `name_1`, ...), and builtins are never shadowed.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import os
import re
import textwrap
import types

import astor
import numpy as np

from .. import derived, ops, tree
from . import standalone
from .pipeline import _generate, _remember_source
from .emit import jvp_rule, vjp_rule
from .inplace import SharedUpdate, same_array
from .templates import describe

__all__ = ["export"]

_SYMBOL = "__ad_export_{}__"  # a reference to a module-level name, before names are given
_COMMENT = "__ad_export_comment_{}__"

# ad's helpers and the plain versions written in their place.
_STANDALONE = {ops.get("unbroadcast"): standalone.unbroadcast, ops.get("cotangent_of"): standalone.cotangent_of,
               ops.get("unreduce"): standalone.unreduce, ops.get("broadcast_to"): standalone.broadcast_to,
               ops.get("sum_to"): standalone.sum_to, derived.zeros_like: standalone.zeros_like,
               ops.shape_of: np.shape, ops.ndim_of: np.ndim, same_array: standalone.same_array}
_STANDALONE_BY_NAME = {("broadcast_like", ops.get("unbroadcast")): standalone.broadcast_like}
# Ops that are the NumPy function of their name with their parameters passed by keyword.
_NUMPY_EQUIVALENTS = {ops.get("sum"): np.sum, ops.get("max"): np.max, ops.get("min"): np.min}
_NUMPY_MODULES = (("np",), ("np", "linalg"), ("np", "fft"))


class _Unwritable(Exception):
    """Something generated code needs that has no standalone spelling (the message says what)."""


def export(f, path, mode: str = "reverse", argnums=0, *, source=None, args=None) -> str:
    """Write f's generated derivative code to `path` as a standalone Python module; returns its text.

    The module imports only numpy and math: registry ops become NumPy calls where they are
    NumPy functions, and each helper the code calls is defined in it, written out in plain
    NumPy.  Reverse mode writes `<f>_vjp(*args, cotangent)` and `<f>_grad(*args)` (the
    gradient: the cotangent 1.0); forward mode writes `<f>_jvp(*args, *tangents)`.  The text
    is the same on every run.  `source=` gives f's source where `inspect` cannot read it;
    `args=(...)` example arguments where some are tuples, lists or dicts (the code then has a
    parameter per array in them, and no `<f>_grad`).

    Raises UnsupportedSyntaxError for f outside adsct's subset, ValueError for an unknown
    mode or for generated code that needs something with no standalone spelling (named).

    >>> import os, runpy, tempfile
    >>> def f(x1, x2):
    ...     return np.log(x1) + x1 * x2 - np.sin(x2)
    >>> src = "def f(x1, x2):\\n    return np.log(x1) + x1 * x2 - np.sin(x2)\\n"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     text = export(f, os.path.join(folder, "f_grad.py"), argnums=(0, 1), source=src)
    ...     module = runpy.run_path(os.path.join(folder, "f_grad.py"))
    >>> [float(g) for g in module["f_grad"](2.0, 5.0)]
    [5.5, 1.7163378145367738]
    >>> "import numpy as np" in text, "ad" in text.split()
    (True, False)
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"export: mode must be 'reverse' or 'forward', got {mode!r}")
    if getattr(f, "__ad_derivative__", None) is not None:
        raise ValueError(f"export: {f.__name__} is a derivative function; export the function it differentiates "
                         f"(its reverse-mode module has the gradient as <f>_grad)")
    _remember_source(f, source)
    selected = argnums if isinstance(argnums, tuple) else (argnums,)
    structures = n_args = None
    if args is not None:
        structures, n_args = tuple(tree.flatten(a)[1] for a in args), len(args)
    compiled, text = _generate(f, mode, selected, structures, n_args=n_args)
    pytrees = args is not None and any(isinstance(a, (tuple, list, dict)) or a is None for a in args)
    written = module_text(text, compiled.__globals__, mode, argnums, f, entry=not pytrees)
    with open(os.fspath(path), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(written)
    return written


def module_text(text: str, namespace: dict, mode: str, argnums, f, entry: bool = True) -> str:
    """The standalone module for generated code `text` whose names mean what they mean in `namespace`."""
    function, comments = _parse_with_comments(text)
    module = _Module()
    try:
        _Rewriter(module, _scope_of(function, namespace)).rewrite_function(function)
    except _Unwritable as error:
        raise ValueError(f"export: the {mode}-mode code of {getattr(f, '__name__', f)} cannot be written as a "
                         f"standalone module: it needs {error}") from None
    functions = [function]
    if mode == "reverse" and entry:
        functions.append(_grad_entry(function, argnums))
    names = module.give_names(functions)
    for node in functions + module.definitions():
        _rename(node, names)
    header = _header(function.name, functions, mode, argnums, f)
    imports = [f"import {base}" if name == base else f"import {base} as {name}" for base, name in module.imports(names)]
    aliases = [f"{names[k]} = {value}" for k, value in module.aliases(names)]
    head = header + "\n\n" + "\n".join(imports) + ("\n\n" + "\n".join(aliases) if aliases else "")
    parts = [head] + [_to_text(node, comments) for node in functions]
    helpers = module.definitions()
    if helpers:  # (their own text, without comments: ast.unparse keeps each expression on one line)
        parts.append("# -- the helpers the code above calls, in plain NumPy --")
        parts += [ast.unparse(ast.fix_missing_locations(node)) for node in helpers]
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n"


# -- the module: what the code refers to, and the names it gets ---------------------------------

class _Module:
    """Module-level names in the order they were first needed: imports, aliases of builtins,
    constants and helper definitions, each referred to by a placeholder until names are given."""

    def __init__(self):
        self.keys: dict = {}  # key -> index
        self.entries: list = []  # [kind, preferred name, definition node or value]

    def symbol(self, key, kind: str, preferred: str, make=None) -> ast.Name:
        if key not in self.keys:
            self.keys[key] = len(self.entries)
            entry = [kind, preferred, None]
            self.entries.append(entry)
            if make is not None:
                entry[2] = make()  # (after registering: a helper may refer to itself)
        return ast.Name(_SYMBOL.format(self.keys[key]), ast.Load())

    def give_names(self, top_level: list) -> dict:
        """placeholder -> final name: the preferred one unless something in the module uses it."""
        nodes = top_level + self.definitions()
        used = {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}
        used |= {a.arg for node in nodes for a in ast.walk(node) if isinstance(a, ast.arg)}
        used |= {node.name for node in top_level}
        used = {name for name in used if not name.startswith("__ad_export_")}
        reserved = used | set(dir(builtins))
        names: dict = {}
        for k, (kind, preferred, _) in enumerate(self.entries):
            name, n = preferred, 1
            while (name in used if kind == "builtin" else name in reserved):
                name, n = f"{preferred}_{n}", n + 1
            reserved.add(name)
            used.add(name)
            names[_SYMBOL.format(k)] = name
        return names

    def definitions(self) -> list:
        return [node for kind, _, node in self.entries if kind == "def"]

    def imports(self, names: dict) -> list:
        return sorted((preferred if preferred != "np" else "numpy", names[_SYMBOL.format(k)])
                      for k, (kind, preferred, _) in enumerate(self.entries) if kind == "import")

    def aliases(self, names: dict) -> list:
        """Builtins the code cannot call by their own name (a variable of the code has it), and constants."""
        result = []
        for k, (kind, preferred, value) in enumerate(self.entries):
            if kind == "builtin" and names[_SYMBOL.format(k)] != preferred:
                result.append((_SYMBOL.format(k), preferred))
            elif kind == "constant":
                result.append((_SYMBOL.format(k), ast.unparse(_renamed(value, names))))
        return [(key, value) for key, value in result]


def _renamed(node, names):
    node = ast.parse(ast.unparse(node), mode="eval").body
    _rename(node, names)
    return node


def _rename(node, names: dict) -> None:
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id in names:
            n.id = names[n.id]
        elif isinstance(n, ast.FunctionDef) and n.name in names:
            n.name = names[n.name]


# -- resolving names ----------------------------------------------------------------------------

def _scope_of(function: ast.FunctionDef, namespace: dict):
    """How the generated function's free names resolve: its globals, then builtins."""
    return lambda name: (namespace[name] if name in namespace else getattr(builtins, name, _MISSING))


_MISSING = object()


def _locals(function) -> set:
    """Names bound anywhere in a function (parameters, assignments, loop variables, nested defs)."""
    bound = {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not function and hasattr(node, "name"):
            bound.add(node.name)
    return bound


def _numpy_path(value, *names) -> tuple | None:
    """('np', 'linalg', 'det') for np.linalg.det: where NumPy has this very object, by one of the names."""
    candidates = [getattr(value, "__name__", None), *names]
    for path in _NUMPY_MODULES:
        where = np
        for part in path[1:]:
            where = getattr(where, part)
        for name in candidates:
            if isinstance(name, str) and name.isidentifier() and getattr(where, name, None) is value:
                return path + (name,)
    return None


def _literal(value) -> bool:
    if type(value) in (bool, int, str, type(None)):
        return True
    if type(value) in (float, complex):
        return repr(value) == repr(ast.literal_eval(repr(value))) if "n" not in repr(value) else False
    if type(value) is tuple:
        return all(_literal(v) for v in value)
    return False


class _Rewriter(ast.NodeTransformer):
    """Replaces the free names of one function (generated code, or a helper written out) by
    references to module-level names, writing out what they refer to."""

    def __init__(self, module: _Module, resolve, bound=frozenset()):
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
                raise _Unwritable(f"{node.id!r}, which is not defined where the code runs")
            return value
        if isinstance(node, ast.Attribute):
            base = self.value_of(node.value)
            if base is ops or (isinstance(base, ops.Op) and node.attr == "impl"):
                return getattr(ops, node.attr) if base is ops else base
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
            return self.rule_call(op is vjp_rule, node)
        if isinstance(op, ops.Op):
            func = node.func
            return self.op_call(op, node, func.id if isinstance(func, ast.Name) else func.attr)
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
            raise _Unwritable("ad.ops, the registry itself")
        replacement = _STANDALONE_BY_NAME.get((name, value)) if _hashable(value) else None
        if replacement is None and _hashable(value):
            replacement = _STANDALONE.get(value)
        if replacement is not None:
            return self.reference(replacement, name)
        path = _numpy_path(value, name)
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
        if isinstance(value, (np.ndarray, list, dict, tuple, SharedUpdate)):  # (a tuple of literals is inlined)
            return module.symbol(("data", id(value)), "constant", name, lambda: self.data(value, name))
        return self.data(value, name)

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
            items = [self.data(v, name) for v in value]
            return ast.List(items, ast.Load()) if isinstance(value, list) else ast.Tuple(items, ast.Load())
        if isinstance(value, dict):
            return ast.Dict([self.data(k, name) for k in value], [self.data(v, name) for v in value.values()])
        if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            return ast.Call(self.numpy("array"), [ast.parse(repr(value.tolist()), mode="eval").body],
                            [ast.keyword("dtype", ast.Constant(value.dtype.name))])
        if isinstance(value, np.generic) and value.dtype.kind in "biufc":
            return ast.Call(self.numpy("asarray"), [self.data(value.item(), name), ast.Constant(value.dtype.name)], [])
        if isinstance(value, np.dtype) and value.kind in "biufc":
            return ast.Call(self.numpy("dtype"), [ast.Constant(value.name)], [])
        if value is Ellipsis:
            return ast.Constant(...)
        if callable(value) or isinstance(value, types.ModuleType):
            return self.reference(value, name)
        raise _Unwritable(f"{name!r} ({_describe(value)})")

    def math(self, *parts) -> ast.expr:
        """math.<parts> in the module."""
        return _attributes(self.reference(math, "math"), parts)

    def numpy(self, *parts) -> ast.expr:
        """np.<parts> in the module."""
        return _attributes(self.reference(np, "np"), parts)

    def op_reference(self, op) -> ast.expr:
        """A registry op referred to (or called) by name: its implementation, written out."""
        if op is not ops.REGISTRY.get(op.name) and not _is_list_op(op):
            raise _Unwritable(f"the op {op.name!r}, which is not the registered op of that name")
        impl = op.impl
        path = _numpy_path(impl, op.name)
        if path is not None:
            return _attributes(self.reference(np, "np"), path[1:])
        if not isinstance(impl, types.FunctionType):
            raise _Unwritable(f"the op {op.name!r}, whose implementation is {_describe(impl)}")
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
        except _Unwritable as error:
            raise _Unwritable(f"{error}, used by {fn.__module__}.{fn.__qualname__}") from None
        return node

    # -- op calls -------------------------------------------------------------------------------

    def rule_call(self, reverse: bool, node: ast.Call) -> ast.expr:
        """`vjp_rule("stack", i, g, out, *inputs, **params)`, a variadic op's rule applied through
        the registry, as a call of the rule itself summed back to its input's shape (a tangent:
        spread out to the output's)."""
        name, i = node.args[:2]
        if not (isinstance(name, ast.Constant) and isinstance(i, ast.Constant)) or any(
                isinstance(a, ast.Starred) for a in node.args):
            raise _Unwritable(f"a rule applied through the registry: {ast.unparse(node)}")
        op = ops.get(name.value)
        kind = "vjp" if reverse else "jvp"
        rule = self.function(getattr(op, kind), f"{op.name}_{kind}")
        args = [self.visit(a) for a in node.args[1:]]
        keywords = [ast.keyword(k.arg, self.visit(k.value)) for k in node.keywords]
        like = args[3 + i.value] if reverse else args[2]  # (after i, the incoming derivative and out)
        spread = self.reference(ops.get("unbroadcast"), "unbroadcast" if reverse else "broadcast_like")
        return ast.Call(spread, [ast.Call(rule, args, keywords), like], [])

    def op_call(self, op, node: ast.Call, hint: str) -> ast.expr:
        """A call of a registry op: a NumPy call where the op is one, else a call of its definition."""
        args = [self.visit(a) for a in node.args]
        keywords = [ast.keyword(k.arg, self.visit(k.value)) for k in node.keywords]
        replacement = _STANDALONE.get(op)
        if replacement is None and op in _NUMPY_EQUIVALENTS:  # np.sum(x, axis=...): parameters by keyword
            nin = op.nin
            keywords = [ast.keyword(p, a) for p, a in zip(op.params, args[nin:])] + keywords
            call = ast.Call(self.reference(_NUMPY_EQUIVALENTS[op], hint), args[:nin], keywords)
            return _without_defaults(call, _defaults(op.impl))
        if replacement is None and getattr(op.impl, "__name__", "") == "<lambda>":
            inlined = self.inlined(op, args, keywords, hint)
            if inlined is not None:
                return inlined
        call = ast.Call(self.reference(op, hint), args, keywords)
        return _without_defaults(call, _defaults(replacement if isinstance(replacement, types.FunctionType)
                                                 else op.impl))

    def inlined(self, op, args: list, keywords: list, hint: str):
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
        if any(v is None for v in values.values()):
            return None
        function = self.callee(impl, node.body.func)
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
        call.func = self.reference(function, hint)
        return _without_defaults(call, signature)

    def callee(self, impl, func: ast.expr):
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
        return value if callable(value) and _numpy_path(value) is not None else None


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


def _is_list_op(op) -> bool:
    from .listops import LIST_OPS  # (an operation on Python lists: not in the registry)
    return LIST_OPS.get(op.name) is op


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _describe(value) -> str:
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
            raise _Unwritable(f"a lambda of {fn.__module__} whose source cannot be found")
        return ast.FunctionDef(name, node.args, [ast.Return(node.body)], [], None, None, type_params=[])
    try:
        text = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        raise _Unwritable(f"{fn.__module__}.{fn.__qualname__}, whose source cannot be found") from None
    node = ast.parse(text).body[0]
    if not isinstance(node, ast.FunctionDef) or node.decorator_list:
        raise _Unwritable(f"{fn.__module__}.{fn.__qualname__}, which is not a plain def")
    for a in ast.walk(node.args):
        if isinstance(a, ast.arg):
            a.annotation = None
    node.returns = None
    return node


def _first_paragraph(doc) -> str:
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


# -- text -----------------------------------------------------------------------------------------

def _parse_with_comments(text: str):
    """The generated function parsed, its comment lines kept as marker statements."""
    comments: dict = {}
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            marker = _COMMENT.format(len(comments))
            comments[marker] = stripped
            line = line[:len(line) - len(line.lstrip())] + marker
        lines.append(line)
    return ast.parse("\n".join(lines)).body[0], comments


def _to_text(node, comments: dict) -> str:
    text = astor.to_source(node)
    return re.sub(r"^(\s*)(__ad_export_comment_\d+__)$", lambda m: m.group(1) + comments[m.group(2)], text,
                  flags=re.M)


def _grad_entry(function: ast.FunctionDef, argnums) -> ast.FunctionDef:
    """`<f>_grad(*args)`: the vjp with a cotangent of 1.0, returning the gradient alone."""
    params = [a.arg for a in function.args.args][:-1]
    base = function.name[:-len("_vjp")]
    taken = set(params) | {function.name}
    value, grads = (_fresh(n, taken) for n in ("value", "grads"))
    single = isinstance(argnums, int)
    text = (f"def {_fresh(base + '_grad', taken)}({', '.join(params)}):\n"
            f"    {(f'The gradient of {base}: its reverse-mode derivative for a cotangent of 1.0.')!r}\n"
            f"    {value}, {grads} = {function.name}({', '.join(params + ['1.0'])})\n"
            f"    return {grads}{'[0]' if single else ''}\n")
    return ast.parse(text).body[0]


def _fresh(base: str, taken: set) -> str:
    name, k = base, 1
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def _header(name: str, functions: list, mode: str, argnums, f) -> str:
    what = getattr(f, "__qualname__", getattr(f, "__name__", repr(f)))
    where = getattr(f, "__module__", None)
    signatures = [f"{node.name}({', '.join(a.arg for a in node.args.args)})" for node in functions]
    lines = [f"{'Reverse' if mode == 'reverse' else 'Forward'}-mode derivative of {what}"
             + (f" (module {where})" if where else "") + ".", "",
             f"Generated by ad.adsct.export with mode={mode!r}, argnums={argnums!r}: a standalone module that",
             "needs only numpy and math.  It defines " + " and ".join(signatures) + ";",
             "comments quote the lines of the differentiated function they come from."]
    return '"""' + "\n".join(lines) + '\n"""'
