"""`python -m ad.bench`: it runs end to end, checks every candidate before timing it, and
writes its JSON and charts.  (Times are never asserted: the machine is shared.)"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ad.bench import suite


def test_quick_run_writes_tables_json_and_charts(tmp_path):
    from ad.bench import report
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{report.START}\nold figures\n{report.END}\n\nmore text\n")
    # (a process of its own: the timing collects the heap before every sample, which in the
    # test session's heap costs a minute and more)
    run = subprocess.run([sys.executable, "-m", "ad.bench", "--quick", "--out", str(tmp_path), "--no-progress",
                          "--readme", str(readme)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    printed = run.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    names = {w["name"] for w in results["workloads"]}
    assert {"running_example", "loop", "demo_mlp_matrix", "tensor_mlp_1", "tensor_mlp_64"} <= names
    for workload in results["workloads"]:
        assert workload["ratios"][workload["reference"]] == 1.0
        assert {"adlib", "adoo", "adsct"} <= set(workload["median_seconds"]), workload["name"]
        assert workload["title"] in printed
    memory, = results["memory"]  # peak memory of one MLP gradient, by hand and by each strategy
    assert memory["ratios"][memory["reference"]] == 1.0 and {"adlib", "adoo", "adsct"} <= set(memory["peak_bytes"])
    assert all(peak > 0 for peak in memory["peak_bytes"].values()) and memory["title"] in printed
    assert f"| {memory['title']} | " in readme.read_text()
    remat = results["checkpoints"]  # memory against recomputation, k = none, 100, 10
    assert [r["checkpoints"] for r in remat] == [None, 100, 10] and "memory against recomputation" in printed
    assert remat[2]["peak_bytes"] < remat[0]["peak_bytes"] and remat[2]["recomputed_steps"] > remat[1]["recomputed_steps"]
    rows = results["growth"]["rows"]
    assert {(r["n"], r["strategy"]) for r in rows} == {(n, s) for n in (10, 100, 1000) for s in ("adlib", "adoo", "adsct")}
    assert all(r["forward_peak_bytes"] > 0 and r["reverse_seconds"] > 0 for r in rows)
    products = results["swell"]["product"]
    assert [r["tree mul"] for r in products] == [r["notes n(n-2)"] for r in products]
    assert all(r["reverse mul"] < r["tree mul"] for r in products if r["n"] > 4)
    assert "expression swell" in printed
    assert results["machine"]["numpy"] == np.__version__ and results["machine"]["cores"] >= 1
    assert results["command"].startswith("python -m ad.bench --quick") and results["date"] in printed
    rewritten = readme.read_text()  # the README's table: this run's figures only, with the command and date
    assert "old figures" not in rewritten and rewritten.endswith("\n\nmore text\n")
    assert f"Measured by `{results['command']}` on {results['date']}" in rewritten
    for workload in results["workloads"]:
        hand = report._reference(workload)
        assert f"| {workload['title']} | {hand} | " in rewritten
        assert f"({workload['ratios']['adsct']:.2f}x)" in rewritten
    for chart in ("ratios.png", "forward_vs_reverse.png", "symbolic_swell.png"):
        assert (tmp_path / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_candidate_computing_something_else_is_refused_before_timing():
    workload = suite.Workload("w", "a title", "hand")
    with pytest.raises(AssertionError, match="wrong disagrees with hand"):
        suite._check(workload, {"hand": (1.0, np.array([1.0, 2.0])), "wrong": (1.0, np.array([1.0, 2.5]))})


def test_hand_written_references_are_right():
    from ad import adoo
    value, grad = suite.loop_by_hand(0.7)
    assert value == pytest.approx(suite.loop_numpy(0.7)) and grad == pytest.approx(adoo.grad(suite.loop_numpy)(0.7))
    assert suite.running_example_by_hand(2.0, 5.0)[1] == pytest.approx((5.5, 1.7163378145367738))


def _machine_report(**variables) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                                      "MKL_NUM_THREADS")}
    environment.update(variables)
    done = subprocess.run([sys.executable, "-m", "ad.bench.machine"], env=environment, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through Linux's /proc")
def test_benchmarks_start_numpy_with_one_blas_thread_even_though_ad_loaded_it_first():
    # `python -m ad.bench` imports the ad package, and so NumPy, before its own code runs: setting
    # the variables there would leave OpenBLAS with a thread per core.
    report = _machine_report()
    assert set(report["blas_threads"].values()) == {"1"}
    assert report["process_threads"] == 1, "BLAS started worker threads"


def test_a_blas_thread_count_the_user_set_is_kept():
    assert _machine_report(OPENBLAS_NUM_THREADS="2")["blas_threads"]["OPENBLAS_NUM_THREADS"] == "2"
