"""Small NumPy programs that alias, view, update in place and re-bind names.

The programs read like everyday NumPy code: `b = a` (an alias), `v = a[1:]` (a view),
`acc += np.sin(x)` (an in-place update when `acc` is an array, a re-binding when it is a
float), `a[1:] *= np.cos(s)` and `a[a > 0.5] = 1.0` (writes into part of an array), `a = a * 2.0` (a re-binding), `for x in range(2):` (a loop variable that takes over
an argument's name) and `if np.sum(a) > 0.5:`.  The value of the program is `np.sum` of some
names still alive at the end, so an update that a strategy loses changes the value.

The writer tracks only each name's shape, so that every statement it writes is valid NumPy
for any argument values; which names share memory is left to NumPy itself, which is the
oracle.  Values stay where every op is smooth: factors and divisors are bounded
(`np.cos(u)`, `2.0 + np.cos(u)`) and loops are short.  A drawn program looks like

    def program(x, s):
        a = x * 1.5
        v = a[1:]
        for x in range(2):
            v *= np.cos(s)
            s += 1.0
        return np.sum(a) + np.sum(s)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

from random_programs import compile_source

ARGUMENT_NAMES = ["x", "y", "s"]
LOCAL_NAMES = ["a", "b", "c", "d", "e", "acc", "v", "w", "t", "u"]
ARGUMENT_SHAPES = [(3,), (2, 3), ()]
CONSTANTS = ["0.5", "1.5", "-1.0", "2.0"]


@dataclass
class SemanticProgram:
    """A program's source text (`def program(...)`), its argument names and example values."""

    source: str
    args: list
    values: list
    analytic: bool  # no branch on a value: the complex step applies
    _function: object = field(default=None, repr=False, compare=False)

    @property
    def function(self):
        """The program compiled under a file name of its own (adsct reads it back)."""
        if self._function is None:
            self._function = compile_source(self.source)
        return self._function


def broadcast(*shapes):
    """NumPy's broadcast shape, or None where NumPy would raise.

    >>> broadcast((3,), (2, 3)), broadcast((2,), (3,))
    ((2, 3), None)
    """
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


class _Writer:
    """Writes the body of one program; `shapes` maps each live name to its shape (() for
    Python and NumPy scalars)."""

    def __init__(self, draw, budget: int):
        self.draw, self.budget = draw, budget
        self.shapes: dict = {}
        self.ints: set = set()  # names bound to a loop counter
        self.fixed: set = set()  # names whose shape must not change (inside a loop or branch)
        self.analytic = True

    # -- operands and expressions -------------------------------------------------------

    def pick(self, names=None) -> str:
        return self.draw(st.sampled_from(sorted(names if names is not None else self.shapes)))

    def arrays(self) -> list:
        return [n for n, s in self.shapes.items() if s != ()]

    def expression(self):
        """(text, shape) of a smooth expression of live names."""
        u = self.pick()
        v = self.pick()
        c = self.draw(st.sampled_from(CONSTANTS))
        both = broadcast(self.shapes[u], self.shapes[v])
        forms = [(f"{u} * {c}", self.shapes[u]), (f"np.tanh({u})", self.shapes[u]),
                 (f"np.sum({u})", ()), (f"np.sqrt(1.0 + {u} * {u})", self.shapes[u])]
        if both is not None:
            forms += [(f"{u} + {v}", both), (f"{u} - {v}", both), (f"np.sin({u}) + {v}", both),
                      (f"{u} * np.cos({v})", both), (f"{u} / (2.0 + np.cos({v}))", both)]
        return self.draw(st.sampled_from(forms))

    def operand(self, op: str, fits):
        """(text, shape) of a right-hand side for `target op= ...`, bounded so that loops
        stay small; `fits(shape)` says which shapes the target accepts."""
        names = [n for n in self.shapes if fits(self.shapes[n])]
        if not names:
            return None
        u = self.pick(names)
        c = self.draw(st.sampled_from(CONSTANTS))
        shape = self.shapes[u]
        forms = {"+=": [(u, shape), (f"np.sin({u})", shape), (f"{c} * {u}", shape), ("1.0", ())],
                 "-=": [(u, shape), (f"np.cos({u})", shape), (f"{c} * {u}", shape), ("0.5", ())],
                 "*=": [(c, ()), (f"np.cos({u})", shape), (f"np.tanh({u})", shape)],
                 "/=": [("2.0", ()), (f"(2.0 + np.cos({u}))", shape), (f"(1.0 + {u} * {u})", shape)]}[op]
        return self.draw(st.sampled_from([f for f in forms if fits(f[1])]))

    # -- statements ---------------------------------------------------------------------

    def bind(self, name: str, shape) -> None:
        self.shapes[name] = shape
        self.ints.discard(name)

    def target(self, shape):
        """A name to bind a value of `shape` to: a new local or a re-bound live name."""
        new = [n for n in LOCAL_NAMES if n not in self.shapes]
        reusable = [n for n in self.shapes if n not in self.fixed or self.shapes[n] == shape]
        if new and (not reusable or self.draw(st.integers(0, 2)) > 0):
            return new[0]
        return self.pick(reusable) if reusable else None

    def assign(self, text: str, shape) -> list:
        """`name = text` for a name `target` picks (no statement where none fits)."""
        name = self.target(shape)
        if name is None:
            return []
        self.bind(name, shape)
        return [f"{name} = {text}"]

    def assignment(self):
        return self.assign(*self.expression())

    def alias_or_view(self):
        arrays = self.arrays()
        if not arrays:
            return self.assignment()
        a = self.pick(arrays)
        shape = self.shapes[a]
        forms = [(a, shape), (f"{a}[1:]", (shape[0] - 1,) + shape[1:]),
                 (f"{a}.reshape(-1)", (int(np.prod(shape)),)), (f"{a}.ravel()", (int(np.prod(shape)),)),
                 (f"{a}.T", shape[::-1])]
        if len(shape) == 2:
            forms += [(f"{a}[:, 0]", shape[:1]), (f"{a}[0]", shape[1:])]
        return self.assign(*self.draw(st.sampled_from(forms)))

    def fresh_buffer(self):
        arrays = self.arrays()
        forms = [(f"{a}.copy()", self.shapes[a]) for a in arrays] + [("0.0", ())]
        forms += [(f"{form}({a})", self.shapes[a]) for a in arrays for form in ("np.zeros_like", "np.ones_like")]
        return self.assign(*self.draw(st.sampled_from(forms)))

    def update(self):
        """`name op= ...`: in place on an array (its aliases and views see it), a re-binding
        on a number."""
        name = self.pick()
        op = self.draw(st.sampled_from(["+=", "-=", "*=", "/="]))
        shape = self.shapes[name]
        if shape != ():  # in place: the result must keep the array's shape
            fits = lambda s: broadcast(shape, s) == shape  # noqa: E731
        elif name in self.fixed:
            fits = lambda s: s == ()  # noqa: E731
        else:
            fits = lambda s: True  # noqa: E731 - a number re-bound to an array is fine
        rhs = self.operand(op, fits)
        if rhs is None:
            return []
        self.bind(name, broadcast(shape, rhs[1]))
        return [f"{name} {op} {rhs[0]}"]

    def item_write(self):
        """`a[...] = ...` or `a[...] op= ...` on an array: a write into part of it (its aliases
        and views see it)."""
        arrays = self.arrays()
        if not arrays:
            return self.update()
        a = self.pick(arrays)
        shape = self.shapes[a]
        regions = [("[0]", shape[1:]), ("[1:]", (shape[0] - 1,) + shape[1:]), (f"[{a} > 0.5]", None)]
        if len(shape) == 2:
            regions += [("[:, 0]", shape[:1]), ("[1, 1:]", (shape[1] - 1,))]
        index, region = self.draw(st.sampled_from(regions))
        op = self.draw(st.sampled_from(["=", "+=", "*="]))
        if region is None:  # a boolean mask: only a number fits every selection
            fits = lambda s: s == ()  # noqa: E731
        else:
            fits = lambda s: broadcast(region, s) == region  # noqa: E731
        rhs = self.operand("+=" if op == "=" else op, fits)
        if rhs is None:
            return []
        return [f"{a}{index} {op} {rhs[0]}"]

    def loop(self, depth: int):
        count = self.draw(st.integers(1, 2))
        reuse = [n for n in self.shapes if n not in self.fixed] if depth == 0 else []
        counters = [n for n in ("i", "j") if n not in self.shapes]
        if reuse and (not counters or self.draw(st.booleans())):
            counter = self.pick(reuse)  # `for x in range(2):` takes over a live name
        elif counters:
            counter = counters[0]
        else:
            return []
        self.bind(counter, ())
        self.ints.add(counter)
        outer = set(self.fixed)
        self.fixed |= set(self.shapes)  # names from outside keep their shapes across iterations
        body = self.block(depth + 1)
        self.fixed = outer
        self.ints.add(counter)  # the body may re-bind it, but each iteration starts from range
        return [f"for {counter} in range({count}):"] + ["    " + line for line in body]

    def branch(self, depth: int):
        self.analytic = False
        u = self.pick()
        c = self.draw(st.sampled_from(["0.0", "0.5", "-0.5"]))
        test = f"{u} > {c}" if self.shapes[u] == () else f"np.sum({u}) > {c}"
        before, outer = dict(self.shapes), set(self.fixed)
        self.fixed |= set(self.shapes)
        body = self.block(depth + 1)
        self.shapes = {n: s for n, s in self.shapes.items() if n in before}  # new names: not in both branches
        orelse = self.block(depth + 1) if self.draw(st.booleans()) else ["pass"]
        self.shapes = {n: s for n, s in self.shapes.items() if n in before}
        self.fixed = outer
        lines = [f"if {test}:"] + ["    " + line for line in body]
        if orelse != ["pass"]:
            lines += ["else:"] + ["    " + line for line in orelse]
        return lines

    def statement(self, depth: int):
        kinds = ["assign", "alias", "update", "alias", "update", "assign", "buffer", "alias", "update", "write"]
        if depth < 2:
            kinds += ["for", "if"]
        kind = self.draw(st.sampled_from(kinds))
        self.budget -= 1
        if kind in ("for", "if"):
            return self.loop(depth) if kind == "for" else self.branch(depth)
        return {"assign": self.assignment, "alias": self.alias_or_view, "buffer": self.fresh_buffer,
                "update": self.update, "write": self.item_write}[kind]()

    def block(self, depth: int):
        lines = []
        for _ in range(self.draw(st.integers(1, 3))):
            if self.budget <= 0:
                break
            lines += self.statement(depth)
        return lines or ["pass"]


@st.composite
def semantic_programs(draw, max_statements: int = 8, max_args: int = 3):
    """Programs over 1..max_args arguments (arrays of shape (3,) or (2, 3), or a float) with
    up to max_statements statements, returning a float.

    >>> p = semantic_programs().example()
    >>> p.source.startswith("def program(") and "return " in p.source
    True
    """
    count = draw(st.integers(1, max_args))
    shapes = [draw(st.sampled_from(ARGUMENT_SHAPES)) for _ in range(count)]
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = [float(rng.uniform(-1, 1)) if shape == () else rng.uniform(-1, 1, shape) for shape in shapes]
    args = ARGUMENT_NAMES[:count]
    writer = _Writer(draw, draw(st.integers(1, max_statements)))
    for name, shape in zip(args, shapes):
        writer.bind(name, shape)
    body = writer.block(0)
    while writer.budget > 0:
        body += writer.statement(0)
    results = [n for n in sorted(writer.shapes) if n not in writer.ints]
    chosen = [n for n in results if draw(st.booleans())] or results[-1:] or ["0.0"]
    total = " + ".join(f"np.sum({n})" for n in chosen)
    lines = [f"def program({', '.join(args)}):"] + ["    " + line for line in body] + [f"    return {total}"]
    return SemanticProgram("\n".join(lines) + "\n", args, values, writer.analytic)
