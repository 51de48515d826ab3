"""ad: automatic differentiation three ways, side by side.

- `ad.adlib`: an elemental library with an explicit, printable tape;
- `ad.adoo`: operator overloading on ordinary Python/NumPy code;
- `ad.adsct`: source-code transformation into readable derivative code.

All three share one op registry (`ad.ops`); `ad.numeric` checks them with finite differences.
The transforms below dispatch to a strategy by name:

>>> import ad
>>> ad.STRATEGIES
('adlib', 'adoo', 'adsct')

The submodules load on first use, so `import ad` stays quick and `ad.adoo.grad` just works.
"""

import importlib

from . import numeric, ops, tree
from .strategies import STRATEGIES, available, grad, hessian, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp

stop_gradient = ops.stop_gradient

__version__ = "0.1.0"

# Loaded on first attribute access (PEP 562), not at `import ad`.
_SUBMODULES = ("adlib", "adoo", "adsct", "nn", "plots", "bench", "derived", "examples", "levels", "errors",
               "strategies", "symbolic", "custom", "remat")
# Functions loaded with their module on first use: {name: module}.
_LAZY = {"custom_jvp": "custom", "custom_vjp": "custom", "checkpoint": "remat"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'ad' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_LAZY))


__all__ = ["STRATEGIES", "available", "grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian",
           "jacfwd", "jacrev", "stop_gradient", "custom_jvp", "custom_vjp", "checkpoint",
           "numeric", "ops", "tree", "__version__"]
