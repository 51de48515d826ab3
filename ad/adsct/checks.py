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


def check_unpack(value, count: int) -> None:
    """Refuse what unpacking `a, b = value` refuses: a value without exactly `count` items
    (generated code then takes the items one by one).

    >>> check_unpack((3, 2), 2)
    >>> check_unpack((3, 2, 1), 2)
    Traceback (most recent call last):
    ValueError: too many values to unpack (expected 2)
    """
    try:
        length = len(value)
    except TypeError:
        raise TypeError(f"cannot unpack non-iterable {type(value).__name__} object") from None
    if length > count:
        raise ValueError(f"too many values to unpack (expected {count})")
    if length < count:
        raise ValueError(f"not enough values to unpack (expected {count}, got {length})")
