"""ad.adlib: the elemental library, automatic differentiation with nothing hidden.

Write the function as explicit elemental calls; each call is recorded on a tape (a Wengert
list) that can be printed, swept forward for tangents and backward for adjoints:

>>> from ad import adlib
>>> with adlib.Tape() as tape:
...     x1, x2 = tape.var(2.0, "x1"), tape.var(5.0, "x2")
...     y = adlib.sub(adlib.add(adlib.log(x1), adlib.mul(x1, x2)), adlib.sin(x2))
>>> tape.gradient(y)
(5.5, 1.7163378145367738)

There is one elemental function per registry op (`adlib.add`, `adlib.sin`, ...); values on
a tape have no operators (`x * y` raises a TypeError naming `adlib.mul`).
"""

from .. import ops as _ops
from .elemental import elemental as _elemental, generate as _generate
from .tables import Table
from .tape import Active, Tape, current_tape
from .transforms import grad, hessian, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp


def var(value, label=None) -> Active:
    """An input on the current tape (`with adlib.Tape():`).

    >>> with Tape():
    ...     var(2.0, "x")
    v0 = 2 (x)
    """
    return current_tape().var(value, label)


_ELEMENTALS = _generate()
globals().update(_ELEMENTALS)


def __getattr__(name):
    """The elemental function of an op registered after adlib was loaded (`ops.defop` in your
    own module, a custom_jvp function): `adlib.<name>` exists for every op of the registry."""
    op = _ops.REGISTRY.get(name)
    if op is None:
        raise AttributeError(f"module 'ad.adlib' has no attribute {name!r}")
    return _elemental(op)

# What the shared strategy tests may rely on (see tests/test_strategies.py).
SUPPORTS = frozenset({"higher order", "nesting", "pytrees", "pytree outputs", "any Python function"})

__all__ = ["Tape", "Active", "Table", "var", "current_tape", "grad", "value_and_grad", "jvp", "vjp",
           "jacobian", "jacfwd", "jacrev", "hessian"] + sorted(_ELEMENTALS)
