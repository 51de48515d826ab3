"""Numeric differentiation: finite differences, complex step, Richardson, gradient checks.

The numbers here are the referee for the three AD engines, so they favour accuracy and
clear failures over speed.

Methods and their automatic steps (`eps` is float64 machine epsilon, x the coordinate):

=============  ===================================  =======================  =============
method         formula                              step h                   error
=============  ===================================  =======================  =============
forward        (f(x+h) - f(x)) / h                  sqrt(eps) * max(1,|x|)   ~1e-8
backward       (f(x) - f(x-h)) / h                  sqrt(eps) * max(1,|x|)   ~1e-8
central        (f(x+h) - f(x-h)) / 2h               cbrt(eps) * max(1,|x|)   ~4e-11
richardson     (4 D(h/2) - D(h)) / 3, D = central   eps**(1/5) * max(1,|x|)  ~3e-13
complex        Im f(x + ih) / h                     1e-20                    ~1e-16
=============  ===================================  =======================  =============

(errors are relative to the size of f for a well-scaled f.)  Each step balances truncation
error (which grows with h) against round-off in f (which grows like eps/h), assuming f and
its derivatives are about as large as f; the complex step has no subtraction, hence no
round-off to balance, and can be tiny.

Precision: inputs are always upcast to float64 (complex128) before f is evaluated, because
finite differences in float32 have only 3-4 correct digits.  Results are cast back at the
end: a derivative block has the promoted dtype of the leaves it relates (float32 input and
float32 output give float32), with integers and Python numbers counting as float64.

Steps are exactly representable: a coordinate is moved to x + h and the divisor is the
distance actually travelled, (x + h) - x, so rounding of x + h costs nothing.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from . import derived
from .tree import flatten, leaf_paths, ravel, tree_map, unflatten

__all__ = [
    "METHODS",
    "optimal_step",
    "grad",
    "jvp",
    "jacobian",
    "hessian",
    "check_grads",
    "step_errors",
]

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


# ----------------------------------------------------------------------------- public


def grad(f: Callable, *args, argnums=0, method: str = "central", eps=None):
    """Numeric gradient of a scalar-valued f with respect to args[argnums].

    Each coordinate of the (pytree) argument is perturbed on its own.  `argnums` may be
    a tuple, giving a tuple of gradients.  `eps` replaces the automatic step with a fixed
    absolute step h.  The gradient has the structure of the argument; see the module
    docstring for the dtype and the meaning of each method.

    >>> f = lambda x, y: x ** 2 * y
    >>> [round(float(v), 6) for v in grad(f, 3.0, 2.0, argnums=(0, 1))]
    [12.0, 9.0]
    >>> round(float(grad(np.sin, 0.0, method="complex")), 12)
    1.0
    """
    _check_method(method)
    _check_eps(eps)
    selected, x, g, value = _setup(f, args, argnums, "grad")
    _require_scalar(value, "grad")
    return _blocks(_jacobian_matrix(g, x, method, eps), value, selected)


def jacobian(f: Callable, *args, argnums=0, method: str = "central", eps=None):
    """Numeric Jacobian of f with respect to args[argnums], one coordinate at a time.

    For an array (or number) argument and an array (or number) output the result is an
    array of shape out.shape + arg.shape.  For pytrees the result nests the argument's
    structure inside the output's: each output leaf is replaced by a tree shaped like
    the argument whose leaves have shape out_leaf.shape + arg_leaf.shape (as JAX does).
    With an `argnums` tuple the argument is the tuple of selected arguments.

    >>> jacobian(lambda x: np.array([x[0] * x[1], x[1]]), np.array([2.0, 3.0])).round(6)
    array([[3., 2.],
           [0., 1.]])
    """
    _check_method(method)
    _check_eps(eps)
    selected, x, g, value = _setup(f, args, argnums, "jacobian")
    return _blocks(_jacobian_matrix(g, x, method, eps), value, selected)


def _hessian_matrix(g: Callable, x: np.ndarray, eps) -> np.ndarray:
    """Second-order central differences, using the steps actually taken on each side."""
    n = x.size
    h = np.full(n, eps) if eps is not None else (
        _EPS ** _HESSIAN_POWER * np.maximum(1.0, np.abs(x)))
    up = (x + h) - x
    down = x - (x - h)
    for i in range(n):
        _step_taken(up[i] * down[i], h[i])

    def at(*moves):
        xs = x.copy()
        for i, s in moves:
            xs[i] = x[i] + s
        return g(xs)[0]

    f0 = at()
    width = up + down
    out = np.empty((n, n), np.result_type(f0, np.float64))
    for i in range(n):
        fp, fm = at((i, up[i])), at((i, -down[i]))
        out[i, i] = 2 * ((fp - f0) / up[i] - (f0 - fm) / down[i]) / width[i]
        for j in range(i):
            cross = (at((i, up[i]), (j, up[j])) - at((i, up[i]), (j, -down[j]))
                     - at((i, -down[i]), (j, up[j])) + at((i, -down[i]), (j, -down[j])))
            out[i, j] = out[j, i] = cross / (width[i] * width[j])  # symmetric by construction
    return out


def hessian(f: Callable, *args, argnums=0, eps=None):
    """Numeric Hessian of a scalar-valued f by second-order central differences.

    Diagonal entries use (f(x+h) - 2 f(x) + f(x-h)) / h**2, off-diagonal ones the
    four-point cross difference, with h = eps**(1/4) * max(1, |x_i|) unless `eps` gives
    the step.  Accuracy: truncation ~h**2 * f'''' plus round-off ~eps * |f| / h**2, i.e.
    an absolute error around 1e-8 * |f| (at best ~1e-7 relative).  The result is
    symmetric; its layout is `jacobian`'s with the argument on both sides
    (shape arg.shape + arg.shape for an array).

    >>> hessian(lambda x: x[0] ** 2 * x[1], np.array([1.0, 2.0])).round(5)
    array([[4., 2.],
           [2., 0.]])
    """
    _check_eps(eps)
    selected, x, g, value = _setup(f, args, argnums, "hessian")
    _require_scalar(value, "hessian")
    return _blocks(_hessian_matrix(g, x, eps), selected, selected, _leaf_dtype(value))


def _as_primals(primals, name: str) -> tuple:
    if not isinstance(primals, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of arguments, e.g. (x,), got "
                        f"{type(primals).__name__}")
    return tuple(primals)


def _jvp_vector(f: Callable, primals: tuple, tangents: tuple, method: str, eps):
    """(value, tangent of the output as a flat vector in float64/complex128)."""
    _, primal_def = flatten(primals)
    _, tangent_def = flatten(tangents)
    if primal_def != tangent_def:
        raise TypeError(f"pytree structures differ: {primal_def} vs {tangent_def}")
    for path, p, t in zip(leaf_paths(primals), flatten(primals)[0], flatten(tangents)[0]):
        if np.shape(p) != np.shape(t):
            raise ValueError(f"tangent{path} has shape {np.shape(t)} but the primal has "
                             f"shape {np.shape(p)}")
    x0, unravel = ravel(primals)
    t0 = ravel(tangents)[0]
    dtype = np.result_type(x0.dtype, t0.dtype, np.float64)
    if method == "complex" and dtype.kind == "c":
        raise ValueError("method='complex' needs real primals and tangents")
    x, t = x0.astype(dtype), t0.astype(dtype)
    value = f(*primals)
    g = _vector_function(f, unravel, flatten(value)[1])
    g0 = g(x)
    _complex_safe_start(g0, method)
    size = np.abs(t)
    norm = float(size.max()) if size.size else 0.0
    if eps is not None:
        h = eps
    else:
        # Move the coordinates along t by about the automatic step of their typical size.
        scale = float(np.abs(x) @ size / size.sum()) if norm > 0 else 1.0
        h = optimal_step(method, scale) / (norm if norm > 0 else 1.0)
        if method != "complex":
            h = 2.0 ** np.floor(np.log2(h))  # a power of two makes s*t exact
    return value, _estimate(g, _direction_point(x, t), method, h, g0)


def jvp(f: Callable, primals, tangents, method: str = "central", eps=None):
    """Numeric directional derivative: (f(*primals), d/ds f(*(primals + s*tangents))).

    `primals` is a tuple of arguments (pytrees allowed) and `tangents` has the same
    structure.  The output may be a scalar, an array or a pytree; the tangent has its
    structure.  The step s along the tangent is the method's automatic step for the
    typical size of the coordinates that move, divided by max|tangent| (then rounded down
    to a power of two); `eps` sets s directly.

    >>> value, tangent = jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
    >>> float(value), round(float(tangent), 8)
    (6.0, 3.0)
    """
    _check_method(method)
    _check_eps(eps)
    primals = _as_primals(primals, "primals")
    tangents = _as_primals(tangents, "tangents")
    value, vec = _jvp_vector(f, primals, tangents, method, eps)
    return value, _shaped_like(vec, value)


# ----------------------------------------------------------------------------- checking


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


# ----------------------------------------------------------------------------- step study


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
