"""`ad.numeric`'s transforms: grad, jacobian, hessian and jvp by finite differences."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..tree import flatten, leaf_paths, ravel
from .steps import (_EPS, _HESSIAN_POWER, _blocks, _check_eps, _check_method, _complex_safe_start, _direction_point,
                    _estimate, _jacobian_matrix, _leaf_dtype, _require_scalar, _setup, _shaped_like, _step_taken,
                    _vector_function, optimal_step)


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
