"""Reverse mode as an extended computational graph, as the course notes draw it.

First-generation backpropagation walks the forward graph and hands numbers back along it.
Reverse-mode AD instead *extends* the graph: adoo's sweep with `create_graph=True` applies
each op's VJP rule to the graph's own nodes, so every adjoint v̄i and every partial adjoint
v̄i→j = v̄j ∂vj/∂vi (what node j sends back to node i) is a new node computed by ordinary
registry ops from the forward values.  The gradient is itself a graph, which is why it can
be differentiated again (`ExtendedGraph.differentiate`).

`extended_graph` records that sweep through its `observe` hook and names the nodes as the
notes do.  Names: v-1, v0, v1, ... forward nodes (inputs first); v̄i adjoints; v̄i→j partial
adjoints; r1, r2, ... values inside an adjoint rule (the cos(v0) of sin's rule); ∂y/∂vi the
adjoints of a further extension.  One node may carry several names: add passes its adjoint
on unchanged, so v̄1 is the very node v̄3.

>>> g = extended_graph(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), 2.0, 5.0, argnums=(0, 1))
>>> g.value("v̄-1"), round(g.value("v̄0"), 6), g.value("v̄0→2"), g.size(0), g.size(1)
(5.5, 1.716338, 2.0, 7, 9)
"""

from __future__ import annotations

import inspect
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from . import levels
from .adlib.tables import format_value
from .adlib.tape import Active, Ref
from .adoo.backward import sweep, topological_order
from .adoo.var import Var, repaired_parents
from .derived import as_value

__all__ = ["Node", "ExtendedGraph", "extended_graph"]

BAR = "v\u0304"  # v with a macron: the adjoint v̄


@dataclass
class Node:
    """One node of an extended graph.

    `order` is 0 for the forward graph, 1 for the adjoint nodes of the first extension, 2
    for those of a second, ...; `names` its names (the first one is shown); `op` "input",
    "seed", "constant" or the registry op; `parents` indices of the nodes it reads;
    `depth` the column it is drawn in.
    """

    index: int
    names: list
    order: int
    op: str
    value: Any
    parents: tuple = ()
    arguments: list = field(default_factory=list)  # per argument: (True, node index) or (False, constant)
    depth: int = 0
    note: str = ""  # an input's argument name
    label: str = ""  # the call computing it, e.g. "mul(v̄2, v0)" ("input x1", "seed")

    @property
    def name(self) -> str:
        return self.names[0]


class ExtendedGraph:
    """A forward graph and the adjoint nodes its reverse sweeps added; see the module doc.

    `str(graph)` lists every node (name, order, call, value) for terminals;
    `ad.plots.draw_extended_graph` draws it.
    """

    def __init__(self, level: int):
        self.nodes: list[Node] = []
        self.level = level
        self._vars: list = []           # the Var of each node (None for a constant)
        self._where: dict = {}          # id(var) -> node index
        self._by_name: dict = {}        # every name -> node index
        self._rules = 0                 # rule values named so far (r1, r2, ...)
        self._targets: dict = {}        # order -> the node that extension differentiates

    # -- looking up -------------------------------------------------------------------------
    def node(self, name: str) -> Node:
        """The node carrying `name` (KeyError naming the known names otherwise)."""
        if name not in self._by_name:
            raise KeyError(f"no node is called {name!r}; the graph has {', '.join(self._by_name)}")
        return self.nodes[self._by_name[name]]

    def __contains__(self, name: str) -> bool:
        """Whether some node carries `name` (an unused input has no adjoint node)."""
        return name in self._by_name

    def value(self, name: str):
        """The value of the node carrying `name` (a float for a number)."""
        value = self.node(name).value
        return float(value) if np.ndim(value) == 0 else value

    def size(self, order: Optional[int] = None) -> int:
        """How many nodes the graph has (of one `order` only, if given)."""
        return sum(1 for n in self.nodes if order is None or n.order == order)

    # -- growing ----------------------------------------------------------------------------
    def _add(self, var, names: list, order: int, op: Optional[str] = None, value=None, floor: int = 0) -> int:
        """Add var as a node (or give an existing node more names); returns its index."""
        if var is not None and id(var) in self._where:
            index = self._where[id(var)]
            self._name(index, names)
            return index
        index = len(self.nodes)
        if var is None:
            node = Node(index, [], order, op or "constant", value)
        else:
            node = Node(index, [], order, op or ("input" if var.op is None else var.op.name), var.data)
            self._where[id(var)] = index
            parents = repaired_parents(var)
            inputs = var._inputs if var._inputs is not None else [p.data for p in parents]
            node.arguments = [(False, x) if p is None else (True, self._where[id(p)]) for p, x in zip(parents, inputs)]
            node.parents = tuple(dict.fromkeys(a for is_node, a in node.arguments if is_node))
        node.depth = max([floor] + [self.nodes[p].depth + 1 for p in node.parents])
        self.nodes.append(node)
        self._vars.append(var)
        self._name(index, names)
        return index

    def _name(self, index: int, names) -> None:
        for name in names:
            # a node read twice (x * x) sends back two partial adjoints: v̄0→1 and v̄0→1′
            while self._by_name.get(name, index) != index:
                name += "′"
            if name not in self._by_name:
                self._by_name[name] = index
                self.nodes[index].names.append(name)

    def _finish_labels(self) -> None:
        """Spell each argument as its node's name, or a constant by its value."""
        for node in self.nodes:
            if node.op in ("input", "seed", "constant"):
                node.label = f"{node.op} {node.note}".rstrip()
            else:
                spelled = [self.nodes[a].name if is_node else _constant(a) for is_node, a in node.arguments]
                node.label = f"{node.op}({', '.join(spelled)})"

    def _extend(self, target, seed_name: str, order: int, adjoint_name) -> None:
        """Sweep back from `target` with create_graph=True (seed: a new leaf of ones) and add
        what the sweep builds as nodes of `order`.  `adjoint_name(node)` names the adjoints
        to keep (None: not named, and for order > 1 not kept either)."""
        seed = Var(np.ones_like(target.data) if isinstance(target.data, np.ndarray) else 1.0, level=self.level)
        events = []
        token = levels.enter(self.level)
        try:
            sweep([(target, seed)], create_graph=True,
                  observe=lambda node, g, partials: events.append((node, g, partials)))
        finally:
            levels.leave(token)
        names: dict = {id(seed): [[seed_name], []]}  # id(value) -> [adjoint names, partial adjoint names]
        kept = [seed]
        floor = 1 + max(n.depth for n in self.nodes)  # the new nodes come after all the others
        for node, g, partials in events:
            name = adjoint_name(node)
            if name is None:
                continue
            names.setdefault(id(g), [[], []])[0].append(name)
            kept.append(g)
            if order == 1:  # partial adjoints are named in the first extension
                for parent, c in zip(repaired_parents(node), partials):
                    if parent is not None and c is not None:
                        to = self.nodes[self._where[id(parent)]].name
                        names.setdefault(id(c), [[], []])[1].append(_partial(to, self.nodes[self._where[id(node)]].name))
                        kept.append(c)
        for var in topological_order([x for x in kept if isinstance(x, Var)]):
            given = names.get(id(var), [[], []])
            if id(var) not in self._where and not given[0] + given[1]:
                self._rules += 1
                given = [[f"r{self._rules}"], []]
            self._add(var, given[0] + given[1], order, "seed" if var is seed else None, floor=floor)
        for value in kept:  # an adjoint that depends on nothing (a rule's zeros)
            if not isinstance(value, Var) and id(value) not in self._where:
                self._where[id(value)] = self._add(None, sum(names[id(value)], []), order, "constant", value, floor)
        self._finish_labels()

    # -- a further extension ----------------------------------------------------------------
    def differentiate(self, name: str) -> "ExtendedGraph":
        """Extend the graph once more: the adjoints of the inputs with respect to node `name`.

        The new nodes (order one higher) are named ∂{name}/∂vi; for an adjoint of the
        first extension they are second derivatives of f.  The graph itself grows (and is
        returned).

        >>> g = extended_graph(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), 2.0, 5.0, argnums=(0, 1))
        >>> g.differentiate("v̄-1").value("∂v̄-1/∂v-1")
        -0.25
        """
        target = self._vars[self.node(name).index]
        if target is None:
            raise ValueError(f"{name} is a constant: its derivatives are zero")
        order = max(n.order for n in self.nodes) + 1
        inputs = {id(self._vars[n.index]): n.name for n in self.nodes if n.op == "input"}
        self._targets[order] = name
        self._extend(target, f"∂{name}/∂{name}", order,
                     lambda node: f"∂{name}/∂{inputs[id(node)]}" if id(node) in inputs else None)
        return self

    # -- text ---------------------------------------------------------------------------------
    def __str__(self) -> str:
        heads = {0: "forward graph", 1: "adjoint nodes (first extension)"}
        heads.update({order: f"extension {order}: derivatives of {name}" for order, name in self._targets.items()})
        lines = [f"extended graph: {self.size(0)} forward nodes, {self.size() - self.size(0)} adjoint nodes"]
        rows = []
        for order in sorted({n.order for n in self.nodes}):
            rows.append((heads.get(order, f"extension {order}"),))
            for n in (n for n in self.nodes if n.order == order):
                rows.append(("  " + " = ".join(n.names), n.label, format_value(n.value)))
        widths = [max(_width(r[k]) for r in rows if len(r) == 3) for k in range(3)]
        for row in rows:
            lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ExtendedGraph: {self.size(0)} forward nodes, {self.size() - self.size(0)} adjoint nodes>"


def _width(text: str) -> int:
    """Columns text takes in a terminal (the macron of v̄ takes none)."""
    return sum(1 for c in text if not unicodedata.combining(c))


def _constant(value) -> str:
    return format_value(value) if np.ndim(value) == 0 else f"array{np.shape(value)}"


def _partial(to: str, frm: str) -> str:
    """v̄i→j from the names vi and vj."""
    return f"{BAR}{to[1:]}→{frm[1:]}"


def _bar(name: str) -> str:
    return f"{BAR}{name[1:]}"


# -- building -------------------------------------------------------------------------------------

def extended_graph(f=None, *args, argnums=0, graph=None) -> ExtendedGraph:
    """The extended computational graph of f at `args`: its forward graph and the adjoint
    nodes of one reverse sweep (seeded with a new leaf, 1), differentiating with respect to
    the arguments in `argnums` (numbers or arrays; f must return a number).

    Instead of f, `graph=` takes what an engine recorded: an `adoo.Var` (its graph, every
    leaf an input) or an `adlib` handle (its tape, replayed through adoo).

    >>> print(extended_graph(lambda x: np.exp(x) * x, 0.0))
    extended graph: 3 forward nodes, 5 adjoint nodes
    forward graph
      v0         input x          0
      v1         exp(v0)          1
      v2         mul(v1, v0)      0
    adjoint nodes (first extension)
      v̄2         seed             1
      v̄1 = v̄1→2  mul(v̄2, v0)      0
      v̄0→2       mul(v1, v̄2)      1
      v̄0→1       mul(v̄1, v1)      0
      v̄0         add(v̄0→2, v̄0→1)  1
    """
    if graph is not None:
        if f is not None or args:
            raise TypeError("extended_graph takes either a function and its arguments or graph=..., not both")
        if isinstance(graph, Active):
            return _from_tape(graph)
        if isinstance(graph, Var):
            return _build(graph, None, {}, graph._ad_level)
        raise TypeError(f"graph= takes an adoo.Var or an adlib handle (what an engine recorded), "
                        f"not a {type(graph).__name__}")
    if not callable(f):
        raise TypeError("extended_graph needs a function (or graph=...)")
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    labels = _parameter_names(f, len(args))
    for i in positions:
        if not (np.ndim(args[i]) == 0 and isinstance(args[i], (int, float, np.number)) or isinstance(args[i], np.ndarray)):
            raise TypeError(f"extended_graph differentiates numbers and arrays; argument {i} "
                            f"({labels[i]}) is a {type(args[i]).__name__}")
    with levels.new_level() as level:
        inputs = [Var(as_value(args[i]), level=level) for i in positions]
        call = list(args)
        for i, x in zip(positions, inputs):
            call[i] = x
        out = f(*call)
    return _build(out, inputs, {id(x): labels[i] for i, x in zip(positions, inputs)}, level)


def _from_tape(y: Active) -> ExtendedGraph:
    """Replay y's tape through adoo (each entry one Var node) and extend that graph."""
    tape = y.tape
    with levels.new_level() as level:
        values = []
        for entry in tape.entries:
            if entry.op is None:
                values.append(Var(entry.value, level=level))
                continue
            if any(isinstance(a, Active) for a in entry.args):
                raise ValueError("extended_graph of a tape recorded inside another tape is not supported: "
                                 "record the function on one tape")
            values.append(entry.op.apply([values[a.index] if type(a) is Ref else a for a in entry.args],
                                         entry.params or {}))
        inputs = [values[i] for i in tape.inputs]
        labels = {id(values[i]): tape.entries[i].label for i in tape.inputs if tape.entries[i].label}
    names = {id(v): tape.name(i) for i, v in enumerate(values) if isinstance(v, Var)}
    return _build(values[y.index], inputs, labels, level, names)


def _build(out, inputs, labels: dict, level: int, names: Optional[dict] = None) -> ExtendedGraph:
    if not (isinstance(out, Var) and out._ad_level == level):
        raise ValueError("the output does not depend on the differentiated arguments: its graph has no nodes")
    if np.ndim(out.data) != 0:
        raise ValueError(f"extended_graph needs a number as the output (as grad does); it has shape "
                         f"{np.shape(out.data)}: reduce it first, e.g. with np.sum")
    forward = topological_order([out] + list(inputs or ()))
    if inputs is None:  # a Var graph: its leaves are the inputs, in creation order
        inputs = [v for v in forward if v.op is None]
    if names is None:
        names = {id(x): f"v{k + 1 - len(inputs)}" for k, x in enumerate(inputs)}
        others = [v for v in forward if id(v) not in names]
        names.update({id(v): f"v{k + 1}" for k, v in enumerate(others)})
    graph = ExtendedGraph(level)
    for var in forward:
        index = graph._add(var, [names[id(var)]], 0)
        if id(var) in labels:
            graph.nodes[index].note = labels[id(var)]
    graph._extend(out, _bar(names[id(out)]), 1,
                  lambda node: _bar(names[id(node)]) if id(node) in names else None)
    return graph


def _parameter_names(f, count: int) -> list:
    """f's parameter names for `count` positional arguments (x0, x1, ... where unknown)."""
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"x{i}" for i in range(count)]
