"""Expressions whose nodes are registry ops: `Symbol`, `Const` and `Node` (an op applied to
expressions).

Expressions are hash-consed: building the same op on the same arguments with the same
parameters twice gives the very same object.  So equal subexpressions are shared (the
expression is a DAG, the form with common subexpressions shared), `a is b` is structural
equality, and `x - x` can be recognised as 0.  The *tree* form, every shared subexpression
written out again, is how the DAG reads when printed; `ad.symbolic.counting` counts both.

A symbol stands for a real number (or, elementwise, for an array of real numbers): the
expression is evaluated with NumPy, so `evaluate(x=np.linspace(0, 1, 5))` works where the
expression is made of elementwise ops.

Python's operators and NumPy's functions build expressions through the registry (`x * y`
calls `ops.mul`, which hands the call to the symbolic engine, `ad.symbolic.engine`).
Comparisons build comparison expressions; using one where Python needs a `bool` (`if`,
`while`, `and`) raises `SymbolicBranchError`, since the branch taken would depend on the
value.  Traversals are iterative, so deep expressions never hit Python's recursion limit.
"""

from __future__ import annotations

import itertools
import weakref

import numpy as np

from .. import ops
from ..errors import NotDifferentiableError, user_line
from . import printing
from .graph import topological

__all__ = ["Expr", "Symbol", "Const", "Node", "SymbolicBranchError", "symbols", "as_expr", "topological",
           "free_symbols", "evaluate"]


class SymbolicBranchError(TypeError):
    """A symbolic value was used where Python needs a definite bool (`if`, `while`, `and`,
    `or`, `not`): the branch would depend on the value, which a symbol does not have."""


_INTERNED: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()
_UNIQUE = itertools.count()  # keys for parameters that cannot be compared (never shared)


def _interned(key, make):
    node = _INTERNED.get(key)
    if node is None:
        node = make()
        _INTERNED[key] = node
    return node


class Expr(ops.operators.ThroughOps):
    """A symbolic expression (base class of `Symbol`, `Const` and `Node`).

    >>> x, y = symbols("x y")
    >>> str(x * y + 0.0), (x * y) is (x * y)
    ('x*y', True)
    """

    __slots__ = ("__weakref__",)
    _ad_level = 0  # below every transform: an AD value built from expressions handles them as numbers
    shape = ()  # a symbol is a number; arrays enter only elementwise, at evaluation
    __array_priority__ = 1000.0
    op = None
    args = ()
    params: dict = {}

    @property
    def dtype(self):
        """float64, or complex128 where a complex constant reaches the value: what the registry's
        rules read to keep a real value's derivative real."""
        return _COMPLEX if self._is_complex() else _REAL

    def _is_complex(self) -> bool:
        return False

    # -- reading ------------------------------------------------------------------------
    def __str__(self) -> str:
        return printing.text(self)

    def __repr__(self) -> str:
        return f"<expr {printing.text(self)}>"

    def latex(self) -> str:
        """The expression in LaTeX.

        >>> x1, x2 = symbols("x1 x2")
        >>> (np.log(x1) + x1 * x2).latex()
        '\\\\ln\\\\left(x_{1}\\\\right) + x_{1} x_{2}'
        """
        return printing.latex(self)

    def _repr_latex_(self) -> str:
        return f"${printing.latex(self)}$"

    def evaluate(self, **values):
        """The expression's value with each symbol given by keyword (numbers or arrays).

        >>> x1, x2 = symbols("x1 x2")
        >>> float((x1 * x2 - x1).evaluate(x1=2.0, x2=5.0))
        8.0
        """
        return evaluate(self, values)

    # -- refusing what a symbol cannot answer -------------------------------------------
    def __bool__(self):
        raise SymbolicBranchError(
            f"the value of {printing.text(self)} decides an if, while, and, or, not here: a symbolic trace has no "
            f"values, so it cannot follow a branch that depends on one. Differentiate this function with an AD "
            f"strategy instead (ad.adoo.grad or ad.adsct.grad differentiate the branch taken), or write the "
            f"choice as np.where(condition, a, b)" + user_line())

    def __float__(self):
        raise NotDifferentiableError(
            f"float() of the symbolic {printing.text(self)} (math.* functions call it): a symbol has no value. "
            f"Use np.sin, np.exp, ... (they build expressions)" + user_line())

    __complex__ = __int__ = __index__ = __float__

    def __array__(self, dtype=None, copy=None):
        raise NotDifferentiableError(f"cannot turn the symbolic {printing.text(self)} into a NumPy array; "
                                     f"ad.symbolic follows numbers and elementwise functions" + user_line())

    def __len__(self):
        raise TypeError(f"len() of the symbolic {printing.text(self)}: a symbol stands for a number" + user_line())

    def __getitem__(self, index):
        raise NotDifferentiableError(f"indexing the symbolic {printing.text(self)}: a symbol stands for a number, "
                                     f"so ad.symbolic cannot follow x[...]; differentiate this function with an AD "
                                     f"strategy (ad.adoo or ad.adsct)" + user_line())

    __hash__ = object.__hash__  # identity: hash-consing makes it structural

    # -- arithmetic and comparisons, through the registry: ops.operators.ThroughOps ---------
    def __pos__(self): return self

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        op = ops.lookup(ufunc)
        if method != "__call__" or op is None or kwargs:
            raise NotDifferentiableError(f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method}"
                                         f"{' with keywords' if kwargs else ''} is not an op ad.symbolic can "
                                         f"follow" + user_line())
        return op(*inputs)

    def __array_function__(self, func, types, args, kwargs):
        op = ops.lookup(func)
        if op is None:
            raise NotDifferentiableError(f"{getattr(func, '__name__', func)} is not an op ad.symbolic can follow; "
                                         f"it follows numbers and elementwise functions" + user_line())
        return op(*args, **kwargs)


_REAL, _COMPLEX = np.dtype(np.float64), np.dtype(np.complex128)
_REAL_RESULTS = {"real", "imag", "abs", "angle", "greater", "greater_equal", "less", "less_equal", "equal",
                 "not_equal", "isfinite", "isnan", "isinf", "logical_and", "logical_or", "logical_not"}


class Symbol(Expr):
    """A named symbol; one object per name.

    >>> Symbol("x") is Symbol("x")
    True
    """

    __slots__ = ("name",)

    def __new__(cls, name: str):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"a symbol's name must be a Python identifier, got {name!r}")

        def make():
            node = object.__new__(cls)
            node.name = name
            return node
        return _interned(("symbol", name), make)

    def __reduce__(self):
        return Symbol, (self.name,)


class Const(Expr):
    """A number (or a constant array) inside an expression; one object per value.

    >>> Const(2.0) is Const(2.0), Const(2.0) is Const(2)
    (True, False)
    """

    __slots__ = ("value",)

    def __new__(cls, value):
        if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
            value = value.item()  # (np.where of numbers gives a 0-d array)
        if isinstance(value, (bool, int, float, complex)):
            key = ("const", type(value).__name__, repr(value))
        else:
            value = np.asarray(value)
            key = ("array", value.dtype.str, value.shape, value.tobytes())

        def make():
            node = object.__new__(cls)
            node.value = value
            return node
        return _interned(key, make)

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, (bool, int, float))

    def _is_complex(self) -> bool:
        return np.iscomplexobj(self.value)


class Node(Expr):
    """An op of the registry applied to expressions, with its static parameters.  Build nodes
    with `Node.make` (which shares equal ones); the engine simplifies before it builds."""

    __slots__ = ("op", "args", "params", "_complex")

    def _is_complex(self) -> bool:
        return self._complex

    @classmethod
    def make(cls, op, args: tuple, params: dict) -> "Node":
        key = ("node", op.name, _params_key(params), tuple(id(a) for a in args))

        def make():
            node = object.__new__(cls)
            node.op, node.args, node.params = op, tuple(args), dict(params)
            node._complex = op.name not in _REAL_RESULTS and any(a._is_complex() for a in args)
            return node
        return _interned(key, make)


def _params_key(params: dict):
    try:
        key = tuple(sorted(params.items()))
        hash(key)
        return key
    except TypeError:  # an unhashable parameter (an index array): this node is never shared
        return ("unique", next(_UNIQUE))


def as_expr(value) -> Expr:
    """An expression for a value: expressions as they are, numbers and arrays as constants.

    >>> as_expr(2.0) is Const(2.0)
    True
    """
    return value if isinstance(value, Expr) else Const(value)


def symbols(names: str):
    """Symbols from a string of names separated by spaces or commas; one name gives one symbol.

    >>> x1, x2 = symbols("x1 x2")
    >>> str(x1 + x2)
    'x1 + x2'
    """
    parts = names.replace(",", " ").split()
    if not parts:
        raise ValueError("symbols() needs at least one name")
    made = tuple(Symbol(name) for name in parts)
    return made[0] if len(made) == 1 else made


def free_symbols(roots) -> list:
    """The symbols an expression (or several) depends on, in the order they are first met.

    >>> x, y = symbols("x y")
    >>> [s.name for s in free_symbols([y * x])]
    ['y', 'x']
    """
    return [node for node in topological(roots) if isinstance(node, Symbol)]


def evaluate(expr: Expr, values: dict):
    """The value of `expr` with each symbol given in `values` (name -> number or array).

    >>> x = Symbol("x")
    >>> evaluate(x * x + 1.0, {"x": np.array([1.0, 2.0])})
    array([2., 5.])
    """
    computed: dict = {}
    for node in topological([expr]):
        if isinstance(node, Symbol):
            if node.name not in values:
                raise KeyError(f"no value given for the symbol {node.name!r}; evaluate(..., {node.name}=...)")
            value = values[node.name]
            if np.iscomplexobj(value):
                raise TypeError(f"{node.name}: ad.symbolic's symbols stand for real numbers, got a complex value")
            computed[id(node)] = value
        elif isinstance(node, Const):
            computed[id(node)] = node.value
        else:
            computed[id(node)] = node.op.compute([computed[id(a)] for a in node.args], node.params)
    return computed[id(expr)]
