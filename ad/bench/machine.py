"""One BLAS thread for timings, and a description of the machine that measured them.

A BLAS library reads its thread count once, when NumPy loads it.  `python -m ad` and
`python -m ad.bench` import the `ad` package (and so NumPy) before their own code runs, so
setting the variables there is too late; `run_with_one_blas_thread` starts the same command
again in a fresh interpreter with the variables set (a value the user set is kept).

>>> sorted(describe())[:3]
['blas', 'blas_threads', 'cores']
"""

from __future__ import annotations

import os
import platform
import sys

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def run_with_one_blas_thread(module: str) -> None:
    """Replace this process by `python -m module <same arguments>` with one BLAS thread, unless
    every thread variable is set already (then NumPy loaded with them and nothing happens)."""
    missing = [name for name in THREAD_VARIABLES if name not in os.environ]
    if not missing:
        return
    for name in missing:
        os.environ[name] = "1"
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", module, *sys.argv[1:]])


def _cpu() -> str:
    try:  # (Linux names the model here; platform.processor() is often empty or just the architecture)
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    import numpy as np
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # (older NumPy: no dict form)
        return "unknown"


def describe() -> dict:
    """What a timing depends on: NumPy's version, the BLAS library and its thread setting, Python's
    version, the CPU and how many cores the process may use."""
    import numpy as np
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"numpy": np.__version__, "blas": _blas(),
            "blas_threads": {name: os.environ.get(name, "unset") for name in THREAD_VARIABLES},
            "python": platform.python_version(), "cpu": _cpu(), "cores": cores}


def summary_line(machine: dict) -> str:
    """One line for the top of a printed benchmark.

    >>> summary_line({"numpy": "2.0", "blas": "openblas", "blas_threads": {"OPENBLAS_NUM_THREADS": "1"},
    ...               "python": "3.11", "cpu": "x", "cores": 2})
    'NumPy 2.0 (openblas, OPENBLAS_NUM_THREADS=1), Python 3.11, x, 2 cores'
    """
    threads = ", ".join(f"{k}={v}" for k, v in machine["blas_threads"].items() if v != "unset") or "threads unset"
    return (f"NumPy {machine['numpy']} ({machine['blas']}, {threads}), Python {machine['python']}, "
            f"{machine['cpu']}, {machine['cores']} cores")


if __name__ == "__main__":  # python -m ad.bench.machine: what a benchmark here would record
    import json
    run_with_one_blas_thread("ad.bench.machine")
    described = describe()
    if os.path.isdir("/proc/self/task"):  # (Linux: BLAS threads start when NumPy loads)
        described["process_threads"] = len(os.listdir("/proc/self/task"))
    print(json.dumps(described, indent=1))
