"""What a transform's tape lets go of, so that its reverse sweep holds no more than it reads.

An entry records its value and the values its op saw (`raw`), but the reverse sweep reads
only some of them (`ad.ops.reads`: `add`'s rules read neither input, `exp`'s only its value,
`matmul`'s only its inputs).  A tape a transform records for itself (not one the user made
with `with Tape()`, whose tables show every value) is therefore slimmed once f has returned:

- `release_unread`, before its first sweep: every float array no rule will read goes (the
  value of an entry nobody reads, such as `X @ W` in `X @ W + b`, and the inputs an entry's
  rules skip);
- a last sweep (`reverse(..., last=True)`, when no sweep follows) lets each entry's values go
  as soon as the rules that read them have run (`drop_read`).

A dropped array is replaced by a placeholder of its shape and dtype (`ad.ops.reads`): nothing
is ever written into an array, so values the caller holds stay as they are.
"""

from __future__ import annotations

from ..ops.reads import droppable, placeholder, reads_when
from .tape import Ref

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
    read = set()  # indices of entries whose values some rule reads
    for i, entry in enumerate(entries):
        if entry.op is None:
            continue
        found = None if entry.raw is None else _reads(entry)  # (an entry of floats reads its arguments back)
        if found is None:
            read.add(i)
            read.update(entry.sources())
            continue
        out_read, inputs_read, unread = found
        if out_read:
            read.add(i)
        args = entry.args
        for position in inputs_read:
            if type(args[position]) is Ref:
                read.add(int(args[position]))
        raw = None
        for position in unread:
            if droppable(entry.raw[position]):
                if raw is None:
                    raw = list(entry.raw)
                raw[position] = placeholder(raw[position])
        if raw is not None:
            entry.raw = tuple(raw)
    for i, entry in enumerate(entries):
        if i not in read and i not in keep and entry.op is not None and droppable(entry.value):
            entry.value = placeholder(entry.value)


def drop_value(entry) -> None:
    """In a last sweep, once no rule still to run reads the entry's value: let it go."""
    if droppable(entry.value):
        entry.value = placeholder(entry.value)


def drop_read(entry) -> None:
    """In a last sweep, after the entry's rules ran (or when none will): forget the values its
    op saw, so that each goes as soon as nothing else reads it."""
    if entry.raw is not None:
        entry.raw = ()  # (a sweep after the last one would fail loudly, never read stale values)
