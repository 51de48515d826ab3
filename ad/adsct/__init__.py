"""ad.adsct: source-code transformation into readable derivative code.

The function's source is parsed, normalised into three-address form, and rewritten into a
new Python function computing its derivative (reverse or forward mode) with the registry's
rules inlined; the text is printed with astor, compiled and cached.

>>> import numpy as np
>>> from ad import adsct
>>> adsct.grad(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), argnums=(0, 1))(2.0, 5.0)
(5.5, 1.7163378145367738)

This version transforms functions of arrays, numbers and tuples/lists/dicts of them made
of assignments, `if`/`elif`/`else`, `for` and `while` loops with `break` and `continue`,
early returns, and calls to other user functions (inlined, with defaults, keyword-only
parameters, *args and keyword arguments bound as Python binds them; nested defs, lambdas,
closures and functools.partial made inside f inlined where they are called); a decorated function, a bound
method (`self` is a constant), an object with `__call__` and a `functools.partial` are
differentiated as what calling them runs (see callables.py); an `ad.custom_jvp`,
`ad.custom_vjp` or `ad.checkpoint` function is one op whose rule the generated code calls,
and `grad(f, has_aux=True)` differentiates f's first result; other constructs raise
`UnsupportedSyntaxError`, and a differentiated value reaching a call without a rule raises
`NotDifferentiableError`.  `grad`, `value_and_grad`, `jvp`, `jacobian` and `hessian` called
inside f (nesting) are written as code too: the inner function's derivative code, inlined (nesting.py).  A transform
of a gradient adsct returned (`grad(grad(f))`, `hessian(f)`) transforms the generated code
again, which is itself in the subset, the stacks of its loops and branches included
(stacks.py); numbers go through f's forward code there instead, and pytree arguments run the
generated code on adoo's values.  `export(f, path)` writes f's derivative code as a
standalone module that imports only numpy and math (export.py).  `grad`, `value_and_grad`, `vjp`
and `source` take `checkpoints=k`: every loop's reverse sweep then keeps at most k states of the
loop and recomputes the other steps (binomial checkpointing; see checkpointing.py and revolve.py).
"""

from ..errors import NotDifferentiableError, UnsupportedSyntaxError
from .transforms import grad, hessian, jacfwd, jacobian, jacrev, jvp, source, value_and_grad, vjp
from .export import export

# What the shared strategy tests may rely on (see tests/test_strategies.py).  Nesting: grad,
# value_and_grad and jvp called inside f become code inlined into f's (nesting.py); adsct does
# not run any Python ("any Python function").
SUPPORTS = frozenset({"higher order", "nesting", "pytrees", "pytree outputs"})

__all__ = ["source", "export", "grad", "value_and_grad", "jvp", "vjp", "jacobian", "jacfwd", "jacrev", "hessian",
           "UnsupportedSyntaxError", "NotDifferentiableError"]
