"""ad.adoo: differentiate ordinary Python/NumPy code by operator overloading.

`Var` records a graph for reverse mode (micrograd-like `.backward()`, `.grad`, `.data`);
`Dual` carries tangents for forward mode.  NumPy functions work on both through
`__array_ufunc__`/`__array_function__`, mapped to registry ops by their aliases.

>>> import numpy as np
>>> from ad import adoo
>>> adoo.grad(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), argnums=(0, 1))(2.0, 5.0)
(5.5, 1.7163378145367738)
"""

from ..errors import NotDifferentiableError
from .backward import topological_order
from .dual import Dual
from . import inplace  # noqa: F401  (in-place updates of traced arrays)
from .transforms import grad, hessian, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp
from .var import Var

# What the shared strategy tests may rely on (see tests/test_strategies.py).
SUPPORTS = frozenset({"higher order", "nesting", "pytrees", "pytree outputs", "any Python function"})

__all__ = ["Var", "Dual", "grad", "value_and_grad", "jvp", "vjp", "jacobian", "jacfwd", "jacrev", "hessian",
           "NotDifferentiableError", "topological_order"]
