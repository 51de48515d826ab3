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


def _dispatching(transform: str):
    def dispatch(*args, strategy: str | None = None, **kwargs):
        if strategy is None:
            strategy = default_for(args[0] if args else None, kwargs.get("source"))
        return getattr(get(strategy), transform)(*args, **kwargs)

    dispatch.__name__ = dispatch.__qualname__ = transform
    dispatch.__doc__ = (f"`{transform}` computed by the chosen strategy (default {DEFAULT!r}, or 'adoo' for "
                        f"a function without readable source: see `default_for`); same arguments as "
                        f"`ad.<strategy>.{transform}` plus `strategy=`.")
    return dispatch


grad = _dispatching("grad")
value_and_grad = _dispatching("value_and_grad")
jvp = _dispatching("jvp")
vjp = _dispatching("vjp")
jacobian = _dispatching("jacobian")
hessian = _dispatching("hessian")
