"""Registry rules as code templates: the body of a rule, ready to inline with new names.

A rule written as a lambda (`lambda t, out, x: mul(t, cos(x))`) is found in its module's
source and its body becomes an expression template; substituting the generated code's names
gives `bt2 * ops.cos(x2)`.  A helper lambda the body calls is inlined the same way; a rule
written as a `def` is called by name instead.  Names the body uses are resolved in the rule's
module: registry ops print as `ops.<name>` (arithmetic as operators), other helpers are passed
to the generated code's namespace.  Apart from those of the variadic ops (concatenate, stack),
called through the registry, the rules in ad.ops are lambdas of registry ops: generated code
calls only registry ops and shape queries, so it can be transformed again.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import math
import textwrap

import numpy as np

from .. import ops
from .astutil import clone, helper, is_helper

_OPERATORS = {"add": ast.Add, "sub": ast.Sub, "mul": ast.Mult, "div": ast.Div, "pow": ast.Pow, "matmul": ast.MatMult}


@functools.lru_cache(maxsize=None)
def _module_lambdas(filename: str) -> list:
    with open(filename, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    return [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]


def _lambda_node(rule):
    """The ast.Lambda defining `rule`, located by its body's first line and column."""
    code = rule.__code__
    positions = [p for p in code.co_positions() if p[0] is not None and p[2] is not None and p[2] > 0]
    if not positions:
        return None
    line, _, col, _ = positions[0]
    arg_names = list(code.co_varnames[: code.co_argcount])
    for node in _module_lambdas(inspect.getsourcefile(rule)):
        body = node.body
        if [a.arg for a in node.args.args] != arg_names:
            continue
        start, end = (body.lineno, body.col_offset), (body.end_lineno, body.end_col_offset)
        if start <= (line, col) < end:
            return node
    return None


class Template:
    """A rule as (parameter names, body expression), or as a callable to call by name."""

    def __init__(self, rule):
        self.rule = rule
        node = _lambda_node(rule) if getattr(rule, "__name__", "") == "<lambda>" else None
        if node is not None:
            self.params = [a.arg for a in node.args.args]
        else:  # a def rule is called, with its parameters in order
            self.params = [p.name for p in inspect.signature(rule).parameters.values()
                           if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        self.body = node.body if node is not None else None
        self.variadic = node is None and any(p.kind == p.VAR_POSITIONAL
                                             for p in inspect.signature(rule).parameters.values())
        self.kwonly_defaults = {}
        if node is not None:
            defaults = node.args.defaults
            names = [a.arg for a in node.args.args]
            for name, default in zip(names[len(names) - len(defaults):], defaults):
                self.kwonly_defaults[name] = default

    def called(self, args: list, keywords: dict, namespace: dict, name: str | None = None) -> ast.Call:
        """A call of the rule itself (a `def` rule), under `name` or a name saying what it is."""
        if name is None:
            qualname = self.rule.__qualname__
            name = (qualname.split(".")[0] if "<locals>" in qualname else self.rule.__name__).lstrip("_") or "rule"
        return ast.Call(helper(inject_helper(namespace, name, self.rule)), list(args),
                        [ast.keyword(k, v) for k, v in keywords.items()])

    def instantiate(self, values: dict, namespace: dict) -> ast.expr:
        """The body with parameters replaced by the expressions in `values` (missing keyword
        parameters take their defaults); helpers it needs are added to `namespace`."""
        if self.body is None:  # a def rule: call it by a name saying what it is
            return self.called([values[p] for p in self.params if p in values], {}, namespace)
        mapping = dict(self.kwonly_defaults)
        mapping.update(values)
        globals_ = self.rule.__globals__
        return _Fold().visit(_Substitute(mapping, globals_, namespace).visit(clone(self.body)))


@functools.lru_cache(maxsize=None)
def template(rule) -> Template:
    """The (cached) template of a rule."""
    return Template(rule)


def inject_helper(namespace: dict, name: str, value) -> str:
    """Put `value` in the generated code's namespace under `name` (or a free variant of it)."""
    candidate, k = name, 1
    while candidate in namespace and namespace[candidate] is not value:
        candidate, k = f"{name}_{k}", k + 1
    namespace[candidate] = value
    return candidate


class _Substitute(ast.NodeTransformer):
    def __init__(self, mapping: dict, rule_globals: dict, namespace: dict):
        self.mapping, self.rule_globals, self.namespace = mapping, rule_globals, namespace

    def visit_Name(self, node: ast.Name):
        if node.id in self.mapping:
            return clone(self.mapping[node.id])
        if node.id not in self.rule_globals and hasattr(builtins, node.id):
            return node  # len, tuple, ...: builtins are there in generated code too
        if node.id not in self.rule_globals:
            raise NameError(f"rule template uses {node.id!r}, which is not defined in its module")
        value = self.rule_globals[node.id]
        if isinstance(value, ops.Op) and ops.REGISTRY.get(value.name) is value:
            return ast.Attribute(helper("ops"), value.name, ast.Load())
        return helper(inject_helper(self.namespace, node.id.lstrip("_") or node.id, value))

    def visit_Call(self, node: ast.Call):
        helper = self.rule_globals.get(node.func.id) if isinstance(node.func, ast.Name) \
            and node.func.id not in self.mapping else None
        if getattr(helper, "__name__", "") == "<lambda>" and not node.keywords:  # a helper lambda: inlined too
            inner = template(helper)
            if inner.body is not None and len(node.args) == len(inner.params):
                args = [self.visit(a) for a in node.args]
                return inner.instantiate(dict(zip(inner.params, args)), self.namespace)
        self.generic_visit(node)
        return operator_form(node)


_NUMBERS = (bool, int, float)
_PYTHON_OPERATORS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
                     ast.USub: "neg"}


def _number(node):
    return isinstance(node, ast.Constant) and type(node.value) in _NUMBERS


class _Fold(ast.NodeTransformer):
    """Constant folding of an instantiated rule: an op of numbers is computed now, and a
    `where` with a known condition picks its branch.  x ** 3 thus differentiates to
    `3 * x ** 2.0` instead of carrying the 0 ** 0 guard that only y = 0 needs."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow) and _number(node.right) and node.right.value == 1:
            return node.left  # x ** 1.0 (pow's rule at exponent 2): x itself
        return _computed(_PYTHON_OPERATORS.get(type(node.op)), [node.left, node.right]) or node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return _computed(_PYTHON_OPERATORS.get(type(node.op)), [node.operand]) or node

    def visit_Call(self, node):
        self.generic_visit(node)
        func, args = node.func, node.args
        if not (isinstance(func, ast.Attribute) and is_helper(func.value, "ops")) \
                or node.keywords:
            return node
        if func.attr == "logical_and" and any(_number(a) and not a.value for a in args):
            return ast.Constant(False)  # (its shape is broadcast away by whatever uses it)
        if func.attr == "where" and len(args) == 3 and _number(args[0]):
            return args[1] if args[0].value else args[2]
        return _computed(func.attr, args) or node


def _computed(name, args):
    """The constant `ops.<name>(*args)` when every argument is a number and so is the result."""
    op = ops.REGISTRY.get(name)
    if op is None or not all(_number(a) for a in args):
        return None
    with np.errstate(all="ignore"):
        value = op.impl(*(a.value for a in args))
    value = value.item() if isinstance(value, np.generic) else value
    if type(value) not in _NUMBERS or not math.isfinite(value):  # (inf and nan have no literal)
        return None
    return ast.Constant(value)


def operator_form(node: ast.Call) -> ast.expr:
    """`ops.mul(a, b)` as `a * b` and `ops.neg(a)` as `-a`: the same on NumPy values, easier to read."""
    func = node.func
    if isinstance(func, ast.Attribute) and is_helper(func.value, "ops") and not node.keywords:
        if func.attr in _OPERATORS and len(node.args) == 2:
            return ast.BinOp(node.args[0], _OPERATORS[func.attr](), node.args[1])
        if func.attr == "neg" and len(node.args) == 1:
            return ast.UnaryOp(ast.USub(), node.args[0])
        if func.attr == "getitem" and len(node.args) == 2:
            return ast.Subscript(node.args[0], node.args[1], ast.Load())
    return node


def op_call(op, args: list, params: dict, namespace: dict | None = None) -> ast.expr:
    """The call of a registry op in generated code, in operator form where there is one.  An
    op outside the registry (a list operation, an `ad.checkpoint` function) is called by its
    name in the generated code's `namespace`."""
    if op.nin is None:
        args = [ast.List(list(args), ast.Load())]
    if op.name == "getitem":
        return ast.Subscript(args[0], params["index"], ast.Load())
    if ops.REGISTRY.get(op.name) is not op:
        called = getattr(op, "recursive_function", None) or op  # (a recursive call: the user's function itself)
        name = op.name if namespace is None else inject_helper(namespace, op.name, called)
        return ast.Call(helper(name), list(args), [ast.keyword(k, v) for k, v in params.items()])
    call = ast.Call(ast.Attribute(helper("ops"), op.name, ast.Load()), list(args),
                    [ast.keyword(k, v) for k, v in params.items()])
    return operator_form(call)


def describe(rule) -> str:
    """A rule's source, for debugging templates.

    >>> "cos" in describe(ops.sin.vjp[0])
    True
    """
    node = _lambda_node(rule)
    return ast.unparse(node) if node is not None else textwrap.dedent(inspect.getsource(rule)).strip()
