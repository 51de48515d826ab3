"""The two sweeps over a tape.

Forward (tangent) sweep, in recording order:   v̇i = Σ_j ∂vi/∂vj · v̇j   (the op's JVP rules).
Reverse (adjoint) sweep, in reverse order:     v̄j += v̄i · ∂vi/∂vj      (the op's VJP rules),
so every adjoint is the sum of the partial adjoints its uses send back.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .. import ops
from ..ops.core import _ENGINES
from ..ops import reads as _reads
from .release import drop_read, drop_value, reads_out
from .tape import _MATH_ERRORS, Active, Ref, Tape


def _add(a, b):
    if a is None:
        return b
    if type(a) in _ENGINES or type(b) in _ENGINES:
        return ops.add(a, b)  # handles of an outer tape have no + operator
    return a + b


def _on(tape: Tape, handle) -> bool:
    """Whether a handle the caller passed in is a value of this tape.  (In an entry's
    arguments, this tape's values are exactly the `Ref`s: see tape.apply.)"""
    return type(handle) is Active and handle.tape is tape


def forward(tape: Tape, seed) -> list:
    """Tangents of every entry for one tangent per input, in input order (None means zero).

    >>> from ad import adlib
    >>> with adlib.Tape() as t:
    ...     x = t.var(3.0); y = adlib.mul(x, x)
    >>> float(forward(t, (1.0,))[y.index])
    6.0
    """
    seed = tuple(seed)
    if len(seed) != len(tape.inputs):
        raise ValueError(f"the tape has {len(tape.inputs)} inputs but the seed has {len(seed)} tangents")
    tangents: list = [None] * len(tape.entries)
    for index, t in zip(tape.inputs, seed):
        tangents[index] = t
    for i, entry in enumerate(tape.entries):
        if entry.op is None:
            continue
        incoming = [tangents[a.index] if type(a) is Ref else None for a in entry.args]
        if any(t is not None for t in incoming):
            tangents[i] = entry.op.tangent(incoming, entry.value, entry.values(tape.entries), entry.params)
    return tangents


def reverse(tape: Tape, seeds, partials: Optional[list] = None, keep=(), last: bool = False) -> list:
    """Adjoints of every entry, sweeping back from `seeds` [(handle, cotangent), ...].

    With a list as `partials`, each partial adjoint is appended to it as
    (to_index, from_index, value): the terms v̄i · ∂vi/∂vj the trace tables show.
    Adjoints of intermediates are dropped once passed on (except for the indices in `keep`,
    and when `partials` is asked for), so the sweep's own memory is one frontier of the tape.
    With `last` (no sweep of this tape follows) the entries' values go too, once read
    (`ad.adlib.release`); the entries in `keep` keep theirs.

    >>> from ad import adlib
    >>> with adlib.Tape() as t:
    ...     x = t.var(3.0); y = adlib.mul(x, x)
    >>> float(reverse(t, [(y, 1.0)])[x.index])
    6.0
    """
    adjoints: list = [None] * len(tape.entries)
    last_seed = -1
    for handle, cotangent in seeds:
        if not _on(tape, handle):
            continue
        i = handle.index
        adjoints[i] = _add(adjoints[i], cotangent)
        last_seed = max(last_seed, i)
    entries = tape.entries
    if last:
        for entry in entries[last_seed + 1:]:
            drop_read(entry)  # (recorded after every seed: never swept)
    for i in range(last_seed, -1, -1):
        g = adjoints[i]
        entry = entries[i]
        if g is None or entry.op is None:
            if last:
                drop_read(entry)
            continue
        op, value, args = entry.op, entry.value, entry.args
        scalar = None
        if entry.raw is None and (type(g) is float or type(g) is np.float64):
            try:  # an entry of Python floats (tape.record_floats): the op's partials of them
                if len(args) == 2:
                    a, b = args
                    scalar = op.scalar[1](value, entries[a].value if type(a) is Ref else a,
                                          entries[b].value if type(b) is Ref else b)
                else:
                    scalar = op.scalar[1](value, *entry.values(entries))
            except _MATH_ERRORS:
                pass  # (sqrt at 0, ...): NumPy's inf or nan, through the rules
        if scalar is not None:
            for a, d in zip(args, scalar):
                if type(a) is Ref:  # (a Ref is an index)
                    c = g * d
                    previous = adjoints[a]
                    adjoints[a] = c if previous is None else previous + c if type(previous) is float \
                        else _add(previous, c)
                    if partials is not None:
                        partials.append((int(a), i, c))
        else:
            wanted = [type(a) is Ref for a in entry.args]
            big = last and type(value) is np.ndarray and value.nbytes >= _reads.SMALL and i not in keep
            out_read = big and reads_out(entry)
            if big and not out_read:
                drop_value(entry)  # (the entries reading it come later on the tape: swept already)
                value = entry.value
            for a, c in zip(args, op.cotangents(g, value, entry.values(entries), entry.params, wanted)):
                if c is not None:
                    j = a.index
                    adjoints[j] = _add(adjoints[j], c)
                    if partials is not None:
                        partials.append((j, i, c))
            if last:
                drop_read(entry)
                if out_read:
                    drop_value(entry)  # (its rules, which read it, ran)
                value = c = None  # (locals would hold them to the next entry)
        if partials is None and i not in keep:
            adjoints[i] = None  # passed on: an intermediate's adjoint is no longer needed
    return adjoints
