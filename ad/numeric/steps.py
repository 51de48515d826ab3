"""Finite-difference machinery shared by `ad.numeric`'s transforms and checks: steps, argument
selection, dtypes, and the Jacobian of a flattened function by each method (see the table in
`ad.numeric`)."""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from ..tree import flatten, leaf_paths, ravel, tree_map, unflatten


METHODS = ("central", "forward", "backward", "complex", "richardson")
MODES = ("forward", "reverse")

_EPS = float(np.finfo(np.float64).eps)
_COMPLEX_STEP = 1e-20
_STEP_POWER = {"forward": 1 / 2, "backward": 1 / 2, "central": 1 / 3, "richardson": 1 / 5}
# Second differences lose eps/h**2 to round-off and gain h**2 of truncation: h ~ eps**(1/4).
_HESSIAN_POWER = 1 / 4
# The reference used when checking derivatives: 4th order accurate, no complex input needed.
_REFERENCE = "richardson"


class _StepLostError(ValueError):
    """A step so small that x + h rounds back to x."""


# ----------------------------------------------------------------------------- arguments


def _check_method(method) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods are {', '.join(METHODS)}")


def _check_eps(eps) -> None:
    ok = isinstance(eps, numbers.Real) and not isinstance(eps, bool)
    if eps is not None and not (ok and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps (the step size) must be a positive finite number, got {eps!r}")


def _normalize_argnums(argnums, nargs: int) -> tuple[tuple[int, ...], bool]:
    """(indices, single?) after checking types, range and duplicates."""
    if nargs == 0:
        raise ValueError("f needs at least one argument to differentiate")
    single = isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, (tuple, list)) or not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in nums):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    if not nums:
        raise ValueError("argnums is empty: nothing to differentiate")
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(f"argnums {a} is out of range for {nargs} argument(s)")
    nums = tuple(int(a) % nargs for a in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"argnums has repeated entries: {argnums!r}")
    return nums, single


def _select(args: tuple, argnums):
    """The differentiated part of `args` and a function putting a new part back."""
    nums, single = _normalize_argnums(argnums, len(args))
    selected = args[nums[0]] if single else tuple(args[i] for i in nums)

    def put(new) -> tuple:
        out = list(args)
        for i, value in zip(nums, (new,) if single else new):
            out[i] = value
        return tuple(out)

    return selected, put


def _require_scalar(value, who: str) -> None:
    _, treedef = flatten(value)
    if treedef.kind != "leaf":
        raise ValueError(
            f"{who} needs f to return a scalar, but it returned a pytree {treedef}; "
            "use jacobian for non-scalar outputs")
    if np.ndim(value) != 0:
        raise ValueError(
            f"{who} needs f to return a scalar, but it returned an array of shape "
            f"{np.shape(value)}; use jacobian for non-scalar outputs")


# ----------------------------------------------------------------------------- dtypes


def _leaf_dtype(leaf) -> np.dtype:
    """The dtype a derivative involving this leaf gets: its own if inexact, else float64."""
    dtype = np.asarray(leaf).dtype
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _cast(values, dtype):
    """Cast to `dtype`, keeping complex values complex; NumPy scalars stay scalars."""
    if np.iscomplexobj(values) and dtype.kind != "c":
        dtype = np.result_type(dtype, np.complex64)
    return values.astype(dtype)


def _shaped_like(vec: np.ndarray, tree) -> Any:
    """`vec` cut into the leaves of `tree`, each cast to that leaf's derivative dtype."""
    shaped = ravel(tree)[1](vec)
    return tree_map(lambda d, leaf: _cast(d, _leaf_dtype(leaf)), shaped, tree)


def _blocks(matrix: np.ndarray, out_tree, in_tree, extra_dtype=None) -> Any:
    """Cut a (n_out, n_in) matrix into blocks: output structure outside, input inside.

    Block (i, j) has shape out_leaf_i.shape + in_leaf_j.shape.  A 0-d block whose input
    leaf was not an ndarray (a Python number, a NumPy scalar) is a NumPy scalar.
    """
    out_leaves, out_def = flatten(out_tree)
    in_leaves, in_def = flatten(in_tree)
    rows, r0 = [], 0
    for out_leaf in out_leaves:
        oshape = np.shape(out_leaf)
        r1 = r0 + int(np.prod(oshape))
        inner, c0 = [], 0
        for in_leaf in in_leaves:
            ishape = np.shape(in_leaf)
            c1 = c0 + int(np.prod(ishape))
            dtypes = [_leaf_dtype(out_leaf), _leaf_dtype(in_leaf)]
            if extra_dtype is not None:
                dtypes.append(extra_dtype)
            dtype = np.result_type(*dtypes)
            block = _cast(matrix[r0:r1, c0:c1].reshape(oshape + ishape), dtype)
            if block.ndim == 0 and not isinstance(in_leaf, np.ndarray):
                block = block[()]
            inner.append(block)
            c0 = c1
        rows.append(unflatten(in_def, inner))
        r0 = r1
    return unflatten(out_def, rows)


# ----------------------------------------------------------------------------- core


def optimal_step(method: str, x=1.0, dtype=np.float64) -> float:
    """The automatic step of `method` at coordinate value x (see the module table).

    Rule of thumb for a well-scaled f: forward/backward sqrt(eps), central eps**(1/3),
    richardson eps**(1/5), each times max(1, |x|); complex step 1e-20.  `dtype` picks eps;
    the numeric functions here always evaluate in float64.

    >>> f"{optimal_step('central', 1.0):.3e}", f"{optimal_step('forward', 100.0):.3e}"
    ('6.055e-06', '1.490e-06')
    """
    _check_method(method)
    if method == "complex":
        return _COMPLEX_STEP
    eps = float(np.finfo(dtype).eps)
    return float(eps ** _STEP_POWER[method] * max(1.0, abs(float(x))))


def _vector_function(f: Callable, rebuild: Callable, out_def) -> Callable:
    """f as a map from a flat vector to the flat vector of its output leaves.

    For complex input every output leaf must be complex: a real leaf means f threw the
    imaginary part away (abs, comparisons, .real, float casts), which would make the
    complex-step derivative silently zero.
    """

    def g(vec: np.ndarray) -> np.ndarray:
        complex_in = np.iscomplexobj(vec)
        try:
            out = f(*rebuild(vec))
        except TypeError as err:
            if not complex_in:
                raise
            raise ValueError(
                f"f is not complex-step safe: it failed on complex input ({err}); "
                "use another method") from err
        flat, treedef = flatten(out)
        if treedef != out_def:
            raise ValueError(
                f"f returned structure {treedef} at a perturbed point but {out_def} at the "
                "input point")
        if complex_in:
            for path, leaf in zip(leaf_paths(out), flat):
                if not np.iscomplexobj(leaf):
                    raise ValueError(
                        "f is not complex-step safe: given complex input it returned a real "
                        f"result (output{path or ' value'}, dtype {np.asarray(leaf).dtype}); "
                        "it probably uses abs, comparisons, .real or a float cast. "
                        "Use method='central' or 'richardson' instead")
        return ravel(out)[0]

    return g


def _coordinate_point(x: np.ndarray, i: int) -> Callable:
    """s -> (x with x[i] moved by s, the step actually taken)."""

    def point(s):
        xs = x.astype(np.result_type(x.dtype, type(s)))
        xs[i] = x[i] + s
        return xs, xs[i] - x[i]  # (x + h) - x is exactly representable

    return point


def _direction_point(x: np.ndarray, d: np.ndarray) -> Callable:
    """s -> (x + s*d, s)."""

    def point(s):
        return x + s * d, s

    return point


def _step_taken(s, h) -> None:
    if s == 0:
        raise _StepLostError(
            f"step {h:g} is lost in rounding at this point (x + h == x); use a larger eps")


def _central(g: Callable, point: Callable, h: float) -> tuple[np.ndarray, float]:
    """Central difference and the half-width actually used."""
    xp, sp = point(h)
    xm, sm = point(-h)
    width = sp - sm
    _step_taken(width, h)
    return (g(xp) - g(xm)) / width, width / 2


def _estimate(g: Callable, point: Callable, method: str, h: float, g0: np.ndarray):
    """Derivative of s -> g(point(s)) at s = 0 (g0 = g(point(0)))."""
    if method == "complex":
        xs, s = point(1j * h)
        return g(xs).imag / s.imag
    if method in ("forward", "backward"):
        xs, s = point(h if method == "forward" else -h)
        _step_taken(s, h)
        return (g(xs) - g0) / s
    d1, w1 = _central(g, point, h)
    if method == "central":
        return d1
    d2, w2 = _central(g, point, h / 2)
    # Eliminate the h**2 error term using the half-widths actually taken; for w2 = w1/2
    # this is (4 D(h/2) - D(h)) / 3, written as a correction so equal estimates stay exact.
    return d2 + (d2 - d1) * (w2 ** 2 / (w1 ** 2 - w2 ** 2))


def _complex_safe_start(g0: np.ndarray, method: str) -> None:
    if method == "complex" and np.iscomplexobj(g0):
        raise ValueError(
            "method='complex' needs f to be real-valued at real inputs, but f returned "
            "complex values; use method='central' or 'richardson'")


def _jacobian_matrix(g: Callable, x: np.ndarray, method: str, eps) -> np.ndarray:
    """(n_out, n_in) matrix of per-coordinate derivative estimates."""
    g0 = g(x)
    _complex_safe_start(g0, method)
    cols = []
    for i in range(x.size):
        h = eps if eps is not None else optimal_step(method, x[i])
        cols.append(_estimate(g, _coordinate_point(x, i), method, h, g0))
    if not cols:
        return np.zeros((g0.size, 0), g0.dtype)
    return np.stack(cols, axis=1)


def _setup(f: Callable, args: tuple, argnums, who: str):
    """(selected args, float64 vector x, vector function g, value f(*args))."""
    selected, put = _select(args, argnums)
    x0, unravel = ravel(selected)
    if np.iscomplexobj(x0):
        raise TypeError(
            f"{who} differentiates with respect to real inputs only; for complex inputs "
            "use jvp with explicit tangents")
    value = f(*args)
    g = _vector_function(f, lambda vec: put(unravel(vec)), flatten(value)[1])
    return selected, x0.astype(np.float64), g, value
