"""Nesting levels: each transform call (grad, jvp, ...) differentiates at a level of its own.

Shared by every strategy.  Levels are handed out in increasing order, so a transform nested
inside another always has the higher level, and two transforms never share one.  A value created by a transform
carries its level; an op whose inputs carry several levels is handled by the highest, which
treats the others as constants.  So the derivative taken inside
`grad(lambda x: ... grad(g)(y) ...)` never leaks into the outer one (no perturbation
confusion).

The levels of the transforms still running are kept too: a value carrying any other level
escaped from a transform that has finished (through a global, a closure or a container),
and `is_live` lets the transforms refuse it at their boundaries.
"""

import itertools
from contextlib import contextmanager
from contextvars import ContextVar

_COUNTER = itertools.count(1)
_CURRENT: ContextVar[int] = ContextVar("ad_level", default=0)
_RUNNING: ContextVar[frozenset] = ContextVar("ad_running_levels", default=frozenset())


def current() -> int:
    """The level of the innermost running transform (0 outside any transform).

    >>> current()
    0
    """
    return _CURRENT.get()


def next_level() -> int:
    """A fresh level, higher than every level handed out before.

    >>> next_level() < next_level()
    True
    """
    return next(_COUNTER)


def is_live(level: int) -> bool:
    """Whether a value of `level` belongs to a transform that is still running (level 0,
    values built by hand outside any transform, always is).

    >>> is_live(0), is_live(next_level())
    (True, False)
    """
    return level == 0 or level in _RUNNING.get()


def enter(level: int):
    """Make `level` the current one; returns the token `leave` needs."""
    return _CURRENT.set(level), _RUNNING.set(_RUNNING.get() | {level})


def leave(token) -> None:
    """Restore the level that was current before the matching `enter`."""
    current_token, running_token = token
    _RUNNING.reset(running_token)
    _CURRENT.reset(current_token)


@contextmanager
def new_level():
    """Enter a fresh level for the duration of a transform; yields it.

    >>> with new_level() as level:
    ...     level == current() > 0
    True
    """
    token = enter(next_level())
    try:
        yield current()
    finally:
        leave(token)
