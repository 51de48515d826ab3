"""Tuple, list and dict outputs, and the vjp/jvp of a function at given arguments.

A function returning a pytree is differentiated through small generated wrappers that adsct
transforms like any user function (f itself is inlined into them): for reverse mode the
scalar sum_k <u_k, out_k> of the output leaves with cotangents u_k passed as arguments, for
forward mode one wrapper per output leaf.
"""

from __future__ import annotations

import keyword
import re
import weakref

from .. import derived, ops, tree
from .calling import _Call
from .emit import generated_filename
from .ir import PytreeOutputError
from .parse import define
from .pipeline import _entries

_WRAPPERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _output_wrapper(f, n_args: int, paths: list, leaf=None):
    """`leaf` None: def f_outputs(x0.., u0..): return sum of ops.sum(ops.mul(out<path_k>, u_k));
    else def f_output_<leaf>(x0..): return out<path_leaf>."""
    key = (n_args, tuple(paths), leaf)
    per_function = _entries(_WRAPPERS, f)
    if key not in per_function:
        name = re.sub(r"\W", "", getattr(f, "__name__", "f"))
        name = name if name.isidentifier() and not keyword.iskeyword(name) else "f"  # ("<lambda>")
        xs = [f"x{i}" for i in range(n_args)]
        if name in {"ops", "out"} | set(xs) | {f"u{k}" for k in range(len(paths))}:
            name += "_f"  # (the wrapper's own names)
        if leaf is None:
            us = [f"u{k}" for k in range(len(paths))]
            total = " + ".join(f"ops.sum(ops.mul(out{p}, u{k}))" for k, p in enumerate(paths))
            header, body = f"def {name}_outputs({', '.join(xs + us)}):", f"    return {total}"
        else:
            header, body = f"def {name}_output_{leaf}({', '.join(xs)}):", f"    return out{paths[leaf]}"
        text = f"{header}\n    out = {name}({', '.join(xs)})\n{body}\n"
        per_function[key] = define(text, header[4:header.index("(")], {"ops": ops, name: f},
                                   generated_filename(f"outputs of {name}"))
    return per_function[key]


def _vjp_at(f, args, selected, checkpoints=None):
    call = _Call(f, args, selected, "reverse", checkpoints=checkpoints)
    value = f(*tree.unflatten(tree.flatten(tuple(args))[1], call.leaves))
    value_leaves, value_def = tree.flatten(value)
    value_leaves = derived.plain_outputs(value_leaves, f)
    if value_def.kind != "leaf":  # a tuple, list or dict of outputs
        wrapper = _output_wrapper(f, len(args), tree.leaf_paths(value, subscripts=True))

        def vjp_fn(cotangent):
            cot_leaves = derived.check_cotangent(value_def, value_leaves, cotangent)
            cot_leaves = [derived.in_dtype_of(c, v) for c, v in zip(cot_leaves, value_leaves)]
            outputs_call = _Call(wrapper, list(args) + cot_leaves, selected, "reverse", checkpoints=checkpoints)
            return outputs_call.regroup(derived.plain_outputs(outputs_call(1.0)[1], f))

        return tree.unflatten(value_def, value_leaves), vjp_fn

    def vjp_fn(cotangent):
        derived.check_cotangent(value_def, [value], cotangent)
        _, grads = call(derived.in_dtype_of(cotangent, value))
        return call.regroup(derived.plain_outputs(grads, f))

    return value_leaves[0], vjp_fn



_RETURNS_PYTREES: "weakref.WeakSet" = weakref.WeakSet()  # (found out once, not at every call)


def _jvp_at(f, args, selected, tangents):
    t_leaves = [derived.as_value(t) for k in selected for t in tree.flatten(tangents[k])[0]]
    if f in _RETURNS_PYTREES:
        return _jvp_of_outputs(f, args, selected, t_leaves)
    try:
        value, tangent = _Call(f, args, selected, "forward")(*t_leaves)
    except PytreeOutputError:
        try:
            _RETURNS_PYTREES.add(f)
        except TypeError:  # (not weak-referenceable)
            pass
        return _jvp_of_outputs(f, args, selected, t_leaves)
    return tuple(derived.plain_outputs([value, tangent], f))


def _jvp_of_outputs(f, args, selected, t_leaves):
    """Forward mode for a function returning a pytree: one generated sweep per output leaf."""
    value = f(*args)
    value_leaves, value_def = tree.flatten(value)
    paths = tree.leaf_paths(value, subscripts=True)
    tangents = [_Call(_output_wrapper(f, len(args), paths, leaf=k), args, selected, "forward")(*t_leaves)[1]
                for k in range(len(paths))]
    return (tree.unflatten(value_def, derived.plain_outputs(value_leaves, f)),
            tree.unflatten(value_def, derived.plain_outputs(tangents, f)))


# ad.derived builds jacobians from a vjp and a jvp of f restricted to some arguments; adsct
# transforms f itself, with those arguments as argnums.

def _vjp_of_restriction(f_selected, *chosen):
    f, args, selected = f_selected.restricts
    return _vjp_at(f, _with(args, selected, chosen), selected)


def _jvp_of_restriction(f_selected, chosen, tangents):
    f, args, selected = f_selected.restricts
    full_tangents = [None] * len(args)
    for k, t in zip(selected, tangents):
        full_tangents[k] = t
    return _jvp_at(f, _with(args, selected, chosen), selected, full_tangents)


def _with(args, selected, chosen) -> list:
    full = list(args)
    for k, c in zip(selected, chosen):
        full[k] = c
    return full
