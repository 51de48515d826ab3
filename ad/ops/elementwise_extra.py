"""More elementwise ops: the rest of NumPy's differentiable ufuncs (exp2, cbrt, inverse
hyperbolics, unit conversions, sinc, nan_to_num, arctan2, hypot, fmax/fmin, mod/fmod,
float_power, copysign) and the piecewise-constant ones users call beside them (trunc, rint,
signbit, heaviside, floor_divide).

Conventions where the derivative does not exist (they match ad.ops.elementwise: abs'(0) = 0,
ties split evenly, nan where the value is nan):
- fabs'(0) = 0, and copysign's x-derivative is 0 at x = 0 (|x| has its kink there); copysign
  does not depend on y except for a jump at y = 0, so y carries no derivative.
- hypot's derivatives at the origin are 0 (hypot(x, 0) is |x|); arctan2's there is nan (its value
  jumps around the origin, so no number is right).
- fmax/fmin split a tie evenly, like maximum/minimum, and follow NumPy's nan handling: where one
  input is nan the other is the result, so it gets the whole derivative; both nan gives nan.
- mod/remainder (x - y floor(x/y)) and fmod (x - y trunc(x/y)): derivative 1 in x and
  -floor(x/y) (or -trunc(x/y)) in y, the one-sided value at a jump (x/y an integer), nan where
  the value is nan (y = 0).
- nan_to_num: derivative 1 where x is finite, 0 where it replaced a nan or an infinity.
- sinc'(0) = 0; near 0 the rule switches to its Taylor series so that it, and its own
  derivatives, stay accurate (the quotient form cancels there).
"""

import math
import operator

import numpy as np

from .complex_ops import abs
from .constant import equal, float_dtype, floor, indicator, isfinite, less, sign, _step
from .core import defop
from .domain import Case, Domain, Kink, Real, broadcast_cases, gaps_at_least, unary_cases
from .elementwise import _pow_x_partial, add, cos, div, elementwise, exp, log, mul, neg, sqrt, square, sub, unary, where

_LN2 = math.log(2.0)
_DEG = math.pi / 180.0  # radians per degree


def _constant(name, impl, nin=1, aliases=(), doc=""):
    shapes = unary_cases() if nin == 1 else broadcast_cases(nin)
    return defop(name, impl, nin=nin, aliases=aliases, differentiable=False, doc=doc,
                 domain=Domain((Real(),) * nin, shapes))


# -- piecewise constant: zero derivative wherever it exists -------------------------------------

trunc = _constant("trunc", np.trunc, aliases=(np.trunc, np.fix), doc="x rounded towards 0.\n\n>>> trunc(-2.7)\n-2.0")
rint = _constant("rint", np.rint, aliases=(np.rint,), doc="x rounded to the nearest integer (half to even).\n\n"
                                                         ">>> rint(2.5)\n2.0")
signbit = _constant("signbit", np.signbit, aliases=(np.signbit,), doc="True where x's sign bit is set (also -0.0).\n\n"
                                                                     ">>> signbit(-0.0)\nTrue")
heaviside = _constant("heaviside", np.heaviside, 2, aliases=(np.heaviside,),
                      doc="0 where x < 0, h where x == 0, 1 where x > 0.\n\n>>> heaviside(0.0, 0.5)\n0.5")
floor_divide = _constant("floor_divide", np.floor_divide, 2, aliases=(np.floor_divide,),
                         doc="floor(x / y), as x // y.\n\n>>> floor_divide(7.0, 2.0)\n3.0")


def _nan_aware_step(x, y, smaller=False):
    """The weight of x in fmax(x, y) (fmin with `smaller`): step's, except that a nan loses."""
    share = _step(np.negative(x), np.negative(y)) if smaller else _step(x, y)
    x_nan, y_nan = np.isnan(x), np.isnan(y)
    if x_nan.any() or y_nan.any():
        dtype = float_dtype(np.asarray(share))
        share = np.where(y_nan & ~x_nan, np.asarray(1.0, dtype), share)
        share = np.where(x_nan & ~y_nan, np.asarray(0.0, dtype), share)
        share = share if share.ndim else share[()]
    return share


fstep = defop("fstep", _nan_aware_step, nin=2, differentiable=False,
              domain=Domain((Real(), Real()), broadcast_cases(2)),
              doc="The derivative of fmax(x, y) in x (of fmin with smaller=True): 1 where x wins, 1/2 at a tie, "
                  "1 where only y is nan, 0 where only x is, nan where both are.\n\n"
                  ">>> fstep(np.array([1.0, 0.0, np.nan, 2.0]), np.array([0.0, 0.0, 1.0, np.nan]))\n"
                  "array([1. , 0.5, 0. , 1. ])")

# -- unary ------------------------------------------------------------------------------------

exp2 = unary("exp2", np.exp2, lambda t, out, x: mul(t, mul(out, _LN2)), aliases=(np.exp2,),
             doc="2 ** x.\n\n>>> float(exp2(3.0))\n8.0",
             scalar=(lambda x: math.pow(2.0, x), lambda out, x: out * _LN2))
cbrt = unary("cbrt", np.cbrt, lambda t, out, x: div(t, mul(3.0, square(out))), values=Real(avoid=(0.0,), gap=0.1),
             aliases=(np.cbrt,), holomorphic=False,
             doc="Real cube root (negative for negative x); its derivative at 0 is infinite.\n\n>>> float(cbrt(-8.0))\n-2.0")
arcsinh = unary("arcsinh", np.arcsinh, lambda t, out, x: div(t, sqrt(add(square(x), 1.0))),
                aliases=(np.arcsinh, math.asinh), doc="Inverse hyperbolic sine.\n\n>>> float(arcsinh(0.0))\n0.0",
                scalar=(math.asinh, lambda out, x: 1.0 / math.sqrt(x * x + 1.0)))
# sqrt(x - 1) sqrt(x + 1) rather than sqrt(x^2 - 1): the same for x > 1, and the right branch off it.
arccosh = unary("arccosh", np.arccosh, lambda t, out, x: div(t, mul(sqrt(sub(x, 1.0)), sqrt(add(x, 1.0)))),
                values=Real(1.1, 3.0), aliases=(np.arccosh, math.acosh),
                doc="Inverse hyperbolic cosine, for x >= 1.\n\n>>> float(arccosh(1.0))\n0.0",
                scalar=(math.acosh, lambda out, x: 1.0 / math.sqrt((x - 1.0) * (x + 1.0))))
arctanh = unary("arctanh", np.arctanh, lambda t, out, x: div(t, sub(1.0, square(x))), values=Real(-0.9, 0.9),
                aliases=(np.arctanh, math.atanh), doc="Inverse hyperbolic tangent.\n\n>>> float(arctanh(0.0))\n0.0",
                scalar=(math.atanh, lambda out, x: 1.0 / (1.0 - x * x)))
fabs = unary("fabs", np.fabs, lambda t, out, x: mul(t, sign(x)), values=Real(avoid=(0.0,)), aliases=(np.fabs,),
             kinks=(Kink((0.0,), (0.0,)), Kink((-0.0,), (0.0,))),
             holomorphic=False, doc="|x| for real x; its derivative at 0 is taken as 0.\n\n>>> float(fabs(-2.0))\n2.0")
reciprocal = unary("reciprocal", np.reciprocal, lambda t, out, x: neg(mul(t, square(out))),
                   values=Real(avoid=(0.0,), gap=0.3), aliases=(np.reciprocal,),
                   doc="1 / x.\n\n>>> float(reciprocal(4.0))\n0.25",
                   scalar=(lambda x: 1.0 / x, lambda out, x: -out * out))
deg2rad = unary("deg2rad", np.deg2rad, lambda t, out, x: mul(t, _DEG), aliases=(np.deg2rad, np.radians, math.radians),
                holomorphic=False, doc="Degrees to radians.\n\n>>> float(deg2rad(180.0))\n3.141592653589793",
                scalar=(math.radians, lambda out, x: _DEG))
rad2deg = unary("rad2deg", np.rad2deg, lambda t, out, x: div(t, _DEG), aliases=(np.rad2deg, np.degrees, math.degrees),
                holomorphic=False, doc="Radians to degrees.\n\n>>> float(rad2deg(np.pi))\n180.0",
                scalar=(math.degrees, lambda out, x: 1.0 / _DEG))
positive = unary("positive", np.positive, lambda t, out, x: t, aliases=(np.positive,),
                 doc="+x, a copy of x.\n\n>>> float(positive(-2.0))\n-2.0")

nan_to_num = defop(
    "nan_to_num", lambda x, copy=True, nan=0.0, posinf=None, neginf=None: np.nan_to_num(x, copy, nan, posinf, neginf),
    jvp=(lambda t, out, x, copy=True, nan=0.0, posinf=None, neginf=None: where(isfinite(x), t, 0.0),),
    vjp=(lambda t, out, x, copy=True, nan=0.0, posinf=None, neginf=None: where(isfinite(x), t, 0.0),),
    domain=Domain((Real(),), unary_cases()), aliases=(np.nan_to_num,), holomorphic=True,
    doc="x with nan and infinities replaced by finite numbers; derivative 1 where x is finite, 0 where "
        "an entry was replaced.\n\n>>> nan_to_num(np.array([1.0, np.nan, np.inf]))[:2]\narray([1., 0.])")

# sinc'(x) = (cos(pi x) - sinc(x)) / x cancels near 0: there its Taylor series (to x^7) takes over,
# exact to rounding for |x| < 0.1 and, unlike a bare 0 at x = 0, right at second order too.
_SINC_SERIES = tuple((-1) ** k * 2 * k * math.pi ** (2 * k) / math.factorial(2 * k + 1) for k in (1, 2, 3, 4))
_near_zero = lambda x: less(abs(x), 0.1)  # noqa: E731
_away = lambda x: where(_near_zero(x), 1.0, x)  # noqa: E731  (x where the quotient form is used, else a safe 1)
_sinc_series = lambda x: mul(x, add(_SINC_SERIES[0], mul(square(x), add(_SINC_SERIES[1], mul(square(x), add(  # noqa: E731
    _SINC_SERIES[2], mul(square(x), _SINC_SERIES[3])))))))
_sinc_slope = lambda x: where(_near_zero(x), _sinc_series(x),  # noqa: E731
                              div(sub(cos(mul(math.pi, _away(x))), sinc(_away(x))), _away(x)))

sinc = unary("sinc", np.sinc, lambda t, out, x: mul(t, _sinc_slope(x)), aliases=(np.sinc,), holomorphic=False,
             kinks=(Kink((0.0,), (0.0,)),),  # (no kink: the quotient form's 0/0)
             doc="sin(pi x) / (pi x), 1 at 0 (NumPy's normalised sinc).\n\n>>> float(sinc(0.0)), float(sinc(1.0)) < 1e-15\n"
                 "(1.0, True)")

# -- binary -----------------------------------------------------------------------------------

_ANY = Real()
_NO_ZERO = Real(avoid=(0.0,))


_squared_radius = lambda x, y: add(square(x), square(y))  # noqa: E731  (a lambda: adsct inlines it into the rule)


# arctan2(y, x) is the angle of the point (x, y): NumPy's argument order, y first.
arctan2 = elementwise("arctan2", np.arctan2, (
    lambda t, out, y, x: mul(t, div(x, _squared_radius(x, y))),
    lambda t, out, y, x: neg(mul(t, div(y, _squared_radius(x, y)))),
), domain=Domain((_NO_ZERO, _ANY), broadcast_cases(2)), aliases=(np.arctan2, math.atan2), holomorphic=False,
    doc="The angle of the point (x, y) in (-pi, pi]; note y comes first.\n\n>>> float(arctan2(1.0, 0.0))\n"
        "1.5707963267948966")

# At the origin divide by inf: x / inf = 0, and so is every derivative of it (abs''(0) = 0 too).
_safe_radius = lambda out: where(equal(out, 0.0), math.inf, out)  # noqa: E731

hypot = elementwise("hypot", np.hypot, (
    lambda t, out, x, y: mul(t, div(x, _safe_radius(out))),
    lambda t, out, x, y: mul(t, div(y, _safe_radius(out))),
), domain=Domain((_NO_ZERO, _ANY), broadcast_cases(2)), aliases=(np.hypot, math.hypot), holomorphic=False,
    kinks=(Kink((0.0, 0.0), (0.0, 0.0)),),
    doc="sqrt(x**2 + y**2) without overflow; its derivative at the origin is taken as 0.\n\n"
        ">>> float(hypot(3.0, 4.0))\n5.0")

logaddexp2 = elementwise("logaddexp2", np.logaddexp2, (
    lambda t, out, x, y: mul(t, exp(mul(sub(x, out), _LN2))),
    lambda t, out, x, y: mul(t, exp(mul(sub(y, out), _LN2))),
), domain=Domain((_ANY, _ANY), broadcast_cases(2)), aliases=(np.logaddexp2,), holomorphic=False,
    doc="log2(2**x + 2**y) without overflow.\n\n>>> float(logaddexp2(1.0, 1.0))\n2.0")

_NO_TIES = Domain((_ANY, _ANY), broadcast_cases(2), valid=gaps_at_least)

fmax = elementwise("fmax", np.fmax, (
    lambda t, out, x, y: mul(t, fstep(x, y)),
    lambda t, out, x, y: mul(t, fstep(y, x)),
), domain=_NO_TIES, aliases=(np.fmax,), holomorphic=False,
    kinks=(Kink((1.0, 1.0), (0.5, 0.5)), Kink((1.0, math.nan), (1.0, 0.0)), Kink((math.nan, 1.0), (0.0, 1.0))),
    doc="Elementwise larger of x and y, ignoring a nan; a tie sends half the derivative each way.\n\n"
        ">>> fmax(np.array([1.0, np.nan]), 2.0)\narray([2., 2.])")

fmin = elementwise("fmin", np.fmin, (
    lambda t, out, x, y: mul(t, fstep(x, y, True)),
    lambda t, out, x, y: mul(t, fstep(y, x, True)),
), domain=_NO_TIES, aliases=(np.fmin,), holomorphic=False,
    kinks=(Kink((1.0, 1.0), (0.5, 0.5)), Kink((1.0, math.nan), (1.0, 0.0)), Kink((math.nan, 1.0), (0.0, 1.0))),
    doc="Elementwise smaller of x and y, ignoring a nan; a tie sends half the derivative each way.\n\n"
        ">>> fmin(np.array([1.0, np.nan]), 2.0)\narray([1., 2.])")


def _off_the_jumps(x, y, gap: float = 0.02) -> bool:
    """True where x / y is at least `gap` from every integer: mod and fmod are smooth there."""
    q = np.asarray(x, float) / np.asarray(y, float)
    return bool(np.all(np.abs(q - np.round(q)) >= gap))


_DIVISION = Domain((_ANY, Real(avoid=(0.0,), gap=0.3)), broadcast_cases(2), valid=_off_the_jumps)
_defined = lambda out: indicator(isfinite(out), out)  # noqa: E731  (1, or nan where the value is nan)

mod = elementwise("mod", np.mod, (
    lambda t, out, x, y: mul(t, _defined(out)),
    lambda t, out, x, y: mul(t, mul(neg(floor(div(x, y))), _defined(out))),
), domain=_DIVISION, aliases=(np.mod,), holomorphic=False,  # (np.remainder is np.mod)
    kinks=(Kink((3.0, 1.5), (1.0, -2.0)), Kink((-3.0, 1.5), (1.0, 2.0))),  # (the one-sided value at a jump)
    doc="x - y * floor(x / y): the remainder with y's sign, as x % y.\n\n>>> float(mod(-1.0, 3.0))\n2.0")

fmod = elementwise("fmod", np.fmod, (
    lambda t, out, x, y: mul(t, _defined(out)),
    lambda t, out, x, y: mul(t, mul(neg(trunc(div(x, y))), _defined(out))),
), domain=_DIVISION, aliases=(np.fmod, math.fmod), holomorphic=False,
    kinks=(Kink((3.0, 1.5), (1.0, -2.0)), Kink((-3.0, 1.5), (1.0, 2.0))),
    doc="x - y * trunc(x / y): the remainder with x's sign, as C's fmod.\n\n>>> float(fmod(-1.0, 3.0))\n-1.0")

# float_power computes in float64 whatever its inputs (its output dtype is a `dtype` parameter, as
# in NumPy); the registry casts a float32 input's cotangent back to float32.
float_power = elementwise("float_power", lambda x, y, dtype=None: np.float_power(x, y, dtype=dtype), (
    lambda t, out, x, y, dtype=None: mul(t, _pow_x_partial(x, y)),
    lambda t, out, x, y, dtype=None: mul(t, mul(out, log(where(equal(x, 0.0), 1.0, x)))),
), domain=Domain((Real(0.2, 2.0), Real(-2.0, 2.0)),
                 tuple(Case(c.shapes, {"dtype": np.float64}) for c in broadcast_cases(2))),
    aliases=(np.float_power,), holomorphic=False, kinks=(Kink((0.0, 0.0), (0.0, 0.0)), Kink((0.0, 2.0), (0.0, 0.0))),
    doc="x ** y computed in float64 (or complex128).\n\n>>> float_power(2.0, 3.0)\n8.0")

copysign = elementwise("copysign", np.copysign, (
    lambda t, out, x, y: mul(t, mul(sign(x), copysign(1.0, y))),
    None,  # piecewise constant in y
), domain=Domain((_NO_ZERO, _NO_ZERO), broadcast_cases(2)), aliases=(np.copysign, math.copysign), holomorphic=False,
    kinks=(Kink((0.0, -0.5), (0.0, None)), Kink((-0.0, 2.0), (0.0, None))),
    doc="|x| with the sign (bit) of y.\n\n>>> float(copysign(2.0, -0.0))\n-2.0")
