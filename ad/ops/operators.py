"""Python's operators on an engine's values, through the registry's ops.

An engine value class (adoo's `Traced`, ad.symbolic's `Expr`) inherits these, so `x + y`,
`x ** 2` and `x < y` mean `ops.add(x, y)`, `ops.pow(x, 2)` and `ops.less(x, y)` everywhere;
each class adds the operators only it has (`@`, `//`, unary `+`).

>>> import numpy as np
>>> from ad import adoo
>>> adoo.grad(lambda x: -(x * x) / 2.0 + (x > 0))(3.0)
-3.0
"""

from .complex_ops import abs
from .constant import equal, greater, greater_equal, less, less_equal, not_equal
from .elementwise import add, div, mul, neg, pow, sub


class ThroughOps:
    """Arithmetic and comparisons as registry ops (comparisons have no derivative)."""

    __slots__ = ()

    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return sub(self, other)
    def __rsub__(self, other): return sub(other, self)
    def __mul__(self, other): return mul(self, other)
    def __rmul__(self, other): return mul(other, self)
    def __truediv__(self, other): return div(self, other)
    def __rtruediv__(self, other): return div(other, self)
    def __pow__(self, other): return pow(self, other)
    def __rpow__(self, other): return pow(other, self)
    def __neg__(self): return neg(self)
    def __abs__(self): return abs(self)
    def __lt__(self, other): return less(self, other)
    def __le__(self, other): return less_equal(self, other)
    def __gt__(self, other): return greater(self, other)
    def __ge__(self, other): return greater_equal(self, other)
    def __eq__(self, other): return equal(self, other)
    def __ne__(self, other): return not_equal(self, other)
