"""Checks generated code makes at run time where the user's code would have raised.

They only look at shapes, so generated code that calls them can be transformed again (anf.py
lists them with the structural calls).
"""

import math

from .. import ops


def number_for_math(value, function: str):
    """Refuse what `math` refuses: `function` (math.sin, ...) computed `value` elementwise from
    an array of more than one number, where math itself raises TypeError.

    >>> import numpy as np
    >>> number_for_math(np.array([1.0, 2.0]), "math.sin")
    Traceback (most recent call last):
    TypeError: math.sin takes a number, got an array of shape (2,)
    """
    shape = ops.shape_of(value)
    if math.prod(shape) > 1:
        raise TypeError(f"{function} takes a number, got an array of shape {shape}")
