"""What a transform's graph lets go of, so that its reverse sweep holds no more than it reads.

A node records its value (`data`) and the values its op saw (`_inputs`); the reverse sweep
reads only some of them: `add`'s rule reads neither input, `exp`'s reads only its output,
`matmul`'s only its inputs (`ad.ops.reads`).  NumPy code drops a temporary such as `X @ W`
in `X @ W + b` at once; a graph would keep it to the end.  So, once f has returned (its
intermediates now belong to the graph alone):

- `release_unread` drops, before the first sweep, every float array no rule will read: the
  value of a node no rule reads, with the copies its children keep of it;
- a last sweep (`sweep(..., last=True)`, when no sweep follows) drops each node's values as
  soon as the rules that read them have run: a node's inputs once its rules ran, its value
  when no node still to run reads it.

A dropped array is replaced by a `placeholder` of its shape and dtype (no memory): nothing
is ever written, so values the caller holds stay as they are.  Arrays under `ops.reads.SMALL`
bytes stay (deciding would cost more time than they take memory), and so do the caller's
(leaves and constants) and the outputs.  A node someone else still
holds (a Var f kept in a global, a view's base, earlier contents of an updated Var) keeps its
value: only nodes the graph alone refers to lose it (`_unheld`).
"""

from __future__ import annotations

import sys

from ..ops import reads as _reads
from ..ops.reads import _WHEN, droppable, placeholder, reads_when

__all__ = ["release_unread", "drop_value", "reads_out"]

_getrefcount = sys.getrefcount


def _unheld(node, references: int) -> bool:
    """Whether the graph's own `references` to node (the list of nodes in topological order,
    the caller's loop variable, and its children's parent tuples) are all there are."""
    return _getrefcount(node) <= references + 2  # (+ this function's argument and getrefcount's)


def release_unread(order: list, keep) -> None:
    """Drop what no rule of the graph `order` (its nodes in topological order) will read.
    `keep` holds the ids of nodes whose values stay (the outputs)."""
    small = _reads.SMALL
    candidates = {}  # id -> node: values that may go, until some rule is found to read them
    unread = []  # (node, input position) where its rules do not read the parent's value
    for node in order:  # (a node's parents come before it)
        parents = node._parents
        op = node._op
        if parents is None or op is None:
            continue  # (a scalar node: floats cost nothing; a leaf is the caller's)
        data = node.data
        big = type(data) is _ndarray and data.nbytes >= small and data.dtype.kind in "fc" and id(node) not in keep
        if not big:  # (then only its parents' fate depends on its rules)
            for p in parents:
                if p is not None and id(p) in candidates:
                    break
            else:
                continue
        found = None if node._inputs is None else _reads_of(op, parents)
        if found is None:  # (rules that may read anything)
            for p in parents:
                candidates.pop(id(p), None)
            continue
        out_read, inputs_read, skipped = found
        for i in inputs_read:
            candidates.pop(id(parents[i]), None)
        for i in skipped:
            if id(parents[i]) in candidates:
                unread.append((node, i))
        if big and not out_read:
            candidates[id(node)] = node
    if not candidates:
        return
    slots = {}  # id -> how many of its children's parent tuples hold it
    for node, i in unread:
        key = id(node._parents[i])
        slots[key] = slots.get(key, 0) + 1
    parents = p = node = None  # (loop variables would count as holders below)
    released = set()
    for node in candidates.values():  # (not .items(): its pairs would hold node once more)
        if _unheld(node, 3 + slots.get(id(node), 0)):  # (the list `order`, the dict `candidates`, `node`)
            released.add(id(node))
            node.data = placeholder(node.data)
    for child, i in unread:  # the children's copies of what went
        parent = child._parents[i]
        if id(parent) in released:
            inputs = list(child._inputs)
            inputs[i] = parent.data
            child._inputs = tuple(inputs)


def _reads_of(op, parents):
    """reads_when(op, which parents are Vars), with the common arities spelled out (this runs
    for every node of a graph)."""
    n = len(parents)
    if n == 2:
        active = (parents[0] is not None, parents[1] is not None)
    elif n == 1:
        active = (parents[0] is not None,)
    else:
        active = tuple([p is not None for p in parents])
    cached = _WHEN.get((op, active))
    if cached is None or cached[0][0] is not op.vjp or cached[0][1] is not getattr(op, "vjp_reads", None):
        return reads_when(op, active)  # (first asked, or the op's rules were replaced since)
    found = cached[1]
    return None if found[0] is None else found


def reads_out(node) -> bool:
    """Whether some rule of node's op that will run reads its output."""
    found = _reads_of(node._op, node._parents)
    return found is None or found[0]


def drop_value(node) -> None:
    """In a last sweep, once no rule still to run reads node's value: drop it, unless someone
    besides the sweep holds node (its list of nodes and its loop variable; the children, which
    ran before, forgot their parents and inputs)."""
    if droppable(node.data) and _unheld(node, 3):  # (+ this function's own argument)
        node.data = placeholder(node.data)


_ndarray = _reads.np.ndarray
