"""JAX-style transforms on top of `Var` (reverse mode) and `Dual` (forward mode).

`vjp` and `jvp` are adoo's own; the others are derived from them (`ad.derived`).  Every
transform runs the function at a fresh level (see `levels`), so transforms nest:
`grad(grad(f))`, `jacobian(grad(f), mode="forward")` and so on.  Results are plain floats
and NumPy arrays at the top level (engine values only inside an enclosing transform).

The contract shared by every strategy (argnums, pytrees, dtypes, errors) is written out in
full in `help(ad.grad)`; the docstrings here say what is particular to operator overloading:
f is ordinary Python and NumPy, run once on traced values.
"""

from __future__ import annotations

import traceback

import numpy as np

from .. import derived, tree
from ..errors import NotDifferentiableError
from .. import levels
from .backward import sweep, topological_order
from .dual import Dual
from .inplace import note_shared_arguments
from ..ops.reads import LARGE
from .release import release_unread
from .traced import last_refusal
from .var import Var, any_updates, as_value, earliest, recorded, thaw

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacobian", "jacfwd", "jacrev", "hessian"]


def _plain_out(value, level):
    """Strip this level's wrapper from an output leaf (lower levels stay traced)."""
    if type(value) is Var and value._ad_level == level:
        return value.data
    if type(value) is Dual and value._ad_level == level:
        return value.primal
    return value


def _constant_arrays(f) -> list:
    """The arrays among the arguments a transform holds constant (see derived._restricted)."""
    restricts = getattr(f, "restricts", None)
    if restricts is None:
        return []
    _, args, selected = restricts
    return tree.flatten([a for i, a in enumerate(args) if i not in selected])[0]


def _changed_after_use(error: ValueError) -> NotDifferentiableError:
    """The error for NumPy code that updated, in place, an array an op had already read."""
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return NotDifferentiableError(
        f"an array that a differentiated operation has already read is updated in place at "
        f"{frame.filename}, line {frame.lineno}: {frame.line}; the reverse sweep would read the "
        f"changed values. Update a copy (y = y.copy() before it is used) or write `y = y + ...`")


def vjp(f, *primals):
    """Reverse mode: run f once on `Var`s, then pull cotangents back through its graph.

    Args:
        f: ordinary Python/NumPy code of numbers, arrays or pytrees of them.
        *primals: f's positional arguments (every one is differentiated).

    Returns:
        `(value, vjp_fn)`: f's value (plain floats and arrays, with f's output structure) and
        `vjp_fn(cotangent)`, which takes a cotangent with that structure (shapes, dtypes) and
        returns a tuple with one cotangent per primal, each with its primal's structure.  vjp_fn
        can be called many times (one sweep each); `vjp_fn(cotangent, last_call=True)` says
        this call is the last, so its sweep lets each of f's values go once read.

    Raises:
        NotDifferentiableError: a NumPy function without a rule, float()/math.* of a traced
            value, or an in-place write the sweep cannot follow; the message names your line.
        LeakedValueError: a traced value kept from a finished transform is used.
        TypeError: f returns something that is not numbers and arrays.
        ValueError: a cotangent whose structure or shape does not match the output.

    >>> value, vjp_fn = vjp(lambda x, y: x * y, 2.0, 5.0)
    >>> value, vjp_fn(1.0)
    (10.0, (5.0, 2.0))
    """
    leaves, treedef = tree.flatten(primals)
    large = LARGE[0]
    with levels.new_level() as level:
        inputs = [Var(as_value(x), level=level) for x in leaves]
        if any(type(x) is np.ndarray for x in leaves):  # (numbers cannot share memory)
            note_shared_arguments(inputs, leaves, _constant_arrays(f))
        stack = recorded()
        stack.append([])
        try:
            out = f(*tree.unflatten(treedef, inputs))
        except ValueError as error:
            if "read-only" in str(error) and stack[-1]:
                raise _changed_after_use(error) from error
            raise last_refusal(error) or error
        finally:
            thaw(stack.pop())
    out_leaves, out_def = tree.flatten(out)
    out_leaves = derived.lift_outputs(out_leaves)
    values = derived.plain_outputs([_plain_out(o, level) for o in out_leaves], f)
    if any_updates():  # f may have updated an input in place: its gradient belongs to the leaf
        inputs = [earliest(x) for x in inputs]

    roots = [o for o in out_leaves if type(o) is Var and o._ad_level == level]
    # the graph, in the order the sweeps take it; with large arrays in it, slimmed to what its rules read
    # once, before the first sweep (ad.adoo.release): f has returned, so its temporaries are the graph's
    state = {"order": None, "arrays": LARGE[0] != large, "swept": False}

    def vjp_fn(cotangent, *, last_call=False):
        if state["swept"]:
            raise RuntimeError("this vjp_fn was called with last_call=True, which let its graph go")
        cot_leaves = derived.check_cotangent(out_def, values, cotangent)
        seeds = [(o, derived.in_dtype_of(c, o.data)) for o, c in zip(out_leaves, cot_leaves)
                 if type(o) is Var and o._ad_level == level]
        order = state["order"]
        if order is None:
            order = state["order"] = topological_order(roots)
            if state["arrays"]:
                release_unread(order, {id(o) for o in roots})
        if last_call:  # (the sweep's own list, so that it alone holds the nodes)
            state["order"], state["swept"] = None, True
        reached = sweep(seeds, order=order, last=last_call and state["arrays"])
        del order
        grads = [derived.like_input(reached[id(x)][1] if id(x) in reached else derived.zeros_like(x.data), leaf)
                 for x, leaf in zip(inputs, leaves)]
        return tuple(tree.unflatten(treedef, derived.plain_outputs(grads, f)))

    vjp_fn.accepts_last_call = True  # (derived.value_and_grad: its one call may free the graph as it goes)
    return tree.unflatten(out_def, values), vjp_fn


def jvp(f, primals, tangents):
    """Forward mode: run f once on `Dual` numbers, value and tangent side by side.

    Args:
        f: ordinary Python/NumPy code of numbers, arrays or pytrees of them.
        primals: a tuple with one entry per positional argument of f.
        tangents: a tuple with the structure, shapes and dtypes of `primals` (the direction).

    Returns:
        `(value, tangent_out)`, both with the structure of f's output: the directional
        derivative of f at `primals` along `tangents`.

    Raises:
        NotDifferentiableError, LeakedValueError, TypeError: as for `vjp`.
        ValueError: tangents whose structure or shapes do not match `primals`.

    >>> jvp(lambda x, y: x * y, (2.0, 5.0), (1.0, 0.0))
    (10.0, 5.0)
    """
    leaves, treedef = tree.flatten(tuple(primals))
    t_leaves = derived.check_tangents(leaves, treedef, tangents)
    with levels.new_level() as level:
        inputs = [Dual(as_value(x), as_value(t), level=level) for x, t in zip(leaves, t_leaves)]
        if any(type(x) is np.ndarray for x in leaves):  # (numbers cannot share memory)
            note_shared_arguments(inputs, leaves, _constant_arrays(f))
        try:
            out = f(*tree.unflatten(treedef, inputs))
        except ValueError as error:
            raise last_refusal(error) or error
    out_leaves, out_def = tree.flatten(out)
    out_leaves = derived.lift_outputs(out_leaves)
    values, tangents_out = [], []
    for o in out_leaves:
        if type(o) is Dual and o._ad_level == level:
            values.append(o.primal)
            tangents_out.append(o.tangent)
        else:  # the output does not depend on the inputs
            values.append(o)
            tangents_out.append(derived.zeros_like(o))
    return (tree.unflatten(out_def, derived.plain_outputs(values, f)),
            tree.unflatten(out_def, derived.plain_outputs(tangents_out, f)))


def value_and_grad(f, argnums=0, has_aux=False):
    """A function returning f's value and its gradient, from one run of f and one sweep.

    Args:
        f: ordinary Python/NumPy code returning one real number.
        argnums: an int or a tuple of ints, as for `grad`.
        has_aux: f returns `(value, aux)`; the result is `((value, aux), gradient)`, aux plain.

    Returns:
        `value_and_grad_f(*args) -> (value, gradient)`, the gradient exactly as `grad` gives it.

    Raises:
        as `grad`.

    >>> value_and_grad(lambda x: x * x)(3.0)
    (9.0, 6.0)
    >>> value_and_grad(lambda x: (x * x, x + 1.0), has_aux=True)(3.0)
    ((9.0, 4.0), 6.0)
    """
    return derived.value_and_grad(vjp, f, argnums, has_aux)


def grad(f, argnums=0, has_aux=False):
    """A function returning the gradient of scalar-valued f, by running f once on traced
    values (`Var`) and sweeping the recorded graph backwards.

    Args:
        f: any Python returning one real number: loops, branches, recursion, in-place updates
            (followed as NumPy does them), calls into other code; NumPy functions need a rule
            in `ad.ops`.
        argnums: the position of the argument to differentiate, or a tuple of positions
            (giving a tuple of gradients; a position repeated gets the full gradient at each
            place).  An argument may be a number, an array or a pytree (tuples, lists, dicts).
        has_aux: f returns `(value, aux)`; grad returns `(gradient, aux)`, aux as plain values.

    Returns:
        `grad_f(*args)`: a gradient with its argument's structure, shape and dtype (plain
        floats and NumPy arrays; a tuple of them for a tuple `argnums`).

    Raises:
        NotDifferentiableError: a NumPy function without a rule, `float(x)` or `math.sin(x)` on
            a traced value, or an in-place write the sweep cannot follow; names your line.
        LeakedValueError: a traced value kept from a finished transform is used.
        ValueError: f's output is not a scalar, or argnums is out of range.
        TypeError: f returns None or something that is not a number.

    See `help(ad.grad)` for the contract every strategy shares.

    >>> grad(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), argnums=(0, 1))(2.0, 5.0)
    (5.5, 1.7163378145367738)
    >>> grad(lambda p: p["w"] * p["b"][0])({"w": 2.0, "b": [3.0]})
    {'b': [2.0], 'w': 3.0}
    """
    return derived.grad(vjp, f, argnums, has_aux)


def jacobian(f, argnums=0, mode="reverse"):
    """A function returning the Jacobian of f.

    Args:
        f: ordinary Python/NumPy code of arrays (or pytrees) returning an array (or pytree).
        argnums: an int or a tuple of ints, as for `grad`.
        mode: "reverse" (one vjp sweep per output entry: few outputs) or "forward" (one `Dual`
            run per input entry: few inputs); both give the same numbers.

    Returns:
        `jacobian_f(*args)`: for an input of shape I and an output of shape O, an array of
        shape O + I; a tuple of them for a tuple `argnums`.

    Raises:
        as `vjp` and `jvp`; ValueError for an unknown `mode` or argnums out of range.

    >>> jacobian(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return derived.jacobian(vjp, jvp, f, argnums, mode)


def jacfwd(f, argnums=0):
    """`jacobian(f, argnums, mode="forward")`, JAX's name for it.

    >>> jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return derived.jacfwd(vjp, jvp, f, argnums)


def jacrev(f, argnums=0):
    """`jacobian(f, argnums, mode="reverse")`, JAX's name for it.

    >>> jacrev(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return derived.jacrev(vjp, jvp, f, argnums)


def hessian(f, argnums=0):
    """A function returning the Hessian of scalar f: forward mode over reverse mode (`Dual`s
    carrying `Var`s), one forward run per input entry.

    Args:
        f: ordinary Python/NumPy code returning one real number, twice differentiable.
        argnums: an int or a tuple of ints, as for `grad`.

    Returns:
        `hessian_f(*args)`: for an input of shape I, an array of shape I + I; for a tuple
        `argnums`, a tuple of tuples: `H[i][j]` holds the second derivatives in arguments i and j.

    Raises:
        as `grad`.

    >>> hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    >>> hessian(lambda x, y: x * y * y, argnums=(0, 1))(1.0, 2.0)
    ((0.0, 4.0), (4.0, 2.0))
    """
    return derived.hessian(vjp, jvp, f, argnums)


derived.mark_transforms(globals())
