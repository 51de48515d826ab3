"""Counting operations: the size of an expression in its two forms.

The *tree* form is the expression written out by hand: a subexpression used twice is written
(and computed) twice.  The *DAG* form computes each distinct subexpression once (common
subexpressions shared, as `ad.symbolic.lambdify` compiles it).  Tree counts are computed on
the DAG without writing the tree out (one pass, arguments first), so an exponentially large
tree is counted in time proportional to its DAG.
"""

from __future__ import annotations

from collections import Counter

from .graph import topological

__all__ = ["count_ops", "total_ops"]


def _roots(expr) -> list:
    if isinstance(expr, (tuple, list)):
        return [leaf for item in expr for leaf in _roots(item)]
    return [expr]


def count_ops(expr, shared: bool = False) -> dict:
    """{op name: how many times it is applied} in the tree form (`shared=False`) or the DAG form
    (`shared=True`) of an expression or a (nested) tuple of expressions, sorted by name.

    In the tree form each expression of a tuple is counted on its own; in the DAG form a
    subexpression shared by several of them is counted once.

    >>> from ad.symbolic import symbols
    >>> x, y = symbols("x y")
    >>> e = (x * y) * (x * y) + (x * y)
    >>> count_ops(e), count_ops(e, shared=True)
    ({'add': 1, 'mul': 4}, {'add': 1, 'mul': 2})
    """
    roots = _roots(expr)
    if shared:
        counts = Counter(node.op.name for node in topological(roots) if node.op is not None)
    else:
        below: dict = {}  # id(node) -> Counter of the ops in its tree
        for node in topological(roots):
            if node.op is None:
                below[id(node)] = Counter()
                continue
            mine = Counter({node.op.name: 1})
            for arg in node.args:
                mine.update(below[id(arg)])
            below[id(node)] = mine
        counts = Counter()
        for root in roots:
            counts.update(below[id(root)])
    return dict(sorted(counts.items()))


def total_ops(expr, shared: bool = False) -> int:
    """The number of op applications in all: the sum of `count_ops`.

    >>> from ad.symbolic import symbols
    >>> x = symbols("x")
    >>> total_ops((x * x) * (x * x)), total_ops((x * x) * (x * x), shared=True)
    (3, 2)
    """
    return sum(count_ops(expr, shared).values())
