"""The small-array fast paths of the shared rule helpers (unbroadcast, unreduce, mean,
scatter_add, matmul's VJPs, cotangent_of) give exactly what their general paths give."""

import numpy as np
import pytest

from ad import ops

RNG = np.random.default_rng(0)

# (the shape of a cotangent, the shape of the value it belongs to)
_PAIRS = [((2, 3), (3,)), ((2, 3), ()), ((3,), (2, 3)), ((), (2, 3)), ((1, 3), (2, 3)), ((2, 3), (1, 3)),
          ((2, 3), (2, 1)), ((4, 2, 3), (2, 1)), ((4, 2, 3), (1, 1)), ((2, 3), (1, 1)), ((3,), (3,))]


def _sum_or_spread(value, shape):
    """unbroadcast's meaning: the sum over broadcast axes, or the value spread out."""
    value = np.asarray(value)
    if value.ndim < len(shape) or np.broadcast_shapes(value.shape, shape) == tuple(shape) != value.shape:
        return np.broadcast_to(value, shape)
    lead = value.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and value.shape[lead + i] != 1)
    return np.sum(value, axis=axes, keepdims=True).reshape(shape)


@pytest.mark.parametrize("value_shape, like_shape", _PAIRS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_unbroadcast_sums_or_spreads_to_the_shape_in_the_values_dtype(value_shape, like_shape, dtype):
    value = RNG.standard_normal(value_shape).astype(dtype)
    like = np.zeros(like_shape, dtype)
    got = ops.unbroadcast.impl(value[()] if not value_shape else value, like[()] if not like_shape else like)
    assert np.shape(got) == like_shape and np.result_type(got) == dtype
    np.testing.assert_allclose(got, _sum_or_spread(value, like_shape), rtol=1e-6)


def test_unbroadcast_of_a_complex_cotangent_to_a_real_float32_value_is_its_real_float32_part():
    got = ops.unbroadcast.impl(np.array([[1 + 2j, 3 - 1j]]), np.zeros(2, np.float32))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [1.0, 3.0])


def test_unbroadcast_keeps_a_scalar_as_it_is():
    assert ops.unbroadcast.impl(2.0, np.float64(1.0)) == 2.0
    assert type(ops.unbroadcast.impl(np.float64(2.0), 1.0)) is np.float64


def test_unbroadcast_refuses_shapes_that_neither_sum_nor_spread():
    with pytest.raises(ValueError):
        ops.unbroadcast.impl(np.ones((2, 3)), np.ones((2, 4)))


@pytest.mark.parametrize("g, x, axis, keepdims", [(2.0, np.ones((2, 3)), None, False),
                                                  (np.float64(2.0), np.ones(4), 0, False),
                                                  (np.array([1.0, 2.0]), np.ones((2, 3)), 1, False),
                                                  (np.ones((2, 1)), np.ones((2, 3)), 1, True),
                                                  (3.0, np.float64(1.0), None, False)])
def test_unreduce_spreads_the_cotangent_over_the_reduced_axes(g, x, axis, keepdims):
    got = ops.unreduce.impl(g, x, axis, keepdims)
    kept = np.asarray(g) if keepdims or axis is None else np.expand_dims(g, axis)
    np.testing.assert_array_equal(got, np.broadcast_to(kept, np.shape(x)))
    assert np.shape(got) == np.shape(x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), ((0, 1), False), (-1, False), ((), False)])
def test_mean_is_numpys(dtype, axis, keepdims):
    x = (RNG.standard_normal((3, 4)) * 10).astype(dtype)
    got, want = ops.mean.impl(x, axis, keepdims), np.mean(x, axis=axis, keepdims=keepdims)
    assert type(got) is type(want) and np.result_type(got) == np.result_type(want) and np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("index", [(slice(None), 0), 1, (Ellipsis, 2), (slice(0, 3, 2),), (None, slice(1, None)),
                                   np.array([0, 0, 2]), (np.array([1, 1]), np.array([0, 0]))])
def test_scatter_add_adds_at_the_index_as_add_at_does(index):
    shape = (3, 3)
    x = RNG.standard_normal(np.zeros(shape)[index].shape)
    want = np.zeros(shape)
    np.add.at(want, index, x)
    np.testing.assert_array_equal(ops.scatter_add.impl(x, index, shape), want)


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (3, 4)), ((1, 3), (3, 4)), ((5, 2, 3), (3, 4))])
def test_matmul_vjps_of_matrices_are_the_transposed_products(a_shape, b_shape):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    g = RNG.standard_normal(np.shape(a @ b))
    a_ndim, b_ndim = len(a_shape), len(b_shape)
    np.testing.assert_allclose(ops.matmul_vjp_a.impl(g, b, a_ndim, b_ndim), g @ b.T)
    np.testing.assert_allclose(ops.matmul_vjp_b.impl(g, a, a_ndim, b_ndim), np.swapaxes(a, -1, -2) @ g)


def test_cotangent_of_passes_the_seed_of_a_float64_value_and_casts_for_float32():
    assert ops.cotangent_of.impl(1.0, np.float64(2.0)) == 1.0
    assert ops.cotangent_of.impl(1.0, np.float32(2.0)).dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        ops.cotangent_of.impl(1.0, np.ones(2))
