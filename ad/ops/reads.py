"""Which values an op's reverse rules read: what a recorded graph must keep for its sweep.

A VJP rule is `rule(g, out, *inputs, **params)`, but few rules read everything they are
given: `add`'s rules read neither input, `exp`'s and `tanh`'s read only `out`, `matmul`'s
only the inputs.  The parameter list next to each rule in the registry is the declaration:
a rule reads exactly the parameters its code loads, which the compiler has written down.
Engines that record values for a later sweep (ad.adoo, ad.adlib) keep only what some rule
will read, and let the rest go (see `ad.adoo.release`, `ad.adlib.release`).

An op may also say it outright, `Op.vjp_reads` (one `(reads_out, input positions)` per
input), for a rule the compiler cannot see into.  Where the answer is unsure (a rule that is
not plain Python code, one taking `*inputs`, an op that overrides `cotangents`) everything
is read: `None`.

>>> from ad import ops
>>> vjp_reads(ops.add), vjp_reads(ops.exp), vjp_reads(ops.mul)
(((False, frozenset()), (False, frozenset())), ((True, frozenset()),), ((False, frozenset({1})), (False, frozenset({0}))))
"""

from __future__ import annotations

import dis
import inspect
import types
from typing import Optional

import numpy as np

from .core import Op

__all__ = ["vjp_reads", "rule_reads", "reads_when", "droppable", "placeholder", "SMALL"]

_CACHE: dict = {}  # id(op) -> (op.vjp it was found from, the answer)

# Arrays smaller than this (bytes) are kept: letting them go would save less memory than the
# time it costs to decide (a graph's small values add up to little beside its large ones).
SMALL = 1 << 16

# How many arrays of SMALL bytes or more the engines have computed (ad.adoo.var.apply,
# ad.adlib.tape.apply): a transform whose f computed none has nothing to let go, and skips
# the passes that would look.
LARGE = [0]


def rule_reads(rule, nin: int) -> Optional[tuple]:
    """`(reads_out, frozenset of input positions)` a rule `rule(g, out, x0, ..., **params)`
    reads, or None when that cannot be told from its code.

    >>> rule_reads(lambda g, out, x, y: g * y, 2), rule_reads(lambda g, out, *xs: g, 2)
    ((False, frozenset({1})), None)
    """
    if type(rule) is not types.FunctionType:
        return None  # (a builtin, a partial, a callable object: opaque)
    code = rule.__code__
    if code.co_flags & inspect.CO_VARARGS or code.co_argcount < 2 + nin:
        return None
    names = code.co_varnames[:code.co_argcount]
    loaded = set(code.co_cellvars)  # (an argument a nested function captures: read there)
    for instruction in dis.get_instructions(code):
        if instruction.opname.startswith(("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE")):
            value = instruction.argval
            loaded.update(value if isinstance(value, tuple) else (value,))
    return names[1] in loaded, frozenset(i for i in range(nin) if names[2 + i] in loaded)


def vjp_reads(op: Op) -> Optional[tuple]:
    """One `(reads_out, input positions)` per input of `op` (None for an input without a rule),
    or None when any rule may read anything (then every value is kept)."""
    declared = getattr(op, "vjp_reads", None)
    if declared is not None:
        return declared
    cached = _CACHE.get(id(op))
    if cached is not None and cached[0] is op.vjp:
        return cached[1]
    answer = None
    if op.nin is not None and op.vjp is not None and type(op).cotangents is Op.cotangents:
        answer = tuple(None if rule is None else rule_reads(rule, op.nin) for rule in op.vjp)
        if any(r is None for r, rule in zip(answer, op.vjp) if rule is not None):
            answer = None
        else:
            answer = tuple((False, frozenset()) if r is None else r for r in answer)
    _CACHE[id(op)] = (op.vjp, answer)
    return answer


_WHEN: dict = {}  # (op, which inputs are active) -> ((the rules asked, declared reads), reads_when's answer)


def reads_when(op: Op, active: tuple) -> Optional[tuple]:
    """What the rules of `op` that run read, when the inputs flagged in `active` carry a
    derivative (the others are constants, whose rules never run): `(reads_out, input positions
    read, input positions not read)`, or None when that cannot be told.

    >>> from ad import ops
    >>> reads_when(ops.mul, (True, False)), reads_when(ops.add, (True, True))
    ((False, frozenset({1}), (0,)), (False, frozenset(), (0, 1)))
    """
    key, rules = (op, active), (op.vjp, getattr(op, "vjp_reads", None))
    cached = _WHEN.get(key)
    if cached is not None and cached[0][0] is rules[0] and cached[0][1] is rules[1]:
        found = cached[1]
    else:  # (first asked, or the op's rules were replaced since: ask them again)
        reads = vjp_reads(op)
        if reads is None:
            found = (None,)
        else:
            running = [r for r, a in zip(reads, active) if a]
            positions = frozenset().union(*(r[1] for r in running))
            found = (any(r[0] for r in running), positions, tuple(i for i in range(len(active)) if i not in positions))
        _WHEN[key] = (rules, found)
    return None if found[0] is None else found


def droppable(x) -> bool:
    """Whether x is worth a placeholder: a float or complex array of SMALL bytes or more
    (numbers cost nothing; other values, such as an outer transform's, are left alone).

    >>> droppable(np.ones(10**4)), droppable(np.ones(4)), droppable(2.0)
    (True, False, False)
    """
    return type(x) is np.ndarray and x.nbytes >= SMALL and x.dtype.kind in "fc"


_PLACEHOLDERS: dict = {}  # (dtype, shape) -> placeholder: read-only, so one serves every graph


def placeholder(x):
    """What stands for a float array no rule will read: x's shape and dtype (rules and the
    registry read those), no memory, read-only, and nan everywhere, so that a rule reading it
    after all would give nan rather than a plausible wrong number.

    >>> p = placeholder(np.ones((2, 3))); p.shape, p.dtype, p.flags.writeable, bool(np.isnan(p).all())
    ((2, 3), dtype('float64'), False, True)
    """
    key = (x.dtype, x.shape)
    found = _PLACEHOLDERS.get(key)
    if found is None:
        if len(_PLACEHOLDERS) > 1024:  # (bounded: programs of ever new shapes)
            _PLACEHOLDERS.clear()
        found = _PLACEHOLDERS[key] = np.broadcast_to(np.full((), np.nan, x.dtype), x.shape)
    return found
