"""Ops that are not holomorphic on complex numbers: |z|, its direction, real and imaginary
parts, the conjugate and the phase.

Convention (JAX's and HIPS autograd's): a cotangent g pairs with a tangent t as Re(g * t), so
the gradient of real-valued f(x + iy) is df/dx - i df/dy and a holomorphic op's VJP is the
plain transpose g * f'(z).  An op with tangent map t -> A t + B conj(t) then has the VJP
g -> A g + conj(B g); each rule below is that formula worked out.  On real inputs every op
here reduces to its real derivative; the registry keeps a real input's cotangent real
(`Op.cotangents`), so the imaginary parts the rules produce there never leak.
"""

import math
import operator

import numpy as np

from .constant import equal, indicator, not_equal
from .core import defop
from .domain import Domain, Kink, Real, unary_cases
from .elementwise import div, mul, sub, where
from .shape import unbroadcast

_ANY = Domain((Real(),), unary_cases())
_NO_ZERO = Domain((Real(avoid=(0.0,)),), unary_cases())


def _part(name, impl, jvp, vjp, *, domain=_ANY, aliases=(), doc="", scalar=None, view=False, kinks=()):
    return defop(name, impl, jvp=(jvp,), vjp=(vjp,), domain=domain, aliases=aliases, doc=doc, scalar=scalar,
                 view=view, kinks=kinks)


real = _part("real", np.real, lambda t, out, x: real(t), lambda g, out, x: real(g),
             view=True, aliases=(np.real,), doc="Real part (x itself for real x).\n\n>>> real(1.0 + 2.0j)\n1.0")

# imag and angle are the ops whose VJP turns a real input's real cotangent complex.  The
# registry makes it real again (Op.cotangents), but adsct's generated code casts only the
# inputs of ops with two or more inputs (through unbroadcast), so these two rules call it.
imag = _part("imag", np.imag, lambda t, out, x: imag(t), lambda g, out, x: unbroadcast(mul(real(g), -1j), x),
             view=True, aliases=(np.imag,), doc="Imaginary part (0 for real x).\n\n>>> imag(1.0 + 2.0j)\n2.0")

conj = _part("conj", np.conjugate, lambda t, out, x: conj(t), lambda g, out, x: conj(g),
             aliases=(np.conjugate,), doc="Complex conjugate (x itself for real x).\n\n"
                                          ">>> conj(1.0 + 2.0j)\n(1-2j)")

# |z| where it is not 0, else 1: a divisor that is safe where the direction is taken as 0.
_safe_modulus = lambda x: where(equal(x, 0.0), 1.0, abs(x))  # noqa: E731

# unit(z) = z / |z| moves only across the direction u: t - u Re(conj(u) t), over |z|.  On the
# real line (u = +-1) that is t - t = 0 exactly, so abs has exact zero second derivatives there.
unit = _part(
    "unit", np.sign,
    lambda t, out, x: mul(indicator(not_equal(x, 0.0), out),
                          div(sub(t, mul(out, real(mul(conj(out), t)))), _safe_modulus(x))),
    lambda g, out, x: mul(indicator(not_equal(x, 0.0), out),
                          div(sub(g, mul(conj(out), real(mul(out, g)))), _safe_modulus(x))),
    domain=_NO_ZERO,
    doc="z / |z| (0 at 0): the sign of a real x, the direction of a complex one; np.sign's value, "
        "differentiable (its derivative on the real line is 0).\n\n>>> unit(3.0 + 4.0j)\n(0.6+0.8j)")

abs = _part(
    "abs", np.abs,
    lambda t, out, x: real(mul(conj(unit(x)), t)),
    lambda g, out, x: mul(g, conj(unit(x))),
    domain=_NO_ZERO, aliases=(np.abs, abs, operator.abs, math.fabs),
    doc="|x| (the modulus of a complex x); its derivative at 0 is taken as 0.\n\n>>> float(abs(-2.0))\n2.0",
    scalar=(math.fabs, lambda out, x: (1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0,)),  # (nan at nan)
    kinks=(Kink((0.0,), (0.0,)), Kink((-0.0,), (0.0,))))

# d angle = Im(conj(z) dz) / |z|^2, whose VJP is -i Re(g) / z.
angle = _part(
    "angle", lambda x: np.angle(x),
    lambda t, out, x: div(imag(mul(conj(x), t)), real(mul(conj(x), x))),
    lambda g, out, x: unbroadcast(div(mul(real(g), -1j), x), x),
    domain=_NO_ZERO, aliases=(np.angle,),
    doc="Phase of x in radians, in (-pi, pi]: 0 or pi on the real line.\n\n>>> float(angle(1j))\n1.5707963267948966")
