"""`checkpoint(g)`: trade memory for recomputation in reverse mode (JAX's `checkpoint`/remat).

A checkpointed function is one op (see ad/custom.py; not entered in the registry, so that
`checkpoint(lambda ...)` in a loop adds nothing that lasts): a reverse-mode
recording keeps its inputs and its output, none of its intermediates.  When the reverse
sweep reaches it, g runs again on the kept inputs, under its own reverse-mode recording, and
that short recording pulls the cotangent back and is dropped.  Values and derivatives are
those of g itself, at any order; forward mode simply differentiates g.

>>> import numpy as np, ad
>>> def layer(x):
...     return np.tanh(np.sin(x) * 2.0)
>>> ad.grad(lambda x: np.sum(ad.checkpoint(layer)(x)), strategy="adoo")(np.array([0.5]))
array([0.78423443])
"""

from __future__ import annotations

from . import adoo
from .custom import WholeFunction

__all__ = ["checkpoint"]


class Checkpointed(WholeFunction):
    """g as one op whose intermediates are recomputed, not kept, for the reverse sweep."""

    kind = "checkpoint"
    registered = False

    def forward(self, inputs, tangents):
        return adoo.jvp(self.fun, inputs, tangents)[1]

    def reverse(self, inputs, g):
        _, pull_back = adoo.vjp(self.fun, *inputs)  # g's intermediates live only while it pulls back
        return pull_back(g, last_call=True)  # (one sweep: each value goes once read)


def checkpoint(g):
    """g, recomputed in the reverse sweep instead of keeping its intermediates.

    g takes numbers and arrays as positional arguments and returns one number or array (pass
    every differentiated value it uses as an argument, not through a closure).  Works under
    every engine that calls registry ops: adoo, adlib (g written with adlib's elemental
    functions), and at any order.

    >>> import numpy as np, ad
    >>> step = ad.checkpoint(lambda x, w: np.sin(x * w))
    >>> ad.grad(lambda w: step(1.0, w) + step(2.0, w), strategy="adoo")(0.3)
    2.6060077189449626
    """
    return g if isinstance(g, Checkpointed) else Checkpointed(g)
