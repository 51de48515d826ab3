"""Random programs drawn from the op registry, rendered as source text two ways.

A program is a list of statements over named values.  Straight-line programs are DAGs of
registry ops: each op is drawn from `ops.differentiable_ops()`, one of its domain's shape
cases picks the shapes (and static parameters) of its inputs, and inputs are taken from
earlier values of those shapes (or become new arguments).  Where an op accepts only part of
the real line (log, sqrt, arcsin, the pole of div...), its input is first squashed into that
part with `mid + half * tanh(v)`, so values stay where the op is smooth.  Control-flow
programs add `if` on values, `for`/`while` loops that re-assign names, and calls to a helper.
Partly active programs start by broadcasting two arguments of different shapes together and
come with a proper subset of their arguments to differentiate.

`Program.ops_source` spells every op as an `ops.<name>(...)` call (runs under adlib, adoo and
adsct); `Program.numpy_source` uses NumPy's spelling where NumPy has one (operators, `np.sin`,
`np.sum(x, axis=1)`) and `ops.<name>` otherwise (adoo and adsct).  `Program.compile` writes
the text to a source registered in linecache, so adsct can read it back like a file.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass, field

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from ad import ops
from ad.adsct.parse import define
from ad.ops.domain import Boolean, Real

_INFIX = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/", operator.pow: "**",
          operator.matmul: "@"}
_COUNTER = itertools.count()


def _literal(value) -> str:
    """Source text for a constant (arrays as np.array(...), also inside tuples)."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    if isinstance(value, tuple):
        items = [_literal(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"
    if isinstance(value, type) and issubclass(value, np.generic):  # a dtype parameter: np.float64
        return f"np.{value.__name__}"
    if isinstance(value, np.dtype):
        return f"np.dtype({value.name!r})"
    return repr(value)


def _numpy_function(op):
    """`np.<name>` when one of op's aliases is a NumPy function taking op's parameters by name."""
    for alias in op.aliases:
        name = getattr(alias, "__name__", None)
        if name and getattr(np, name, None) is alias:
            case = op.domain.cases[0]
            arrays = [np.full(s, 0.5) for s in case.shapes]
            try:
                want = op.apply(arrays, case.params)
                got = alias(*([arrays] if op.nin is None else arrays), **case.params)
            except (TypeError, ValueError):  # (np.einsum takes its arrays after the subscripts)
                continue
            if np.shape(got) == np.shape(want) and np.allclose(got, want):
                return f"np.{name}"
    return None


_SPELLING = {name: _numpy_function(ops.get(name)) for name in ops.differentiable_ops()}
_OPERATOR = {name: next((_INFIX[a] for a in ops.get(name).aliases if a in _INFIX), None)
             for name in ops.differentiable_ops()}


@dataclass
class Call:
    """`target = op(args..., **params)`; args are names or constants."""

    target: str
    op: str
    args: list
    params: dict = field(default_factory=dict)

    def render(self, numpy: bool) -> str:
        args = [a if isinstance(a, str) else _literal(a) for a in self.args]
        if self.op == "helper":  # the user function defined beside the program
            return f"{self.target} = helper({', '.join(args)})"
        op = ops.get(self.op)
        if op.nin is None:
            args = ["[" + ", ".join(args) + "]"]
        keywords = [f"{k}={_literal(v)}" for k, v in self.params.items()]
        if numpy and _OPERATOR[self.op] and len(args) == 2 and not keywords:
            return f"{self.target} = {args[0]} {_OPERATOR[self.op]} {args[1]}"
        if numpy and self.op == "neg":
            return f"{self.target} = -{args[0]}"
        if numpy and self.op == "getitem":
            return f"{self.target} = {args[0]}[{_literal(self.params['index'])}]"
        function = (_SPELLING[self.op] if numpy else None) or f"ops.{self.op}"
        return f"{self.target} = {function}({', '.join(args + keywords)})"


@dataclass
class Compare:
    """`target = left > right` (a mask: no derivative)."""

    target: str
    left: str
    right: float

    def render(self, numpy: bool) -> str:
        if numpy:
            return f"{self.target} = {self.left} > {self.right!r}"
        return f"{self.target} = ops.greater({self.left}, {self.right!r})"


@dataclass
class Block:
    """`if` / `for` / `while` around inner statements (see `render`)."""

    kind: str  # "if", "for" or "while"
    test: str = ""  # the if's value: branch on sum(test) > threshold
    threshold: float = 0.0
    count: int = 0
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)

    def lines(self, numpy: bool, pad: str) -> list:
        inner = [line for s in self.body for line in _lines(s, numpy, pad + "    ")] or [pad + "    pass"]
        if self.kind == "if":
            test = f"np.sum({self.test}) > {self.threshold!r}" if numpy else \
                f"ops.greater(ops.sum({self.test}), {self.threshold!r})"
            other = [line for s in self.orelse for line in _lines(s, numpy, pad + "    ")] or [pad + "    pass"]
            return [f"{pad}if {test}:"] + inner + [f"{pad}else:"] + other
        if self.kind == "for":
            return [f"{pad}for i in range({self.count}):"] + inner
        counter = f"k{len(pad)}"
        return [f"{pad}{counter} = 0", f"{pad}while {counter} < {self.count}:", f"{pad}    {counter} = {counter} + 1"] + inner


def _lines(statement, numpy: bool, pad: str) -> list:
    if isinstance(statement, Block):
        return statement.lines(numpy, pad)
    return [pad + statement.render(numpy)]


@dataclass
class Program:
    """A random program: its arguments (with example values), statements and result."""

    args: list  # names
    values: list  # example argument values
    statements: list
    results: list  # names whose sums add up to the program's value
    helper: bool = False  # whether statements call `helper` (a user function, defined alongside)
    analytic: bool = True  # holomorphic ops only, no branches: complex-step applies
    scalar: bool = False  # numbers only: the results are added as they are (no sum, which a symbol refuses)
    _compiled: dict = field(default_factory=dict, repr=False, compare=False)  # per spelling (see compile)

    def source(self, numpy: bool) -> str:
        lines = []
        if self.helper:
            body = "x * np.tanh(y) + y" if numpy else "ops.add(ops.mul(x, ops.tanh(y)), y)"
            lines += ["def helper(x, y):", f"    return {body}", "", ""]
        lines.append(f"def program({', '.join(self.args)}):")
        for s in self.statements:
            lines += _lines(s, numpy, "    ")
        if self.scalar:
            total = " + ".join(self.results) if numpy else self.results[0]
            for r in self.results[1:] if not numpy else ():
                total = f"ops.add({total}, {r})"
        elif numpy:
            total = " + ".join(f"np.sum({r})" for r in self.results)
        else:
            total = f"ops.sum({self.results[0]})"
            for r in self.results[1:]:
                total = f"ops.add({total}, ops.sum({r}))"
        lines.append(f"    return {total}")
        return "\n".join(lines) + "\n"

    @property
    def ops_source(self) -> str:
        return self.source(numpy=False)

    @property
    def numpy_source(self) -> str:
        return self.source(numpy=True)

    def compile(self, numpy: bool, namespace: dict | None = None):
        """The program as a function, its text registered in linecache (adsct reads it back);
        compiled once per spelling when no other namespace is given."""
        if namespace is not None:
            return compile_source(self.source(numpy), namespace)
        if numpy not in self._compiled:
            self._compiled[numpy] = compile_source(self.source(numpy))
        return self._compiled[numpy]


def compile_source(text: str, namespace: dict | None = None):
    """`def program(...)` in `text` as a function, under a file name of its own, with np, ops
    and `namespace` as its globals."""
    return define(text, "program", {"np": np, "ops": ops, "inf": np.inf, **(namespace or {})},  # (repr(np.inf): ord=inf)
                  f"<random program {next(_COUNTER)}>")


# -- drawing programs ------------------------------------------------------------------------

def _squash_interval(spec: Real) -> tuple:
    """(mid, half): the widest part of spec's range clear of its avoid points, as mid +- half."""
    edges = [spec.low] + sorted(a for a in spec.avoid if spec.low < a < spec.high) + [spec.high]
    pieces = []
    for k, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        a2 = a + (2 * spec.gap if k > 0 else 0.0)
        b2 = b - (2 * spec.gap if k < len(edges) - 2 else 0.0)
        pieces.append((b2 - a2, a2, b2))
    _, a, b = max(pieces)
    return round((a + b) / 2, 3), round(0.45 * (b - a), 3)


class _Builder:
    def __init__(self, draw, rng, max_args: int = 3):
        self.draw, self.rng, self.max_args = draw, rng, max_args
        self.args, self.values, self.statements = [], [], []
        self.shapes: dict = {}  # name -> shape
        self.env: dict = {}  # name -> value at the example point (straight-line part only)
        self.names = (f"v{k}" for k in itertools.count())
        self.analytic = True

    def new_arg(self, shape) -> str | None:
        if len(self.args) >= self.max_args:
            return None
        name = f"x{len(self.args)}"
        value = self.rng.uniform(-1.0, 1.0, shape)
        value = float(value) if shape == () else value
        self.args.append(name)
        self.values.append(value)
        self.shapes[name] = tuple(shape)
        self.env[name] = value
        return name

    def emit(self, statement, out: list, shape=None, value=None):
        out.append(statement)
        self.shapes[statement.target] = shape
        self.env[statement.target] = value
        return statement.target

    def operand(self, spec, shape, out: list, squash: bool) -> str | None:
        """A name of `shape` whose value lies in `spec` (squashed into it when needed)."""
        candidates = [n for n, s in self.shapes.items() if s == tuple(shape)]
        reuse = candidates and (len(self.args) >= self.max_args or self.draw(st.booleans()))
        name = self.draw(st.sampled_from(candidates)) if reuse else self.new_arg(shape)
        if name is None:
            return None
        value = self.env.get(name)
        if isinstance(spec, Boolean):  # a mask: kept out of `shapes`, so no op takes it as a number
            out.append(Compare(next(self.names), name, 0.0))
            return out[-1].target
        if not squash and value is not None and spec.contains(value):
            return name
        mid, half = _squash_interval(spec)
        tanh = self.emit(Call(next(self.names), "tanh", [name]), out, tuple(shape),
                         None if value is None else np.tanh(value))
        scaled = self.emit(Call(next(self.names), "mul", [half, tanh]), out, tuple(shape),
                           None if value is None else half * self.env[tanh])
        return self.emit(Call(next(self.names), "add", [mid, scaled]), out, tuple(shape),
                         None if value is None else mid + self.env[scaled])

    def reject(self, out: list, mark: int) -> None:
        """Take back the statements appended since `mark` (an op that did not fit here)."""
        for statement in out[mark:]:
            self.shapes.pop(statement.target, None)
            self.env.pop(statement.target, None)
        del out[mark:]

    def op_call(self, out: list, squash: bool, target: str | None = None, pool=None) -> str | None:
        """Append one random op call (with its squashing) to `out`; its target name, or None.
        `pool` restricts the draw to some ops, each with the domain cases it may use."""
        if pool is None:
            name = self.draw(st.sampled_from(ops.differentiable_ops()))
            op = ops.get(name)
            case = self.draw(st.sampled_from(op.domain.cases))
        else:
            name = self.draw(st.sampled_from(sorted(pool)))
            op = ops.get(name)
            case = self.draw(st.sampled_from(pool[name]))
        mark = len(out)
        args = []
        for i, shape in enumerate(case.shapes):
            arg = self.operand(op.domain.spec(i), shape, out, squash)
            if arg is None:
                return self.reject(out, mark)
            args.append(arg)
        values = [self.env.get(a) for a in args]
        if not squash:  # straight-line: check the op is smooth here, with NumPy's own result
            if op.domain.valid is not None and not op.domain.valid(*values, **case.params):
                return self.reject(out, mark)
            with np.errstate(all="ignore"):
                value = op.apply(values, case.params)
            if not np.all(np.isfinite(value)) or np.max(np.abs(value), initial=0.0) > 1e3:
                return self.reject(out, mark)
        else:
            value = None
        self.analytic = self.analytic and op.holomorphic
        if not _complex_output(name, case, value):
            return self.emit(Call(target or next(self.names), name, args, dict(case.params)), out,
                             np.shape(value) if value is not None else None, value)
        # a complex result (np.fft) is read through its real part: the programs are real
        # functions of real inputs, whose gradients every strategy and both differences agree on
        spectrum = self.emit(Call(next(self.names), name, args, dict(case.params)), out,
                             np.shape(value) if value is not None else None, value)
        self.analytic = False
        return self.emit(Call(target or next(self.names), "real", [spectrum]), out,
                         np.shape(value) if value is not None else None,
                         None if value is None else np.real(value))


def _complex_output(name: str, case, value) -> bool:
    """Whether op `name` gives complex values for real arguments of `case`'s shapes (`value`:
    its result at the example point, when known)."""
    if value is None:
        probe = np.random.default_rng(0)
        try:
            with np.errstate(all="ignore"):
                value = ops.get(name).apply([probe.uniform(0.1, 0.9, s) for s in case.shapes], dict(case.params))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            return False
    return bool(np.iscomplexobj(value))


@st.composite
def straight_line_programs(draw, max_ops: int = 6, numbers_only: set | None = None):
    """DAGs of 1..max_ops registry ops (plus squashing), over 1-3 arguments.  With
    `numbers_only` (a set of op names), programs of numbers: those ops on scalar inputs only."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    builder = _Builder(draw, rng)
    pool = None if numbers_only is None else _scalar_pool(numbers_only)
    builder.new_arg(draw(st.sampled_from([(), (3,), (2, 3)] if pool is None else [()])))
    last = None
    for _ in range(draw(st.integers(1, max_ops))):
        last = builder.op_call(builder.statements, squash=False, pool=pool) or last
    if last is None:  # every draw was rejected: fall back to one smooth op
        last = builder.emit(Call("v_end", "sin", [builder.args[0]]), builder.statements,
                            builder.shapes[builder.args[0]], np.sin(builder.values[0]))
    used = {a for s in builder.statements for a in getattr(s, "args", [getattr(s, "left", None)]) if isinstance(a, str)}
    results = [s.target for s in builder.statements if s.target not in used and isinstance(s, Call)] or [last]
    return Program(builder.args, builder.values, builder.statements, results, analytic=builder.analytic,
                   scalar=pool is not None)


def _scalar_pool(names: set) -> dict:
    """{op name: its domain cases on numbers without parameters}, for the differentiable ops in `names`."""
    pool = {}
    for name in ops.differentiable_ops():
        cases = [c for c in ops.get(name).domain.cases if not c.params and all(tuple(s) == () for s in c.shapes)]
        if name in names and cases:
            pool[name] = cases
    return pool


def _broadcast(*shapes):
    """The shape these shapes broadcast to, or None."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def _broadcasting_pairs() -> list:
    """(op name, shapes) for every two-input op and pair of different input shapes it broadcasts
    (its output has the broadcast shape of its inputs)."""
    pairs = []
    for name in ops.differentiable_ops():
        op = ops.get(name)
        if op.nin != 2 or any(isinstance(op.domain.spec(i), Boolean) for i in (0, 1)):
            continue
        for case in op.domain.cases:
            if case.params or case.shapes[0] == case.shapes[1] or not _broadcast(*case.shapes):
                continue
            try:
                with np.errstate(all="ignore"):
                    out = op.apply([np.full(shape, 0.5) for shape in case.shapes], {})
            except ValueError:  # (a singular matrix: not a broadcasting op anyway)
                continue
            if np.shape(out) == _broadcast(*case.shapes):
                pairs.append((name, case.shapes))
    return pairs


_BROADCASTING = _broadcasting_pairs()


@st.composite
def partly_active_programs(draw, max_ops: int = 5):
    """(program, argnums): a straight-line program that starts by broadcasting two arguments of
    different shapes together (x0 + x1 with x0 a number and x1 a matrix, say), and a proper
    subset of its arguments to differentiate, so an active value meets inactive ones."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    builder = _Builder(draw, rng, max_args=2)
    name, shapes = draw(st.sampled_from(_BROADCASTING))
    for shape in shapes:
        builder.new_arg(shape)
    op = ops.get(name)
    out = builder.statements
    args = [builder.operand(op.domain.spec(i), shape, out, squash=False) for i, shape in enumerate(shapes)]
    values = [builder.env[a] for a in args]
    with np.errstate(all="ignore"):
        value = op.apply(values, {})
    assume((op.domain.valid is None or op.domain.valid(*values)) and np.all(np.isfinite(value)))
    first = builder.emit(Call(next(builder.names), name, args), out, np.shape(value), value)
    builder.max_args = 3
    for _ in range(draw(st.integers(0, max_ops))):
        builder.op_call(out, squash=False)
    used = {a for s in out for a in getattr(s, "args", [getattr(s, "left", None)]) if isinstance(a, str)}
    results = [s.target for s in out if s.target not in used and isinstance(s, Call)] or [first]
    program = Program(builder.args, builder.values, out, results, analytic=builder.analytic)
    n = len(program.args)
    active = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n - 1, unique=True))
    return program, tuple(sorted(active))


_SMOOTH = ["sin", "cos", "tanh", "arctan", "sigmoid", "mul", "add", "sub"]


@st.composite
def control_flow_programs(draw):
    """Programs on values of one shape with if/for/while, re-assignment and a helper call."""
    shape = draw(st.sampled_from([(), (3,)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    args = ["x0", "x1"]
    values = [float(v) if shape == () else v for v in (rng.uniform(-1, 1, shape) for _ in args)]
    names = list(args)
    counter = itertools.count()

    def update(target: str) -> list:
        """target = 0.5 * target + op(...): stays bounded however often a loop repeats it."""
        name = draw(st.sampled_from(_SMOOTH))
        operands = [draw(st.sampled_from(names)) for _ in range(ops.get(name).nin)]
        term = f"t{next(counter)}"
        statements = [Call(term, name, operands)]
        if len(operands) == 2:  # sums and products could grow from one iteration to the next
            statements.append(Call(f"t{next(counter)}", "tanh", [term]))
            term = statements[-1].target
        half = f"t{next(counter)}"
        return statements + [Call(half, "mul", [0.5, target]), Call(target, "add", [half, term])]

    def block(depth: int) -> list:
        out = []
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["assign", "assign", "helper", "if", "for", "while"] if depth < 2 else ["assign"]))
            target = draw(st.sampled_from(names))
            if kind == "assign":
                out += update(target)
            elif kind == "helper":
                out.append(Call(target, "helper", [target, draw(st.sampled_from(names))]))
            elif kind == "if":
                test = draw(st.sampled_from(names))
                out.append(Block("if", test=test, threshold=round(draw(st.floats(-0.5, 0.5)), 3),
                                 body=update(target) + block(depth + 1), orelse=update(target)))
            else:
                out.append(Block(kind, count=draw(st.integers(0, 3)), body=update(target) + block(depth + 1)))
        return out

    statements = block(0)
    return Program(args, values, statements, names, helper=True, analytic=False)
