"""The reverse sweep over `Var` graphs: iterative topological order, then VJP rules.

Memory: an adjoint is dropped as soon as its node has passed it on to its parents, so the
sweep holds the adjoints of one "frontier" of the graph at a time; the graph itself stays
alive only while the caller holds its output.
"""

from __future__ import annotations

import numpy as np

from .var import Var


def topological_order(roots) -> list:
    """Every node reachable from `roots`, each after all of its parents (no recursion).

    >>> x = Var(1.0); y = x * x + x
    >>> [n.op.name if n.op else "x" for n in topological_order([y])]
    ['x', 'mul', 'add']
    """
    order, done = [], set()
    stack = [(root, False) for root in roots]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            order.append(node)
            continue
        if key in done:
            continue
        done.add(key)
        stack.append((node, True))
        for parent in node._parents:
            if parent is not None and id(parent) not in done:
                stack.append((parent, False))
    return order


def _accumulate(adjoints: dict, node, value) -> None:
    key = id(node)
    previous = adjoints.get(key)
    adjoints[key] = value if previous is None else previous + value


def sweep(seeds, create_graph: bool = False) -> dict:
    """Propagate cotangents from `seeds` [(root, cotangent), ...] back to the leaves.

    Returns {id(leaf): (leaf, adjoint)} for every leaf reached.  Intermediates that asked for it
    (`retain_grad`) get this sweep's adjoint in `.grad`.
    """
    adjoints: dict = {}
    roots = []
    for root, cotangent in seeds:
        if type(root) is Var:
            _accumulate(adjoints, root, cotangent)
            roots.append(root)
    leaves = {}
    for node in reversed(topological_order(roots)):
        g = adjoints.pop(id(node), None)
        if g is None:
            continue
        if node._op is None:
            leaves[id(node)] = (node, g)
            continue
        if node._retain:
            node.grad = g
        parents = node._parents
        if node._partials is not None and not create_graph:
            for parent, partial in zip(parents, node._partials):
                if parent is not None:
                    _accumulate(adjoints, parent, g * partial)
            continue
        if create_graph:  # rules applied to the nodes themselves build a new graph
            inputs = tuple(p if p is not None else x for p, x in zip(parents, node._inputs))
            out = node
        else:
            inputs, out = node._inputs, node.data
        wanted = [p is not None for p in parents]
        for parent, c in zip(parents, node._op.cotangents(g, out, inputs, node._params, wanted)):
            if parent is not None and c is not None:
                _accumulate(adjoints, parent, c)
    return leaves


def backward(root: Var, seed=None, create_graph: bool = False) -> None:
    """`root.backward()`: accumulate d(root)/d(leaf) into each reachable leaf's `.grad`."""
    if seed is None:
        if np.shape(root.data) != ():
            raise ValueError(f"backward() of a Var of shape {np.shape(root.data)} needs a cotangent "
                             f"(seed=...) of that shape; reduce to a scalar first or use vjp")
        seed = np.ones_like(root.data) if isinstance(root.data, np.ndarray) else 1.0
    elif np.shape(seed) != np.shape(root.data):
        raise ValueError(f"seed has shape {np.shape(seed)} but the Var has shape {np.shape(root.data)}")
    for leaf, g in sweep([(root, seed)], create_graph).values():
        leaf.grad = g if leaf.grad is None else leaf.grad + g
