"""The reverse sweep over `Var` graphs: topological order without recursion, then VJP rules.

Memory: an adjoint is dropped as soon as its node has passed it on to its parents, so the
sweep holds the adjoints of one "frontier" of the graph at a time; the graph itself stays
alive only while the caller holds its output.  A transform's graph holds only the arrays its
rules read, and a last sweep lets each go once read (ad.adoo.release).
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from ..ops import reads as _reads
from .release import drop_value, reads_out
from .var import _MATH_ERRORS, Var, any_updates, parents_of, repaired_parents

_STAMP = attrgetter("_stamp")


def topological_order(roots) -> list:
    """Every node reachable from `roots`, each after all of its parents (no recursion).

    Nodes are stamped in creation order and a node is created after its parents, so the
    reachable nodes sorted by stamp are in topological order.

    >>> x = Var(1.0); y = x * x + x
    >>> [n.op.name if n.op else "x" for n in topological_order([y])]
    ['x', 'mul', 'add']
    """
    seen = set(roots)
    found = list(seen)  # in the order found: runs of falling stamps, which sort fast
    stack = found[:]
    if any_updates():  # (in-place updates: see ad.adoo.inplace)
        while stack:
            for parent in repaired_parents(stack.pop()):
                if parent is not None and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
                    found.append(parent)
    else:
        while stack:
            node = stack.pop()
            parents = node._parents
            if parents is None:  # a scalar node (var.parents_of; _b None for one input)
                parents = (node._a, node._b)
            for parent in parents:
                if parent is not None and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
                    found.append(parent)
    found.sort(key=_STAMP)
    return found


def sweep(seeds, create_graph: bool = False, observe=None, order=None, last: bool = False) -> dict:
    """Propagate cotangents from `seeds` [(root, cotangent), ...] back to the leaves.

    Returns {id(leaf): (leaf, adjoint)} for every leaf reached.  Intermediates that asked
    for it (`retain_grad`) get this sweep's adjoint in `.grad`.  `observe(node, adjoint,
    partials)` is called as each node passes its adjoint on, with one partial adjoint (or
    None) per parent: ad.graphs draws the extended graph from these.  `order` is the
    roots' `topological_order`, if the caller has it.  `last`: no sweep of this graph
    follows, so each node's arrays go once read (see ad.adoo.release).
    """
    adjoints: dict = {}  # node -> adjoint (nodes hash by identity)
    for root, cotangent in seeds:
        if type(root) is Var:
            previous = adjoints.get(root)
            adjoints[root] = cotangent if previous is None else previous + cotangent
    leaves = {}
    for node in reversed(topological_order(list(adjoints)) if order is None else order):
        g = adjoints.pop(node, None)
        if g is None:
            if last and node._parents is not None and node._op is not None:
                node._inputs = node._parents = ()  # (cut: a node the seeds do not reach reads nothing)
            continue
        if node._op is None:
            leaves[id(node)] = (node, g)
            if observe is not None:
                observe(node, g, ())
            continue
        if node._retain:
            node.grad = g
        parents = node._parents
        inputs = node._inputs
        partials = node._partials
        if parents is None and not create_graph and observe is None:  # a scalar node: the hot path
            a, b = node._a, node._b
            try:
                if inputs is not None:
                    d = partials(node.data, *inputs)
                elif b is None:
                    d = partials(node.data, a.data)
                else:
                    d = partials(node.data, a.data, b.data)
            except _MATH_ERRORS:  # (sqrt at 0, ...): NumPy's semantics, through the rules below
                d = None
            if d is not None:
                if a is not None:
                    c = g * d[0]
                    previous = adjoints.get(a)
                    adjoints[a] = c if previous is None else previous + c
                if b is not None:
                    c = g * d[1]
                    previous = adjoints.get(b)
                    adjoints[b] = c if previous is None else previous + c
                continue
        if parents is None:
            parents = parents_of(node)
        if partials is not None and not create_graph:  # floats: the op's partials, from them
            try:  # (no `_inputs`: every input is a parent, and its float is the parent's data)
                d = partials(node.data, *(inputs if inputs is not None else [p.data for p in parents]))
            except _MATH_ERRORS:  # (sqrt at 0, ...): NumPy's semantics, through the rules below
                d = None
            if d is not None:
                if observe is not None:
                    observe(node, g, [None if p is None else g * dp for p, dp in zip(parents, d)])
                for parent, dp in zip(parents, d):
                    if parent is not None:
                        c = g * dp
                        previous = adjoints.get(parent)
                        adjoints[parent] = c if previous is None else previous + c
                continue
        if create_graph:  # rules applied to the nodes themselves build a new graph
            inputs = parents if inputs is None else tuple(x if p is None else p for p, x in zip(parents, inputs))
            contributions = node._op.cotangents(g, node, inputs, node._params, [p is not None for p in parents])
        else:
            if last:  # (an array worth dropping: see ad.adoo.release)
                data = node.data
                big = type(data) is np.ndarray and data.nbytes >= _reads.SMALL
                data = None
                out_read = big and reads_out(node)
                if big and not out_read:
                    drop_value(node)  # (its children ran and were cut: no one reads it now)
            inputs = tuple(p.data for p in parents) if inputs is None else inputs
            contributions = node._op.cotangents(g, node.data, inputs, node._params,
                                                [p is not None for p in parents])
            if last:
                node._inputs = node._parents = ()  # (cut: what they held can go)
                inputs = None
        if observe is not None:
            observe(node, g, contributions)
        for parent, c in zip(parents, contributions):
            if parent is not None and c is not None:
                previous = adjoints.get(parent)
                adjoints[parent] = c if previous is None else previous + c
        if last:
            if out_read:
                drop_value(node)  # (its rules, which read it, ran)
            parent = previous = None  # (loop variables would hold one more reference)
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
