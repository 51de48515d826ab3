"""One elemental function per registry op, generated from the registry.

`adlib.sin(x)` records a `sin` entry when x is a tape handle and simply computes when it is
a plain number, so constants mix freely with handles.  A newly registered op appears here
without new code; its docstring is the op's.
"""

from __future__ import annotations

from .. import ops
from .tape import record_floats


def elemental(op):
    """The elemental function of `op`: it calls the op, which records on the handle's tape.

    >>> from ad import adlib
    >>> adlib.log.__name__, float(adlib.log(1.0))
    ('log', 0.0)
    """
    # Python floats skip the registry's dispatch: one scalar entry, at once (tape.record_floats)
    fast = isinstance(op, ops.Op) and op.scalar is not None and op.differentiable
    nin = op.nin if fast else None

    def call(*args, **kwargs):
        if len(args) == nin and not kwargs:
            recorded = record_floats(op, args)
            if recorded is not None:
                return recorded
        return op(*args, **kwargs)

    call.__name__ = call.__qualname__ = op.name
    call.__doc__ = op.doc
    call.op = op
    return call


def generate() -> dict:
    """{name: elemental function} for every op in the registry, and for the functions with several
    outputs (`adlib.eigh(a)` gives the two handles of `eigh_values` and `eigh_vectors`)."""
    functions = {name: elemental(op) for name, op in ops.REGISTRY.items()}
    functions.update((name, elemental(multi)) for name, multi in ops.MULTI.items())
    return functions
