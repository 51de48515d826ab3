"""User-defined primitives and the programs that use them, as a user's module would hold them.

Imported by tests/test_custom_rules.py and tests/test_transforms_extra.py through a fixture
that unregisters these ops afterwards, so the registry-wide tests collected elsewhere never
see them.  The programs call `ad.ops` functions, so they run under every strategy (adlib
included); the derivative rules are written the same way, so they can be differentiated again.
"""

import numpy as np

import ad
from ad import ops
from ad.ops.domain import Domain, Real, unary_cases


# -- a primitive of one's own: ops.defop ------------------------------------------------------------

softclip = ops.defop(
    "softclip", lambda x: 2.0 * np.tanh(x / 2.0),
    jvp=(lambda t, out, x: ops.mul(t, ops.sub(1.0, ops.square(ops.div(out, 2.0)))),),
    vjp=(lambda g, out, x: ops.mul(g, ops.sub(1.0, ops.square(ops.div(out, 2.0)))),),
    domain=Domain((Real(-4.0, 4.0),), unary_cases()),
    doc="2 tanh(x / 2): a smooth clip to (-2, 2).")


def softclip_as_global(x):
    return ops.sum(ops.mul(softclip(x), x))


def softclip_as_ops_attribute(x):
    return ops.sum(ops.mul(ops.softclip(x), x))


# -- custom_jvp: a numerically stable log(1 + exp(x)) ------------------------------------------------

@ad.custom_jvp
def log1pexp(x):
    return np.log1p(np.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), ops.mul(t, ops.sigmoid(x))   # sigmoid(x) = 1 - 1/(1 + exp(x)): no inf/inf


def log1pexp_sum(x):
    return ops.sum(log1pexp(x))


def log1pexp_scaled(x, w):
    return ops.sum(ops.mul(log1pexp(ops.mul(x, w)), x))


# -- custom_vjp: gradient clipping --------------------------------------------------------------------

@ad.custom_vjp
def clip_gradient(x):
    return x


def clip_gradient_fwd(x):
    return x, None


def clip_gradient_bwd(residuals, g):
    return (ops.clip(g, -1.0, 1.0),)


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)


def clipped_loss(x):
    return ops.sum(ops.mul(clip_gradient(ops.sin(x)), 5.0))


# -- custom_vjp: the implicit-function derivative of a fixed-point solve -----------------------------
# z = tanh(W z + x) solved by iteration (W small enough for a contraction).  At the solution,
# dz = D (W dz + dx) with D = diag(1 - z**2): the adjoint u solves u = g + W^T D u, and then
# x's cotangent is D u and W's is outer(D u, z).  No step of the iteration is differentiated.

def _solve(W, x):
    z = np.zeros_like(x)
    for _ in range(200):
        z_next = np.tanh(W @ z + x)
        if np.max(np.abs(z_next - z)) < 1e-15:
            return z_next
        z = z_next
    return z


@ad.custom_vjp
def fixed_point(W, x):
    return _solve(W, x)


def fixed_point_fwd(W, x):
    z = _solve(W, x)
    return z, (W, z)


def fixed_point_bwd(residuals, g):
    W, z = residuals
    d = 1.0 - z * z
    u = np.linalg.solve(np.eye(len(z)) - (W * d[:, None]).T, g)   # u = g + W^T D u
    return np.outer(d * u, z), d * u


fixed_point.defvjp(fixed_point_fwd, fixed_point_bwd)


def fixed_point_loss(W, x):
    return ops.sum(ops.mul(fixed_point(W, x), np.array([1.0, -2.0, 0.5])))


def unrolled_fixed_point_loss(W, x):
    """The same loss with the iteration itself differentiated (adoo only: plain NumPy)."""
    z = np.zeros(3)
    for _ in range(200):
        z = np.tanh(W @ z + x)
    return np.sum(z * np.array([1.0, -2.0, 0.5]))


# -- stop_gradient ------------------------------------------------------------------------------------

def stopped_product(x):
    return ops.sum(ops.mul(x, ad.stop_gradient(x)))


def stopped_square_in_exp(x):
    return ops.sum(ops.exp(ops.mul(ad.stop_gradient(ops.square(x)), x)))


# -- checkpoint -----------------------------------------------------------------------------------------

def layer(x, w):
    return ops.tanh(ops.add(ops.mul(ops.sin(x), w), 0.1))


checkpointed_layer = ad.checkpoint(layer)


def chain(x, w):
    for _ in range(5):
        x = layer(x, w)
    return ops.sum(x)


def checkpointed_chain(x, w):
    for _ in range(5):
        x = checkpointed_layer(x, w)
    return ops.sum(x)
