"""Elementwise ops with NumPy broadcasting.

For an elementwise op the forward and the reverse rule of an input are the same map:
multiply by that input's partial derivative.  So each input has one rule, written once
and used as both JVP and VJP; broadcasting is undone by the registry (`Op.cotangents`).

Kink conventions (documented, tested): relu'(0) = 0, and
maximum/minimum split a tie evenly, 1/2 to each side.
"""

import math
import operator

import numpy as np

from .constant import equal, greater, indicator, inside, logical_and, step
from .core import defop
from .domain import Boolean, Domain, Kink, Real, broadcast_cases, gaps_at_least, unary_cases


def elementwise(name, impl, rules, *, domain, aliases=(), holomorphic=True, doc="", scalar=None, kinks=()):
    """Register an elementwise op whose rule per input serves as both JVP and VJP.

    `scalar=(fn, partials)` is the optional Python-float fast path (see `Op.scalar`); `kinks`
    the points without a derivative and the one chosen there (see `Op.kinks`)."""
    return defop(name, impl, nin=len(rules), jvp=tuple(rules), vjp=tuple(rules), domain=domain,
                 aliases=aliases, holomorphic=holomorphic, doc=doc, scalar=scalar, kinks=kinks)


def unary(name, impl, rule, *, values=Real(), aliases=(), holomorphic=True, doc="", scalar=None, kinks=()):
    """Register a one-input elementwise op smooth on `values`; `scalar=(fn, derivative)` with
    `derivative(out, x) -> float` is its Python-float fast path; `kinks` as `Op.kinks`."""
    if scalar is not None:
        fn, derivative = scalar
        scalar = (fn, lambda out, x: (derivative(out, x),))
    return elementwise(name, impl, (rule,), domain=Domain((values,), unary_cases()),
                       aliases=aliases, holomorphic=holomorphic, doc=doc, scalar=scalar, kinks=kinks)


# -- arithmetic -----------------------------------------------------------------------------

_PAIR = Domain((Real(), Real()), broadcast_cases(2))

add = elementwise("add", np.add, (
    lambda t, out, x, y: t,
    lambda t, out, x, y: t,
), domain=_PAIR, aliases=(np.add, operator.add), doc="x + y.\n\n>>> add(2.0, 3.0)\n5.0",
    scalar=(operator.add, lambda out, x, y: (1.0, 1.0)))

sub = elementwise("sub", np.subtract, (
    lambda t, out, x, y: t,
    lambda t, out, x, y: neg(t),
), domain=_PAIR, aliases=(np.subtract, operator.sub), doc="x - y.\n\n>>> sub(2.0, 3.0)\n-1.0",
    scalar=(operator.sub, lambda out, x, y: (1.0, -1.0)))

mul = elementwise("mul", np.multiply, (
    lambda t, out, x, y: mul(t, y),
    lambda t, out, x, y: mul(x, t),
), domain=_PAIR, aliases=(np.multiply, operator.mul), doc="x * y.\n\n>>> mul(2.0, 3.0)\n6.0",
    scalar=(operator.mul, lambda out, x, y: (y, x)))

div = elementwise("div", np.true_divide, (
    lambda t, out, x, y: div(t, y),
    lambda t, out, x, y: neg(mul(t, div(out, y))),
), domain=Domain((Real(), Real(avoid=(0.0,), gap=0.3)), broadcast_cases(2)),
    aliases=(np.true_divide, operator.truediv), doc="x / y (true division).\n\n>>> div(3.0, 2.0)\n1.5",
    scalar=(operator.truediv, lambda out, x, y: (1.0 / y, -out / y)))

# y * x ** (y - 1), with 0 ** 0 kept finite: at x = y = 0 the exponent y - 1 = -1 would give
# 0 * inf = nan for the derivative of the constant x ** 0 (x**4 differentiated four times hits
# exactly this); using exponent 1 there gives the right 0.  (A lambda of registry ops: inlined
# into generated code like the rule that calls it.)
_pow_x_partial = lambda x, y: mul(y, pow(x, where(logical_and(equal(x, 0.0), equal(y, 0.0)), 1.0, sub(y, 1.0))))  # noqa: E731


pow = elementwise("pow", np.power, (
    lambda t, out, x, y: mul(t, _pow_x_partial(x, y)),
    # log(x) is taken where x != 0 only: the y-derivative of 0**y (y > 0) is 0, not nan.
    lambda t, out, x, y: mul(t, mul(out, log(where(equal(x, 0.0), 1.0, x)))),
), domain=Domain((Real(0.2, 2.0), Real(-2.0, 2.0)), broadcast_cases(2)),
    aliases=(np.power, operator.pow, math.pow), doc="x ** y.\n\n>>> pow(2.0, 3.0)\n8.0",
    scalar=(math.pow, lambda out, x, y: (y * math.pow(x, y - 1.0) if x != 0.0 or y != 0.0 else 0.0,
                                        out * math.log(x) if x != 0.0 else 0.0)),
    kinks=(Kink((0.0, 0.0), (0.0, 0.0)), Kink((0.0, 2.0), (0.0, 0.0))))  # (where the formulas give nan)

neg = unary("neg", np.negative, lambda t, out, x: neg(t), aliases=(np.negative, operator.neg),
            doc="-x.\n\n>>> neg(2.0)\n-2.0",
    scalar=(operator.neg, lambda out, x: -1.0))

def _extreme_partials(x, y):
    """The partials of maximum(x, y) for Python floats: a tie splits evenly, a nan gives nan."""
    if x > y:
        return 1.0, 0.0
    if x < y:
        return 0.0, 1.0
    return (0.5, 0.5) if x == y else (math.nan, math.nan)


maximum = elementwise("maximum", np.maximum, (
    lambda t, out, x, y: mul(t, step(x, y)),
    lambda t, out, x, y: mul(t, step(y, x)),
), domain=Domain((Real(), Real()), broadcast_cases(2), valid=gaps_at_least),
    aliases=(np.maximum,), holomorphic=False,
    doc="Elementwise larger of x and y; a tie sends half the derivative each way.\n\n>>> maximum(1.0, 2.0)\n2.0",
    scalar=(lambda x, y: x if x >= y or x != x else y, lambda out, x, y: _extreme_partials(x, y)),
    kinks=(Kink((1.0, 1.0), (0.5, 0.5)), Kink((0.0, 0.0), (0.5, 0.5))))

minimum = elementwise("minimum", np.minimum, (
    lambda t, out, x, y: mul(t, step(y, x)),
    lambda t, out, x, y: mul(t, step(x, y)),
), domain=Domain((Real(), Real()), broadcast_cases(2), valid=gaps_at_least),
    aliases=(np.minimum,), holomorphic=False,
    doc="Elementwise smaller of x and y; a tie sends half the derivative each way.\n\n>>> minimum(1.0, 2.0)\n1.0",
    scalar=(lambda x, y: x if x <= y or x != x else y, lambda out, x, y: _extreme_partials(y, x)),
    kinks=(Kink((1.0, 1.0), (0.5, 0.5)), Kink((0.0, 0.0), (0.5, 0.5))))

logaddexp = elementwise("logaddexp", np.logaddexp, (
    lambda t, out, x, y: mul(t, exp(sub(x, out))),
    lambda t, out, x, y: mul(t, exp(sub(y, out))),
), domain=_PAIR, aliases=(np.logaddexp,), holomorphic=False,
    doc="log(exp(x) + exp(y)) without overflow.\n\n>>> round(float(logaddexp(0.0, 0.0)), 4)\n0.6931")

# -- selection -------------------------------------------------------------------------------

where = elementwise("where", np.where, (
    None,  # the condition carries no derivative
    lambda t, out, c, x, y: where(c, t, 0.0),
    lambda t, out, c, x, y: where(c, 0.0, t),
), domain=Domain((Boolean(), Real(), Real()), broadcast_cases(3)), aliases=(np.where,),
    doc="x where condition holds, else y.\n\n>>> where(np.array([True, False]), 1.0, 2.0)\narray([1., 2.])")


clip = defop(
    "clip", lambda x, a_min=None, a_max=None: np.clip(x, a_min, a_max),
    jvp=(lambda t, out, x, a_min=None, a_max=None: mul(t, indicator(inside(x, a_min, a_max), x)),),
    vjp=(lambda t, out, x, a_min=None, a_max=None: mul(t, indicator(inside(x, a_min, a_max), x)),),
    domain=Domain((Real(-2.0, 2.0, avoid=(-1.0, 1.0)),), unary_cases(a_min=-1.0, a_max=1.0)),
    kinks=(Kink((-1.0,), (1.0,), {"a_min": -1.0, "a_max": 1.0}), Kink((1.0,), (1.0,), {"a_min": -1.0, "a_max": 1.0})),
    aliases=(np.clip,),
    doc="Limit x to [a_min, a_max]; the derivative is 1 inside the closed interval, 0 outside, nan at nan.\n\n"
        ">>> clip(np.array([-2.0, 0.5, 3.0]), -1.0, 1.0)\narray([-1. ,  0.5,  1. ])")

# -- transcendental and friends ------------------------------------------------------------

_POSITIVE = Real(0.1, 3.0)
_OPEN_UNIT = Real(-0.9, 0.9)
_NO_ZERO = Real(avoid=(0.0,))
_LN2, _LN10 = math.log(2.0), math.log(10.0)

exp = unary("exp", np.exp, lambda t, out, x: mul(t, out), aliases=(np.exp, math.exp),
            doc="e ** x.\n\n>>> float(exp(0.0))\n1.0",
    scalar=(math.exp, lambda out, x: out))
log = unary("log", np.log, lambda t, out, x: div(t, x), values=_POSITIVE, aliases=(np.log, math.log),
            doc="Natural logarithm.\n\n>>> float(log(1.0))\n0.0",
    scalar=(math.log, lambda out, x: 1.0 / x))
log2 = unary("log2", np.log2, lambda t, out, x: div(t, mul(x, _LN2)), values=_POSITIVE,
             aliases=(np.log2, math.log2), doc="Base-2 logarithm.\n\n>>> float(log2(8.0))\n3.0")
log10 = unary("log10", np.log10, lambda t, out, x: div(t, mul(x, _LN10)), values=_POSITIVE,
              aliases=(np.log10, math.log10), doc="Base-10 logarithm.\n\n>>> float(log10(100.0))\n2.0")
log1p = unary("log1p", np.log1p, lambda t, out, x: div(t, add(1.0, x)), values=Real(-0.9, 3.0),
              aliases=(np.log1p, math.log1p), doc="log(1 + x), accurate for small x.\n\n>>> float(log1p(0.0))\n0.0",
    scalar=(math.log1p, lambda out, x: 1.0 / (1.0 + x)))
expm1 = unary("expm1", np.expm1, lambda t, out, x: mul(t, add(out, 1.0)), aliases=(np.expm1, math.expm1),
              doc="exp(x) - 1, accurate for small x.\n\n>>> float(expm1(0.0))\n0.0",
    scalar=(math.expm1, lambda out, x: out + 1.0))
sqrt = unary("sqrt", np.sqrt, lambda t, out, x: div(t, mul(2.0, out)), values=_POSITIVE,
             aliases=(np.sqrt, math.sqrt), doc="Square root.\n\n>>> float(sqrt(4.0))\n2.0",
    scalar=(math.sqrt, lambda out, x: 0.5 / out))
square = unary("square", np.square, lambda t, out, x: mul(t, mul(2.0, x)), aliases=(np.square,),
               doc="x * x.\n\n>>> float(square(3.0))\n9.0",
    scalar=(lambda x: x * x, lambda out, x: 2.0 * x))

sin = unary("sin", np.sin, lambda t, out, x: mul(t, cos(x)), aliases=(np.sin, math.sin),
            doc="Sine.\n\n>>> float(sin(0.0))\n0.0",
    scalar=(math.sin, lambda out, x: math.cos(x)))
cos = unary("cos", np.cos, lambda t, out, x: neg(mul(t, sin(x))), aliases=(np.cos, math.cos),
            doc="Cosine.\n\n>>> float(cos(0.0))\n1.0",
    scalar=(math.cos, lambda out, x: -math.sin(x)))
tan = unary("tan", np.tan, lambda t, out, x: mul(t, add(1.0, square(out))), values=Real(-1.2, 1.2),
            aliases=(np.tan, math.tan), doc="Tangent.\n\n>>> float(tan(0.0))\n0.0",
    scalar=(math.tan, lambda out, x: 1.0 + out * out))
arcsin = unary("arcsin", np.arcsin, lambda t, out, x: div(t, sqrt(sub(1.0, square(x)))), values=_OPEN_UNIT,
               aliases=(np.arcsin, math.asin), doc="Inverse sine.\n\n>>> float(arcsin(0.0))\n0.0")
arccos = unary("arccos", np.arccos, lambda t, out, x: neg(div(t, sqrt(sub(1.0, square(x))))), values=_OPEN_UNIT,
               aliases=(np.arccos, math.acos), doc="Inverse cosine.\n\n>>> float(arccos(1.0))\n0.0")
arctan = unary("arctan", np.arctan, lambda t, out, x: div(t, add(1.0, square(x))),
               aliases=(np.arctan, math.atan), doc="Inverse tangent.\n\n>>> float(arctan(0.0))\n0.0",
    scalar=(math.atan, lambda out, x: 1.0 / (1.0 + x * x)))
sinh = unary("sinh", np.sinh, lambda t, out, x: mul(t, cosh(x)), aliases=(np.sinh, math.sinh),
             doc="Hyperbolic sine.\n\n>>> float(sinh(0.0))\n0.0")
cosh = unary("cosh", np.cosh, lambda t, out, x: mul(t, sinh(x)), aliases=(np.cosh, math.cosh),
             doc="Hyperbolic cosine.\n\n>>> float(cosh(0.0))\n1.0")
tanh = unary("tanh", np.tanh, lambda t, out, x: mul(t, sub(1.0, square(out))), aliases=(np.tanh, math.tanh),
             doc="Hyperbolic tangent.\n\n>>> float(tanh(0.0))\n0.0",
    scalar=(math.tanh, lambda out, x: 1.0 - out * out))

# sigmoid through tanh: stable for large |x| and analytic (complex-step works).
sigmoid = unary("sigmoid", lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),
                lambda t, out, x: mul(t, mul(out, sub(1.0, out))),
                doc="Logistic function 1 / (1 + exp(-x)).\n\n>>> float(sigmoid(0.0))\n0.5",
    scalar=(lambda x: 0.5 * (1.0 + math.tanh(0.5 * x)), lambda out, x: out * (1.0 - out)))
softplus = unary("softplus", lambda x: np.logaddexp(0.0, x), lambda t, out, x: mul(t, sigmoid(x)),
                 holomorphic=False, doc="log(1 + exp(x)) without overflow.\n\n>>> round(float(softplus(0.0)), 4)\n0.6931")
relu = unary("relu", lambda x: np.maximum(x, 0.0), lambda t, out, x: mul(t, indicator(greater(x, 0.0), x)),
             values=_NO_ZERO, holomorphic=False,
             doc="max(x, 0); its derivative at 0 is taken as 0.\n\n>>> float(relu(-1.0))\n0.0",
    scalar=(lambda x: 0.0 if x <= 0.0 else x, lambda out, x: 1.0 if x > 0.0 else 0.0 if x <= 0.0 else math.nan),
    kinks=(Kink((0.0,), (0.0,)),))
