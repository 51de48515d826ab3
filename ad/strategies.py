"""The three strategies by name, and the dispatching transforms behind `ad.grad(..., strategy=...)`.

Without `strategy=`, a transform uses adsct, except for a Python function whose source cannot
be read (typed into `python -c`, the plain REPL or `exec`) and given no `source=`: that one is
differentiated by adoo, which runs it instead of reading it.

>>> STRATEGIES
('adlib', 'adoo', 'adsct')
"""

from __future__ import annotations

import importlib
import inspect
import types

from . import derived

STRATEGIES = ("adlib", "adoo", "adsct")
DEFAULT = "adsct"
TRANSFORMS = ("grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian")


class StrategyUnavailableError(NotImplementedError):
    """The named strategy is part of the design but not built into this version yet."""


def get(name: str):
    """The module implementing strategy `name` (it exposes the JAX-style transforms).

    >>> get("adxx")
    Traceback (most recent call last):
    ...
    ValueError: unknown strategy 'adxx'; choose one of ('adlib', 'adoo', 'adsct')
    """
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; choose one of {STRATEGIES}")
    try:
        module = importlib.import_module(f"ad.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"ad.{name}":
            raise  # a real missing dependency inside the strategy: show it
        raise StrategyUnavailableError(f"strategy {name!r} is not available in this version of ad; "
                                       f"available: {available() or 'none yet'}") from None
    missing = [t for t in TRANSFORMS if not hasattr(module, t)]
    if missing:
        raise StrategyUnavailableError(f"strategy {name!r} does not provide {', '.join(missing)} yet")
    return module


def available() -> tuple:
    """The strategies that can be used now, in the canonical order.

    >>> set(available()) <= set(STRATEGIES)
    True
    """
    found = []
    for name in STRATEGIES:
        try:
            module = importlib.import_module(f"ad.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"ad.{name}":
                continue
            raise
        if all(hasattr(module, t) for t in TRANSFORMS):
            found.append(name)
    return tuple(found)


def default_for(f, source=None) -> str:
    """The strategy a transform of f uses when none is named: DEFAULT, or "adoo" for a Python
    function whose source `inspect` cannot read (adsct reads source; adoo runs the function).

    >>> default_for(lambda x: x), default_for(eval("lambda x: x"))
    ('adsct', 'adoo')
    """
    if source is not None or not isinstance(f, types.FunctionType):
        return DEFAULT
    try:
        inspect.getsourcelines(f.__code__)
    except (OSError, TypeError):
        return "adoo"
    return DEFAULT


def _chosen(f, strategy, options: dict):
    """The strategy module for a transform of f, and the options it takes (`source=` and
    `checkpoints=` are adsct's: the others run f rather than read it, and refuse checkpoints).

    >>> _chosen(lambda x: x, "adoo", {"checkpoints": 4})
    Traceback (most recent call last):
    ...
    ValueError: checkpoints= (binomial checkpointing of loops) is adsct's; strategy 'adoo' has no such option: use strategy='adsct', or ad.checkpoint(step) around a loop's body
    """
    name = strategy if strategy is not None else default_for(f, options.get("source"))
    if name != "adsct" and options.get("checkpoints") is not None:
        hint = "" if strategy is not None else " (chosen because f's source cannot be read: give source=...)"
        raise ValueError(f"checkpoints= (binomial checkpointing of loops) is adsct's; strategy {name!r}{hint} has no "
                         f"such option: use strategy='adsct', or ad.checkpoint(step) around a loop's body")
    if name != "adsct":
        options = {k: v for k, v in options.items() if k not in ("source", "checkpoints")}
    options = {k: v for k, v in options.items() if v is not None}
    return get(name), options


# -- the transforms, dispatched by strategy= ------------------------------------------------------
# Every strategy module has the same six functions with the same contract, written out once here.

_ARGNUMS = """argnums: which positional argument(s) to differentiate: an int, or a tuple of ints
            (giving a tuple of results; a position repeated gets the full derivative at each
            place).  An argument may be a number, an array or a pytree (tuples, lists and dicts
            of them); its derivative has the same structure, shape and dtype."""

_ERRORS = """Raises:
        NotDifferentiableError: f calls something with no derivative rule on a differentiated value
            (the message names the function and your line), or converts one to a plain number.
        UnsupportedSyntaxError (strategy "adsct"): f uses Python outside the subset adsct reads.
        TypeError / ValueError: argnums out of range, a non-scalar f for `grad`, mismatched shapes."""


def _with_aux(module, transform: str, has_aux: bool, name: str):
    """The strategy's transform, refusing has_aux=True where the strategy has no such keyword yet."""
    function = getattr(module, transform)
    if has_aux and "has_aux" not in inspect.signature(function).parameters:
        raise StrategyUnavailableError(f"{transform}(..., has_aux=True) is not available for strategy "
                                       f"{name!r} in this version; use strategy='adoo' or 'adlib'")
    return function


def grad(f, argnums=0, has_aux: bool = False, *, strategy: str | None = None, source: str | None = None,
         checkpoints: int | None = None):
    """A function returning the gradient of scalar-valued f.

    Args:
        f: a function of numbers, arrays or pytrees returning one real number.
        {argnums}
        has_aux: f returns a pair `(value, aux)`: value is differentiated, aux (any pytree) is
            handed back as plain values beside the gradient.
        strategy: "adsct" (generated code, fastest; the default), "adoo" (operator overloading: any
            Python; the default for a function whose source cannot be read, e.g. under `python -c`),
            "adlib" (f must call ad.adlib's elemental functions).
        source: (adsct) f's source text, where `inspect` cannot find it.
        checkpoints: (adsct) k: differentiate f's loops with binomial checkpointing, keeping at most
            k states of each loop and recomputing the other steps in the reverse sweep.

    Returns:
        `grad_f(*args)`: the gradient with the structure of args[argnums] (a tuple for a tuple argnums);
        with has_aux, `(gradient, aux)`.

    {errors}

    >>> import numpy as np, ad
    >>> ad.grad(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), argnums=(0, 1))(2.0, 5.0)
    (5.5, 1.7163378145367738)
    >>> ad.grad(lambda x: (x ** 2, {"half": x / 2}), has_aux=True, strategy="adoo")(3.0)
    (6.0, {'half': 1.5})
    """
    module, options = _chosen(f, strategy, {"source": source, "checkpoints": checkpoints})
    if has_aux:
        return _with_aux(module, "grad", has_aux, strategy or default_for(f, source))(f, argnums, has_aux=True, **options)
    return module.grad(f, argnums, **options)


def value_and_grad(f, argnums=0, has_aux: bool = False, *, strategy: str | None = None, source: str | None = None,
                   checkpoints: int | None = None):
    """A function returning f's value and its gradient, from one evaluation of f.

    Args:
        f: a function returning one real number.
        {argnums}
        has_aux: f returns a pair `(value, aux)` (see `grad`).
        strategy: "adsct" (default), "adoo" or "adlib" (see `grad`).

        source: (adsct) f's source text, where `inspect` cannot read it (REPL, `python -c`).
        checkpoints: (adsct) k: binomial checkpointing of f's loops (see `grad`).
    Returns:
        `value_and_grad_f(*args) -> (value, gradient)`, the gradient as `grad` gives it; with
        has_aux, `((value, aux), gradient)`.

    {errors}

    >>> import numpy as np, ad
    >>> ad.value_and_grad(lambda x: np.sum(x ** 2), strategy="adoo")(np.array([1.0, 2.0]))
    (5.0, array([2., 4.]))
    """
    module, options = _chosen(f, strategy, {"source": source, "checkpoints": checkpoints})
    if has_aux:
        return _with_aux(module, "value_and_grad", has_aux, strategy or default_for(f, source))(f, argnums, has_aux=True, **options)
    return module.value_and_grad(f, argnums, **options)


def jvp(f, primals, tangents, *, strategy: str | None = None, source: str | None = None):
    """Forward mode: f's value at `primals` and its directional derivative along `tangents`.

    Args:
        f: any differentiable function of numbers, arrays or pytrees.
        primals: a tuple with one entry per argument of f.
        tangents: a tuple with the same structure, shapes and dtypes as `primals`.
        strategy: "adsct" (default), "adoo" or "adlib".

        source: (adsct) f's source text, where `inspect` cannot read it (REPL, `python -c`).
    Returns:
        `(value, tangent_out)`, both with the structure of f's output.

    {errors}

    >>> import ad
    >>> ad.jvp(lambda x, y: x * y, (2.0, 5.0), (1.0, 0.0))
    (10.0, 5.0)
    """
    module, options = _chosen(f, strategy, {} if source is None else {"source": source})
    return module.jvp(f, primals, tangents, **options)


def vjp(f, *primals, strategy: str | None = None, source: str | None = None, checkpoints: int | None = None):
    """Reverse mode: f's value at `primals` and a function pulling cotangents back to them.

    Args:
        f: any differentiable function of numbers, arrays or pytrees.
        *primals: f's arguments.
        strategy: "adsct" (default), "adoo" or "adlib".

        source: (adsct) f's source text, where `inspect` cannot read it (REPL, `python -c`).
        checkpoints: (adsct) k: binomial checkpointing of f's loops (see `grad`).
    Returns:
        `(value, vjp_fn)`: `vjp_fn(cotangent)` takes a cotangent with the structure of f's output
        and returns a tuple with one cotangent per primal.

    {errors}

    >>> import ad
    >>> value, vjp_fn = ad.vjp(lambda x, y: x * y, 2.0, 5.0)
    >>> value, vjp_fn(1.0)
    (10.0, (5.0, 2.0))
    """
    module, options = _chosen(f, strategy, {"source": source, "checkpoints": checkpoints})
    return module.vjp(f, *primals, **options)


def jacobian(f, argnums=0, mode: str = "reverse", *, strategy: str | None = None, source: str | None = None):
    """A function returning the Jacobian of f.

    Args:
        f: a function of arrays (or pytrees) returning an array (or a pytree).
        {argnums}
        mode: "reverse" (one vjp per output entry: best for few outputs) or "forward" (one jvp per
            input entry: best for few inputs).  Both give the same matrix.
        strategy: "adsct" (default), "adoo" or "adlib".

        source: (adsct) f's source text, where `inspect` cannot read it (REPL, `python -c`).
    Returns:
        `jacobian_f(*args)`: for an input of shape I and an output of shape O, an array of shape O + I.

    {errors}

    >>> import numpy as np, ad
    >>> ad.jacobian(lambda x: x * x, mode="forward")(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    module, options = _chosen(f, strategy, {} if source is None else {"source": source})
    return module.jacobian(f, argnums, mode, **options)


def jacfwd(f, argnums=0, *, strategy: str | None = None, source: str | None = None):
    """`jacobian(f, argnums, mode="forward")` under JAX's name: one jvp per input entry.

    >>> import numpy as np, ad
    >>> ad.jacfwd(lambda x: x * x, strategy="adoo")(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return jacobian(f, argnums, "forward", strategy=strategy, source=source)


def jacrev(f, argnums=0, *, strategy: str | None = None, source: str | None = None):
    """`jacobian(f, argnums, mode="reverse")` under JAX's name: one vjp per output entry.

    >>> import numpy as np, ad
    >>> ad.jacrev(lambda x: x * x, strategy="adoo")(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return jacobian(f, argnums, "reverse", strategy=strategy, source=source)


def hessian(f, argnums=0, *, strategy: str | None = None, source: str | None = None):
    """A function returning the Hessian of scalar f, forward mode over reverse mode.

    Args:
        f: a function returning one real number, twice differentiable.
        {argnums}
        strategy: "adsct" (default), "adoo" or "adlib".

        source: (adsct) f's source text, where `inspect` cannot read it (REPL, `python -c`).
    Returns:
        `hessian_f(*args)`: for an input of shape I, an array of shape I + I.

    {errors}

    >>> import numpy as np, ad
    >>> ad.hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    """
    module, options = _chosen(f, strategy, {} if source is None else {"source": source})
    return module.hessian(f, argnums, **options)


for _transform in (grad, value_and_grad, jvp, vjp, jacobian, hessian):
    _transform.__doc__ = _transform.__doc__.replace("{argnums}", _ARGNUMS).replace("{errors}", _ERRORS)


derived.mark_transforms(globals())
