"""Transforms of derivative functions (grad(grad(f)), hessian of a grad, ...).

adsct writes code for grad(f)'s stand-in (see pipeline._stand_in), loops and branches included
(stacks.py), and runs the transform on adoo's values where there is no stand-in (pytree
arguments) or adsct refuses it; each refusal is remembered per stand-in and label.  What still
runs on adoo's values: gradients of tuple, list or dict arguments (no stand-in), and code that
calls a variadic op's rule through `vjp_rule(...)`/`jvp_rule(...)` (np.concatenate, np.stack
and np.array of a list display), which has no rule of its own when read again; both exact.
"""

from __future__ import annotations

from ..errors import NotDifferentiableError, UnsupportedSyntaxError
from . import pipeline
from .outputs import _vjp_at
from .pipeline import _stand_in

_REFUSALS = (UnsupportedSyntaxError, NotDifferentiableError)


def _on_stand_in(g, args, label: str, run_adsct, run_adoo):
    """`run_adsct(stand_in)` where g has a stand-in adsct can transform, else `run_adoo()`."""
    stand_in = _stand_in(g, len(args), args)
    if stand_in is not None and label not in stand_in.refused:
        if not stand_in.output_checked:  # (the stand-in drops f's value: g itself checks it, once)
            g(*args)
            stand_in.output_checked = True
        try:
            return run_adsct(stand_in)
        except _REFUSALS:  # (raised while generating, before any generated code ran)
            stand_in.refused.add(label)
    return run_adoo()


def _transform_of_derivative(g, label: str, adsct_transform, adoo_transform):
    """A function of g's arguments: adsct's transform of g's stand-in (built once per stand-in),
    or adoo's transform of g where adsct cannot write the code."""
    adoo_version = []

    def run_adoo(args):
        if not adoo_version:
            adoo_version.append(adoo_transform(g))
        return adoo_version[0](*args)

    def run_adsct(stand_in, args):
        if label not in stand_in.transforms:
            stand_in.transforms[label] = adsct_transform(stand_in)
        return stand_in.transforms[label](*args)

    def transformed(*args):
        return _on_stand_in(g, args, label, lambda s: run_adsct(s, args), lambda: run_adoo(args))

    return transformed


def _checked_vjp(stand_in, primals):
    """vjp of a stand-in, its code generated now (so that a refusal falls back at once; a tuple
    of gradients goes through the output wrapper, which inlines the stand-in in the same way)."""
    value, vjp_fn = _vjp_at(stand_in, primals, tuple(range(len(primals))))
    if not isinstance(value, tuple):
        pipeline._generate(stand_in, "reverse", tuple(range(len(primals))))
    return value, vjp_fn


def _adoo():
    from .. import adoo  # (adoo imports nothing from adsct; imported late to keep start-up light)
    return adoo
