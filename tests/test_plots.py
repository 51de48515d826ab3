"""ad.plots: one colour per strategy everywhere, and error curves that stay visible.

The strategy colours are the ones `python -m ad.bench` paints its charts with; colours for
anything else (finite-difference methods, derivative orders, models) never reuse them, so a
blue line always means adsct.
"""

import numpy as np
import pytest

from ad import numeric

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.colors import to_rgba  # noqa: E402  (after the skip)
from matplotlib.figure import Figure  # noqa: E402

from ad import plots  # noqa: E402
from ad.bench.__main__ import _candidate_colour  # noqa: E402


def test_strategy_colours_are_the_benchmark_charts_colours():
    assert plots.STRATEGY_COLOURS == {"adsct": "tab:blue", "adoo": "tab:orange", "adlib": "tab:green",
                                      "numeric": "tab:purple"}
    for name, colour in plots.STRATEGY_COLOURS.items():
        assert _candidate_colour(name, "numpy (hand)") == colour


def test_other_colours_never_look_like_a_strategy():
    strategy = {to_rgba(c) for c in plots.STRATEGY_COLOURS.values()}
    assert not strategy & {to_rgba(c) for c in plots.OTHER_COLOURS}
    assert len(set(plots.OTHER_COLOURS)) == len(plots.OTHER_COLOURS)


def test_step_errors_keep_central_visible_above_complex():
    """On x³ the central and complex-step errors are both h² f'''/6 for large h: the curves
    coincide there, and the central one must be drawn on top, distinguishable by its markers."""
    study = numeric.step_errors(lambda x: x ** 3, 0.7, 1.47, methods=("forward", "central", "complex"),
                                steps=np.logspace(-12, -1, 23))
    ax = plots.plot_step_errors(study, Figure().subplots())
    lines = {line.get_label(): line for line in ax.lines}
    central, complex_step = lines["central"], lines["complex"]
    assert central.get_zorder() > complex_step.get_zorder()
    assert central.get_marker() not in (None, "None", "", " ")
    assert central.get_marker() != complex_step.get_marker() or central.get_linestyle() != complex_step.get_linestyle()
    strategy = {to_rgba(c) for c in plots.STRATEGY_COLOURS.values()}
    assert not strategy & {to_rgba(line.get_color()) for line in ax.lines}
    colours = {to_rgba(line.get_color(), 1.0) for line in ax.lines}
    assert len(colours) == 3
