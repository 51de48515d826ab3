"""The three strategies by name, and the dispatching transforms behind `ad.grad(..., strategy=...)`.

>>> STRATEGIES
('adlib', 'adoo', 'adsct')
"""

from __future__ import annotations

import importlib

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


def _dispatching(transform: str):
    def dispatch(*args, strategy: str = DEFAULT, **kwargs):
        return getattr(get(strategy), transform)(*args, **kwargs)

    dispatch.__name__ = dispatch.__qualname__ = transform
    dispatch.__doc__ = (f"`{transform}` computed by the chosen strategy (default {DEFAULT!r}); "
                        f"same arguments as `ad.<strategy>.{transform}` plus `strategy=`.")
    return dispatch


grad = _dispatching("grad")
value_and_grad = _dispatching("value_and_grad")
jvp = _dispatching("jvp")
vjp = _dispatching("vjp")
jacobian = _dispatching("jacobian")
hessian = _dispatching("hessian")
