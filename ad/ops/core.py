"""The `Op` record, the registry and type dispatch.

Every primitive is one `Op`: a NumPy implementation plus, for each array input, a forward
rule (JVP) and a reverse rule (VJP).  Rules are ordinary functions written with registry
ops, so whatever engine is tracing them (adoo, adlib, adsct) can differentiate them again.

Calling an op dispatches on its inputs: plain floats and arrays go straight to NumPy; a value
owned by an engine (registered with `register_engine`) is handed to that engine.
"""

from __future__ import annotations

import inspect
import keyword
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

__all__ = [
    "Op",
    "REGISTRY",
    "get",
    "lookup",
    "defop",
    "register",
    "unregister",
    "register_engine",
    "UnknownOpError",
    "shape_of",
    "ndim_of",
    "is_complex",
]


_NO_PARAMS: dict = {}  # shared, never mutated


class UnknownOpError(KeyError):
    """Raised by `get` for a name that is not in the registry."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


# A rule for input i: rule(t_or_g, out, *inputs, **params) -> tangent/cotangent contribution.
Rule = Callable[..., Any]


def shape_of(x) -> tuple:
    """Shape of an array, an engine value or a Python number.

    >>> shape_of(2.0), shape_of(np.zeros((2, 3)))
    ((), (2, 3))
    """
    if type(x) is np.ndarray:  # the common case, and its shape is already a tuple
        return x.shape
    if isinstance(x, (list, tuple)):  # a constant written as a list: np.append(x, [1.0, 2.0])
        return np.shape(x)
    return tuple(getattr(x, "shape", ()))


def is_complex(x) -> bool:
    """Whether a value (plain, engine value or Python number) has a complex dtype.

    >>> is_complex(1j), is_complex(np.ones(2)), is_complex(2.0)
    (True, False, False)
    """
    kind = type(x)
    if kind is float or kind is int:
        return False
    if kind is complex:
        return True
    dtype = getattr(x, "dtype", None)
    return dtype is not None and np.dtype(dtype).kind == "c"


def narrower_float(value, like):
    """`like`'s float dtype where `value`'s float dtype is wider, else None: a derivative is
    cast to the dtype of the value it belongs to, so float32 code stays float32 even where a
    rule mixes in a float64 constant.

    >>> narrower_float(np.ones(2), np.float32(1.0)), narrower_float(1.0, np.float32(1.0)), narrower_float(np.ones(2), 1.0)
    (dtype('float32'), dtype('float32'), None)
    """
    to = getattr(like, "dtype", None)
    if to is None:
        return None
    to = np.dtype(to)
    if to.kind != "f" or to.itemsize >= 8:  # (float64, the common case, is never narrower)
        return None
    source = np.dtype(np.float64) if isinstance(value, float) else getattr(value, "dtype", None)
    if source is None:
        return None
    source = np.dtype(source)
    return to if source.kind == "f" and source.itemsize > to.itemsize else None


def _in_kind_of(derivative, value):
    """A derivative as its value's kind requires: real for a real value (Re(g * t) for real t),
    and no wider float than the value's (float32 code stays float32)."""
    if is_complex(derivative) and not is_complex(value):
        derivative = _real(derivative)
    narrower = narrower_float(derivative, value)
    return derivative if narrower is None else _astype(derivative, narrower)


def ndim_of(x) -> int:
    """Number of dimensions of an array, an engine value or a Python number.

    >>> ndim_of(1.5)
    0
    """
    return len(shape_of(x))


@dataclass(eq=False)
class Op:
    """One primitive: implementation, rules, domain and aliases.

    Attributes:
        name: short name (`"sin"`), unique in the registry.
        impl: NumPy implementation, `impl(*inputs, **params)`.
        nin: number of array inputs; `None` for a variadic op whose first argument is a
            sequence of arrays (`concatenate`, `stack`).  Remaining arguments are static
            parameters (`axis`, `shape`, `index`, ...) and are never differentiated.
        jvp, vjp: one rule per array input (`None` where an input is not differentiable,
            such as the condition of `where`).  For a variadic op, a single rule taking the
            input's position first: `rule(i, t, out, *inputs, **params)`.
        domain: where the op is smooth (`ad.ops.domain.Domain`); drives the property tests.
        aliases: the NumPy / `math` / `operator` callables this op stands for.
        differentiable: False for ops whose derivative is zero wherever it exists
            (comparisons, `floor`, `argmax`): engines treat their outputs as constants.
        holomorphic: True when `impl` evaluated on complex inputs is the analytic
            continuation, so the complex-step method applies.
        view: True when `impl` may return a view of its first input (or that very array), as
            NumPy's slicing and reshaping do: an in-place update of the result must then reach
            the input (ad.adoo.views, ad.adsct.aliasing).  The registry tests check it.
        scalar: optional fast path for Python floats, `(fn, partials)`: `fn(*xs)` computes
            the value with `math`, `partials(out, *xs)` returns one float partial derivative
            per input.  Engines use it for micrograd-style scalar graphs; the tests check it
            against `impl` and the rules.  It may raise ValueError/ZeroDivisionError/
            OverflowError where `math` does; engines then fall back to `impl` and the rules.
        kinks: the points where the op has no derivative, or where its formula would break
            down, with the derivative chosen there (`ad.ops.domain.Kink`): a convention every
            path and every strategy is tested to keep (tests/test_kinks.py).
        vjp_reads: optional, one `(reads_out, input positions)` per input: what its VJP rule
            reads.  Usually left None: it is found from the rules' code (`ad.ops.reads`), and
            engines keep only those values for the reverse sweep.
    """

    name: str
    impl: Callable
    nin: Optional[int]
    jvp: Any = None
    vjp: Any = None
    domain: Any = None
    aliases: tuple = ()
    differentiable: bool = True
    holomorphic: bool = False
    doc: str = ""
    scalar: Optional[tuple] = None
    view: bool = False
    kinks: tuple = ()
    vjp_reads: Optional[tuple] = None
    params: tuple = field(default=(), init=False)

    def __post_init__(self):
        if isinstance(self.impl, np.ufunc):  # a ufunc's out=/where= are not op parameters
            names = []
        else:
            names = [p.name for p in inspect.signature(self.impl).parameters.values()
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        skip = 0 if self.nin is None else self.nin
        self.params = tuple(names[skip:])
        self._param_names = frozenset(self.params)
        self.__doc__ = self.doc

    # -- calling -------------------------------------------------------------------------

    def bind(self, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        """Split a call's arguments into (array inputs, static parameters).

        >>> get("sum").bind((np.ones(3),), {"axis": 0})[1]
        {'axis': 0}
        """
        if self.nin is None:
            if not args:
                raise TypeError(f"{self.name}() needs a sequence of arrays")
            sequence, rest = args[0], args[1:]
            if not isinstance(sequence, (list, tuple)) or not sequence:
                raise TypeError(f"{self.name}() takes a non-empty list or tuple of arrays, "
                                f"got {type(sequence).__name__}")
            inputs = tuple(sequence)
        else:
            if len(args) < self.nin:
                raise TypeError(f"{self.name}() takes {self.nin} array argument(s), got {len(args)}")
            inputs, rest = args[: self.nin], args[self.nin:]
        if len(rest) > len(self.params):
            raise TypeError(f"{self.name}() got {len(rest)} extra positional argument(s); "
                            f"its parameters are {self.params}")
        params = dict(zip(self.params, rest))
        for key, value in kwargs.items():
            if key not in self.params:
                raise TypeError(f"{self.name}() got an unexpected keyword argument {key!r}; "
                                f"its parameters are {self.params}")
            if key in params:
                raise TypeError(f"{self.name}() got multiple values for {key!r}")
            params[key] = value
        return inputs, params

    def __call__(self, *args, **kwargs):
        nin = self.nin
        if nin is not None and len(args) == nin and (not kwargs or self._param_names.issuperset(kwargs)):
            inputs, params = args, kwargs or _NO_PARAMS  # the common call: arrays, then keywords
        elif not kwargs and nin is not None and nin < len(args) <= nin + len(self.params):
            inputs, params = args[:nin], dict(zip(self.params, args[nin:]))  # positional parameters, as rules pass them
        else:
            inputs, params = self.bind(args, kwargs)
        for x in inputs:
            if type(x) in _ENGINES:
                return _engine_for(inputs)(self, inputs, params)
        try:  # plain values: `compute`, inlined (a call costs 15 % here, and every op call passes here)
            return self.impl(*inputs, **params)
        except ValueError as error:
            raise _shape_error(self, inputs, error) from error

    def apply(self, inputs: Sequence, params: dict):
        """Call the op on already-split inputs and parameters (see `bind`), dispatching on type.

        >>> float(get("add").apply((2.0, 3.0), {}))
        5.0
        """
        engine = _engine_for(inputs)
        if engine is not None:
            return engine(self, inputs, params)
        return self.compute(inputs, params)

    def compute(self, inputs: Sequence, params: dict):
        """The op on plain values, with no dispatch; NumPy's shape errors name the op.

        >>> float(get("mul").compute((2.0, 3.0), {}))
        6.0
        """
        try:
            return self.impl(*inputs, **params)
        except ValueError as error:
            raise _shape_error(self, inputs, error) from error

    # -- rules -------------------------------------------------------------------------

    def jvp_rule(self, i: int) -> Optional[Rule]:
        """The forward rule for input `i`, or None if that input is not differentiable."""
        return _rule_for(self.jvp, i, self.nin)

    def vjp_rule(self, i: int) -> Optional[Rule]:
        """The reverse rule for input `i`, or None if that input is not differentiable."""
        return _rule_for(self.vjp, i, self.nin)

    def tangent(self, tangents: Sequence, out, inputs: Sequence, params: dict):
        """Tangent of the output, given one tangent per input (`None` means zero).

        Sums the contributions of the active inputs and broadcasts to the output's shape.
        Returns None when no input carries a tangent.

        >>> float(get("mul").tangent((1.0, None), 10.0, (2.0, 5.0), {}))
        5.0
        """
        total = None
        for i, t in enumerate(tangents):
            if t is None:
                continue
            rule = self.jvp_rule(i)
            if rule is None:
                continue
            term = rule(t, out, *inputs, **params)
            total = term if total is None else _add(total, term)
        if total is not None and shape_of(total) != shape_of(out):
            total = _broadcast_to(total, shape_of(out))
        if total is None or (type(total) is type(out) and getattr(total, "dtype", None) is getattr(out, "dtype", None)):
            return total
        return _in_kind_of(total, out)

    def cotangents(self, g, out, inputs: Sequence, params: dict, wanted: Optional[Sequence[bool]] = None) -> list:
        """Cotangents of the inputs, given the output's cotangent `g`.

        Only inputs flagged in `wanted` are computed (activity analysis: an adjoint nobody
        asked for is never built); the others are None.  Every cotangent is summed back to
        its input's shape here, once, so no broadcasting rule can forget it; and a real
        input's cotangent is made real here, once (complex values pair with their
        cotangents as Re(g * t), so a real input sees only Re(g)).

        >>> [float(c) for c in get("mul").cotangents(1.0, 10.0, (2.0, 5.0), {})]
        [5.0, 2.0]
        """
        rules = self.vjp if self.nin is not None else [self.vjp_rule(i) for i in range(len(inputs))]
        result = []
        for i, x in enumerate(inputs):
            rule = rules[i]
            if rule is None or (wanted is not None and not wanted[i]):
                result.append(None)
                continue
            c = rule(g, out, *inputs, **params)
            x_shape = shape_of(x)
            if shape_of(c) != x_shape:
                c = _sum_to(c, x_shape)
            result.append(c if type(c) is type(x) and getattr(c, "dtype", None) is getattr(x, "dtype", None)
                          else _in_kind_of(c, x))  # (the common case, same type and dtype, at once)
        return result

    def __repr__(self) -> str:
        return f"<op {self.name}>"


def _rule_for(rules, i: int, nin: Optional[int]) -> Optional[Rule]:
    if rules is None:
        return None
    if nin is None:  # variadic: one rule for every position
        return lambda t, out, *inputs, **params: rules(i, t, out, *inputs, **params)
    return rules[i]


# -- the registry -----------------------------------------------------------------------

REGISTRY: dict[str, Op] = {}
_ALIASES: dict[Any, Op] = {}


def register(op: Op) -> Op:
    """Add an op to the registry, refusing incomplete or clashing ones.

    A differentiable op must have a JVP and a VJP entry for each of its inputs (an entry
    may be `None` only for an input that is not differentiable, like `where`'s condition).

    >>> register(Op("half_baked", np.negative, 1, jvp=(lambda t, out, x: -t,)))
    Traceback (most recent call last):
    ...
    ValueError: op 'half_baked' is differentiable but has no vjp rule
    """
    if op.name in REGISTRY:
        raise ValueError(f"op {op.name!r} is already registered")
    _check_name(op.name)
    if op.differentiable:
        for kind, rules in (("jvp", op.jvp), ("vjp", op.vjp)):
            if rules is None:
                raise ValueError(f"op {op.name!r} is differentiable but has no {kind} rule")
            if op.nin is None:
                if not callable(rules):
                    raise ValueError(f"variadic op {op.name!r} needs one {kind} rule rule(i, ...)")
            elif len(rules) != op.nin:
                raise ValueError(f"op {op.name!r} has {op.nin} inputs but {len(rules)} {kind} rules")
        if op.nin is not None and all(r is None for r in op.vjp):
            raise ValueError(f"op {op.name!r} is differentiable but every vjp rule is None")
        if op.nin is not None and [r is None for r in op.jvp] != [r is None for r in op.vjp]:
            raise ValueError(f"op {op.name!r}: jvp and vjp must cover the same inputs")
    _check_aliases(op)
    REGISTRY[op.name] = op
    _ALIASES.update(dict.fromkeys(op.aliases, op))
    if _PACKAGE:  # an op defined outside ad.ops is an attribute of it too (adsct's code calls ops.<name>)
        setattr(_PACKAGE[0], op.name, op)
    return op


def _check_name(name) -> None:
    """Refuse a name generated code could not spell as `ops.<name>`, or one that would hide
    something ad.ops already has (a module, a helper such as `get`)."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"op name {name!r} must be a Python identifier (code calls it as ops.{name})")
    if _PACKAGE and hasattr(_PACKAGE[0], name):
        raise ValueError(f"op name {name!r} would hide ad.ops.{name}; choose another name")


def unregister(name: str) -> Op:
    """Remove an op (and its aliases, and its ad.ops attribute) from the registry; returns it.
    For tests and notebooks that define an op again; ad's own ops are meant to stay.

    >>> op = defop("triple_demo", lambda x: 3 * x, jvp=(lambda t, out, x: 3 * t,), vjp=(lambda g, out, x: 3 * g,))
    >>> unregister("triple_demo") is op, "triple_demo" in REGISTRY
    (True, False)
    """
    op = get(name)
    del REGISTRY[name]
    for alias in op.aliases:
        if _ALIASES.get(alias) is op:
            del _ALIASES[alias]
    if _PACKAGE and getattr(_PACKAGE[0], name, None) is op:
        delattr(_PACKAGE[0], name)
    return op


# The ad.ops package once its own ops are loaded (see `publish`): later ops become its attributes.
_PACKAGE: list = []


def publish(package) -> None:
    """Make every registered op an attribute of `package` (ad.ops), now and when registered later."""
    for name, op in REGISTRY.items():
        setattr(package, name, op)
    _PACKAGE[:] = [package]


def _check_aliases(entry) -> None:
    """Refuse an op or multi-output function whose NumPy spellings another one already took."""
    for alias in entry.aliases:
        if alias in _ALIASES:
            raise ValueError(f"{alias!r} already aliases op {_ALIASES[alias].name!r}")


def defop(name: str, impl: Callable, *, nin: Optional[int] = 1, jvp=None, vjp=None, domain=None,
          aliases: tuple = (), differentiable: bool = True, holomorphic: bool = False, doc: str = "",
          scalar: Optional[tuple] = None, view: bool = False, kinks: tuple = (), vjp_reads=None) -> Op:
    """Create and register an op (a primitive with your own derivative rules); returns it.

    `impl(*inputs, **params)` computes with NumPy; `jvp` and `vjp` hold one rule per input:
    `jvp[i](t, out, *inputs, **params)` is the output's tangent from input i's tangent t,
    `vjp[i](g, out, *inputs, **params)` input i's cotangent from the output's cotangent g.
    Write rules with NumPy functions (or ad.ops) so they can be differentiated again.  The op
    is callable, dispatches to whichever engine owns its inputs, and is `ad.ops.<name>` too.
    Given a `domain` (see `ad.ops.domain`), the registry's property tests check its rules.

    >>> softplus = defop("softplus_demo", lambda x: np.logaddexp(0.0, x),
    ...                  jvp=(lambda t, out, x: t / (1.0 + np.exp(-x)),),
    ...                  vjp=(lambda g, out, x: g / (1.0 + np.exp(-x)),))
    >>> from ad import adoo
    >>> adoo.grad(lambda x: softplus(x) * 2.0)(0.0), get("softplus_demo") is softplus
    (1.0, True)
    >>> _ = unregister("softplus_demo")
    """
    return register(Op(name, impl, nin, jvp=jvp, vjp=vjp, domain=domain, aliases=tuple(aliases),
                       differentiable=differentiable, holomorphic=holomorphic, doc=doc, scalar=scalar, view=view,
                       kinks=tuple(kinks), vjp_reads=vjp_reads))


def get(name: str) -> Op:
    """The op registered under `name`.

    >>> get("sin").name
    'sin'
    """
    try:
        return REGISTRY[name]
    except KeyError:
        import difflib
        close = difflib.get_close_matches(name, REGISTRY, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownOpError(f"no op named {name!r} in the registry{hint}") from None


def lookup(fn) -> Optional[Op]:
    """The op a NumPy / `math` / `operator` callable stands for, or None (a `Multi` for the
    functions with several outputs, such as np.linalg.svd).

    >>> lookup(np.sin).name, lookup(len) is None
    ('sin', True)
    """
    try:
        return _ALIASES.get(fn)
    except TypeError:  # unhashable callables alias nothing
        return None


# -- engine dispatch ----------------------------------------------------------------------

def _shape_error(op: "Op", inputs, error: ValueError) -> ValueError:
    """NumPy's shape errors don't say which op failed: add its name and the input shapes."""
    shapes = ", ".join(str(shape_of(x)) for x in inputs)
    return ValueError(f"{op.name}: {error} (input shapes: {shapes})")


_ENGINES: dict[type, Callable] = {}


def register_engine(value_type: type, apply: Callable) -> None:
    """Route op calls whose inputs include a `value_type` instance to `apply(op, inputs, params)`.

    Engine values carry an integer `_ad_level`; when inputs belong to several engines
    (nested differentiation), the highest level wins, so inner and outer derivatives stay apart.

    >>> class Shout(float): _ad_level = 0
    >>> register_engine(Shout, lambda op, inputs, params: op.name.upper())
    >>> get("sin")(Shout(1.0))
    'SIN'
    >>> del _ENGINES[Shout]
    """
    _ENGINES[value_type] = apply


def _engine_for(inputs):
    chosen, level = None, -1
    for x in inputs:
        apply = _ENGINES.get(type(x))
        if apply is not None and x._ad_level > level:
            chosen, level = apply, x._ad_level
    return chosen


# Shared helpers bound after the shape ops exist (ad.ops.shape sets them).
def _add(a, b):
    return REGISTRY["add"](a, b)


def _sum_to(x, shape):
    return REGISTRY["sum_to"](x, shape)


def _real(x):
    return REGISTRY["real"](x)


def _astype(x, dtype):
    return REGISTRY["astype"](x, dtype)


def _broadcast_to(x, shape):
    return REGISTRY["broadcast_to"](x, shape)
