"""JAX-style transforms on an explicit tape.

`vjp` records f on a fresh tape and sweeps it backward; `jvp` records it and sweeps it
forward with the tangents.  The others are derived from these two (`ad.derived`).  Tapes
nest (an inner tape records handles of the outer one as values), so `grad(grad(f))` and
`hessian` work.
"""

from __future__ import annotations

from .. import derived, tree
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
    """Reverse mode: `(value, vjp_fn)`; `vjp_fn(cotangent)` sweeps the tape backward.

    >>> from ad import adlib
    >>> value, vjp_fn = vjp(lambda x, y: adlib.mul(x, y), 2.0, 5.0)
    >>> value, vjp_fn(1.0)
    (10.0, (5.0, 2.0))
    """
    tape, inputs, leaves, treedef, out_leaves, out_def = _record(f, primals)
    values = derived.plain_outputs([_value(tape, o) for o in out_leaves], f)

    def vjp_fn(cotangent):
        cot_leaves = derived.check_cotangent(out_def, values, cotangent)
        seeds = [(o, derived.in_dtype_of(c, v)) for o, c, v in zip(out_leaves, cot_leaves, values)]
        adjoints = reverse(tape, seeds, keep={x.index for x in inputs})
        grads = [derived.like_input(derived.zeros_like(x.value) if adjoints[x.index] is None else adjoints[x.index],
                                    leaf) for x, leaf in zip(inputs, leaves)]
        return tuple(tree.unflatten(treedef, derived.plain_outputs(grads, f)))

    return tree.unflatten(out_def, values), vjp_fn


def jvp(f, primals, tangents):
    """Forward mode: record f, then one tangent sweep: `(value, tangent_out)`.

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
    """A function returning f's value and its gradient (one reverse sweep).
    A position repeated in a tuple `argnums` gets the full derivative at each of its places.
    With `has_aux=True`, f returns `(value, aux)`: the result is `((value, aux), gradient)`.

    >>> from ad import adlib
    >>> value_and_grad(lambda x: adlib.mul(x, x))(3.0)
    (9.0, 6.0)
    """
    return derived.value_and_grad(vjp, f, argnums, has_aux)


def grad(f, argnums=0, has_aux=False):
    """A function returning the gradient of scalar f with respect to `argnums`.
    A position repeated in a tuple `argnums` gets the full derivative at each of its places.
    With `has_aux=True`, f returns `(value, aux)`: the result is `(gradient, aux)`, aux plain.

    >>> from ad import adlib
    >>> f = lambda x1, x2: adlib.sub(adlib.add(adlib.log(x1), adlib.mul(x1, x2)), adlib.sin(x2))
    >>> grad(f, argnums=(0, 1))(2.0, 5.0)
    (5.5, 1.7163378145367738)
    """
    return derived.grad(vjp, f, argnums, has_aux)


def jacobian(f, argnums=0, mode="reverse"):
    """A function returning the Jacobian (reverse: a sweep per output entry; forward: per input).
    A position repeated in a tuple `argnums` gets the full derivative at each of its places.

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
    """A function returning the Hessian of scalar f: a forward tape over a reverse tape.
    A position repeated in a tuple `argnums` gets the full derivative at each of its places.

    >>> from ad import adlib
    >>> hessian(lambda x: adlib.mul(adlib.square(adlib.getitem(x, 0)), adlib.getitem(x, 1)))(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    """
    return derived.hessian(vjp, jvp, f, argnums)
