"""Functions with derivative rules of your own: `custom_jvp`, `custom_vjp` (JAX's decorators).

Each decorated function becomes one op of the registry (`ad.ops`), whose aliases include the
decorated function itself, so every engine treats a call as one primitive: adoo records one
node, adlib one tape entry.  Its derivative comes from rules over the whole function:

- `custom_jvp`: `rule(primals, tangents) -> (out, tangent_out)`; reverse mode uses the
  transpose of the rule (which is linear in the tangents), found by differentiating the rule
  with respect to the tangents.
- `custom_vjp`: `fwd(*args) -> (out, residuals)` and `bwd(residuals, g) -> one cotangent
  per argument`.  `fwd` runs again when the reverse sweep reaches the call, on the values it
  had then, so the rules stay right at any order.  Forward mode is refused, as in JAX.

>>> import numpy as np, ad
>>> @ad.custom_jvp
... def log1pexp(x):
...     return np.logaddexp(0.0, x)
>>> @log1pexp.defjvp
... def log1pexp_jvp(primals, tangents):
...     (x,), (t,) = primals, tangents
...     return log1pexp(x), t * ad.ops.sigmoid(x)
>>> ad.grad(log1pexp, strategy="adoo")(1000.0), ad.grad(log1pexp, strategy="adlib")(0.0)
(1.0, 0.5)

The same mechanism gives `ad.checkpoint` (see ad/checkpoint.py).
"""

from __future__ import annotations

import functools
import inspect
import keyword
import numbers

import numpy as np

from . import adoo, derived, ops
from .errors import NotDifferentiableError
from .ops.core import Op, _in_kind_of, shape_of

__all__ = ["custom_jvp", "custom_vjp", "FunctionOp", "WholeFunction"]


# -- an op whose rules cover the whole function -----------------------------------------------

class FunctionOp(Op):
    """An op whose derivative rules take every input at once: `owner.forward(inputs, tangents)`
    gives the output's tangent, `owner.reverse(inputs, g)` one cotangent per input.  Engines
    call `tangent` and `cotangents`, overridden here to call each rule once; the per-input rules
    (`jvp[i]`, `vjp[i]`) say the same thing one input at a time."""

    owner = None  # the WholeFunction this op computes

    def tangent(self, tangents, out, inputs, params):
        if all(t is None for t in tangents):
            return None
        full = tuple(_zero_like(x) if t is None else t for x, t in zip(inputs, tangents))
        return _in_kind_of(self.owner.forward(tuple(inputs), full), out)

    def joint_vjp(self, g, out, *inputs):
        """Every input's cotangent from one call of the reverse rule (zeros where it gives
        None): what generated code (adsct) calls when several inputs are differentiated."""
        found = self.owner.reverse(tuple(inputs), g)
        return tuple(_zero_like(x) if c is None else _in_kind_of(c, x) for x, c in zip(inputs, found))

    def cotangents(self, g, out, inputs, params, wanted=None):
        found = self.owner.reverse(tuple(inputs), g)
        return [None if c is None or (wanted is not None and not wanted[i]) else _in_kind_of(c, x)
                for i, (x, c) in enumerate(zip(inputs, found))]


def _zero_like(x):
    """A zero tangent for x: plain, with x's shape and float dtype (it depends on nothing)."""
    return derived.zeros_like(derived.plain(x))


def _level(x) -> int:
    return getattr(x, "_ad_level", 0) if derived.is_traced(x) else 0


def _free_name(base: str) -> str:
    """A registry name for a decorated function: its own name, numbered if that is taken."""
    if not base.isidentifier() or keyword.iskeyword(base):
        base = "custom"
    name, number = base, 2
    while name in ops.REGISTRY or name in ops.MULTI or hasattr(ops, name):
        name, number = f"{base}_{number}", number + 1
    return name


class WholeFunction:
    """A Python function made into one registry op (`.op`): calling it calls the op.

    Subclasses say how the derivative is found (`forward`, `reverse`).  The function takes
    numbers and arrays as positional arguments and returns one number or array.
    """

    kind = "function"
    registered = True  # entered in the registry, its op then also ad.ops.<name>

    def __init__(self, fun):
        if not callable(fun):
            raise TypeError(f"{self.kind} decorates a function, got a {type(fun).__name__}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.arg_names = _positional_names(fun, self.kind)
        self.op = FunctionOp(_free_name(getattr(fun, "__name__", "custom")), self._impl, len(self.arg_names),
                             jvp=tuple(self._jvp_of(i) for i in range(len(self.arg_names))),
                             vjp=tuple(self._vjp_of(i) for i in range(len(self.arg_names))),
                             aliases=(self,), doc=getattr(fun, "__doc__", None) or "")
        self.op.owner = self
        if self.registered:
            ops.register(self.op)

    # -- calling -----------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if kwargs:
            args = inspect.signature(self.fun).bind(*args, **kwargs).args
        if len(args) != len(self.arg_names):
            raise TypeError(f"{self.name}() takes {len(self.arg_names)} argument(s) "
                            f"({', '.join(self.arg_names)}), got {len(args)}")
        for name, x in zip(self.arg_names, args):
            if not (derived.is_traced(x) or isinstance(x, (numbers.Number, np.ndarray, np.generic))):
                raise TypeError(f"{self.kind} function {self.name}: argument {name!r} is a "
                                f"{type(x).__name__}; its arguments must be numbers or NumPy arrays (pass "
                                f"the arrays of a list or tuple as separate arguments)")
        self._before_call()
        return self.op(*args)

    @property
    def name(self) -> str:
        return getattr(self.fun, "__name__", "f")

    def where(self) -> str:
        """Where the function is defined, for error messages."""
        code = getattr(self.fun, "__code__", None)
        return f" (defined at {code.co_filename}, line {code.co_firstlineno})" if code else ""

    def _before_call(self) -> None:
        """Refuse a call that could not be differentiated (a rule not given yet)."""

    def _impl(self, *inputs):
        out = self.fun(*inputs)
        self._check_output(out, inputs, "")
        return out

    def _check_output(self, out, inputs, who: str) -> None:
        """One number or array, and traced only as deep as the inputs: a deeper traced value
        was captured from outside (a closure or global) and its derivative would be lost."""
        what = f"{who} of {self.name}" if who else self.name
        if isinstance(out, (tuple, list, dict)) or out is None:
            raise TypeError(f"{self.kind} function {what} must return one number or array, got a "
                            f"{type(out).__name__}{self.where()}")
        if _level(out) > max((_level(x) for x in inputs), default=0):
            raise NotDifferentiableError(
                f"{self.kind} function {what} uses a differentiated value it did not receive as an "
                f"argument (through a closure or a global){self.where()}: its derivative would be lost. "
                f"Pass that value in as an argument")

    def _check_shape(self, value, like, what: str) -> None:
        if shape_of(value) != shape_of(like):
            raise ValueError(f"{what} has shape {shape_of(value)} but should have shape {shape_of(like)}"
                             f"{self.where()}")

    # -- the derivative (subclasses) -------------------------------------------------------------
    def forward(self, inputs: tuple, tangents: tuple):
        """The output's tangent, one tangent per input given."""
        raise NotImplementedError

    def reverse(self, inputs: tuple, g) -> tuple:
        """One cotangent per input (None for zero), from the output's cotangent g."""
        raise NotImplementedError

    def _jvp_of(self, i: int):
        def rule(t, out, *inputs):
            tangents = tuple(t if k == i else _zero_like(x) for k, x in enumerate(inputs))
            return self.forward(inputs, tangents)
        return rule

    def _vjp_of(self, i: int):
        def rule(g, out, *inputs):
            c = self.reverse(inputs, g)[i]
            return _zero_like(inputs[i]) if c is None else c
        return rule

    def __repr__(self) -> str:
        return f"<{self.kind} function {self.name} (op {self.op.name})>"


def _positional_names(fun, kind: str) -> tuple:
    """The names of fun's arguments, refusing signatures an op cannot take."""
    try:
        parameters = inspect.signature(fun).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"{kind}: cannot read the arguments of {fun!r}") from None
    names = []
    for p in parameters:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) or p.default is not p.empty:
            raise TypeError(f"{kind} needs a function of plain positional arguments; {fun.__name__} has "
                            f"{p}: fix such a value with functools.partial or a closure before decorating")
        names.append(p.name)
    if not names:
        raise TypeError(f"{kind}: {fun.__name__} takes no arguments, so it has no derivative")
    return tuple(names)


def _pair(result, what: str, owner: WholeFunction):
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        got = f"a {type(result).__name__}" + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise TypeError(f"{what} must return a pair {_PAIRS[what.split()[0]]}; it returned {got}{owner.where()}")
    return result


_PAIRS = {"jvp": "(out, tangent_out)", "fwd": "(out, residuals)"}


# -- custom_jvp --------------------------------------------------------------------------------

class custom_jvp(WholeFunction):
    """Decorate a function to give it a forward rule of your own (JAX's `jax.custom_jvp`).

    `f.defjvp(rule)` sets `rule(primals, tangents) -> (out, tangent_out)`: primals and
    tangents are tuples with one entry per argument, and tangent_out must be linear in the
    tangents.  Forward mode calls the rule; reverse mode uses its transpose, so every
    transform (grad, jacobian, hessian, any nesting) follows the rule.  Write the rule with
    NumPy functions (adoo) or ad.ops / adlib functions (adlib) so it can be differentiated.

    The rule must be linear in the tangents (reverse mode transposes it): clipping a tangent
    is not, so gradient clipping is a job for `custom_vjp`.

    >>> import numpy as np, ad
    >>> @ad.custom_jvp
    ... def safe_sqrt(x):
    ...     return np.sqrt(x)
    >>> @safe_sqrt.defjvp
    ... def safe_sqrt_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return safe_sqrt(x), t * 0.5 / np.sqrt(np.maximum(x, 1e-12))   # finite at 0
    >>> ad.grad(safe_sqrt, strategy="adoo")(4.0), ad.jvp(safe_sqrt, (4.0,), (1.0,), strategy="adlib")
    (0.25, (2.0, 0.25))
    """

    kind = "custom_jvp"

    def __init__(self, fun):
        super().__init__(fun)
        self.rule = None

    def defjvp(self, rule):
        """Set the forward rule `rule(primals, tangents) -> (out, tangent_out)`; returns it."""
        if not callable(rule):
            raise TypeError(f"{self.name}.defjvp needs a function rule(primals, tangents), got a "
                            f"{type(rule).__name__}")
        self.rule = rule
        return rule

    def _before_call(self) -> None:
        if self.rule is None:
            raise TypeError(f"custom_jvp function {self.name} has no derivative rule: define one with "
                            f"@{self.name}.defjvp before calling it{self.where()}")

    def forward(self, inputs, tangents):
        out, tangent_out = _pair(self.rule(tuple(inputs), tuple(tangents)), f"jvp rule of {self.name}", self)
        self._check_output(tangent_out, tuple(inputs) + tuple(tangents), "the jvp rule")
        self._check_shape(tangent_out, out, f"the tangent_out returned by the jvp rule of {self.name}")
        return tangent_out

    def reverse(self, inputs, g):
        # The rule is linear in the tangents: its transpose is its reverse derivative with
        # respect to them (at zero, any point would do), applied to g.
        zeros = tuple(_zero_like(x) for x in inputs)
        _, pull_back = adoo.vjp(lambda *tangents: self.forward(inputs, tangents), *zeros)
        return pull_back(g)


# -- custom_vjp --------------------------------------------------------------------------------

class custom_vjp(WholeFunction):
    """Decorate a function to give it a reverse rule of your own (JAX's `jax.custom_vjp`).

    `f.defvjp(fwd, bwd)`: `fwd(*args) -> (out, residuals)` and `bwd(residuals, g) -> a tuple
    with one cotangent per argument` (None for a zero).  Reverse mode (grad, vjp, jacrev) calls
    them; forward mode (jvp, jacfwd, hessian) raises a clear error, as JAX does.  fwd runs when
    the reverse sweep reaches the call, so residuals are never held in between.

    >>> import numpy as np, ad
    >>> @ad.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None), lambda residuals, g: (np.clip(g, -1.0, 1.0),))
    >>> from ad import adlib
    >>> ad.grad(lambda x: adlib.mul(clip_gradient(x), 5.0), strategy="adlib")(2.0)
    1.0
    """

    kind = "custom_vjp"

    def __init__(self, fun):
        super().__init__(fun)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd) -> None:
        """Set `fwd(*args) -> (out, residuals)` and `bwd(residuals, g) -> tuple of cotangents`."""
        for what, rule in (("fwd", fwd), ("bwd", bwd)):
            if not callable(rule):
                raise TypeError(f"{self.name}.defvjp(fwd, bwd): {what} must be a function, got a "
                                f"{type(rule).__name__}")
        self.fwd, self.bwd = fwd, bwd

    def _before_call(self) -> None:
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {self.name} has no derivative rules: define them with "
                            f"{self.name}.defvjp(fwd, bwd) before calling it{self.where()}")

    def forward(self, inputs, tangents):
        raise NotDifferentiableError(
            f"forward mode (jvp, jacfwd, hessian) of custom_vjp function {self.name} is not defined: it has "
            f"only a reverse rule{self.where()}. Use reverse mode (grad, vjp, jacrev), or give it a forward "
            f"rule with custom_jvp")

    def reverse(self, inputs, g):
        _, residuals = _pair(self.fwd(*inputs), f"fwd of {self.name}", self)
        found = self.bwd(residuals, g)
        names = ", ".join(self.arg_names)
        if not isinstance(found, (tuple, list)):
            raise TypeError(f"bwd of {self.name} must return a tuple with one cotangent per argument ({names}); "
                            f"it returned a {type(found).__name__}{self.where()}")
        if len(found) != len(inputs):
            raise ValueError(f"bwd of {self.name} returned {len(found)} cotangent(s) for {len(inputs)} "
                             f"argument(s) ({names}){self.where()}")
        for name, x, c in zip(self.arg_names, inputs, found):
            if c is not None:
                self._check_shape(c, x, f"the cotangent bwd of {self.name} returned for argument {name!r}")
        return tuple(found)

