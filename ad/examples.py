"""The running example of the course notes and its exact derivatives.

f(x1, x2) = ln x1 + x1 * x2 - sin x2, evaluated at (2, 5), where
df/dx1 = 1/x1 + x2 = 5.5 and df/dx2 = x1 - cos x2 = 1.7163378145367738.

>>> round(float(running_example(2.0, 5.0)), 6)
11.652071
"""

import math

import numpy as np

from . import ops

RUNNING_POINT = (2.0, 5.0)


def running_example(x1, x2):
    """f(x1, x2) = ln x1 + x1 x2 - sin x2, written with registry ops (runs under every strategy).

    >>> round(float(running_example(1.0, 0.0)), 6)
    0.0
    """
    return ops.sub(ops.add(ops.log(x1), ops.mul(x1, x2)), ops.sin(x2))


def running_example_numpy(x1, x2):
    """The same function in plain NumPy, as a NumPy programmer writes it.

    >>> round(float(running_example_numpy(2.0, 5.0)), 6)
    11.652071
    """
    return np.log(x1) + x1 * x2 - np.sin(x2)


def running_example_gradient(x1, x2):
    """The analytic gradient (1/x1 + x2, x1 - cos x2).

    >>> running_example_gradient(2.0, 5.0)
    (5.5, 1.7163378145367738)
    """
    return (1.0 / x1 + x2, x1 - math.cos(x2))
