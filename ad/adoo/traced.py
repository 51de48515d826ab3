"""What `Var` and `Dual` share: Python operators, array methods and the NumPy protocols.

Every operator and NumPy function becomes a registry op call, and the registry hands the
call to the engine that owns the value.  A NumPy function without a registry op raises
`NotDifferentiableError`; converting a traced value to a float or a numeric array raises
`TypeError`: nothing is ever silently treated as a constant.  NumPy's own array builders
(`np.array([x, y])`, `np.r_`) get an object array of traced scalars (`__array__`).
"""

from __future__ import annotations

import sys

import numpy as np

try:
    from numpy._core import _methods as _numpy_methods
except ImportError:  # (NumPy 1)
    from numpy.core import _methods as _numpy_methods

from .. import ops
from ..derived import plain, plain_tree
from ..errors import NotDifferentiableError, user_line

# NumPy functions that only look at a value's structure or compare it: their results carry
# no derivative, so they run on the plain values.
_STRUCTURAL = ops.constant.NO_DERIVATIVE

_lookup = ops.lookup

# NumPy turns an error raised by __float__ or __array__ while it stores a value into an array
# (K[i, j] = x) into its own "setting an array element with a sequence"; the transforms look
# here to raise ours instead (see last_refusal).
_REFUSALS: list = []  # [(the words of NumPy's error, our error)]


def _refused(error: NotDifferentiableError, numpy_words: str = "array element") -> NotDifferentiableError:
    _REFUSALS[:] = [(numpy_words, error)]
    return error


def last_refusal(error: ValueError):
    """Our refusal behind NumPy's `error` (a traced value stored into a plain array, a write
    into the copy np.asarray gave), or None.

    >>> last_refusal(ValueError("unrelated")) is None
    True
    """
    numpy_words, refusal = _REFUSALS.pop() if _REFUSALS else ("", None)
    return refusal if refusal is not None and numpy_words in str(error) else None

# NumPy's mean, var and std of an object array (np.mean([a, b]) of traced values): see `dtype`.
_caller = sys._getframe
_NUMPY_REDUCTIONS_OF_OBJECTS = frozenset(
    getattr(_numpy_methods, name).__code__ for name in ("_mean", "_var", "_std") if hasattr(_numpy_methods, name))

# ufunc.reduce spellings of the reductions.
_REDUCERS = {np.add: "sum", np.multiply: "prod", np.maximum: "max", np.minimum: "min"}


def _numpy_name(fn) -> str:
    module = getattr(fn, "__module__", None) or "numpy"
    return f"{module}.{getattr(fn, '__name__', repr(fn))}"


class Traced(ops.operators.ThroughOps):
    """Mixin: operators, methods and NumPy protocols in terms of registry ops."""

    __slots__ = ()
    __array_priority__ = 1000.0  # ndarray (op) traced defers to us
    __hash__ = object.__hash__  # identity: nodes live in sets and dicts

    def _value(self):
        raise NotImplementedError

    # -- structure ------------------------------------------------------------------------
    @property
    def shape(self):
        """The value's shape, as NumPy gives it (structure carries no derivative)."""
        return np.shape(plain(self))

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))

    @property
    def dtype(self):
        if _caller(1).f_code in _NUMPY_REDUCTIONS_OF_OBJECTS:
            # np.mean([a, b]) ends with `ret.dtype.type(ret / n)` when ret has a dtype, a float
            # conversion that would drop the derivative; for Python objects it takes `ret / n`.
            raise AttributeError("dtype")
        return np.result_type(plain(self))

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d traced value")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # -- arithmetic: + - * / ** unary -, abs() and comparisons come from ops.operators.ThroughOps
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __pos__(self): return ops.copy(self) if type(plain(self)) is np.ndarray else self  # +a is a new array

    # x // y and x % y: floor is piecewise constant, so x % y = x - y * floor(x / y) has
    # derivative 1 in x and -floor(x / y) in y, as it should.
    def __floordiv__(self, other): return ops.floor(ops.div(self, other))
    def __rfloordiv__(self, other): return ops.floor(ops.div(other, self))
    def __mod__(self, other): return ops.sub(self, ops.mul(other, ops.floor(ops.div(self, other))))
    def __rmod__(self, other): return ops.sub(other, ops.mul(self, ops.floor(ops.div(other, self))))

    def __bool__(self):
        return bool(plain(self))  # branching on a value is fine: the taken branch is differentiated

    def __round__(self, ndigits=0):
        return ops.round(self, ndigits)

    # -- array methods -------------------------------------------------------------------------
    def __getitem__(self, index):
        """x[index] with NumPy's indexing (basic: a view; advanced: a copy); indices are constants."""
        if any(isinstance(i, Traced) for i in (index if isinstance(index, tuple) else (index,))):
            raise TypeError("indices must be plain integers or arrays, not traced values")
        return ops.getitem(self, index)

    @property
    def T(self):
        return ops.transpose(self)

    @property
    def real(self):
        return ops.real(self)

    @property
    def imag(self):
        return ops.imag(self)

    def conj(self):
        return ops.conj(self)

    conjugate = conj

    def reshape(self, *shape):
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        return ops.transpose(self, (axes[0] if len(axes) == 1 else axes) or None)

    def swapaxes(self, axis1, axis2):
        return ops.swapaxes(self, axis1, axis2)

    def ravel(self):
        return ops.reshape(self, (-1,))

    def flatten(self):
        return ops.copy(ops.reshape(self, (-1,)))  # a copy, as NumPy's flatten (ravel gives a view)

    def squeeze(self, axis=None):
        return ops.squeeze(self, axis)

    def sum(self, axis=None, keepdims=False):
        return ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return ops.mean(self, axis, keepdims)

    def prod(self, axis=None, keepdims=False):
        return ops.prod(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return ops.min(self, axis, keepdims)

    def var(self, axis=None, *, ddof=0, keepdims=False):
        return ops.variance(self, axis, ddof, keepdims)

    def std(self, axis=None, *, ddof=0, keepdims=False):
        return ops.std(self, axis, ddof, keepdims)

    def cumsum(self, axis=None):
        return ops.cumsum(self, axis)

    def cumprod(self, axis=None):
        return ops.cumprod(self, axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return ops.diagonal(self, offset, axis1, axis2)

    def repeat(self, repeats, axis=None):
        return ops.repeat(self, repeats, axis)

    def take(self, indices, axis=None):
        return ops.take(self, indices, axis)

    def copy(self):
        return ops.copy(self)

    # copy.copy / copy.deepcopy of an array give a new array; Python's default would give a second
    # handle on the same node, so `y = copy.copy(x); y *= 2` would also change x's derivative.
    def __copy__(self):
        return ops.copy(self)

    def __deepcopy__(self, memo):
        return ops.copy(self)

    def astype(self, dtype):
        return ops.astype(self, dtype)

    def dot(self, other):
        return ops.dot(self, other)

    def trace(self, offset=0, axis1=0, axis2=1):
        return ops.trace(self, offset, axis1, axis2)

    def round(self, decimals=0):
        return ops.round(self, decimals)

    def ptp(self, axis=None, keepdims=False):
        return np.ptp(self, axis=axis, keepdims=keepdims)

    # positions and truth values: constants
    def argmax(self, axis=None):
        return ops.argmax(self, axis)

    def argmin(self, axis=None):
        return ops.argmin(self, axis)

    def argsort(self, axis=-1, kind=None):
        return ops.argsort(self, axis, kind)

    def nonzero(self):
        return np.nonzero(plain(self))

    def any(self, axis=None, keepdims=False):
        return np.any(plain(self), axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return np.all(plain(self), axis=axis, keepdims=keepdims)

    def clip(self, a_min=None, a_max=None):
        return ops.clip(self, a_min, a_max)

    # micrograd's Value methods
    def relu(self): return ops.relu(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)

    # -- arrays built by NumPy ------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        """What NumPy gets for `np.array([x, y])`, `np.asarray(x)`, `np.r_[x, y]`: an object array
        of x's traced scalars, with x's shape, so NumPy builds the shape it builds for plain
        values and its object loops keep the derivatives (ad/ops/objects.py lifts it back).
        A numeric dtype would drop the derivative: refused."""
        if dtype is not None and np.dtype(dtype) != ops.objects.OBJECT:
            raise _refused(NotDifferentiableError(
                f"converting a traced {type(self).__name__} to a NumPy array of dtype {np.dtype(dtype)} would drop its "
                f"derivative (np.array(..., dtype=float), .astype(float) on an array of traced values, or a traced "
                f"value stored into a float array): leave the dtype out (np.array([a, b]) is traced), use "
                f"np.stack([a, b]), x.astype(...) on the traced value, or .data for its value" + user_line()))
        shape = self.shape
        array = ops.objects.as_object_array(self, shape)
        if shape and copy is not True:
            # np.asarray(x) is x itself in NumPy, so a write into it would reach x; this array is a
            # copy, so writes into it are refused rather than silently lost.
            array.flags.writeable = False
            _refused(NotDifferentiableError(
                f"np.asarray(x) of a traced array gives a copy here, where NumPy gives x itself, so a write into it "
                f"would not reach x: use x directly (z = x), or np.array(x) / x.copy() for a copy" + user_line()),
                "read-only")
        return array

    def __float__(self):
        raise _refused(NotDifferentiableError(
            f"float() of a traced {type(self).__name__} would drop its derivative (math.* functions do this too, "
            f"and so does storing it into a float array, K[i] = x with K = np.zeros(n)): use np.sin etc. or ad.ops, "
            f"create K from a traced value (np.zeros_like(x)) or build a list and np.stack it, or float(x.data) for "
            f"the value" + user_line()))

    def __int__(self):
        return int(plain(self))  # integers carry no derivative

    def __index__(self):
        raise TypeError("a traced value cannot be used as an index")

    def __format__(self, spec):
        return format(plain(self), spec)

    def _write_out(self, ufunc, op, inputs, out):  # replaced by ad.adoo.inplace
        raise TypeError(f"numpy.{ufunc.__name__}(..., out=...) writes in place and cannot be differentiated")

    # -- NumPy protocols ------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs:  # the common case, first
            op = _lookup(ufunc)
            if op is not None:
                return op(*inputs)
        out = kwargs.get("out")
        if out is not None:
            if method != "__call__" or set(kwargs) != {"out"} or _lookup(ufunc) is None:
                raise TypeError(f"numpy.{ufunc.__name__}.{method}(..., out=...) with these arguments is not "
                                f"supported on traced values; write `y = numpy.{ufunc.__name__}(...)`")
            return self._write_out(ufunc, _lookup(ufunc), inputs, out)
        if method == "reduce" and ufunc in _REDUCERS:
            allowed = {k: v for k, v in kwargs.items() if k in ("axis", "keepdims")}
            if len(allowed) != len(kwargs):
                raise TypeError(f"numpy.{ufunc.__name__}.reduce: unsupported arguments {sorted(set(kwargs) - set(allowed))}")
            return ops.get(_REDUCERS[ufunc])(*inputs, **{"axis": 0, **allowed})
        if method != "__call__":
            recipe = ops.recipes.RECIPES.get(getattr(ufunc, method))  # np.multiply.outer: ops/recipes.py
            if recipe is None:
                raise NotDifferentiableError(f"numpy.{ufunc.__name__}.{method} has no derivative rule in ad.ops" + user_line())
            return recipe(*inputs, **kwargs)
        op = ops.lookup(ufunc)
        if op is None:
            raise NotDifferentiableError(f"numpy.{ufunc.__name__} has no derivative rule in ad.ops; "
                                         f"add an op to the registry or rewrite with registered functions" + user_line())
        if not op._param_names.issuperset(kwargs):  # (a keyword the op takes, like float_power's dtype, passes)
            raise TypeError(f"numpy.{ufunc.__name__}: keyword arguments {sorted(kwargs)} are not supported "
                            f"on traced values")
        return op(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        op = ops.lookup(func)
        if op is not None:
            return op(*args, **kwargs)
        if func in _STRUCTURAL:
            return func(*plain_tree(args), **plain_tree(kwargs))
        composite = ops.compose.composite(func)  # np.split (several outputs), np.select (lists)
        if composite is not None:
            return composite(*args, **kwargs)
        raise NotDifferentiableError(f"{_numpy_name(func)} has no derivative rule in ad.ops; add an op "
                                     f"to the registry or rewrite with registered functions" + user_line())


def _ufunc_method(op, name: str):
    def method(self, *others):
        return op(self, *others)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"numpy.{name} of this value (NumPy's loops over arrays of traced values call it)."
    return method


# NumPy's loops over object arrays (np.sin(np.array([a, b]))) call a method named like the
# ufunc on each element: one per registry op spelled as a ufunc, from the registry itself.
for _op in ops.REGISTRY.values():
    for _alias in _op.aliases:
        if isinstance(_alias, np.ufunc) and _alias.nin in (1, 2) and _alias.nout == 1 \
                and _alias.nin == _op.nin and not hasattr(Traced, _alias.__name__):
            setattr(Traced, _alias.__name__, _ufunc_method(_op, _alias.__name__))
