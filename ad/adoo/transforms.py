"""JAX-style transforms on top of `Var` (reverse mode) and `Dual` (forward mode).

Every transform runs the function at a fresh level (see `levels`), so transforms nest:
`grad(grad(f))`, `jacobian(grad(f), mode="forward")` and so on.  Results are plain floats
and NumPy arrays at the top level (engine values only inside an enclosing transform).
"""

from __future__ import annotations

import numpy as np

from .. import tree
from . import levels
from .backward import sweep
from .dual import Dual
from .var import Var, as_value

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian"]


def _argnums(argnums, nargs: int) -> tuple[tuple, bool]:
    """(selected positions, whether a single int was given)."""
    single = isinstance(argnums, (int, np.integer))
    selected = (int(argnums),) if single else tuple(argnums)
    if not selected:
        raise ValueError("argnums must select at least one argument")
    for i in selected:
        if not -nargs <= i < nargs:
            raise ValueError(f"argnums {argnums!r} out of range for a function called with {nargs} argument(s)")
    return tuple(i % nargs for i in selected), single


def _plain_out(value, level):
    """Strip this level's wrapper from an output leaf (lower levels stay traced)."""
    if type(value) is Var and value._ad_level == level:
        return value.data
    if type(value) is Dual and value._ad_level == level:
        return value.primal
    return value


def _zeros_like(x):
    x = as_value(x) if not isinstance(x, (Var, Dual)) else x
    if isinstance(x, (Var, Dual)):
        return 0.0 * x
    return np.zeros_like(x) if isinstance(x, np.ndarray) else (x * 0.0 if isinstance(x, np.generic) else 0.0)


def _check_scalar(out, who: str):
    if not isinstance(out, (Var, Dual, float, int, np.ndarray, np.generic)):
        raise TypeError(f"{who} needs f to return a scalar, got {type(out).__name__}; use vjp or jacobian "
                        f"for structured outputs")
    if np.shape(out) != ():
        raise ValueError(f"{who} needs f to return a scalar, got an output of shape {np.shape(out)}; "
                         f"use vjp or jacobian for non-scalar outputs")


def vjp(f, *primals):
    """Reverse mode: `(value, vjp_fn)`, where `vjp_fn(cotangent)` returns one cotangent per primal.

    >>> value, vjp_fn = vjp(lambda x, y: x * y, 2.0, 5.0)
    >>> value, vjp_fn(1.0)
    (10.0, (5.0, 2.0))
    """
    leaves, treedef = tree.flatten(primals)
    with levels.new_level() as level:
        inputs = [Var(as_value(x), level=level) for x in leaves]
        out = f(*tree.unflatten(treedef, inputs))
    out_leaves, out_def = tree.flatten(out)
    value = tree.unflatten(out_def, [_plain_out(o, level) for o in out_leaves])

    def vjp_fn(cotangent):
        cot_leaves, cot_def = tree.flatten(cotangent)
        if cot_def != out_def:
            raise TypeError(f"cotangent structure {cot_def} does not match the output structure {out_def}")
        for o, c in zip(out_leaves, cot_leaves):
            if np.shape(c) != np.shape(_plain_out(o, level)):
                raise ValueError(f"cotangent shape {np.shape(c)} does not match output shape "
                                 f"{np.shape(_plain_out(o, level))}")
        seeds = [(o, _in_dtype_of(c, o.data)) for o, c in zip(out_leaves, cot_leaves)
                 if type(o) is Var and o._ad_level == level]
        reached = sweep(seeds)
        grads = []
        for x, leaf in zip(inputs, leaves):
            g = reached[id(x)][1] if id(x) in reached else _zeros_like(x.data)
            grads.append(_like_input(g, leaf))
        return tuple(tree.unflatten(treedef, grads))

    return value, vjp_fn


def _in_dtype_of(cotangent, value):
    """A plain cotangent cast to its output's dtype, so a float32 graph stays float32."""
    dtype = getattr(value, "dtype", None)
    if dtype is None or isinstance(cotangent, (Var, Dual)) or np.result_type(cotangent) == dtype:
        return cotangent
    return np.asarray(cotangent, dtype=dtype)


def _like_input(g, leaf):
    """A gradient in its input's form: an array for an array, a Python float for a float."""
    if isinstance(g, (Var, Dual)):
        return g
    if isinstance(leaf, np.ndarray):
        return np.asarray(g).reshape(leaf.shape)
    g = np.asarray(g)
    return float(g) if g.dtype == np.float64 else g[()]


def jvp(f, primals, tangents):
    """Forward mode: `(value, tangent_out)` of f at `primals` along `tangents`.

    >>> jvp(lambda x, y: x * y, (2.0, 5.0), (1.0, 0.0))
    (10.0, 5.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    leaves, treedef = tree.flatten(primals)
    t_leaves, t_def = tree.flatten(tangents)
    if t_def != treedef:
        raise TypeError(f"tangents structure {t_def} does not match primals structure {treedef}")
    for x, t in zip(leaves, t_leaves):
        if np.shape(t) != np.shape(x):
            raise ValueError(f"tangent shape {np.shape(t)} does not match primal shape {np.shape(x)}")
    with levels.new_level() as level:
        inputs = [Dual(as_value(x), as_value(t), level=level) for x, t in zip(leaves, t_leaves)]
        out = f(*tree.unflatten(treedef, inputs))
    out_leaves, out_def = tree.flatten(out)
    values, tangents_out = [], []
    for o in out_leaves:
        if type(o) is Dual and o._ad_level == level:
            values.append(o.primal)
            tangents_out.append(o.tangent)
        else:  # the output does not depend on the inputs
            values.append(o)
            tangents_out.append(_zeros_like(o))
    return tree.unflatten(out_def, values), tree.unflatten(out_def, tangents_out)


def value_and_grad(f, argnums=0):
    """A function returning f's value and its gradient with respect to `argnums`.

    >>> value_and_grad(lambda x: x * x)(3.0)
    (9.0, 6.0)
    """
    def value_and_grad_f(*args):
        selected, single = _argnums(argnums, len(args))

        def f_selected(*chosen):
            full = list(args)
            for i, c in zip(selected, chosen):
                full[i] = c
            return f(*full)

        value, vjp_fn = vjp(f_selected, *(args[i] for i in selected))
        _check_scalar(value, "grad")
        grads = vjp_fn(1.0)
        return value, (grads[0] if single else grads)

    value_and_grad_f.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    return value_and_grad_f


def grad(f, argnums=0):
    """A function returning the gradient of scalar-valued f with respect to `argnums`.

    >>> grad(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), argnums=(0, 1))(2.0, 5.0)[0]
    5.5
    """
    value_and_grad_f = value_and_grad(f, argnums)

    def grad_f(*args):
        return value_and_grad_f(*args)[1]

    grad_f.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return grad_f


def _basis(leaves):
    """Unit vectors over a list of leaves: yields (leaf index, flat index, one-hot leaves)."""
    for k, leaf in enumerate(leaves):
        shape = np.shape(leaf)
        for j in range(int(np.prod(shape))):
            unit = [np.zeros(np.shape(x)) for x in leaves]
            unit[k].reshape(-1)[j] = 1.0
            yield k, [u if np.ndim(x) else float(u) for u, x in zip(unit, leaves)]


def jacobian(f, argnums=0, mode="reverse"):
    """A function returning the Jacobian of f with respect to `argnums`.

    For an array input of shape I and an output of shape O the Jacobian has shape O + I;
    structured inputs/outputs give the output's structure with the input's inside.
    `mode="reverse"` uses one vjp per output entry, `"forward"` one jvp per input entry.

    >>> jacobian(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")

    def jacobian_f(*args):
        selected, single = _argnums(argnums, len(args))
        chosen = tuple(args[i] for i in selected)

        def f_selected(*xs):
            full = list(args)
            for i, x in zip(selected, xs):
                full[i] = x
            return f(*full)

        in_leaves, in_def = tree.flatten(chosen)
        if mode == "reverse":
            value, vjp_fn = vjp(f_selected, *chosen)
            out_leaves, out_def = tree.flatten(value)
            rows = [[] for _ in out_leaves]  # rows[o]: gradients of each entry of output leaf o
            for o, unit in _basis(out_leaves):
                rows[o].append(tree.leaves(vjp_fn(tree.unflatten(out_def, unit))))
            blocks = [[_stack([r[i] for r in rows[o]], 0, np.shape(out_leaves[o]), np.shape(x))
                       for i, x in enumerate(in_leaves)] for o in range(len(out_leaves))]
        else:
            columns = [[] for _ in in_leaves]  # columns[i]: output tangents per entry of input leaf i
            value = None
            for i, unit in _basis(in_leaves):
                value, tangent = jvp(f_selected, chosen, tree.unflatten(in_def, unit))
                columns[i].append(tree.leaves(tangent))
            if value is None:
                value = f_selected(*chosen)
            out_leaves, out_def = tree.flatten(value)
            blocks = [[_stack([c[o] for c in columns[i]], -1, np.shape(out_leaves[o]), np.shape(x))
                       for i, x in enumerate(in_leaves)] for o in range(len(out_leaves))]
        per_output = [tree.unflatten(in_def, row) for row in blocks]
        if single:
            per_output = [p[0] for p in per_output]
        return tree.unflatten(out_def, per_output)

    return jacobian_f


def _stack(pieces, axis, out_shape, in_shape):
    """Join per-entry derivatives (rows: axis 0, columns: axis -1) into a block of shape
    out_shape + in_shape."""
    if not pieces:
        return np.zeros(out_shape + in_shape)
    if not out_shape and not in_shape and not any(isinstance(p, (Var, Dual)) for p in pieces):
        return float(pieces[0])
    if any(isinstance(p, (Var, Dual)) for p in pieces):  # inside an enclosing transform
        from .. import ops
        return ops.reshape(ops.stack(list(pieces), axis=axis), out_shape + in_shape)
    return np.stack([np.asarray(p) for p in pieces], axis=axis).reshape(out_shape + in_shape)


def hessian(f, argnums=0):
    """A function returning the Hessian of scalar f: forward-over-reverse (jvp of grad).

    >>> hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    """
    return jacobian(grad(f, argnums), argnums, mode="forward")
