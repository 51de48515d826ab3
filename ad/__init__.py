"""ad: automatic differentiation three ways, side by side.

- `ad.adlib`: an elemental library with an explicit, printable tape;
- `ad.adoo`: operator overloading on ordinary Python/NumPy code;
- `ad.adsct`: source-code transformation into readable derivative code.

All three share one op registry (`ad.ops`); `ad.numeric` checks them with finite differences.
The transforms below dispatch to a strategy by name:

>>> import ad
>>> ad.STRATEGIES
('adlib', 'adoo', 'adsct')
"""

from . import numeric, ops, tree
from .strategies import STRATEGIES, available, grad, hessian, jacobian, jvp, value_and_grad, vjp

__version__ = "0.1.0"

__all__ = ["STRATEGIES", "available", "grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian",
           "numeric", "ops", "tree", "__version__"]
