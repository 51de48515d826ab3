"""Expression swell, measured: the course notes' product example and a composition whose
symbolic derivative grows exponentially.

For f(θ) = θ1 θ2 ... θn the symbolic gradient ∂f/∂θk = ∏_{j≠k} θj written out (the tree form)
has n - 2 multiplications per component, n(n - 2) in all, because the partial products are
recomputed in every component.  The same derivatives computed by AD cost:

- forward mode, n sweeps: each sweep computes the tangents of the nodes after θk, reusing the
  primal values (computed once);
- reverse mode, one sweep: the primal values once, then one adjoint per node;

and the symbolic gradient with common subexpressions shared (the DAG form) lies between.  All
four are counted here as op applications in expressions built by the registry's own rules
(simplified as `ad.symbolic.simplify` documents: multiplications by 0 and 1 are not counted,
as an AD tool with activity analysis does not perform them).
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from .counting import count_ops
from .diff import diff
from .expr import Symbol, symbols

__all__ = ["product_symbols", "product_counts", "nested_x_sin_x", "composition_counts"]


def product_symbols(n: int) -> tuple:
    """(θ1 ... θn as a product expression, the symbols θ1 ... θn), the product folded from the left.

    >>> value, thetas = product_symbols(3)
    >>> str(value), len(thetas)
    ('theta1*theta2*theta3', 3)
    """
    thetas = tuple(Symbol(f"theta{k}") for k in range(1, n + 1))
    return functools.reduce(operator.mul, thetas), thetas


def _ops(expr, shared) -> dict:
    return count_ops(expr, shared=shared)


def _minus(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0) - b.get(k, 0) for k in a if a.get(k, 0) - b.get(k, 0)}


def _plus(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0) + b.get(k, 0) for k in sorted(set(a) | set(b))}


def sweep_counts(value, variables) -> dict:
    """{form: {op: count}} for the gradient of `value` by `variables` in four forms: "tree"
    (symbolic, written out), "dag" (symbolic, common subexpressions shared), "forward" (the
    primal once, then one tangent sweep per variable, each reusing the primal values) and
    "reverse" (the primal and one adjoint sweep).

    >>> x, y = symbols("x y")
    >>> sweep_counts(x * y * x, (x, y))["tree"]
    {'add': 1, 'mul': 3}
    """
    gradient = diff(value, wrt=tuple(variables))
    primal = _ops(value, True)
    forward = dict(primal)
    for tangent in gradient:
        forward = _plus(forward, _minus(_ops((value, tangent), True), primal))
    reverse = _ops((value,) + diff(value, wrt=tuple(variables), mode="reverse"), True)
    return {"tree": _ops(gradient, False), "dag": _ops(gradient, True), "forward": forward, "reverse": reverse}


def product_counts(n: int) -> dict:
    """`sweep_counts` of the product θ1 ... θn: the tree form has n(n - 2) multiplications.

    >>> product_counts(5)["tree"]["mul"]
    15
    """
    value, thetas = product_symbols(n)
    return sweep_counts(value, thetas)


def nested_x_sin_x(k: int, x=None):
    """x ↦ x sin(x) applied k times (to a symbol by default; any number or array works).

    >>> str(nested_x_sin_x(2))
    'x*sin(x)*sin(x*sin(x))'
    """
    x = Symbol("x") if x is None else x
    for _ in range(k):
        x = x * np.sin(x)
    return x


def composition_counts(k: int) -> dict:
    """Total op counts of d/dx of `nested_x_sin_x(k)`: "tree" (written out, about doubling with
    each composition) and "dag" (shared, growing linearly), beside the function's own "f".

    >>> composition_counts(1)
    {'f': 2, 'tree': 4, 'dag': 4}
    """
    x = Symbol("x")
    value = nested_x_sin_x(k, x)
    derivative = diff(value, wrt=x)
    return {"f": sum(_ops(value, True).values()), "tree": sum(_ops(derivative, False).values()),
            "dag": sum(_ops(derivative, True).values())}
