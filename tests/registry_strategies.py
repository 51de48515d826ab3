"""Hypothesis strategies drawn from the op registry itself: a new op's domain is all a
test needs to cover it."""

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from ad.ops.domain import Boolean, Real


def domain_values(rng, spec, shape, dtype):
    """Inputs for one argument: uniform in the spec's range, pushed out of its avoid-zones."""
    if isinstance(spec, Boolean):
        return rng.random(shape) < 0.5
    if hasattr(spec, "sample"):  # a structured set, such as positive definite matrices
        return spec.sample(rng, shape).astype(dtype)
    x = rng.uniform(spec.low, spec.high, size=shape)
    for a in spec.avoid:
        near = np.abs(x - a) < spec.gap
        x = np.where(near, a + np.where(x >= a, spec.gap, -spec.gap) * 1.5, x)
    return x.astype(dtype)


@st.composite
def op_inputs(draw, op, dtype=np.float64):
    """(inputs, params, rng) for `op`: a shape case from its domain and values inside it.

    A scalar input is drawn as a Python float half the time, as NumPy users pass both."""
    case = draw(st.sampled_from(op.domain.cases))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = []
    for i, shape in enumerate(case.shapes):
        x = domain_values(rng, op.domain.spec(i), shape, dtype)
        if shape == () and dtype == np.float64 and isinstance(op.domain.spec(i), Real) and draw(st.booleans()):
            x = float(x)
        inputs.append(x)
    assume(op.domain.accepts(inputs, case.params))
    return inputs, dict(case.params), rng
