"""`python -m ad`, the main job: every method on the running example, and the traces."""

import io
import re
import subprocess
import sys

import ad
from ad.__main__ import main


def _run() -> str:
    out = io.StringIO()
    assert main(out, timing=False) == 0
    return out.getvalue()


def test_every_method_and_available_strategy_has_a_row_with_a_small_error():
    text = _run()
    rows = {m.group(1): float(m.group(2)) for m in
            re.finditer(r"^(numeric \w+|adlib|adoo|adsct)\s+[-\d.]+\s+[-\d.]+\s+([\d.e+-]+)", text, re.M)}
    bounds = {"numeric forward": 1e-6, "numeric backward": 1e-6, "numeric central": 1e-8,
              "numeric richardson": 1e-10, "numeric complex": 1e-14}
    bounds.update({name: 1e-14 for name in ad.available()})
    assert set(rows) == set(bounds), text
    for name, error in rows.items():
        assert error <= bounds[name], f"{name}: error {error}"
    for name in set(ad.STRATEGIES) - set(ad.available()):
        assert re.search(rf"^{name}\s+\(not built yet\)", text, re.M)


def test_the_three_traces_are_printed():
    text = _run()
    for title in ("Forward primal trace", "Forward tangent trace, seed (1, 0)", "Reverse adjoint trace of v5"):
        assert title in text
    assert re.search(r"^v-1\s+input\s+2\s+5\.5\s+v2: 5 \+ v1: 0\.5$", text, re.M)


def test_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "ad"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "analytic gradient" in result.stdout
