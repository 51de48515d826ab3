"""demo.ipynb runs top to bottom in a fresh kernel and shows what its text claims.

The notebook is executed from a copy in a temporary directory (its working directory too), so
nothing is written into the repository.  The kernel is started with the interpreter running
the tests, whatever kernelspec called "python3" the machine has, so it imports this
checkout's `ad`.  Nothing here asserts on time (the notebook's timings are only shown).
"""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")
from jupyter_client.manager import KernelManager  # noqa: E402  (after the skips)

NOTEBOOK = Path(__file__).resolve().parents[1] / "demo.ipynb"


class ThisInterpreterKernel(KernelManager):
    """An IPython kernel run by `sys.executable` (the test's own interpreter and packages)."""

    def format_kernel_cmd(self, extra_arguments=None):
        return [sys.executable, "-m", "ipykernel_launcher", "-f", os.path.realpath(self.connection_file),
                *(extra_arguments or [])]


def _texts(cell) -> str:
    """Everything a code cell printed or displayed as text (streams, text/plain, text/html)."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.extend(out["data"].get(kind, "") for kind in ("text/plain", "text/html"))
        elif out["output_type"] == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
    return "\n".join(parts)


def _all_text(nb) -> str:
    return "\n".join(_texts(cell) for cell in nb.cells if cell.cell_type == "code")


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"the notebook printed nothing matching {pattern!r}"
    return float(match.group(1))


def _cell_showing(nb, marker: str):
    cells = [c for c in nb.cells if c.cell_type == "code" and marker in _texts(c)]
    assert cells, f"no cell output contains {marker!r}"
    return cells[0]


def _images(nb) -> int:
    return sum("image/png" in out.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
               for out in cell.get("outputs", []))


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook executed afresh (outputs cleared first), from a copy in a temporary directory."""
    workdir = tmp_path_factory.mktemp("notebook")
    copy = workdir / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)
    nb = nbformat.read(copy, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     kernel_manager_class=ThisInterpreterKernel,
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()  # raises CellExecutionError naming the cell if any cell fails
    return nb


def test_runs_without_errors(executed):
    errors = [out for cell in executed.cells if cell.cell_type == "code"
              for out in cell.outputs if out["output_type"] == "error"]
    assert not errors
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code" and c.source.strip())


def test_traces_of_the_running_example(executed):
    adjoint = _texts(_cell_showing(executed, "Reverse adjoint trace"))
    assert "5.5" in adjoint and "1.716337815" in adjoint
    assert "<table>" in adjoint  # the trace tables render as HTML in Jupyter
    tangent = _texts(_cell_showing(executed, "Forward tangent trace, seed (1, 0)"))
    assert re.search(r"v5\s+sub\s+v3, v4\s+11\.65207146\s+5\.5\b", tangent)
    assert "tape.gradient(y) = (5.5, 1.7163378145367738)" in _all_text(executed)


def test_extended_graph_of_the_running_example(executed):
    text = _texts(_cell_showing(executed, "adjoint nodes (first extension)"))
    assert "adjoint nodes equal the adjoint trace's adjoints: True" in text
    assert re.search(r"v̄0→4\s+mul\(v̄4, r1\)\s+-0\.2836621855", text)
    picture = _cell_showing(executed, "d(v̄-1)/dx1 = ")
    assert any("image/png" in out.get("data", {}) for out in picture.outputs)
    assert "d(v̄-1)/dx1 = -0.25   hessian[0][0] = -0.25   -1/x1**2 = -0.25" in _texts(picture)
    ratios = re.findall(r"^x <- x sin x, \d+ times\s+\d+\s+\d+\s+([0-9.]+)$", _all_text(executed), re.MULTILINE)
    assert len(ratios) == 3 and all(float(r) <= 3 for r in ratios)  # adjoint nodes <= c * forward nodes


def test_numeric_differences_and_strategies(executed):
    text = _all_text(executed)
    assert _number(r"numeric central .*error ([0-9.e+-]+)", text) < 1e-9
    assert _number(r"numeric complex .*error ([0-9.e+-]+)", text) < 1e-15
    # every strategy's gradient of the running example agrees with the analytic one
    rows = re.findall(r"^(?:adlib\.grad|adoo\.grad|adsct\.grad|ad\.grad)\S*.*\s([0-9.e+-]+)$", text, re.MULTILINE)
    assert len(rows) >= 6 and all(float(err) < 1e-14 for err in rows)
    assert "def f_vjp(x1, x2, " in text and "def f_jvp(x1, x2, " in text  # adsct's generated code
    orders = re.findall(r"max error of f', f'', f''' against the formulas: (.*)", text)
    assert len(orders) == 3 and all(float(e) < 1e-12 for line in orders for e in line.split(", "))


def test_training_results(executed):
    text = _all_text(executed)
    assert _number(r"moons training accuracy: ([0-9.]+)", text) >= 0.97
    assert _number(r"moons test accuracy:\s+([0-9.]+)", text) >= 0.9
    assert abs(_number(r"learned w = ([0-9.-]+)", text) - 2.0) < 0.2
    assert abs(_number(r"learned w = .*, b = ([0-9.-]+)", text) - 5.0) < 0.2
    assert _number(r"after 10 steps: \(([0-9.e+-]+),", text) == pytest.approx(0.4 ** 10, rel=1e-3)
    assert _number(r"largest difference between the loss curves: ([0-9.e+-]+)", text) < 1e-10
    linear = _number(r"linear model .*true curve ([0-9.]+)", text)
    assert _number(r"MLP 1-20-1 \(ReLU\) .*true curve ([0-9.]+)", text) < linear / 3


def test_mlp_fits_the_curve_everywhere(executed):
    """The hidden layer is trained to the noise floor (noise 0.1: a mean squared error of 0.01),
    and it follows the curve at the right end too, where it rises fastest."""
    text = _all_text(executed)
    assert _number(r"MLP 1-20-1 \(ReLU\)\s+final training loss ([0-9.]+)", text) < 1.5 * 0.1 ** 2
    assert _number(r"MLP 1-20-1 \(ReLU\) .*true curve ([0-9.]+)", text) < 0.1 ** 2
    assert _number(r"MLP 1-20-1 \(ReLU\) .*largest error for x > 2: ([0-9.]+)", text) < 3 * 0.1


def test_benchmarks_ran(executed):
    text = _all_text(executed)
    assert "784-256-10 MLP, batch 64: value and gradient" in text
    for name in ("numpy (hand)", "adsct", "adoo", "adlib"):
        assert re.search(rf"^{re.escape(name)}\s+[0-9.]+ µs\s+[0-9.]+x$", text, re.MULTILINE), name
    growth = _texts(_cell_showing(executed, "µs per full gradient"))
    rows = re.findall(r"^\s*(10|30|100|300|1000)((?:\s+[0-9.]+){5})\s*$", growth, re.MULTILINE)
    assert [int(n) for n, _ in rows] == [10, 30, 100, 300, 1000]


def test_symbolic_section(executed):
    text = _all_text(executed)
    assert "as text: (1/x1 + x2, x1 - cos(x2))" in text
    assert re.search(r"at \(2\.0, 5\.0\) -> \[5\.5, 1\.716337814536773\d\]", text)
    rows = re.findall(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s", _texts(_cell_showing(executed, "θ1 θ2 ... θn")).split("composed")[0], re.MULTILINE)
    assert rows and all(int(notes) == int(tree) == int(n) * (int(n) - 2) for n, notes, tree in rows)
    assert any(out.get("data", {}).get("text/latex") or "text/latex" in out.get("data", {})
               for cell in executed.cells if cell.cell_type == "code" for out in cell.outputs), "typeset gradient"


def test_pictures(executed):
    # the step-error V, the graph, the extended graph, tanh's derivatives, descent, two
    # regressions, moons, the loss curves, two benchmark charts and the expression swell
    assert _images(executed) >= 12


def _png_sizes(nb) -> list:
    """(width, height) in pixels of every PNG the notebook shows (read from the PNG header)."""
    import base64
    import struct
    return [struct.unpack(">II", base64.b64decode(out["data"]["image/png"])[16:24])
            for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
            if "image/png" in out.get("data", {})]


def test_committed_figures_are_readable():
    """Figures are drawn at a screen resolution (no forced 72 dpi): 600 to 900 pixels wide."""
    sizes = _png_sizes(nbformat.read(NOTEBOOK, as_version=4))
    assert len(sizes) >= 12
    assert all(600 <= width <= 900 for width, _ in sizes), sizes


def test_committed_copy_has_its_outputs():
    """The repository keeps the notebook executed, so it reads well without running it."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code if c.source.strip())
    assert not any(out["output_type"] == "error" for c in code for out in c.outputs)
    assert _images(nb) >= 12
    assert NOTEBOOK.stat().st_size < 2_000_000


def test_second_derivative_code_is_shown(executed):
    code = _texts(_cell_showing(executed, "def f_grad_jvp(x1, x2, dx1, dx2):"))
    assert "t4 = ops.sin(x2)" in code and "-(dx2 * ops.sin(x2))" in code  # cos differentiated into -sin


def test_a_derivative_taken_inside_the_function_is_not_confused_with_the_outer_one(executed):
    text = _texts(_cell_showing(executed, "d/dx [x * d/dy (x y)]"))
    for strategy in ("adlib", "adoo", "adsct"):
        assert _number(rf"{strategy}\s+d/dx \[x \* d/dy \(x y\)\] at x = 3: ([-\d.]+)", text) == 6.0


def test_checkpointing_trades_memory_for_time(executed):
    """The checkpointing section: the best segment length needs a fraction of the memory."""
    found = re.search(r"adoo: ([0-9.]+) MB without checkpoints, ([0-9.]+) MB with k = (\d+), at ([0-9.]+)x the time",
                      _all_text(executed))
    assert found, "the checkpointing section printed no summary"
    plain, best, k = float(found[1]), float(found[2]), int(found[3])
    assert best < plain / 4 and 1 < k < 120  # (memory, from tracemalloc; time is never asserted)
