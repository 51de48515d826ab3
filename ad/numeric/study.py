"""`step_errors`: the error of each difference method over a range of steps (the V-shaped plot)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .differences import grad
from .steps import _check_method, _StepLostError


def step_errors(f: Callable, x, exact, methods=("forward", "central", "complex"),
                steps=None) -> dict:
    """Absolute error of each method against `exact` = f'(x) over a range of steps.

    For a scalar function of a scalar x; returns {method: (steps, errors)} for a
    truncation/round-off "V" plot (default steps np.logspace(-16, -1, 61)).  A step lost
    in rounding (x + h == x) gives NaN.  `optimal_step` gives the automatic step.

    >>> out = step_errors(np.exp, 0.0, 1.0, methods=("central",), steps=[1e-5, 1e-1])
    >>> bool(out["central"][1][0] < 1e-9 < out["central"][1][1])
    True
    """
    if np.ndim(x) != 0 or np.iscomplexobj(x):
        raise ValueError(f"step_errors needs a real scalar x, got {x!r}")
    for method in methods:
        _check_method(method)
    steps = np.logspace(-16, -1, 61) if steps is None else np.asarray(steps, np.float64)
    if steps.ndim != 1 or not np.all(steps > 0):
        raise ValueError("steps must be a 1-D array of positive numbers")
    out = {}
    for method in methods:
        errors = np.empty(steps.size)
        for k, h in enumerate(steps):
            try:
                errors[k] = abs(grad(f, float(x), method=method, eps=float(h)) - exact)
            except _StepLostError:
                errors[k] = np.nan
        out[method] = (steps.copy(), errors)
    return out
