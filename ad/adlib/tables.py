"""Textbook trace tables of a tape: primal, tangent and adjoint traces.

Each table keeps its cells as values (`rows`) for programs and tests, and renders as
aligned text (`str`) or as an HTML table in Jupyter (`_repr_html_`).
"""

from __future__ import annotations

import html

import numpy as np

from .sweeps import forward, reverse
from .tape import Active, Ref, Tape

ZERO = 0.0


def format_value(value) -> str:
    """Numbers with 10 significant digits, arrays compactly, handles of other tapes by name.

    >>> format_value(11.652071455223084), format_value(np.array([1.0, 2.5]))
    ('11.65207146', '[1.  2.5]')
    """
    if isinstance(value, Active):
        return f"{value.name}@tape{value.tape.level}"
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, float, np.number)):
        return f"{float(value):.10g}"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return format_value(value[()])
        return np.array2string(value, precision=4, threshold=8, edgeitems=2).replace("\n", "")
    return repr(value)


class Table:
    """A trace table: a title, column names and rows of cells."""

    def __init__(self, title: str, columns: tuple, rows: list):
        self.title, self.columns, self.rows = title, tuple(columns), rows

    def _cells(self) -> list:
        return [[c if isinstance(c, str) else format_value(c) for c in row] for row in self.rows]

    def __str__(self) -> str:
        cells = self._cells()
        widths = [max([len(h)] + [len(r[k]) for r in cells]) for k, h in enumerate(self.columns)]
        line = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
        rule = "  ".join("-" * w for w in widths)
        return "\n".join([self.title, line(self.columns), rule] + [line(r) for r in cells])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self._cells())
        return (f"<table><caption>{html.escape(self.title)}</caption><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")

    def column(self, name: str) -> list:
        """The cells of one column, as values.

        >>> Table("t", ("a", "b"), [(1, 2), (3, 4)]).column("b")
        [2, 4]
        """
        k = self.columns.index(name)
        return [row[k] for row in self.rows]


def _describe_inputs(tape: Tape, index: int) -> str:
    entry = tape.entries[index]
    if entry.op is None:
        return entry.label or ""
    parts = [tape.name(a.index) if type(a) is Ref else format_value(a) for a in entry.args]
    params = [f"{k}={v!r}" for k, v in (entry.params or {}).items()]
    return ", ".join(parts + params)


def _op_name(tape: Tape, index: int) -> str:
    op = tape.entries[index].op
    return "input" if op is None else op.name


def primal_table(tape: Tape) -> Table:
    """The forward primal trace.

    >>> from ad import adlib
    >>> with adlib.Tape() as t:
    ...     x = t.var(2.0, "x"); y = adlib.log(x)
    >>> print(t.primal_table())
    Forward primal trace
    node  op     inputs  value
    ----  -----  ------  ------------
    v0    input  x       2
    v1    log    v0      0.6931471806
    """
    rows = [(tape.name(i), _op_name(tape, i), _describe_inputs(tape, i), e.value)
            for i, e in enumerate(tape.entries)]
    return Table("Forward primal trace", ("node", "op", "inputs", "value"), rows)


def tangent_table(tape: Tape, seed) -> Table:
    """The forward tangent trace for `seed` (one tangent per input, in input order)."""
    tangents = forward(tape, seed)
    rows = [(tape.name(i), _op_name(tape, i), _describe_inputs(tape, i), e.value,
             ZERO if tangents[i] is None else tangents[i]) for i, e in enumerate(tape.entries)]
    seed_text = ", ".join(format_value(s) for s in seed)
    return Table(f"Forward tangent trace, seed ({seed_text})", ("node", "op", "inputs", "value", "tangent"), rows)


def adjoint_table(tape: Tape, y: Active) -> Table:
    """The reverse adjoint trace from y, last node first: each adjoint and its partial adjoints.

    A partial adjoint `v3: 5` in the row of v0 is the term v̄3 · ∂v3/∂v0 = 5; the adjoint of
    v0 is the sum of its partial adjoints.
    """
    if not (isinstance(y, Active) and y.tape is tape):
        raise ValueError("adjoint_table needs a handle recorded on this tape")
    partials: list = []
    adjoints = reverse(tape, [(y, 1.0)], partials)
    terms: dict = {}
    for to, frm, value in partials:
        terms.setdefault(to, []).append(f"{tape.name(frm)}: {format_value(value)}")
    rows = []
    for i in range(y.index, -1, -1):
        adjoint = ZERO if adjoints[i] is None else adjoints[i]
        seed = "seed" if i == y.index else ""
        rows.append((tape.name(i), _op_name(tape, i), tape.entries[i].value, adjoint,
                     " + ".join(terms.get(i, [])) or seed))
    return Table(f"Reverse adjoint trace of {y.name}", ("node", "op", "value", "adjoint", "partial adjoints"), rows)
