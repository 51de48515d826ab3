"""`lambdify`: an expression compiled to a NumPy function, by adsct's code emitter.

The function takes the symbols as parameters and computes the expression with the registry's
ops (`x * y`, `ops.sin(x)`), so it runs on floats and, elementwise, on arrays.  The DAG form
(default) computes each distinct subexpression once, one assignment per node, as adsct's
generated code does; `shared=False` writes the tree form as one expression, every shared
subexpression repeated (the cost of differentiating by hand).  The code is printed with astor
and registered with `linecache` under a file name of its own (`f.__source__` holds it).
"""

from __future__ import annotations

import ast
import itertools
import math
import re

from ..adsct.emit import compile_function
from ..adsct.templates import op_call
from ..adsct.astutil import clone, fresh_name
from .diff import _remembered
from .expr import Const, Symbol, free_symbols
from .graph import topological

__all__ = ["lambdify", "default_arguments"]


def _leaves(expr) -> list:
    if isinstance(expr, (tuple, list)):
        return [leaf for item in expr for leaf in _leaves(item)]
    return [expr]


def _natural(symbol):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", symbol.name)]


def default_arguments(expr) -> tuple:
    """The parameters `lambdify` gives a function: the arguments of the function `diff` traced,
    where every expression comes from the same one (an error where that is unclear); else the
    free symbols, sorted by name (x2 before x10).

    >>> from ad.symbolic import symbols
    >>> x2, x10 = symbols("x2 x10")
    >>> [s.name for s in default_arguments(x10 * x2)]
    ['x2', 'x10']
    """
    leaves = _leaves(expr)
    # (constants are shared by every expression, so they remember many functions' arguments)
    telling = [leaf for leaf in leaves if not isinstance(leaf, Const)] or leaves
    remembered = [_remembered(leaf) for leaf in telling]
    known = set.intersection(*remembered) if remembered else set()
    if len(known) == 1:
        return next(iter(known))
    if any(remembered):
        raise TypeError("these expressions come from functions with different arguments: give lambdify's args=")
    return tuple(sorted(free_symbols(leaves), key=_natural))


def _next_name(numbers, taken: set) -> str:
    """t1, t2, ...: the next one no symbol is called (in constant time, for long programs)."""
    name = f"t{next(numbers)}"
    while name in taken:
        name = f"t{next(numbers)}"
    taken.add(name)
    return name


def _constant(value, namespace: dict, taken: set) -> ast.expr:
    if isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value)):
        return ast.Constant(value)
    name = fresh_name("c", taken)  # inf, nan and arrays have no literal: passed in by name
    namespace[name] = value
    return ast.Name(name, ast.Load())


def _parameter(value) -> ast.expr:
    node = ast.parse(repr(value), mode="eval").body
    if ast.literal_eval(node) != value:
        raise TypeError(f"lambdify cannot write the parameter {value!r} as code")
    return node


def lambdify(expr, args=None, *, shared: bool = True, name: str = "lambdified"):
    """A NumPy function computing `expr` (an expression or a nested tuple of them) from `args`
    (symbols; by default `default_arguments(expr)`).

    >>> import numpy as np
    >>> from ad import symbolic
    >>> f = lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2)
    >>> gradient = lambdify(symbolic.diff(f, argnums=(0, 1)))
    >>> [float(d) for d in gradient(2.0, 5.0)]
    [5.5, 1.7163378145367738]
    >>> print(gradient.__source__, end="")
    def lambdified(x1, x2):
        t1 = 1.0 / x1
        t2 = t1 + x2
        t3 = ops.cos(x2)
        t4 = x1 - t3
        return t2, t4
    """
    args = default_arguments(expr) if args is None else tuple(args)
    for a in args:
        if not isinstance(a, Symbol):
            raise TypeError(f"lambdify's args are symbols, got {type(a).__name__}")
    missing = [s.name for s in free_symbols(_leaves(expr)) if s not in set(args)]
    if missing:
        raise TypeError(f"the expression depends on {', '.join(missing)}, which args does not list")
    taken = {a.name for a in args} | {"ops"}
    namespace: dict = {}
    numbers = itertools.count(1)
    code: dict = {}  # id(node) -> the syntax that stands for its value
    body = []
    for node in topological(_leaves(expr)):
        if isinstance(node, Symbol):
            code[id(node)] = ast.Name(node.name, ast.Load())
        elif isinstance(node, Const):
            code[id(node)] = _constant(node.value, namespace, taken)
        else:
            params = {k: _parameter(v) for k, v in node.params.items()}
            arguments = [code[id(a)] if shared else clone(code[id(a)]) for a in node.args]  # (no node twice)
            call = op_call(node.op, arguments, params)
            if shared:
                target = _next_name(numbers, taken)
                body.append(ast.Assign([ast.Name(target, ast.Store())], call, lineno=0))
                code[id(node)] = ast.Name(target, ast.Load())
            else:
                code[id(node)] = call

    def returned(structure):
        if isinstance(structure, (tuple, list)):
            return ast.Tuple([returned(item) for item in structure], ast.Load())
        return code[id(structure)] if shared else clone(code[id(structure)])
    body.append(ast.Return(returned(expr)))
    function = ast.FunctionDef(name=name, args=ast.arguments(
        posonlyargs=[], args=[ast.arg(a.name) for a in args], vararg=None, kwonlyargs=[], kw_defaults=[],
        kwarg=None, defaults=[]), body=body, decorator_list=[], returns=None)
    compiled, _ = compile_function(function, namespace, f"symbolic {name}")
    return compiled
