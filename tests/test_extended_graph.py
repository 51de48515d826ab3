"""ad.graphs and ad.plots.draw_extended_graph: reverse mode as an extended computational graph.

The adjoint nodes are checked against what the other mechanisms compute independently: the
adlib tape's adjoint trace (adjoints and partial adjoints), adoo's and adsct's gradients
and Hessians, and the analytic derivatives of the running example.
"""

import os
import pathlib

import numpy as np
import pytest
from hypothesis import given, note, settings

from ad import adlib, adoo, adsct, numeric
from ad.adlib.sweeps import reverse
from ad.examples import RUNNING_POINT, running_example, running_example_gradient, running_example_numpy
from ad.graphs import BAR, ExtendedGraph, extended_graph
from random_programs import straight_line_programs
from trees import assert_trees_close

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402  (after the skip)

from ad.plots import draw_extended_graph  # noqa: E402

GOLDEN = pathlib.Path(__file__).parent / "golden"


def _running_tape():
    with adlib.Tape() as tape:
        x1, x2 = tape.var(RUNNING_POINT[0], "x1"), tape.var(RUNNING_POINT[1], "x2")
        y = running_example(x1, x2)
    return tape, y


def _running_graph() -> ExtendedGraph:
    return extended_graph(running_example_numpy, *RUNNING_POINT, argnums=(0, 1))


def test_adjoint_nodes_carry_the_adjoint_tables_values():
    tape, y = _running_tape()
    graph = _running_graph()
    table = tape.adjoint_table(y)
    for name, adjoint in zip(table.column("node"), table.column("adjoint")):
        assert graph.value(BAR + name[1:]) == adjoint, name
    # the numbers, from the formulas: 1, -1, 1, 1, 1, then the gradient
    x1, x2 = RUNNING_POINT
    assert [graph.value(f"{BAR}{i}") for i in (5, 4, 3, 2, 1)] == [1.0, -1.0, 1.0, 1.0, 1.0]
    assert (graph.value(f"{BAR}-1"), graph.value(f"{BAR}0")) == running_example_gradient(x1, x2)


def test_partial_adjoints_are_their_own_nodes_summed_into_the_adjoint():
    tape, y = _running_tape()
    graph = _running_graph()
    partials = []
    adjoints = reverse(tape, [(y, 1.0)], partials)
    for to, frm, value in partials:  # each v̄i→j of the tape's reverse sweep is a node of the graph
        assert graph.value(f"{BAR}{tape.name(to)[1:]}→{tape.name(frm)[1:]}") == value
    # v̄0 = v̄0→2 + v̄0→4: two nodes of their own, summed by an add node
    v0 = graph.node(f"{BAR}0")
    assert v0.op == "add"
    assert {graph.nodes[p].name for p in v0.parents} == {f"{BAR}0→2", f"{BAR}0→4"}
    assert graph.value(f"{BAR}0→4") == pytest.approx(-np.cos(RUNNING_POINT[1]), abs=0, rel=1e-15)
    assert graph.value(f"{BAR}0") == adjoints[1]


def test_adjoint_rules_read_the_forward_values():
    graph = _running_graph()
    forward = {n.name for n in graph.nodes if n.order == 0}
    # sin's rule reads v0 (through cos), mul's rule reads the other factor, log's rule reads v-1
    assert graph.node("r1").label == "cos(v0)"
    assert "v0" in {graph.nodes[p].name for p in graph.node(f"{BAR}-1→2").parents}
    assert "v-1" in {graph.nodes[p].name for p in graph.node(f"{BAR}-1→1").parents}
    assert all(graph.nodes[p].name in forward or graph.nodes[p].order == 1
               for n in graph.nodes if n.order == 1 for p in n.parents)


def test_a_node_passed_on_unchanged_is_one_node_with_several_names():
    graph = _running_graph()
    seed = graph.node(f"{BAR}5")
    assert seed.op == "seed"
    assert {f"{BAR}3", f"{BAR}2", f"{BAR}1", f"{BAR}3→5"} <= set(seed.names)  # add passes v̄ on


def test_differentiating_an_adjoint_node_gives_the_hessian():
    graph = _running_graph()
    hessian = adoo.hessian(running_example_numpy, argnums=(0, 1))(*RUNNING_POINT)
    graph.differentiate(f"{BAR}-1").differentiate(f"{BAR}0")
    for i, row in enumerate(("-1", "0")):
        for j, column in enumerate(("-1", "0")):
            assert graph.value(f"∂{BAR}{row}/∂v{column}") == pytest.approx(hessian[i][j], rel=1e-14, abs=1e-15)
    x1 = RUNNING_POINT[0]
    assert graph.value(f"∂{BAR}-1/∂v-1") == -1.0 / x1 ** 2  # -0.25
    assert {n.order for n in graph.nodes} == {0, 1, 2, 3}  # each differentiation a further extension


def test_graph_of_a_tape_and_of_a_var_graph_match_the_function_graph():
    tape, y = _running_tape()
    assert str(extended_graph(graph=y)) == str(_running_graph())
    x1, x2 = adoo.Var(RUNNING_POINT[0]), adoo.Var(RUNNING_POINT[1])
    out = running_example_numpy(x1, x2)
    graph = extended_graph(graph=out)
    out.backward()
    assert (graph.value(f"{BAR}-1"), graph.value(f"{BAR}0")) == (x1.grad, x2.grad)


def test_text_form_of_the_running_example_matches_golden_file():
    graph = _running_graph().differentiate(f"{BAR}-1")
    path = GOLDEN / "running_example_extended_graph.txt"
    text = str(graph) + "\n"
    if os.environ.get("AD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), "the extended graph's text changed; review it and rerun with AD_UPDATE_GOLDEN=1"


def test_drawing_of_the_running_example_shows_every_node():
    graph = _running_graph().differentiate(f"{BAR}-1")
    fig = draw_extended_graph(graph=graph, ax=Figure().subplots())
    shown = [t.get_text() for t in fig.axes[0].texts if t.get_color() != "none"]
    assert len(shown) == 2 * graph.size()  # a name and a caption for each node
    assert r"$\bar{v}_{-1}$" in shown and r"$\partial \bar{v}_{-1}$/$\partial v_{-1}$" in shown


@settings(max_examples=8)
@given(program=straight_line_programs(max_ops=3))
def test_every_random_program_gets_its_gradient_graph_and_a_drawing(program):
    note(program.numpy_source)
    f = program.compile(numpy=True)
    argnums = tuple(range(len(program.args)))
    graph = extended_graph(f, *program.values, argnums=argnums)
    gradient = adsct.grad(f, argnums=argnums)(*program.values)
    inputs = [n.name for n in graph.nodes if n.op == "input"]
    got = tuple(graph.value(BAR + name[1:]) if BAR + name[1:] in graph else np.zeros_like(x)
                for name, x in zip(inputs, program.values))
    assert_trees_close(got, gradient, "extended graph against adsct", rtol=1e-10, atol=1e-12)
    # the cheap-gradient principle: each op's rule adds a bounded number of nodes
    assert graph.size(1) <= 8 * graph.size(0)
    reached = [BAR + name[1:] for name in inputs if BAR + name[1:] in graph]
    fig = draw_extended_graph(graph=graph.differentiate(reached[0]) if reached else graph, ax=Figure().subplots())
    assert isinstance(fig, Figure)


def test_second_derivative_nodes_agree_with_finite_differences_of_the_gradient():
    f = lambda x: np.sum(np.tanh(x) * x ** 2)  # noqa: E731
    x = np.array([0.3, -1.2, 0.7])
    graph = extended_graph(f, x).differentiate(f"{BAR}0")
    hessian_diagonal_sum = numeric.grad(lambda y: np.sum(adoo.grad(f)(y)), x, method="central")
    np.testing.assert_allclose(graph.value(f"∂{BAR}0/∂v0"), hessian_diagonal_sum, rtol=1e-7)


def test_clear_errors():
    with pytest.raises(ValueError, match=r"needs a number as the output .* shape \(3,\)"):
        extended_graph(np.sin, np.ones(3))
    with pytest.raises(ValueError, match="does not depend on the differentiated arguments"):
        extended_graph(lambda x, y: y * 2.0, 1.0, 3.0)
    with pytest.raises(TypeError, match=r"argument 0 \(xs\) is a tuple"):
        extended_graph(lambda xs: xs[0] * xs[1], (1.0, 2.0))
    with pytest.raises(KeyError, match="no node is called 'v9'"):
        _running_graph().node("v9")
