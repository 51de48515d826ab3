"""Binomial checkpointing of one loop in generated reverse-mode code (Griewank's schedule).

A helper of generated code (adsct's `checkpoints=k`, see checkpointing.py), which is written
as small functions of one step each, sharing the variables of the generated code:

- `state()` and `restore(state)`: the values of every name the loop assigns, as a tuple;
- `advance(step)`: the loop's body run once, saving nothing;
- `record(step)`: the body run once, pushing what its reverse step needs on the stack;
- `back(step)`: the reverse step, popping those values and adding to the adjoints;
- `test()`, for a `while` loop: its condition (run before each step, as Python does).

`CheckpointedLoop.run` is the loop's forward sweep: it keeps the state at a few steps (never
more than `slots` of them, the loop's entry included), runs the last step with `record`, and
keeps the schedule for the reverse sweep.  `reverse(back)` reverses the steps from last to
first: each from the nearest kept state before it, advanced again up to that step (placing
new checkpoints in free slots on the way), then recorded and reversed.  Where each next
checkpoint goes is Griewank's binomial choice, so the number of `advance` calls is the least
possible, `advances(n, slots)` (about n log n / log slots for n much larger than `slots`).
A `while` loop's count is unknown until it ends: `run()` runs it through once, keeping only
the entry state, and counting; the reverse sweep then starts from there.

Everything is a loop over positions: no recursion, any number of steps.

>>> trace = []
>>> x = [0.0]  # (the loop's state: x = x + 1.0, five times)
>>> def step(k):
...     x[0] = x[0] + 1.0
>>> def record(k):
...     trace.append(("record", k)); step(k)
>>> loop = CheckpointedLoop(2, lambda: tuple(x), lambda s: x.__setitem__(0, s[0]), step, record)
>>> loop.run(5)
>>> x[0], loop.advanced
(5.0, 4)
>>> loop.reverse(lambda k: trace.append(("back", k)))
>>> [k for what, k in trace if what == "back"], loop.advanced == advances(5, 2), loop.held_most
([4, 3, 2, 1, 0], True, 2)
"""

from __future__ import annotations

from contextlib import contextmanager
from math import comb


def repetitions(steps: int, slots: int) -> int:
    """The fewest times r that some step must be run forward (records aside) to reverse
    `steps` steps with `slots` kept states: the least r with C(slots + r, slots) >= steps.

    >>> repetitions(10, 3), repetitions(10_000, 10)
    (2, 7)
    """
    r = 0
    while comb(slots + r, slots) < steps:
        r += 1
    return r


def advances(steps: int, slots: int) -> int:
    """How many forward steps without recording the binomial schedule makes (the least
    possible, Griewank 1992): r * steps - C(slots + r, slots + 1) with r = repetitions(...).

    >>> advances(6, 1), advances(6, 2), advances(6, 6)
    (15, 8, 5)
    """
    if steps <= 1:
        return 0
    r = repetitions(steps, slots)
    return r * steps - comb(slots + r, slots + 1)


def split(steps: int, slots: int) -> int:
    """How far to run from a kept state before keeping the next, with `steps` steps still to
    reverse and `slots` kept states for them (the present one included, at least two): the
    first part then needs one repetition fewer, and the rest fits in one slot fewer.

    >>> split(6, 2), split(20, 3), split(3, 5)
    (3, 10, 1)
    """
    r = repetitions(steps, slots)
    return max(1, min(comb(slots + r - 1, slots), steps - comb(slots + r - 2, slots - 1)))


_FINISHED = None  # (a list while `recording()` is on: every loop reversed meanwhile)


@contextmanager
def recording():
    """Collect every CheckpointedLoop that finishes its reverse sweep meanwhile (for tests and
    benchmarks: their `advanced`, `recorded` and `held_most` counts).

    >>> with recording() as loops:
    ...     loop = CheckpointedLoop(1, lambda: (), lambda s: None, lambda k: None, lambda k: None)
    ...     loop.run(3); loop.reverse(lambda k: None)
    >>> [(l.steps, l.advanced, l.recorded, l.held_most) for l in loops]
    [(3, 3, 3, 1)]
    """
    global _FINISHED
    outer, _FINISHED = _FINISHED, []
    try:
        yield _FINISHED
    finally:
        _FINISHED = outer


class CheckpointedLoop:
    """One run of a loop under binomial checkpointing with at most `slots` kept states."""

    def __init__(self, slots: int, state, restore, advance, record, test=None):
        self.slots, self.state, self.restore = slots, state, restore
        self.advance_step, self.record_step, self.test = advance, record, test
        self.kept: list = []  # (step, state before it), steps increasing
        self.steps = None  # how many steps the loop made
        self.again = False  # True while steps are run again (generated code skips print(...) then)
        self.advanced = self.recorded = self.held_most = 0

    def run(self, steps=None) -> None:
        """The forward sweep: `steps` steps (None: a while loop, as long as `test()` holds)."""
        if steps is None:
            self._keep(0)
            steps = 0
            while self.test():
                self.advance_step(steps)
                self.advanced += 1
                steps += 1
            self.steps = steps
            return
        self.steps = steps
        if steps:
            self._keep(0)
            self._toward(steps - 1)

    def reverse(self, back) -> None:
        """The reverse sweep: `back(step)` for every step, last first; the state is left as
        it was when the loop began."""
        if not self.steps:
            return
        self.again = True
        last = self.steps - 1
        if self.test is not None:  # a while loop: nothing recorded yet
            self.restore(self.kept[0][1])
            self._toward(last)
        while True:
            back(last)
            if last == 0:
                break
            if self.kept[-1][0] == last:
                self.kept.pop()
            last -= 1
            self.restore(self.kept[-1][1])
            self._toward(last)
        self.restore(self.kept[0][1])
        self.kept.clear()
        if _FINISHED is not None:
            _FINISHED.append(self)

    def _keep(self, step: int) -> None:
        self.kept.append((step, self.state()))
        self.held_most = max(self.held_most, len(self.kept))

    def _toward(self, last: int) -> None:
        """From the latest kept state, run on to step `last` (keeping states in free slots on
        the way, at the binomial places), then record step `last`."""
        position = self.kept[-1][0]
        while position < last:
            free = self.slots - len(self.kept)
            stop = position + split(last + 1 - position, free + 1) if free else last
            while position < stop:
                if self.test is not None:
                    self.test()
                self.advance_step(position)
                self.advanced += 1
                position += 1
            if position < last:
                self._keep(position)
        if self.test is not None:
            self.test()
        self.record_step(last)
        self.recorded += 1
