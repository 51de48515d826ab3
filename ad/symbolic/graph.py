"""Walking an expression DAG: every node once, arguments before their users, without recursion
(deep expressions never reach Python's recursion limit).  Reads nodes by `args` only."""

from __future__ import annotations

__all__ = ["topological"]


def topological(roots) -> list:
    """Every node reachable from `roots` once, arguments before their users.

    >>> from ad.symbolic import Symbol
    >>> import numpy as np
    >>> x = Symbol("x")
    >>> [str(n) for n in topological([x * np.sin(x)])]
    ['x', 'sin(x)', 'x*sin(x)']
    """
    order, seen = [], set()
    for root in roots:
        if id(root) in seen:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for arg in reversed(node.args):
                if id(arg) not in seen:
                    stack.append((arg, False))
    return order
