"""What a transform's tape lets go of, so that its reverse sweep holds no more than it reads.

An entry records its value and the values its op saw (`raw`), but the reverse sweep reads
only some of them (`ad.ops.reads`: `add`'s rules read neither input, `exp`'s only its value,
`matmul`'s only its inputs).  A tape a transform records for itself (not one the user made
with `with Tape()`, whose tables show every value) is therefore slimmed once f has returned:

- `release_unread`, before its first sweep: every float array no rule will read goes (the
  value of an entry no rule reads, such as `X @ W` in `X @ W + b`, with the copies the
  entries reading it keep);
- a last sweep (`reverse(..., last=True)`, when no sweep follows) lets each entry's values go
  as soon as the rules that read them have run (`drop_read`).

A dropped array is replaced by a placeholder of its shape and dtype (`ad.ops.reads`): nothing
is ever written into an array, so values the caller holds stay as they are.
"""

from __future__ import annotations

from ..ops import reads as ops_reads
from ..ops.reads import droppable, placeholder, reads_when
from .tape import Ref

_ndarray = ops_reads.np.ndarray

__all__ = ["release_unread", "reads_out", "drop_value", "drop_read"]


def _reads(entry):
    """reads_when for the entry's op and its arguments (a `Ref` carries a derivative)."""
    return reads_when(entry.op, tuple([type(a) is Ref for a in entry.args]))


def reads_out(entry) -> bool:
    """Whether a rule of the entry that will run reads its value."""
    found = _reads(entry)
    return found is None or found[0]


def release_unread(entries: list, keep) -> None:
    """Drop what no rule of the tape's `entries` will read; the indices in `keep` (the inputs
    and outputs) keep their values."""
    small = ops_reads.SMALL
    candidates = set()  # indices of values that may go, until some rule is found to read them
    unread = []  # (entry, argument position) where its rules do not read that earlier value
    for i, entry in enumerate(entries):
        raw = entry.raw
        if entry.op is None or raw is None:
            continue  # (an input is the caller's; an entry of floats costs nothing)
        value = entry.value
        big = type(value) is _ndarray and value.nbytes >= small and value.dtype.kind in "fc" and i not in keep
        args = entry.args
        if not big:  # (then only its arguments' fate depends on its rules)
            for a in args:
                if type(a) is Ref and a in candidates:
                    break
            else:
                continue
        found = _reads(entry)
        if found is None:  # (rules that may read anything)
            candidates.difference_update([a for a in args if type(a) is Ref])
            continue
        out_read, inputs_read, skipped = found
        for position in inputs_read:
            if type(args[position]) is Ref:
                candidates.discard(args[position])
        for position in skipped:
            if type(args[position]) is Ref and args[position] in candidates:
                unread.append((entry, position))
        if big and not out_read:
            candidates.add(i)
    for i in candidates:
        entries[i].value = placeholder(entries[i].value)
    for entry, position in unread:  # the readers' copies of what went
        j = entry.args[position]
        if j in candidates:
            raw = list(entry.raw)
            raw[position] = entries[j].value
            entry.raw = tuple(raw)


def drop_value(entry) -> None:
    """In a last sweep, once no rule still to run reads the entry's value: let it go."""
    if droppable(entry.value):
        entry.value = placeholder(entry.value)


def drop_read(entry) -> None:
    """In a last sweep, after the entry's rules ran (or when none will): forget the values its
    op saw, so that each goes as soon as nothing else reads it."""
    if entry.raw is not None:
        entry.raw = ()  # (a sweep after the last one would fail loudly, never read stale values)
