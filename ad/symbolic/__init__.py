"""Symbolic differentiation: the fourth way of the course notes, beside numeric and AD.

An expression's nodes are registry ops; the registry's JVP rules, run on expressions, give
the derivative *expression* (`diff`).  Printed as text or LaTeX, evaluated with NumPy,
compiled to a NumPy function (`lambdify`), and counted in its tree and DAG forms
(`count_ops`) to show expression swell.

>>> from ad import symbolic
>>> import numpy as np
>>> f = lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2)
>>> [str(d) for d in symbolic.diff(f, argnums=(0, 1))]
['1/x1 + x2', 'x1 - cos(x2)']
"""

from .expr import Const, Expr, Node, Symbol, SymbolicBranchError, as_expr, free_symbols, symbols
from . import engine  # noqa: F401  (registers the engine with ad.ops)
from .printing import latex, text
from .diff import diff, hessian, trace
from .counting import count_ops, total_ops
from .lambdify import lambdify

__all__ = ["Expr", "Symbol", "Const", "Node", "SymbolicBranchError", "symbols", "as_expr", "free_symbols",
           "latex", "text", "diff", "hessian", "trace", "count_ops", "total_ops", "lambdify"]
