"""`check_grads`: a strategy's derivatives (or a given gradient function) against finite
differences along random directions, in forward and reverse mode, at any order."""

from __future__ import annotations

import numbers
from typing import Callable

import numpy as np

from .. import derived
from ..tree import flatten, leaf_paths, ravel
from .differences import _jvp_vector
from .steps import MODES, _REFERENCE, _jacobian_matrix, _require_scalar, _setup, _shaped_like


def _random_like(tree, rng: np.random.Generator):
    """Standard normal values with the structure, shapes and dtypes of `tree`."""
    vec = ravel(tree)[0]
    draw = rng.standard_normal(vec.size)
    if vec.dtype.kind == "c":
        draw = draw + 1j * rng.standard_normal(vec.size)
    return _shaped_like(draw, tree)


def _zeros_like(tree):
    return _shaped_like(np.zeros(ravel(tree)[0].size), tree)


def _only(args: tuple, i: int, direction: tuple) -> tuple:
    """A tangent that moves argument i only."""
    return tuple(direction[j] if j == i else _zeros_like(a) for j, a in enumerate(args))


def _dot(a: np.ndarray, b: np.ndarray):
    """Bilinear pairing (no conjugation), the convention of JAX-style vjp."""
    return np.sum(a * b)


def _layout(tree) -> list:
    return [np.shape(leaf) for leaf in flatten(tree)[0]]


def _as_vector(tree, ref, what: str) -> np.ndarray:
    """Flatten a result from the code under test; wrong layout is a check failure."""
    if _layout(tree) != _layout(ref):
        raise AssertionError(
            f"check_grads: {what} has leaf shapes {_layout(tree)} ({flatten(tree)[1]}) but "
            f"expected {_layout(ref)} ({flatten(ref)[1]})")
    try:
        return ravel(tree)[0]
    except TypeError as err:
        raise AssertionError(f"check_grads: {what} is not numeric: {err}") from None


def _location(tree, k: int, prefix: str) -> str:
    """Name of flat coordinate k of `tree`, e.g. args[1]['w'][0, 2]."""
    start = 0
    for path, leaf in zip(leaf_paths(tree), flatten(tree)[0]):
        size = int(np.prod(np.shape(leaf)))
        if k < start + size:
            index = np.unravel_index(k - start, np.shape(leaf))
            suffix = f"[{', '.join(str(int(i)) for i in index)}]" if index else ""
            return f"{prefix}{path}{suffix}"
        start += size
    return prefix


def _number(v) -> str:
    """A NumPy number written the way Python writes it (no np.float64(...) wrapper)."""
    return repr(complex(v)) if np.iscomplexobj(v) else repr(float(v))


class _Tolerance:
    def __init__(self, rtol, atol):
        for name, v in (("rtol", rtol), ("atol", atol)):
            if not (isinstance(v, numbers.Real) and v >= 0):
                raise ValueError(f"{name} must be a non-negative number, got {v!r}")
        self.rtol, self.atol = float(rtol), float(atol)

    def worst(self, got: np.ndarray, want: np.ndarray):
        """Index of the worst violation (NaN counts as one), or None if all are close."""
        got, want = np.atleast_1d(got), np.atleast_1d(want)
        err = np.abs(got - want)
        bound = self.atol + self.rtol * np.abs(want)
        bad = ~(err <= bound)
        if not bad.any():
            return None
        excess = np.where(np.isnan(err), np.inf, err - bound)
        return int(np.argmax(np.where(bad, excess, -np.inf)))

    def require(self, got, want, where: Callable[[int], str], header: str,
                names=("got", "numeric")) -> None:
        got, want = np.atleast_1d(got), np.atleast_1d(want)
        k = self.worst(got, want)
        if k is not None:
            err = abs(got[k] - want[k])
            bound = self.atol + self.rtol * abs(want[k])
            raise AssertionError(
                f"check_grads: {header}{where(k)}: {names[0]} {_number(got[k])}, {names[1]} "
                f"{_number(want[k])}, error {err:.3g} > tolerance {bound:.3g} "
                f"(rtol={self.rtol:g}, atol={self.atol:g})")


def _check_grad_fn(f, args, grad_fn, tol: _Tolerance, rng, num_directions: int) -> None:
    _require_scalar(f(*args), "check_grads with grad_fn")
    got = grad_fn(*args)
    if len(args) == 1:
        got = (got,)
    elif not isinstance(got, (tuple, list)) or len(got) != len(args):
        raise AssertionError(
            f"check_grads: grad_fn must return a tuple of {len(args)} gradients (one per "
            f"argument), got {type(got).__name__}")
    got_vecs = [_as_vector(gi, a, f"grad_fn's gradient for argument {i}")
                for i, (gi, a) in enumerate(zip(got, args))]
    for i, (gi, a) in enumerate(zip(got_vecs, args)):
        _, x, g, _ = _setup(f, args, i, "check_grads")
        want = _jacobian_matrix(g, x, _REFERENCE, None)[0]
        tol.require(gi, want, lambda k: _location(a, k, f"args[{i}]"),
                    f"grad_fn check failed for argument {i}, coordinate ",
                    ("grad_fn", f"numeric ({_REFERENCE})"))
    for d in range(num_directions):
        direction = tuple(_random_like(a, rng) for a in args)
        lhs = sum(_dot(gi, ravel(v)[0]) for gi, v in zip(got_vecs, direction))
        rhs = _jvp_vector(f, args, direction, _REFERENCE, None)[1]
        tol.require(lhs, rhs, lambda k: "",
                    f"grad_fn directional check failed for random direction {d} "
                    "(<grad_fn(args), v> vs numeric directional derivative)",
                    ("grad_fn", "numeric"))


def _resolve_strategy(strategy, modes):
    if isinstance(strategy, str):
        from ad import strategies  # imported late: it depends on the engines

        strategy = strategies.get(strategy)
    needed = {"forward": "jvp", "reverse": "vjp"}
    for mode in modes:
        if not callable(getattr(strategy, needed[mode], None)):
            raise TypeError(
                f"strategy {strategy!r} has no callable {needed[mode]!r}, needed for "
                f"{mode} mode (a strategy provides jvp(f, primals, tangents) and "
                "vjp(f, *primals))")
    return strategy


def _check_value(got, value, tol, what: str) -> None:
    tol.require(_as_vector(got, value, what), ravel(value)[0],
                lambda k: _location(value, k, "output"), f"{what} differs from f at ",
                ("strategy", "f"))


def _check_forward(f, args, s, value, directions, tol, label: str) -> None:
    for d, direction in enumerate(directions):
        for i in range(len(args)):
            tangents = _only(args, i, direction)
            got_value, got = s.jvp(f, args, tangents)
            what = f"strategy.jvp tangent ({label}, argument {i}, direction {d})"
            got_vec = _as_vector(got, value, what)
            if d == 0 and i == 0:
                _check_value(got_value, value, tol, f"strategy.jvp value ({label})")
            want = _jvp_vector(f, args, tangents, _REFERENCE, None)[1]
            tol.require(got_vec, want, lambda k: _location(value, k, "output"),
                        f"forward-mode check failed ({label}) for argument {i} along "
                        f"random direction {d}, at ", ("strategy", "numeric"))


def _check_reverse(f, args, s, value, directions, cotangents, tol, label: str) -> None:
    for d, (direction, u) in enumerate(zip(directions, cotangents)):
        got_value, vjp_fn = s.vjp(f, *args)
        if d == 0:
            _check_value(got_value, value, tol, f"strategy.vjp value ({label})")
        cts = vjp_fn(u)
        if not isinstance(cts, (tuple, list)) or len(cts) != len(args):
            raise AssertionError(
                f"check_grads: vjp_fn ({label}) must return a tuple of {len(args)} "
                f"cotangents, got {type(cts).__name__}")
        u_vec = ravel(u)[0]
        for i, (ct, a) in enumerate(zip(cts, args)):
            ct_vec = _as_vector(ct, a, f"vjp cotangent for argument {i} ({label})")
            lhs = _dot(ct_vec, ravel(direction[i])[0])
            jv = _jvp_vector(f, args, _only(args, i, direction), _REFERENCE, None)[1]
            tol.require(lhs, _dot(u_vec, jv), lambda k: "",
                        f"reverse-mode check failed ({label}) for argument {i} with random "
                        f"cotangent/direction pair {d} (<vjp(u), v> vs <u, jvp(v)>)",
                        ("strategy", "numeric"))


def _check_strategy(f, args, s, modes, order, level, tol, rng, num_directions, name):
    label = f"order {level}, function {name}"
    value = f(*args)
    directions = [tuple(_random_like(a, rng) for a in args) for _ in range(num_directions)]
    cotangents = [_random_like(value, rng) for _ in range(num_directions)]
    if "forward" in modes:
        _check_forward(f, args, s, value, directions, tol, label)
    if "reverse" in modes:
        _check_reverse(f, args, s, value, directions, cotangents, tol, label)
    if order == 1:
        return
    v, u = directions[0], cotangents[0]
    if "forward" in modes:
        jvp_along_v = derived.derivative_function(lambda *a: s.jvp(f, a, v)[1], "jvp")
        _check_strategy(jvp_along_v, args, s, modes, order - 1, level + 1, tol, rng, num_directions,
                        f"jvp({name}, ., v)")
    if "reverse" in modes:
        vjp_of_u = derived.derivative_function(lambda *a: s.vjp(f, *a)[1](u), "vjp")
        _check_strategy(vjp_of_u, args, s, modes, order - 1, level + 1, tol, rng, num_directions,
                        f"vjp({name}, .)(u)")


def check_grads(f: Callable, args, grad_fn=None, modes=MODES, order: int = 1,
                rtol: float = 1e-5, atol: float = 1e-7, *, strategy="adsct", seed: int = 0,
                num_directions: int = 3) -> None:
    """Check derivatives of f at `args` against numeric ones; AssertionError if they differ.

    `args` is a tuple of arguments (pytrees of float arrays or numbers).  With `grad_fn`
    (f scalar, `order` 1, `modes` unused), `grad_fn(*args)` must return the gradient for
    each argument (just the gradient when there is one argument); it is compared per
    coordinate with a Richardson gradient and, for `num_directions` seeded random
    directions v, <grad_fn(args), v> with the numeric directional derivative.

    Without `grad_fn`, `strategy` (a name for `ad.strategies.get`, or any object with
    `jvp(f, primals, tangents) -> (value, tangent)` and `vjp(f, *primals) -> (value,
    vjp_fn)`) is checked: "forward" compares its jvp with the numeric jvp along random
    directions, one argument at a time; "reverse" checks <vjp_fn(u), v> = <u, jvp(v)>
    for random cotangents u and directions v.  With `order` 2 or 3 the same checks run
    again on `lambda *a: jvp(f, a, v)[1]` and `lambda *a: vjp(f, *a)[1](u)`.  Elements
    match when |got - numeric| <= atol + rtol * |numeric|; inner products pair values
    without conjugation.  The failure message names the check, order, argument,
    coordinate or direction, both numbers and the error.

    >>> f = lambda x, y: np.sum(np.sin(x) * y)
    >>> grad_fn = lambda x, y: (np.cos(x) * y, np.sin(x))
    >>> check_grads(f, (np.array([0.5, 1.0]), np.array([2.0, 3.0])), grad_fn)
    """
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"args must be a tuple of arguments, e.g. (x,), got "
                        f"{type(args).__name__}")
    args = tuple(args)
    if isinstance(modes, str) or not modes or any(m not in MODES for m in modes):
        raise ValueError(f"modes must be a non-empty subset of {MODES}, got {modes!r}")
    if isinstance(order, bool) or order not in (1, 2, 3):
        raise ValueError(f"order must be 1, 2 or 3, got {order!r}")
    if not (isinstance(num_directions, int) and num_directions >= 1):
        raise ValueError(f"num_directions must be a positive int, got {num_directions!r}")
    tol = _Tolerance(rtol, atol)
    rng = np.random.default_rng(seed)
    if grad_fn is not None:
        if order != 1:
            raise ValueError(f"grad_fn gives first derivatives only; order must be 1, "
                             f"got {order}")
        _check_grad_fn(f, args, grad_fn, tol, rng, num_directions)
        return None
    s = _resolve_strategy(strategy, modes)
    _check_strategy(f, args, s, tuple(modes), order, 1, tol, rng, num_directions, "f")
    return None
