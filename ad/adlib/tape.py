"""The tape (Wengert list) and its handles.

A `Tape` records one entry per elemental call: the inputs first (named v-1, v0, ... as in
the textbooks: with n inputs they are v(1-n) ... v0), then every intermediate (v1, v2, ...).
An `Active` is a handle on one entry.  Handles have no arithmetic operators: the elemental
library spells every step out (`adlib.mul(x, y)`, never `x * y`).

Memory is the tape: every intermediate value stays recorded until the tape is dropped or
`release()`d, which is what lets the sweeps run any number of times and the trace tables
show every value.  (The tapes the transforms record for themselves keep only what their
rules read: see ad.adlib.release.)
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Optional

import numpy as np

from .. import levels, ops
from ..derived import as_value, like_input, plain, plain_tree, zeros_like
from ..errors import NotDifferentiableError
from ..ops import reads as _reads
from ..ops.core import _ENGINES

_MATH_ERRORS = (ValueError, ZeroDivisionError, OverflowError)
_new = object.__new__
_NO_PARAMS: dict = {}  # shared, never mutated
_CURRENT_TAPE: ContextVar[Optional["Tape"]] = ContextVar("ad_adlib_tape", default=None)


class Ref(int):
    """An argument that is an earlier entry of the same tape: that entry's index.  Entries hold
    these rather than the handles themselves: a handle points at its tape, so a tape holding
    handles would be a reference cycle, left with all its arrays for the garbage collector
    after every use.  An int, so the garbage collector has nothing to track.

    >>> Ref(3).index, type(Ref(3)) is Ref
    (3, True)
    """

    __slots__ = ()

    @property
    def index(self) -> int:
        return int(self)


class Entry:
    """One line of the tape: an input (op None) or an elemental call and its value.

    `args` are the call's arguments (a `Ref` for each of this tape's values, constants and
    outer tapes' handles as they are), `raw` the values the op saw: the sweeps need both
    (`values(entries)` gives them; an entry of Python floats keeps `raw` None, one object
    less for the garbage collector per elemental call, and reads them back from the tape).
    """

    __slots__ = ("op", "args", "raw", "params", "value", "label")

    def __init__(self, op, args, raw, params, value, label=None):
        self.op, self.args, self.raw, self.params, self.value, self.label = op, args, raw, params, value, label

    def values(self, entries: list) -> tuple:
        """The values the op saw (`raw`, or for an entry of floats its arguments read from `entries`)."""
        raw = self.raw
        if raw is None:
            raw = tuple([entries[a].value if type(a) is Ref else a for a in self.args])
        return raw

    def sources(self) -> list:
        """Indices of the earlier entries this one reads, in argument order (constants skipped)."""
        return [a.index for a in self.args if type(a) is Ref]


class Tape:
    """A Wengert list: record with `var(...)` and elemental calls, then sweep it.

    >>> from ad import adlib
    >>> with adlib.Tape() as tape:
    ...     x1, x2 = tape.var(2.0, "x1"), tape.var(5.0, "x2")
    ...     y = adlib.sub(adlib.add(adlib.log(x1), adlib.mul(x1, x2)), adlib.sin(x2))
    >>> y, tape
    (v5 = 11.65207146 (sub), <Tape: 2 inputs, 5 intermediates>)
    >>> tape.gradient(y, wrt=[x2])
    (1.7163378145367738,)

    The tape is the current one inside `with`; tapes nest (an inner tape may record values
    that are handles of an outer one), and each thread or task has its own current tape.
    """

    def __init__(self):
        self.entries: list[Entry] = []
        self.inputs: list[int] = []  # entry indices of the inputs, in order
        self.level = levels.next_level()
        self._tokens = []

    # -- context ---------------------------------------------------------------------------
    def __enter__(self) -> "Tape":
        """Make this the tape that elemental calls record on, until the `with` block ends."""
        self._tokens.append((_CURRENT_TAPE.set(self), levels.enter(self.level)))
        return self

    def __exit__(self, *exc) -> None:
        tape_token, level_token = self._tokens.pop()
        levels.leave(level_token)
        _CURRENT_TAPE.reset(tape_token)

    # -- recording ---------------------------------------------------------------------------
    def var(self, value, label: Optional[str] = None) -> "Active":
        """Record an input with this value (ints are promoted to float); returns its handle."""
        self.entries.append(Entry(None, (), (), None, as_value(value), label))
        self.inputs.append(len(self.entries) - 1)
        return Active(self, len(self.entries) - 1)

    def record(self, op, args: tuple, raw: tuple, params: dict, value) -> "Active":
        """Append an elemental call: its arguments, the values the op saw, and its value."""
        entry = _new(Entry)  # (without __init__'s call: every elemental call passes here)
        entry.op, entry.args, entry.raw, entry.params, entry.value, entry.label = op, args, raw, params, value, None
        entries = self.entries
        entries.append(entry)
        handle = _new(Active)
        handle.tape, handle.index, handle._ad_level = self, Ref(len(entries) - 1), self.level
        return handle

    def release(self) -> None:
        """Drop every recorded value; the tape and its handles are unusable afterwards."""
        self.entries.clear()
        self.inputs.clear()

    def __len__(self) -> int:
        return len(self.entries)

    # -- naming ------------------------------------------------------------------------------
    def name(self, index: int) -> str:
        """The textbook name of entry `index`: inputs v(1-n)..v0, intermediates v1, v2, ..."""
        if self.entries[index].op is None:
            return f"v{self.inputs.index(index) + 1 - len(self.inputs)}"
        return f"v{index + 1 - sum(1 for i in self.inputs if i < index)}"

    # -- sweeps (see sweeps.py) --------------------------------------------------------------
    def gradient(self, y: "Active", wrt=None) -> tuple:
        """One reverse sweep from y: the adjoints of the inputs (or of the handles in `wrt`).

        Inputs that y does not depend on get zeros.
        """
        from .sweeps import reverse
        self._check_handle(y, "gradient")
        if np.shape(plain(y.value)) != ():
            raise ValueError(f"gradient needs a scalar; {y.name} has shape {np.shape(plain(y.value))}")
        targets = [Active(self, i) for i in self.inputs] if wrt is None else list(wrt)
        for t in targets:
            self._check_handle(t, "gradient(wrt=...)")
        adjoints = reverse(self, [(y, 1.0)], keep={t.index for t in targets})
        return tuple(like_input(zeros_like(self.entries[t.index].value) if adjoints[t.index] is None
                                else adjoints[t.index], self.entries[t.index].value) for t in targets)

    def _check_handle(self, x, who: str) -> None:
        """Refuse anything but a handle recorded on this tape (a sweep of this tape cannot
        reach another tape's values: their adjoints would silently be missing)."""
        if type(x) is not Active:
            raise TypeError(f"tape.{who} needs a value recorded on this tape (from tape.var or an elemental "
                            f"call inside `with tape:`), got a {type(x).__name__}")
        if x.tape is not self:
            raise ValueError(f"tape.{who}: {x.name} was recorded on another tape; call that tape's {who} "
                             f"instead")
        if x.index >= len(self.entries):
            raise ValueError(f"tape.{who}: the tape was released, its values are gone")

    def tangents(self, seed) -> list:
        """One forward sweep with one tangent per input (in input order): every entry's tangent."""
        from .sweeps import forward
        return forward(self, seed)

    def primal_table(self):
        """The forward primal trace: name, op, inputs and value of every entry."""
        from .tables import primal_table
        return primal_table(self)

    def tangent_table(self, seed):
        """The forward tangent trace for one tangent per input (e.g. (1.0, 0.0) for d/dx1)."""
        from .tables import tangent_table
        return tangent_table(self, seed)

    def adjoint_table(self, y: "Active"):
        """The reverse adjoint trace from y: adjoints and the partial adjoints adding up to them."""
        from .tables import adjoint_table
        return adjoint_table(self, y)

    def __repr__(self) -> str:
        return f"<Tape: {len(self.inputs)} inputs, {len(self.entries) - len(self.inputs)} intermediates>"


def current_tape() -> Tape:
    """The tape of the innermost `with Tape()` block.

    >>> current_tape()
    Traceback (most recent call last):
    ...
    RuntimeError: no tape is recording: use `with adlib.Tape() as tape:` and tape.var(...)
    """
    tape = _CURRENT_TAPE.get()
    if tape is None:
        raise RuntimeError("no tape is recording: use `with adlib.Tape() as tape:` and tape.var(...)")
    return tape


# -- handles -----------------------------------------------------------------------------------

def _refuse_operator(symbol: str, elemental: str):
    def refuse(self, *args):
        raise TypeError(f"values on an adlib tape have no operators: write adlib.{elemental}(...) "
                        f"instead of using {symbol}")
    refuse.__name__ = f"refuse_{elemental}"
    return refuse


class Active:
    """A handle on one tape entry.  `.value` is its value, `.name` its textbook name; `.index`
    is the entry's index, a `Ref` ready to be recorded as an argument."""

    __slots__ = ("tape", "index", "_ad_level")
    __hash__ = object.__hash__

    def __init__(self, tape: Tape, index: int):
        self.tape, self.index, self._ad_level = tape, Ref(index), tape.level

    @property
    def value(self):
        return self.tape.entries[self.index].value

    def _value(self):  # the engine protocol of ad.derived.plain
        return self.tape.entries[self.index].value

    @property
    def name(self) -> str:
        return self.tape.name(self.index)

    @property
    def shape(self):
        return np.shape(plain(self.value))

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def dtype(self):
        return np.result_type(plain(self.value))

    def __repr__(self) -> str:
        entry = self.tape.entries[self.index]
        what = entry.op.name if entry.op is not None else (entry.label or "input")
        from .tables import format_value
        return f"{self.name} = {format_value(self.value)} ({what})"

    # No arithmetic: every step is an explicit elemental call.
    def __array__(self, dtype=None, copy=None):
        raise TypeError("an adlib value cannot become a NumPy array (its derivative would be lost); "
                        "use .value for the number")

    def __float__(self):
        raise TypeError("float() of an adlib value would drop its derivative; use .value for the number")

    def __bool__(self):
        raise TypeError("an adlib value has no truth value: branch on .value explicitly")

    def __iter__(self):
        raise TypeError("an adlib value is not iterable: use adlib.getitem(x, i)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        op = ops.lookup(ufunc)
        if op is None:
            raise NotDifferentiableError(f"numpy.{ufunc.__name__} has no elemental function in adlib")
        raise TypeError(f"numpy.{ufunc.__name__} on an adlib value: call the elemental function "
                        f"adlib.{op.name}(...) instead")

    def __array_function__(self, func, types, args, kwargs):
        if func in ops.constant.NO_DERIVATIVE:  # shape queries and the like carry no derivative
            return func(*plain_tree(args), **plain_tree(kwargs))
        op = ops.lookup(func)
        name = getattr(func, "__name__", repr(func))
        if op is None:
            raise NotDifferentiableError(f"numpy.{name} has no elemental function in adlib")
        raise TypeError(f"numpy.{name} on an adlib value: call the elemental function adlib.{op.name}(...) instead")


_OPERATORS = {
    "+": ("add", ("__add__", "__radd__", "__iadd__")), "-": ("sub", ("__sub__", "__rsub__", "__isub__")),
    "*": ("mul", ("__mul__", "__rmul__", "__imul__")), "/": ("div", ("__truediv__", "__rtruediv__", "__itruediv__")),
    "**": ("pow", ("__pow__", "__rpow__", "__ipow__")), "@": ("matmul", ("__matmul__", "__rmatmul__")),
    "unary -": ("neg", ("__neg__",)), "abs()": ("abs", ("__abs__",)), "<": ("less", ("__lt__",)),
    "<=": ("less_equal", ("__le__",)), ">": ("greater", ("__gt__",)), ">=": ("greater_equal", ("__ge__",)),
    "==": ("equal", ("__eq__",)), "!=": ("not_equal", ("__ne__",)), "x[...]": ("getitem", ("__getitem__",)),
    "//": ("floor", ("__floordiv__", "__rfloordiv__")), "%": ("sub", ("__mod__", "__rmod__")),
}
for _symbol, (_elemental, _dunders) in _OPERATORS.items():
    for _dunder in _dunders:
        setattr(Active, _dunder, _refuse_operator(_symbol, _elemental))


# -- the engine hook ---------------------------------------------------------------------------

def record_floats(op, args: tuple):
    """Record op(*args) computed with `math` (the op's scalar fast path, `Op.scalar`) when the
    arguments are numbers and handles of one tape holding Python floats; None otherwise, or
    where math refuses (the registry's dispatch and NumPy take over).  The reverse sweep
    then takes the op's partials of these floats (sweeps.reverse)."""
    tape, values, refs = None, [], []
    for x in args:
        kind = type(x)
        if kind is Active:
            if x.tape is not tape:
                if tape is not None:
                    return None  # (handles of two tapes: the registry picks the inner one)
                tape = x.tape
            index = x.index
            value = tape.entries[index].value
            if type(value) is not float:
                return None
            values.append(value)
            refs.append(index)
        elif kind is float or kind is int:
            values.append(x)
            refs.append(x)
        else:
            return None
    if tape is None:
        return None
    try:
        value = op.scalar[0](*values)
    except _MATH_ERRORS:
        return None
    if type(value) is not float:  # (an int constant and math on ints)
        value = float(value)
    return tape.record(op, tuple(refs), None, _NO_PARAMS, value)


def apply(op, inputs: tuple, params: dict) -> Any:
    """Record `op` on the tape of the innermost handle among the inputs."""
    level, tape = -1, None
    for x in inputs:
        if type(x) is Active and x._ad_level > level:
            level, tape = x._ad_level, x.tape
    raw, args, direct, floats = [], [], True, True
    for x in inputs:
        # this tape's handles give their values (and are recorded as Refs); constants and
        # outer-level values stay as they are
        if type(x) is Active and x.tape is tape:
            args.append(x.index)  # (a Ref)
            x = tape.entries[x.index].value
        else:
            args.append(x)
        raw.append(x)
        direct = direct and type(x) not in _ENGINES
        floats = floats and type(x) is float
    raw = tuple(raw)
    if floats and op.scalar is not None and not params and op.differentiable:  # (ops.mul(x, y), ...)
        recorded = record_floats(op, inputs)
        if recorded is not None:
            return recorded
    # no outer-level values: compute directly (the registry's dispatch is for those)
    value = op.compute(raw, params) if direct else op.apply(raw, params)
    if type(value) is np.ndarray and value.nbytes >= _reads.SMALL:
        _reads.LARGE[0] += 1  # (see ad.adlib.release)
    if not op.differentiable:
        return value
    return tape.record(op, tuple(args), raw, params, value)


ops.register_engine(Active, apply)
