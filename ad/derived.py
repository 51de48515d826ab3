"""Transforms derived from a strategy's two primitives, `vjp` and `jvp`.

Every strategy implements reverse mode (`vjp`) and forward mode (`jvp`) its own way; `grad`,
`value_and_grad`, `jacobian` and `hessian` are built here from those two, once for all, as
JAX does.  Helpers for argument selection, pytrees and result types live here too.

>>> from ad import adoo
>>> value_and_grad(adoo.vjp, lambda x: x * x)(3.0)
(9.0, 6.0)
"""

from __future__ import annotations

import numpy as np

import numbers

from . import levels, ops, tree
from .auxiliary import split_aux
from .errors import LeakedValueError
from .ops.core import _ENGINES, is_complex, narrower_float, shape_of
from .ops.shape import plain_in_dtype_of

__all__ = ["value_and_grad", "grad", "jacobian", "jacfwd", "jacrev", "hessian", "is_traced"]


TRANSFORM_NAMES = ("grad", "value_and_grad", "jvp", "vjp", "jacobian", "jacfwd", "jacrev", "hessian")


def mark_transforms(namespace: dict) -> None:
    """Mark a module's public transforms, so that adsct reads a call of one inside a function
    it transforms as a derivative taken there (see ad/adsct/nesting.py)."""
    for name in TRANSFORM_NAMES:
        namespace[name].__ad_transform__ = name


def is_traced(x) -> bool:
    """True for a value owned by a differentiation engine (a Var, Dual, tape handle, ...).

    >>> is_traced(1.0)
    False
    """
    return type(x) in _ENGINES


def plain(value):
    """The plain number or array under any engine wrappers (each engine value has `_value()`).

    >>> plain(2.0)
    2.0
    """
    while type(value) in _ENGINES:
        value = value._value()
    return value


def plain_tree(args):
    """`plain` on every leaf of (nested) argument lists, tuples and dicts."""
    if isinstance(args, (list, tuple)):
        return type(args)(plain_tree(a) for a in args)
    if isinstance(args, dict):
        return {k: plain_tree(v) for k, v in args.items()}
    return plain(args)


def as_value(x):
    """An input as a float or float array: ints and bools are promoted, float32 is kept,
    engine values pass through.

    >>> as_value(3), as_value(np.arange(2)).dtype
    (3.0, dtype('float64'))
    """
    if isinstance(x, float) or is_traced(x) or (type(x) is np.ndarray and x.dtype.kind == "f"):
        return x
    if isinstance(x, (int, bool, np.integer, np.bool_)):
        return float(x)
    if isinstance(x, np.floating):
        return x if x.dtype != np.float64 else float(x)
    array = np.asarray(x)
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind not in "fc":
        raise TypeError(f"cannot differentiate with respect to a value of dtype {array.dtype}")
    return array


def select_argnums(argnums, nargs: int) -> tuple[tuple, bool]:
    """(selected positions, whether a single int was given), with clear range errors."""
    single = isinstance(argnums, (int, np.integer))
    selected = (int(argnums),) if single else tuple(argnums)
    if not selected:
        raise ValueError("argnums must select at least one argument")
    for i in selected:
        if not -nargs <= i < nargs:
            raise ValueError(f"argnums {argnums!r} out of range for a function called with {nargs} argument(s)")
    return tuple(i % nargs for i in selected), single


def distinct(selected: tuple) -> tuple[tuple, tuple]:
    """Each selected position once (in first-seen order), and for each requested position
    the index of its derivative among them.  A repeated argnum thus gets the full derivative
    with respect to that argument at each of its places, in every strategy.

    >>> distinct((1, 0, 1))
    ((1, 0), (0, 1, 0))
    """
    unique = tuple(dict.fromkeys(selected))
    return unique, tuple(unique.index(i) for i in selected)


def _restricted(f, args, selected, reruns: bool = False):
    """f as a function of the selected arguments only, the others fixed.  `.restricts` says
    so, for strategies that transform f's own source rather than run this wrapper.

    With `reruns` (a transform that runs f once per entry, like a forward Jacobian), each run
    after the first starts from the fixed arrays as the caller passed them: NumPy code may
    update an argument in place (`y += x`), once per call, as f's caller expects; a run that
    raises puts them back as they were.
    """
    fixed = [leaf for i, a in enumerate(args) if i not in selected for leaf in tree.leaves(a)
             if type(leaf) is np.ndarray and leaf.flags.writeable] if reruns else []
    snapshots = [leaf.copy() for leaf in fixed]
    runs = [0]

    def restore():
        for leaf, snapshot in zip(fixed, snapshots):
            leaf.flags.writeable = True  # (a strategy may hold it read-only while f runs)
            np.copyto(leaf, snapshot)

    def f_selected(*chosen):
        if runs[0] and fixed:
            restore()
        runs[0] += 1
        full = list(args)
        for i, c in zip(selected, chosen):
            full[i] = c
        try:
            return f(*full)
        except BaseException:
            restore()  # (a refused run leaves the caller's arrays as they were)
            raise
    f_selected.restricts = (f, args, selected)
    f_selected.__name__ = getattr(f, "__name__", "f")
    return f_selected


def derivative_function(function, kind: str):
    """Mark `function` as built from a transform (grad(f), a jvp wrapped in a lambda, ...):
    it has no source of its own, so a source transformer differentiates it by running it.

    >>> derivative_function(lambda x: x, "grad").__ad_derivative__
    'grad'
    """
    function.__ad_derivative__ = kind
    return function


def function_name(f) -> str:
    """How errors name the user's function: its own name, or "f" for a lambda.

    >>> function_name(lambda x: x), function_name(function_name)
    ('f', 'function_name')
    """
    f = getattr(f, "restricts", (f,))[0]
    name = getattr(f, "__name__", "f")
    return "f" if name == "<lambda>" else name


def lift_outputs(leaves) -> list:
    """f's output leaves with each object array of traced values (f returned `np.array([a, b])`)
    turned back into one traced array (ad/ops/objects.py); other leaves unchanged.

    >>> lift_outputs([1.0, np.ones(2)])
    [1.0, array([1., 1.])]
    """
    return [x if type(x) is not np.ndarray or x.dtype.kind != "O" else _lifted(x) for x in leaves]


def _lifted(x):
    traced = ops.objects.lift(x)
    return x if traced is None else traced


def plain_outputs(leaves, f) -> list:
    """f's output leaves as a transform hands them back: checked to be numbers or numeric
    arrays (or values of a transform still running), float64 scalars as Python floats.
    Refuses anything else with a TypeError naming what f returned, and a traced value of a
    transform that has finished with a `LeakedValueError` (checked here, at the transform's
    boundary, not at every op).

    >>> plain_outputs([np.float64(2.0), 3], lambda x: x)
    [2.0, 3]
    >>> plain_outputs(["abc"], lambda x: x)
    Traceback (most recent call last):
    ...
    TypeError: f returned a str ('abc'); derivatives need f to return numbers or NumPy arrays (or tuples, lists and dicts of them)
    """
    return [_plain_output(x, f) for x in leaves]


def _plain_output(x, f):
    kind = type(x)
    if kind is float:
        return x
    if kind is np.ndarray:
        if x.dtype.kind in "biufc":
            return plain_scalar(x)
        what = f"an array of dtype {x.dtype}"
    elif kind in _ENGINES:
        check_live(x, f)
        return x
    elif isinstance(x, (numbers.Number, np.number, np.bool_)):
        return plain_scalar(x)
    else:
        what = f"a {kind.__name__}" + (f" ({x!r})" if isinstance(x, str) and len(x) <= 30 else "")
    raise TypeError(f"{function_name(f)} returned {what}; derivatives need f to return numbers or NumPy arrays "
                    f"(or tuples, lists and dicts of them)")


# What a user calls each engine's traced value (by class name: the engines sit above this module).
_TRACED_KINDS = {"Var": "a Var (adoo's reverse mode)", "Dual": "a Dual number (adoo's forward mode)",
                 "Active": "an adlib tape value"}


def check_live(x, f=None) -> None:
    """Refuse a traced value (at any depth of nesting) whose transform has finished."""
    value = x
    while type(value) in _ENGINES:
        if not levels.is_live(getattr(value, "_ad_level", 0)):
            who = "a value" if f is None else f"{function_name(f)}'s result"
            raise LeakedValueError(
                f"{who} was computed from {_TRACED_KINDS.get(type(value).__name__, 'a traced value')} of a "
                f"transform (grad, vjp, jvp, ...) that has "
                f"finished: a traced value escaped from it through a global, a closure or a container and was used "
                f"later.  Pass the value in as an argument of the function being differentiated, or keep its plain "
                f"number instead")
        value = value._value()


def check_scalar(out, who: str) -> None:
    """Refuse a non-scalar output where a gradient is asked for."""
    if type(out) is float:
        return
    if out is None:
        raise TypeError(f"{who} needs f to return a scalar, got None (does f lack a return statement?)")
    if isinstance(out, (list, tuple, dict)):
        raise TypeError(f"{who} needs f to return a scalar, got {type(out).__name__}; use vjp or jacobian "
                        f"for structured outputs")
    if shape_of(out) != ():
        raise ValueError(f"{who} needs f to return a scalar, got an output of shape {shape_of(out)}; "
                         f"use vjp or jacobian for non-scalar outputs")


def zeros_like(x):
    """A zero of x's shape and float dtype (traced values stay traced)."""
    if is_traced(x):
        return ops.mul(0.0, x)
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=x.dtype if x.dtype.kind in "fc" else np.float64)
    if isinstance(x, np.floating):
        return x * 0
    return 0.0


def in_dtype_of(cotangent, value):
    """A plain cotangent cast to its output's dtype, so a float32 computation stays float32
    (inside an enclosing transform too: the dtype is the one under the engine values)."""
    if is_traced(cotangent):
        return cotangent
    return plain_in_dtype_of(cotangent, plain(value))


def plain_scalar(x):
    """A float64 NumPy scalar (or 0-d array) as a Python float; anything else unchanged.

    >>> plain_scalar(np.float64(2.5)), plain_scalar(np.float32(1))
    (2.5, np.float32(1.0))
    """
    if type(x) is np.float64 or (type(x) is np.ndarray and x.ndim == 0 and x.dtype == np.float64):
        return float(x)
    return x


def like_input(g, leaf):
    """A derivative in its input's form: an array for an array, a Python float for a float,
    and no wider float dtype than the input's (a float32 input gets a float32 gradient).

    >>> like_input(np.ones(2), np.zeros(2, np.float32)).dtype
    dtype('float32')
    """
    if type(g) is float and not isinstance(leaf, np.ndarray):
        return g  # the common cases first: a float for a float, an array of the right shape
    if type(g) is np.ndarray and type(leaf) is np.ndarray and g.shape == leaf.shape:
        return g if g.dtype is leaf.dtype else _narrowed(g, leaf)
    if is_traced(g):
        return g
    if isinstance(leaf, np.ndarray) or (is_traced(leaf) and shape_of(leaf)):  # (a constant derivative
        return _narrowed(np.asarray(g).reshape(shape_of(leaf)), leaf)         # of a traced array input)
    g = _narrowed(np.asarray(g), leaf)
    return float(g) if g.dtype == np.float64 else g[()]


def _narrowed(g: np.ndarray, leaf) -> np.ndarray:
    if g.dtype.kind == "c" and not is_complex(leaf):  # a real input's gradient is real (Re(g * t), t real)
        g = g.real
    narrower = narrower_float(g, leaf)
    return g if narrower is None else g.astype(narrower)


def check_tangents(leaves, treedef, tangents) -> list:
    """The tangent leaves, after checking they match the primals' structure and shapes."""
    t_leaves, t_def = tree.flatten(tuple(tangents))
    if t_def != treedef:
        raise TypeError(f"tangents structure {t_def} does not match primals structure {treedef}")
    for x, t in zip(leaves, t_leaves):
        if shape_of(t) != shape_of(x):
            raise ValueError(f"tangent shape {shape_of(t)} does not match primal shape {shape_of(x)}")
    return t_leaves


def check_cotangent(out_def, values, cotangent) -> list:
    """The cotangent leaves, after checking they match the output's structure and shapes."""
    cot_leaves, cot_def = tree.flatten(cotangent)
    if cot_def != out_def:
        raise TypeError(f"cotangent structure {cot_def} does not match the output structure {out_def}")
    for v, c in zip(values, cot_leaves):
        if shape_of(c) != shape_of(v):
            raise ValueError(f"cotangent shape {shape_of(c)} does not match output shape {shape_of(v)}")
    return cot_leaves


def value_and_grad(vjp, f, argnums=0, has_aux=False):
    """f's value and gradient with respect to `argnums`, by one reverse sweep of `vjp`.
    A tuple `argnums` gives a tuple of gradients; a position repeated in it gets the full
    gradient with respect to that argument at each of its places.  With `has_aux`, f returns
    `(value, aux)` and the result is `((value, aux), gradient)`, aux as plain values.

    >>> from ad import adoo
    >>> value_and_grad(adoo.vjp, lambda a, b: a * b, argnums=(1, 1))(2.0, 3.0)
    (6.0, (2.0, 2.0))
    >>> value_and_grad(adoo.vjp, lambda a: (a * a, a + 1.0), has_aux=True)(3.0)
    ((9.0, 4.0), 6.0)
    """
    def value_and_grad_f(*args):
        selected, single = select_argnums(argnums, len(args))
        unique, where = distinct(selected)
        f_value, aux_of = split_aux(f, "grad") if has_aux else (f, None)
        value, vjp_fn = vjp(_restricted(f_value, args, unique), *(args[i] for i in unique))
        check_scalar(value, "grad")
        aux = aux_of() if has_aux else None  # (before the sweep, which may let f's values go)
        # one sweep and no other: an engine that can frees each value once its rules have read it
        grads = vjp_fn(1.0, last_call=True) if getattr(vjp_fn, "accepts_last_call", False) else vjp_fn(1.0)
        grads = grads[0] if single else tuple(grads[k] for k in where)
        return ((value, aux), grads) if has_aux else (value, grads)

    value_and_grad_f.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    return derivative_function(value_and_grad_f, "value_and_grad")  # (run, not read, by source transformers)


def grad(vjp, f, argnums=0, has_aux=False):
    """The gradient of scalar-valued f with respect to `argnums`, by `vjp` (a position
    repeated in `argnums` gets the full gradient at each of its places).  With `has_aux`, f
    returns `(value, aux)` and the result is `(gradient, aux)`, aux as plain values.

    >>> from ad import adoo
    >>> grad(adoo.vjp, lambda a, b: a * b, argnums=(0, 1, 0))(2.0, 3.0)
    (3.0, 2.0, 3.0)
    """
    value_and_grad_f = value_and_grad(vjp, f, argnums, has_aux)

    def grad_f(*args):
        value, grads = value_and_grad_f(*args)
        return (grads, value[1]) if has_aux else grads

    grad_f.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return derivative_function(grad_f, "grad")  # (run, not read, by source transformers)


def _unit_dtype(x):
    """The dtype of a unit tangent or cotangent for x: x's own floating dtype (so float32
    stays float32 through jacobians and hessians), float64 otherwise."""
    dtype = np.result_type(plain(x))
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _basis(leaves):
    """Unit vectors over a list of leaves: yields (leaf index, one-hot leaves)."""
    dtypes = [_unit_dtype(x) for x in leaves]
    for k, leaf in enumerate(leaves):
        for j in range(int(np.prod(shape_of(leaf)))):
            unit = [np.zeros(shape_of(x), dtype) for x, dtype in zip(leaves, dtypes)]
            unit[k].reshape(-1)[j] = 1.0
            yield k, [u if shape_of(x) else float(u) for u, x in zip(unit, leaves)]


def jacobian(vjp, jvp, f, argnums=0, mode="reverse"):
    """The Jacobian of f with respect to `argnums`: one `vjp` per output entry (reverse) or
    one `jvp` per input entry (forward).  For an array input of shape I and output of shape
    O the Jacobian has shape O + I; structured inputs/outputs nest the input's structure
    inside the output's.  A position repeated in a tuple `argnums` gets the full Jacobian
    block with respect to that argument at each of its places.

    >>> from ad import adoo
    >>> jacobian(adoo.vjp, adoo.jvp, lambda a, b: a * b, argnums=(1, 1))(2.0, 3.0)
    (2.0, 2.0)
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")

    def jacobian_f(*args):
        selected, single = select_argnums(argnums, len(args))
        selected, where = distinct(selected)
        chosen = tuple(args[i] for i in selected)
        f_selected = _restricted(f, args, selected, reruns=mode == "forward")
        in_leaves, in_def = tree.flatten(chosen)
        if mode == "reverse":
            value, vjp_fn = vjp(f_selected, *chosen)
            out_leaves, out_def = tree.flatten(value)
            rows = [[] for _ in out_leaves]  # rows[o]: gradients of each entry of output leaf o
            for o, unit in _basis(out_leaves):
                rows[o].append(tree.leaves(vjp_fn(tree.unflatten(out_def, unit))))
            blocks = [[_stack([r[i] for r in rows[o]], 0, shape_of(out_leaves[o]), shape_of(x))
                       for i, x in enumerate(in_leaves)] for o in range(len(out_leaves))]
        else:
            columns = [[] for _ in in_leaves]  # columns[i]: output tangents per entry of input leaf i
            value = None
            for i, unit in _basis(in_leaves):
                value, tangent = jvp(f_selected, chosen, tree.unflatten(in_def, unit))
                columns[i].append(tree.leaves(tangent))
            if value is None:  # no input entries at all
                value = f_selected(*chosen)
            out_leaves, out_def = tree.flatten(value)
            blocks = [[_stack([c[o] for c in columns[i]], -1, shape_of(out_leaves[o]), shape_of(x))
                       for i, x in enumerate(in_leaves)] for o in range(len(out_leaves))]
        per_output = [tree.unflatten(in_def, row) for row in blocks]
        per_output = [p[0] if single else tuple(p[k] for k in where) for p in per_output]
        return tree.unflatten(out_def, per_output)

    return derivative_function(jacobian_f, "jacobian")  # (run, not read, by source transformers)


def jacfwd(vjp, jvp, f, argnums=0):
    """`jacobian(..., mode="forward")` under JAX's name: one jvp per input entry.

    >>> from ad import adoo
    >>> jacfwd(adoo.vjp, adoo.jvp, lambda a, b: a * b, argnums=(0, 1))(2.0, 3.0)
    (3.0, 2.0)
    """
    return jacobian(vjp, jvp, f, argnums, mode="forward")


def jacrev(vjp, jvp, f, argnums=0):
    """`jacobian(..., mode="reverse")` under JAX's name: one vjp per output entry.

    >>> from ad import adoo
    >>> jacrev(adoo.vjp, adoo.jvp, lambda a, b: a * b, argnums=(0, 1))(2.0, 3.0)
    (3.0, 2.0)
    """
    return jacobian(vjp, jvp, f, argnums, mode="reverse")


def _stack(pieces, axis, out_shape, in_shape):
    """Join per-entry derivatives (rows: axis 0, columns: axis -1) into a block of shape
    out_shape + in_shape."""
    if not pieces:
        return np.zeros(out_shape + in_shape)
    if any(is_traced(p) for p in pieces):  # inside an enclosing transform
        return ops.reshape(ops.stack(list(pieces), axis=axis), out_shape + in_shape)
    if not out_shape and not in_shape:  # (a float32 number stays float32)
        return plain_scalar(np.asarray(pieces[0])[()])
    return np.stack([np.asarray(p) for p in pieces], axis=axis).reshape(out_shape + in_shape)


def hessian(vjp, jvp, f, argnums=0):
    """The Hessian of scalar f, forward-over-reverse: the forward Jacobian of the gradient.
    A tuple `argnums` gives a tuple of tuples of blocks, a repeated position its full block
    at each of its places (as for `grad` and `jacobian`).

    >>> from ad import adoo
    >>> hessian(adoo.vjp, adoo.jvp, lambda a, b: a * a * b, argnums=(0, 1))(2.0, 3.0)
    ((6.0, 4.0), (4.0, 0.0))
    """
    return derivative_function(jacobian(vjp, jvp, grad(vjp, f, argnums), argnums, mode="forward"), "hessian")
