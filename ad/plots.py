"""Pictures for the demo notebook: a tape's computation graph, reverse mode's extended
graph, finite-difference error curves and a classifier's decision regions.

matplotlib is imported only inside the drawing functions (it is a development extra, not a
run-time dependency of `ad`); `tape_graph` computes the layout without it.

>>> from ad import adlib
>>> with adlib.Tape() as tape:
...     x = tape.var(2.0, "x"); y = adlib.sin(adlib.mul(x, x))
>>> [node["name"] for node in tape_graph(tape)[0]], tape_graph(tape)[1]
(['v0', 'v1', 'v2'], [(0, 1), (1, 2)])
"""

from __future__ import annotations

import re

import numpy as np

from .graphs import ExtendedGraph, extended_graph

__all__ = ["STRATEGY_COLOURS", "OTHER_COLOURS", "tape_graph", "draw_tape", "draw_extended_graph",
           "plot_step_errors", "plot_decision_boundary"]

# One colour per strategy in every picture (the notebook's and python -m ad.bench's charts).
STRATEGY_COLOURS = {"adsct": "tab:blue", "adoo": "tab:orange", "adlib": "tab:green", "numeric": "tab:purple"}
# Colours for everything else (methods, derivative orders, models): none of them is a strategy's,
# so a reader never takes a blue line for adsct when it is not.  Usable as a colour cycle.
OTHER_COLOURS = ("black", "tab:red", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")

# Finite-difference methods: (colour, marker, line width, zorder).  The complex step and the
# central difference have the same truncation error, so their curves coincide for large steps:
# the complex step is drawn as a wide pale band underneath, the central difference on top.
_METHOD_STYLES = {"forward": ("tab:red", "o", 1.2, 3), "backward": ("tab:pink", "v", 1.2, 3),
                  "central": ("black", "s", 1.2, 4), "richardson": ("tab:brown", "D", 1.2, 3),
                  "complex": ("tab:olive", "", 4.0, 2)}


def tape_graph(tape):
    """The computation graph recorded on an `adlib.Tape`: `(nodes, edges)`.

    Each node is a dict with `index` (entry index), `name` (v-1, v0, v1, ...), `op` ("input"
    or the op name), `label` (an input's label or the call, e.g. "log(v-1)"), `value`,
    `depth` (0 for inputs, else 1 + the largest depth of its arguments) and `position`
    (x = depth, y = rank within its depth, centred on 0).  Edges are `(from, to)` entry
    indices, one per distinct argument.

    >>> from ad import adlib
    >>> with adlib.Tape() as tape:
    ...     x1, x2 = tape.var(2.0, "x1"), tape.var(5.0, "x2")
    ...     y = adlib.sub(adlib.add(adlib.log(x1), adlib.mul(x1, x2)), adlib.sin(x2))
    >>> nodes, edges = tape_graph(tape)
    >>> [(n["name"], n["label"], n["depth"]) for n in nodes]  # doctest: +NORMALIZE_WHITESPACE
    [('v-1', 'x1', 0), ('v0', 'x2', 0), ('v1', 'log(v-1)', 1), ('v2', 'mul(v-1, v0)', 1),
     ('v3', 'add(v1, v2)', 2), ('v4', 'sin(v0)', 1), ('v5', 'sub(v3, v4)', 3)]
    >>> edges
    [(0, 2), (0, 3), (1, 3), (2, 4), (3, 4), (1, 5), (4, 6), (5, 6)]
    """
    nodes, edges, depth = [], [], []
    for i, entry in enumerate(tape.entries):
        sources = entry.sources()
        parents = list(dict.fromkeys(sources))
        depth.append(1 + max((depth[p] for p in parents), default=-1))
        edges.extend((p, i) for p in parents)
        if entry.op is None:
            op, label = "input", entry.label or tape.name(i)
        else:
            op = entry.op.name
            label = f"{op}({', '.join(tape.name(p) for p in sources)})"
        nodes.append({"index": i, "name": tape.name(i), "op": op, "label": label,
                      "value": entry.value, "depth": depth[i]})
    for d in set(depth):
        layer = [n for n in nodes if n["depth"] == d]
        for rank, node in enumerate(layer):
            node["position"] = (float(d), (len(layer) - 1) / 2.0 - rank)
    return nodes, edges


def _short(value) -> str:
    if np.ndim(value) == 0:
        return f"{float(np.real(value)):.4g}"
    return f"array{np.shape(value)}"


def draw_tape(tape, ax=None, values: bool = True, highlight=None, radius: float = 0.28,
              spacing=(1.8, 1.3)):
    """Draw the tape's computation graph left to right by depth; returns the axes.

    Nodes are circles named v-1, v0, v1, ... with the call (and the value, if `values`)
    written underneath; arrows run from each argument to the call using it.  `highlight`
    is a collection of entry indices drawn in a second colour (e.g. the output); `spacing`
    is the distance between depths and between nodes of one depth.

    >>> from matplotlib.figure import Figure
    >>> from ad import adlib
    >>> with adlib.Tape() as tape:
    ...     x = tape.var(2.0, "x"); y = adlib.exp(x)
    >>> ax = draw_tape(tape, Figure().subplots())
    >>> {"v0", "v1", "exp(v0)"} <= {t.get_text().split(chr(10))[0] for t in ax.texts}
    True
    """
    from matplotlib.patches import Circle

    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.subplots(figsize=(7, 3.5))[1]
    nodes, edges = tape_graph(tape)
    highlight = set(highlight or ())
    where = {n["index"]: np.array(n["position"]) * spacing for n in nodes}
    for a, b in edges:
        start, end = where[a], where[b]
        unit = (end - start) / np.linalg.norm(end - start)
        ax.annotate("", xy=end - radius * unit, xytext=start + radius * unit,
                    arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.2, shrinkA=0, shrinkB=0))
    for node in nodes:
        x, y = where[node["index"]]
        colour = ("#c9e4ff" if node["op"] == "input" else
                  "#ffd8a8" if node["index"] in highlight else "#e8e8e8")
        ax.add_patch(Circle((x, y), radius, facecolor=colour, edgecolor="0.2", lw=1.2, zorder=2))
        ax.text(x, y, node["name"], ha="center", va="center", fontsize=11, zorder=3)
        caption = node["label"] + (f"\n= {_short(node['value'])}" if values else "")
        ax.text(x, y - radius - 0.06, caption, ha="center", va="top", fontsize=8.5, zorder=3,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))
    xs = [p[0] for p in where.values()] or [0.0]
    ys = [p[1] for p in where.values()] or [0.0]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.95, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# forward graph, first extension, further extensions: (face, edge and text colour)
_ORDER_COLOURS = [("#ececec", "0.15"), ("#fde0dd", "#c0392b"), ("#e8def8", "#6a3d9a")]
_INPUT_FACE = "#c9e4ff"
_NAME = re.compile(r"(?<![A-Za-z_])(∂)?(v\u0304|v|r)(-?\d+)(?:→(-?\d+))?(′*)")


def _math(text: str) -> str:
    r"""Node names in mathtext (v̄-1→2 as v̄ with subscript -1→2), the rest as it is.

    >>> print(_math("mul(v̄4, r1)"))
    mul($\bar{v}_{4}$, $r_{1}$)
    """
    def spell(m):
        partial, base, i, j, primes = m.groups()
        sub = i if j is None else i + r"\to " + j
        base = r"\bar{v}" if base == "v\u0304" else base
        return "$" + (r"\partial " if partial else "") + base + "_{" + sub + "}" + "'" * len(primes) + "$"
    return _NAME.sub(spell, text)


def draw_extended_graph(f=None, *args, argnums=0, graph=None, differentiate=(), ax=None,
                        values: bool = True, spacing=(1.8, 0.95)):
    """Draw reverse mode's extended computational graph (see `ad.graphs`); returns the figure.

    The forward graph is black, the adjoint nodes of the reverse sweep red, and each node
    further extension (`differentiate`: names of nodes to differentiate, e.g. "v̄-1") purple;
    every node shows its name, the call computing it and its value.  Arrows run from each
    value a call reads, so the red arrows leaving black nodes are the forward values the
    adjoint rules read.  `graph=` takes an `ExtendedGraph`, an `adoo.Var` or an `adlib`
    handle instead of f and its arguments.

    >>> from matplotlib.figure import Figure
    >>> f = lambda x: np.sin(x) * x
    >>> fig = draw_extended_graph(f, 1.0, ax=Figure().subplots())
    >>> shown = [t for t in fig.axes[0].texts if t.get_color() != "none"]  # (not the arrows' boxes)
    >>> len(shown) == 2 * extended_graph(f, 1.0).size()  # a name and a caption each
    True
    """
    if not isinstance(graph, ExtendedGraph):
        graph = extended_graph(f, *args, argnums=argnums, graph=graph)
    for name in (differentiate,) if isinstance(differentiate, str) else differentiate:
        graph.differentiate(name)
    where = _layout(graph, spacing)
    if ax is None:
        import matplotlib.pyplot as plt
        xs, ys = zip(*where.values())
        fig, ax = plt.subplots(figsize=(max(xs) - min(xs) + 2.0, max(ys) - min(ys) + 1.4))
        fig.subplots_adjust(0.01, 0.01, 0.99, 0.99)
    box = dict(boxstyle="round,pad=0.35", lw=1.1)
    for node in graph.nodes:
        face, edge = _ORDER_COLOURS[min(node.order, 2)]
        face = _INPUT_FACE if node.op == "input" else face
        x, y = where[node.index]
        name = _math(node.name)
        ax.text(x, y, name, ha="center", va="center", fontsize=10.5, color=edge, zorder=3,
                bbox=dict(box, facecolor=face, edgecolor=edge))
        caption = _math(node.label) + (f"\n= {_short(node.value)}" if values else "")
        ax.text(x, y - 0.2, caption, ha="center", va="top", fontsize=7.5, color=edge, zorder=3,
                bbox=dict(boxstyle="round,pad=0.1", facecolor="white", edgecolor="none", alpha=0.8))
        for p in node.parents:
            # An invisible copy of the node's box carries the arrow, which annotate then ends
            # exactly at the box's border, however wide the name is (the head stays visible).
            dashed = node.order > 0 and graph.nodes[p].order == 0  # a forward value a rule reads
            ax.annotate(name, xy=where[p], xytext=(x, y), ha="center", va="center", fontsize=10.5,
                        color="none", zorder=2, bbox=dict(box, facecolor="none", edgecolor="none"),
                        arrowprops=dict(arrowstyle="<|-", color=edge, lw=1.0, alpha=0.8, shrinkA=0, shrinkB=12,
                                        linestyle="--" if dashed else "-"))
    xs, ys = zip(*where.values())
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.75, max(ys) + 0.35)
    ax.axis("off")
    return ax.figure


def _layout(graph: ExtendedGraph, spacing) -> dict:
    """Node index -> (x, y).  The forward graph runs left to right by depth; each extension
    is a band below the previous one running right to left, as its sweep does, so an adjoint
    sits under (or near) the forward node it belongs to."""
    last = max(n.depth for n in graph.nodes if n.order == 0)
    first: dict = {}  # order -> the depth its sweep starts at
    for node in graph.nodes:
        first[node.order] = min(first.get(node.order, node.depth), node.depth)
    columns: dict = {}
    for node in graph.nodes:
        if node.order == 0:
            column = node.depth
        else:  # the sweep starts under the output and moves back towards the inputs
            column = last - (node.depth - first[node.order])
        columns.setdefault((node.order, column), []).append(node.index)
    where, top = {}, 0.0
    for order in sorted({n.order for n in graph.nodes}):
        height = max(len(m) for (o, _), m in columns.items() if o == order)
        for (o, column), members in columns.items():
            if o == order:
                for rank, index in enumerate(members):
                    offset = (height - len(members)) / 2.0 + rank
                    where[index] = (column * spacing[0], (top - offset) * spacing[1])
        top -= height + 0.4  # a gap between the bands
    return where


def plot_step_errors(study: dict, ax=None, title: str = "", optimal: dict | None = None,
                     floor: float = 1e-17):
    """Log-log error-versus-step curves from `ad.numeric.step_errors`; returns the axes.

    `optimal` maps a method to a step to mark with a dotted vertical line (e.g. the
    automatic step `numeric.optimal_step(method, x)`).  Each method has its own colour (none
    of them a strategy's) and marker; the complex step is a wide pale band under the others,
    so the central difference stays visible where the two agree.  A zero error means different things:
    for the complex step it is the exact result, drawn at `floor` to stay on the logarithmic
    axis; for a difference quotient it is a lucky cancellation of rounding errors, left out
    (a gap in the curve) so it does not pass for accuracy.

    >>> from matplotlib.figure import Figure
    >>> from ad import numeric
    >>> study = numeric.step_errors(np.exp, 0.0, 1.0, methods=("central",), steps=[1e-6, 1e-3])
    >>> [line.get_label() for line in plot_step_errors(study, Figure().subplots()).lines]
    ['central']
    """
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.subplots()[1]
    for method, (steps, errors) in study.items():
        shown = np.where(errors == 0, floor if method == "complex" else np.nan, errors)
        colour, marker, width, zorder = _METHOD_STYLES.get(method, ("tab:gray", ".", 1.2, 3))
        line, = ax.loglog(steps, shown, color=colour, marker=marker, ms=3.5, lw=width, zorder=zorder,
                          alpha=0.6 if width > 2 else 1.0, label=method)
        if optimal and method in optimal:
            ax.axvline(optimal[method], color=line.get_color(), ls=":", lw=1)
    ax.set_xlabel("step h")
    ax.set_ylabel("|error|")
    if title:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return ax


def plot_decision_boundary(classify, X, y, ax=None, resolution: int = 200, margin: float = 0.5):
    """Colour the plane by `classify(points) -> labels` and scatter the data; returns the axes.

    `classify` takes an (m, 2) array and returns m integer labels (e.g.
    `lambda P: nn.predict(model, params, P)`).

    >>> from matplotlib.figure import Figure
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1])
    >>> ax = plot_decision_boundary(lambda P: (P.sum(axis=1) > 1).astype(int), X, y, Figure().subplots(), 20)
    >>> len(ax.collections) >= 2
    True
    """
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.subplots()[1]
    X, y = np.asarray(X), np.asarray(y)
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    labels = np.asarray(classify(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    classes = np.unique(np.concatenate([np.unique(labels), np.unique(y)]))
    levels = np.concatenate([classes - 0.5, [classes[-1] + 0.5]])
    ax.contourf(gx, gy, labels, levels=levels, cmap="coolwarm", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", linewidths=0.5, s=18,
               vmin=classes[0], vmax=classes[-1])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return ax
