"""JAX-style transforms on an explicit tape.

`vjp` records f on a fresh tape and sweeps it backward; `jvp` records it and sweeps it
forward with the tangents.  The others are derived from these two (`ad.derived`).  Tapes
nest (an inner tape records handles of the outer one as values), so `grad(grad(f))` and
`hessian` work.

The contract shared by every strategy (argnums, pytrees, dtypes, errors) is written out in
full in `help(ad.grad)`; the docstrings here say what is particular to the elemental
library: f calls `ad.adlib`'s elemental functions (`adlib.mul(x, y)`, `adlib.sin(x)`), or
`ad.ops` functions, on the values it is given; operators and NumPy functions are refused.
"""

from __future__ import annotations

from .. import derived, tree
from ..ops.reads import LARGE
from .release import release_unread
from .sweeps import forward, reverse
from .tape import Active, Tape

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacobian", "jacfwd", "jacrev", "hessian"]


def _record(f, primals):
    """Run f on handles of a fresh tape; (tape, input handles, output leaves, output treedef)."""
    leaves, treedef = tree.flatten(tuple(primals))
    with Tape() as tape:
        inputs = [tape.var(x) for x in leaves]
        out = f(*tree.unflatten(treedef, inputs))
    out_leaves, out_def = tree.flatten(out)
    return tape, inputs, leaves, treedef, out_leaves, out_def


def _value(tape, x):
    return tape.entries[x.index].value if isinstance(x, Active) and x.tape is tape else x


def vjp(f, *primals):
    """Reverse mode: record f on a fresh tape, then sweep it backward per cotangent.

    Args:
        f: a function of numbers, arrays or pytrees written with `adlib`'s elemental functions.
        *primals: f's positional arguments (every one is differentiated).

    Returns:
        `(value, vjp_fn)`: f's value (plain floats and arrays, with f's output structure) and
        `vjp_fn(cotangent)`, which takes a cotangent with that structure and returns a tuple
        with one cotangent per primal, each with its primal's structure.  The tape is
        recorded once; each call of vjp_fn is one backward sweep; `vjp_fn(cotangent,
        last_call=True)` says this call is the last, so its sweep lets each value go once read.

    Raises:
        TypeError: an operator (`x * y`), a NumPy function (`np.sin(x)`) or `float(x)` on a
            tape value (the message names the elemental function to call instead); f returns
            something that is not numbers and arrays.
        LeakedValueError: a tape value kept from a finished transform is used.
        ValueError: a cotangent whose structure or shape does not match the output.

    >>> from ad import adlib
    >>> value, vjp_fn = vjp(lambda x, y: adlib.mul(x, y), 2.0, 5.0)
    >>> value, vjp_fn(1.0)
    (10.0, (5.0, 2.0))
    """
    large = LARGE[0]
    tape, inputs, leaves, treedef, out_leaves, out_def = _record(f, primals)
    values = derived.plain_outputs([_value(tape, o) for o in out_leaves], f)
    arrays = LARGE[0] != large  # (f computed large arrays: see ad.adlib.release)

    keep = {x.index for x in inputs}
    # slimmed to what its rules read once, before the first sweep (ad.adlib.release): f has
    # returned, and this tape is the transform's own
    state = {"slim": not arrays, "swept": False}

    def vjp_fn(cotangent, *, last_call=False):
        if state["swept"]:
            raise RuntimeError("this vjp_fn was called with last_call=True, which let its tape go")
        cot_leaves = derived.check_cotangent(out_def, values, cotangent)
        seeds = [(o, derived.in_dtype_of(c, v)) for o, c, v in zip(out_leaves, cot_leaves, values)]
        if not state["slim"]:
            state["slim"] = True
            release_unread(tape.entries, keep | {o.index for o in out_leaves if isinstance(o, Active) and o.tape is tape})
        state["swept"] = last_call
        adjoints = reverse(tape, seeds, keep=keep, last=last_call and arrays)
        grads = [derived.like_input(derived.zeros_like(x.value) if adjoints[x.index] is None else adjoints[x.index],
                                    leaf) for x, leaf in zip(inputs, leaves)]
        return tuple(tree.unflatten(treedef, derived.plain_outputs(grads, f)))

    vjp_fn.accepts_last_call = True  # (derived.value_and_grad: its one call may free the tape as it goes)
    return tree.unflatten(out_def, values), vjp_fn


def jvp(f, primals, tangents):
    """Forward mode: record f on a fresh tape, then one tangent sweep along `tangents`.

    Args:
        f: a function of numbers, arrays or pytrees written with `adlib`'s elemental functions.
        primals: a tuple with one entry per positional argument of f.
        tangents: a tuple with the structure, shapes and dtypes of `primals` (the direction).

    Returns:
        `(value, tangent_out)`, both with the structure of f's output (what
        `Tape.tangent_table` shows for one seed).

    Raises:
        TypeError: an operator (`x * y`), a NumPy function (`np.sin(x)`) or `float(x)` on a
            tape value (the message names the elemental function to call instead); f returns
            something that is not numbers and arrays.
        LeakedValueError: a tape value kept from a finished transform is used.
        ValueError: tangents whose structure or shapes do not match `primals`.

    >>> from ad import adlib
    >>> jvp(lambda x, y: adlib.mul(x, y), (2.0, 5.0), (1.0, 0.0))
    (10.0, 5.0)
    """
    leaves, treedef = tree.flatten(tuple(primals))
    t_leaves = derived.check_tangents(leaves, treedef, tangents)
    tape, inputs, leaves, treedef, out_leaves, out_def = _record(f, primals)
    swept = forward(tape, t_leaves)
    values, tangents_out = [], []
    for o in out_leaves:
        value = _value(tape, o)
        values.append(value)
        t = swept[o.index] if isinstance(o, Active) and o.tape is tape else None
        tangents_out.append(derived.zeros_like(value) if t is None else t)
    return (tree.unflatten(out_def, derived.plain_outputs(values, f)),
            tree.unflatten(out_def, derived.plain_outputs(tangents_out, f)))


def value_and_grad(f, argnums=0, has_aux=False):
    """A function returning f's value and its gradient: one recording, one reverse sweep.

    Args:
        f: a function returning one real number, written with `adlib`'s elemental functions.
        argnums: an int or a tuple of ints, as for `grad`.
        has_aux: f returns `(value, aux)`; the result is `((value, aux), gradient)`, aux plain.

    Returns:
        `value_and_grad_f(*args) -> (value, gradient)`, the gradient exactly as `grad` gives it.

    Raises:
        as `grad`.

    >>> from ad import adlib
    >>> value_and_grad(lambda x: adlib.mul(x, x))(3.0)
    (9.0, 6.0)
    """
    return derived.value_and_grad(vjp, f, argnums, has_aux)


def grad(f, argnums=0, has_aux=False):
    """A function returning the gradient of scalar f: f is recorded on a tape, which is
    swept backward once (`Tape.adjoint_table` prints the same sweep).

    Args:
        f: a function returning one real number, written with `adlib`'s elemental functions
            (or `ad.ops` calls) on the values it is given.
        argnums: the position of the argument to differentiate, or a tuple of positions
            (giving a tuple of gradients; a position repeated gets the full gradient at each
            place).  An argument may be a number, an array or a pytree (tuples, lists, dicts).
        has_aux: f returns `(value, aux)`; grad returns `(gradient, aux)`, aux as plain values.

    Returns:
        `grad_f(*args)`: a gradient with its argument's structure, shape and dtype (plain
        floats and NumPy arrays; a tuple of them for a tuple `argnums`).

    Raises:
        TypeError: an operator (`x * y`), a NumPy function (`np.sin(x)`) or `float(x)` on a
            tape value (the message names the elemental function to call instead); f returns
            something that is not numbers and arrays.
        LeakedValueError: a tape value kept from a finished transform is used.
        ValueError: f's output is not a scalar, or argnums is out of range.

    See `help(ad.grad)` for the contract every strategy shares.

    >>> from ad import adlib
    >>> f = lambda x1, x2: adlib.sub(adlib.add(adlib.log(x1), adlib.mul(x1, x2)), adlib.sin(x2))
    >>> grad(f, argnums=(0, 1))(2.0, 5.0)
    (5.5, 1.7163378145367738)
    """
    return derived.grad(vjp, f, argnums, has_aux)


def jacobian(f, argnums=0, mode="reverse"):
    """A function returning the Jacobian of f, from one recording of f.

    Args:
        f: a function of arrays (or pytrees) returning an array (or pytree), written with
            `adlib`'s elemental functions.
        argnums: an int or a tuple of ints, as for `grad`.
        mode: "reverse" (a backward sweep per output entry: few outputs) or "forward" (a
            tangent sweep per input entry: few inputs); both give the same numbers.

    Returns:
        `jacobian_f(*args)`: for an input of shape I and an output of shape O, an array of
        shape O + I; a tuple of them for a tuple `argnums`.

    Raises:
        as `vjp` and `jvp`; ValueError for an unknown `mode` or argnums out of range.

    >>> from ad import adlib
    >>> jacobian(lambda x: adlib.mul(x, x), mode="forward")(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return derived.jacobian(vjp, jvp, f, argnums, mode)


def jacfwd(f, argnums=0):
    """`jacobian(f, argnums, mode="forward")`, JAX's name for it.

    >>> from ad import adlib
    >>> jacfwd(lambda x: adlib.mul(x, x))(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return derived.jacfwd(vjp, jvp, f, argnums)


def jacrev(f, argnums=0):
    """`jacobian(f, argnums, mode="reverse")`, JAX's name for it.

    >>> from ad import adlib
    >>> jacrev(lambda x: adlib.mul(x, x))(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return derived.jacrev(vjp, jvp, f, argnums)


def hessian(f, argnums=0):
    """A function returning the Hessian of scalar f: a forward tape over a reverse tape (the
    reverse sweep is itself recorded, then swept forward once per input entry).

    Args:
        f: a function returning one real number, twice differentiable, written with `adlib`'s
            elemental functions.
        argnums: an int or a tuple of ints, as for `grad`.

    Returns:
        `hessian_f(*args)`: for an input of shape I, an array of shape I + I; for a tuple
        `argnums`, a tuple of tuples: `H[i][j]` holds the second derivatives in arguments i and j.

    Raises:
        as `grad`.

    >>> from ad import adlib
    >>> hessian(lambda x: adlib.mul(adlib.square(adlib.getitem(x, 0)), adlib.getitem(x, 1)))(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    >>> hessian(lambda x, y: adlib.mul(x, adlib.mul(y, y)), argnums=(0, 1))(1.0, 2.0)
    ((0.0, 4.0), (4.0, 2.0))
    """
    return derived.hessian(vjp, jvp, f, argnums)


derived.mark_transforms(globals())
