"""NumPy functions with several outputs (`np.linalg.eigh` gives `(w, v)`): one op per output.

>>> from ad import ops
>>> ops.lookup(np.linalg.eigh).name, [part.name for part in ops.MULTI["eigh"].parts]
('eigh', ['eigh_values', 'eigh_vectors'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .core import _ALIASES, REGISTRY, Op, _check_aliases, get, lookup

__all__ = ["Multi", "MULTI", "register_multi"]


@dataclass(eq=False)
class Multi:
    """A NumPy function with several outputs (`np.linalg.eigh` gives `(w, v)`), made of one op
    per output; the parts take the same arguments and share the factorisation (see their impls).

    `choose(params)` names the parts a call returns, by name: a tuple of names gives a tuple,
    a single name gives that output alone (`np.linalg.svd(a, compute_uv=False)` is only `s`).
    Engines see the parts: each is an ordinary op with its own rules.

    >>> m = Multi("pair", (get("sin"), get("cos")), choose=lambda params: ("sin", "cos"))
    >>> [float(v) for v in m(0.0)]
    [0.0, 1.0]
    """

    name: str
    parts: tuple
    aliases: tuple = ()
    choose: Optional[Callable] = None
    result: Callable = lambda *values: values  # NumPy's result type (a named tuple), built from the outputs
    doc: str = ""

    def __post_init__(self):
        self.__doc__ = self.doc

    def selected(self, params: dict):
        """The part (an Op) or the tuple of parts a call with these static parameters returns."""
        by_name = {part.name: part for part in self.parts}
        chosen = self.choose(params) if self.choose is not None else tuple(p.name for p in self.parts)
        return by_name[chosen] if isinstance(chosen, str) else tuple(by_name[c] for c in chosen)

    def __call__(self, *args, **kwargs):
        _, params = self.parts[0].bind(args, kwargs)
        chosen = self.selected(params)
        if isinstance(chosen, Op):
            return chosen(*args, **kwargs)
        return self.result(*(part(*args, **kwargs) for part in chosen))

    def __repr__(self) -> str:
        return f"<multi-output function {self.name}: {', '.join(p.name for p in self.parts)}>"


MULTI: dict[str, Multi] = {}


def register_multi(multi: Multi) -> Multi:
    """Register a multi-output function: its aliases then look up to it (see `lookup`).

    >>> lookup(np.linalg.eigh).name
    'eigh'
    """
    if multi.name in MULTI or multi.name in REGISTRY:
        raise ValueError(f"{multi.name!r} is already registered")
    _check_aliases(multi)
    MULTI[multi.name] = multi
    _ALIASES.update(dict.fromkeys(multi.aliases, multi))
    return multi
