"""In-place updates, aliases and views under adoo: NumPy's semantics, value and derivative.

Each program below is ordinary NumPy code that changes arrays in place.  Plain NumPy is the
oracle for the value (run on copies, since the programs may change their arguments), central
differences for the first derivatives and for the Hessian (of adoo's gradient).
"""

import copy

import numpy as np
import pytest

from ad import adoo, numeric, ops
from ad.errors import NotDifferentiableError
from ad.adoo import Dual, Var


def alias_add(x):
    a = x * 1.0
    b = a           # a second name for the same array
    b += x          # so a changes too
    return np.sum(a * x)


def alias_scale(x):
    a = x * 1.0
    b = a
    b *= 3.0
    return np.sum(a * x)


def slice_view(x):
    a = x * 2.0
    v = a[1:]
    v *= x[:2]          # writes into a
    a[0] = np.sin(x[2])
    return np.sum(a ** 2) + np.sum(v)


def rows_and_transpose(X):
    Y = X * 1.0
    for row in Y:       # rows are views
        row *= row
    Y.T[0] += 1.0       # a column, through the transpose
    Z = Y.reshape(-1)   # a view of the same memory
    Z[1] = X[0, 0] * 3
    return np.sum(Y * X)


def fill_zeros(x):
    y = np.zeros_like(x)
    y += x * 2
    y[0] = 5.0
    z = x.copy()
    z *= 3
    np.add(z, y, out=z)
    return np.sum(y * z)


def copy_isolates(x):
    y = x.copy()
    y *= 3.0
    return np.sum(x * y)


def update_argument(x):
    x += 1.0
    x[1] *= x[0]
    return np.sum(x * x)


def repeated_index(x):
    y = np.ones_like(x)
    y[np.array([0, 0, 1])] = x * x   # position 0 keeps the last write
    return np.sum(y * np.cos(x))


def mask_write(x):
    y = x * 1.0
    y[y > 1.5] = 0.0
    y[y < 0.0] *= -2.0
    return np.sum(y * x)


def overlap(x):
    a = x * 1.0
    a[1:] += a[:-1]     # NumPy reads the old values of an overlapping right-hand side
    return np.sum(a * a)


def views_of_views(x):
    a = x * 1.0
    v = a[1:]
    w = v[::2]
    w += 1.0
    before = a[:2]      # a view read after the base changes sees the change
    a *= 2.0
    return np.sum(before * x[:2]) + np.sum(a)


def container_alias(x):
    a = x * 1.0
    parts = [a, x]
    parts[0] += np.exp(x)
    return np.sum(a * x)


def old_and_new(x):
    a = np.sin(x)
    c = a * 2.0         # computed from the old a
    a += x
    a -= c * 0.5
    return np.sum(c * a)


def squeeze_expand(x):
    a = x * 1.0
    e = np.expand_dims(a, 0)
    e[0, 1] = x[0] ** 2
    s = e.squeeze()
    s /= 2.0
    return np.sum(a * x)


def matrix_power_step(X):
    A = X * 1.0
    A @= X
    A -= np.eye(2) * 0.5
    return np.sum(A * A)


def ravel_versus_flatten(X):
    A = X * 1.0
    r = A.ravel()       # a view: writes reach A
    r[0] += X[1, 1]
    f = A.flatten()     # a copy: writes stay in f
    f *= 10.0
    return np.sum(A * X) + np.sum(f)


def views_of_numpy_functions(X):
    A = X * 1.0
    np.flip(A, 0)[0] *= 2.0                 # the last row of A
    np.ravel(A)[1] = X[1, 0]
    np.rot90(A)[0] += np.sin(X[0])          # the last column of A
    np.moveaxis(A, 0, 1)[1] -= X[:, 0]
    np.atleast_2d(A)[0, 0] = X[1, 1] ** 2
    return np.sum(A * X)


PROGRAMS = [
    (views_of_numpy_functions, np.array([[0.5, 1.0], [-0.3, 0.8]])),
    (ravel_versus_flatten, np.array([[0.5, 1.0], [-0.3, 0.8]])),
    (alias_add, np.array([1.0, 2.0])),
    (alias_scale, np.array([1.0, 2.0])),
    (slice_view, np.array([1.0, 2.0, 3.0])),
    (rows_and_transpose, np.arange(1.0, 7.0).reshape(3, 2)),
    (fill_zeros, np.array([1.0, 2.0, 3.0])),
    (copy_isolates, np.array([0.5, -1.0])),
    (update_argument, np.array([0.5, -1.0, 2.0])),
    (repeated_index, np.array([0.3, 0.7, 1.1])),
    (mask_write, np.array([-0.5, 1.0, 2.0, 0.25])),
    (overlap, np.array([0.5, -1.0, 2.0, 1.5])),
    (views_of_views, np.array([0.1, 0.2, 0.3, 0.4, 0.5])),
    (container_alias, np.array([0.3, -0.4])),
    (old_and_new, np.array([0.3, -0.4, 1.2])),
    (squeeze_expand, np.array([0.3, -0.4, 1.2])),
    (matrix_power_step, np.array([[0.5, 1.0], [-0.3, 0.8]])),
]
IDS = [f.__name__ for f, _ in PROGRAMS]


def _numpy_value(f, x):
    return f(x.copy())  # the programs may change their argument, as NumPy code may


@pytest.mark.parametrize("f, x", PROGRAMS, ids=IDS)
def test_reverse_mode_follows_numpy(f, x):
    original = x.copy()
    value, gradient = adoo.value_and_grad(f)(x)
    np.testing.assert_allclose(value, _numpy_value(f, x), rtol=1e-13)
    np.testing.assert_allclose(gradient, numeric.grad(lambda v: f(v.copy()), x.copy()), rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(x, original)  # differentiating never changes the caller's arrays


@pytest.mark.parametrize("f, x", PROGRAMS, ids=IDS)
def test_forward_mode_follows_numpy(f, x):
    direction = np.linspace(0.5, -1.0, x.size).reshape(x.shape)
    value, tangent = adoo.jvp(f, (x,), (direction,))
    np.testing.assert_allclose(value, _numpy_value(f, x), rtol=1e-13)
    expected = np.sum(numeric.grad(lambda v: f(v.copy()), x.copy()) * direction)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, x", PROGRAMS, ids=IDS)
def test_second_order_follows_numpy(f, x):
    hessian = adoo.hessian(f)(x)
    expected = numeric.jacobian(adoo.grad(f), x.copy())
    np.testing.assert_allclose(hessian, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(adoo.jacobian(adoo.grad(f))(x), hessian, rtol=1e-12, atol=1e-12)


def test_numbers_are_rebound_not_changed():
    def f(x):
        s = x
        s += 1.0            # x stays a float: Python rebinds s
        return s * x
    assert adoo.grad(f)(2.0) == pytest.approx(numeric.grad(f, 2.0), rel=1e-8)
    assert adoo.jvp(f, (2.0,), (1.0,))[0] == f(2.0)


def test_in_place_keeps_the_arrays_dtype():
    def f(x):
        a = x.astype(np.float32)
        a += x              # NumPy casts the float64 sum back into a's float32
        return a
    value = adoo.vjp(f, np.array([1.0, 2.0]))[0]
    assert value.dtype == np.float32
    with pytest.raises(TypeError, match="same_kind"):
        adoo.grad(lambda x: np.sum(_add_complex(x)))(np.ones(2))


def _add_complex(x):
    a = x * 1.0
    a += 1j * x             # NumPy refuses to store complex into a float array
    return a


def test_shape_mismatch_is_numpys_error():
    def f(x):
        a = x * 1.0
        a += np.ones((2, 2))
        return np.sum(a)
    with pytest.raises(ValueError, match="non-broadcastable"):
        adoo.grad(f)(np.ones(2))


def test_writing_traced_values_into_plain_arrays_is_refused():
    def f(x):
        y = np.zeros(2)     # a plain array: a traced write into it would lose the derivative
        y += x
        return np.sum(y)
    with pytest.raises(TypeError, match="plain NumPy array"):
        adoo.grad(f)(np.ones(2))


def test_micrograd_style_updates_keep_the_graph():
    x = Var(np.array([1.0, 2.0]))
    y = x * 1.0
    alias = y
    y += x * x
    alias.sum().backward()
    np.testing.assert_allclose(x.grad, 1.0 + 2.0 * x.data)
    d = Dual(np.array([1.0, 2.0]), np.array([1.0, 0.0]), level=1)
    e = d * 1.0
    view = e[1:]
    view *= d[:1]
    np.testing.assert_allclose(e.primal, [1.0, 2.0])
    np.testing.assert_allclose(e.tangent, [1.0, 2.0])


def test_a_long_chain_of_updates_differentiates():
    def f(x):
        a = x * 1.0
        for _ in range(3000):
            a *= 1.0001
            a += 1e-4 * x
        return np.sum(a)
    np.testing.assert_allclose(adoo.grad(f)(np.ones(2)), numeric.grad(f, np.ones(2)), rtol=1e-6)


def test_writes_into_views_without_a_way_back_are_refused():
    flipped = ops.defop("flipped_view_for_test", lambda x: x[::-1],  # a view, like np.flip's
                        jvp=(lambda t, out, x: ops.getitem(t, slice(None, None, -1)),),
                        vjp=(lambda g, out, x: ops.getitem(g, slice(None, None, -1)),))
    try:
        def f(x):
            a = x * 1.0
            v = flipped(a)
            v += 1.0        # NumPy would change a too
            return np.sum(a * x)
        with pytest.raises(NotDifferentiableError, match="view made by flipped_view_for_test"):
            adoo.grad(f)(np.ones(3))
    finally:
        del ops.REGISTRY["flipped_view_for_test"]


def test_updating_an_argument_passed_twice_is_refused():
    def f(x, y):
        x += y              # NumPy: y is x, so y changes too
        return np.sum(x * y)
    a = np.array([1.0, 2.0])
    with pytest.raises(NotDifferentiableError, match="also passed as another argument"):
        adoo.value_and_grad(f)(a, a)
    with pytest.raises(NotDifferentiableError, match="also passed as another argument"):
        adoo.jvp(f, (a, a[:]), (a, a))
    assert adoo.value_and_grad(f)(a, a.copy())[0] == f(a.copy(), a.copy())


def test_a_plain_array_updated_after_an_op_read_it_is_refused():
    def f(x, y):
        a = y * np.cos(x)   # the reverse sweep reads y
        y += y              # NumPy changes y in place afterwards
        return np.sum(a)
    x, y = np.array([0.3, -0.5]), np.array([1.0, 2.0])
    with pytest.raises(NotDifferentiableError, match="already read is updated in place") as caught:
        adoo.grad(f)(x, y)
    assert "y += y" in str(caught.value)
    assert y.flags.writeable  # writable again once the transform is over
    gradients = adoo.grad(f, argnums=(0, 1))(x, np.array([1.0, 2.0]))  # a traced y: updated as a handle
    np.testing.assert_allclose(gradients[0], -np.array([1.0, 2.0]) * np.sin(x))


def test_threads_keep_their_own_record_of_read_arrays():
    import threading
    weights = np.linspace(0.5, 1.5, 40)  # one constant array read by every thread's graph
    results, errors = {}, []

    def work(k):
        try:
            for _ in range(30):
                results[k] = adoo.grad(lambda x: np.sum(np.sin(x * k) * weights))(np.linspace(0, 1, 40))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
    threads = [threading.Thread(target=work, args=(k,)) for k in (1.0, 2.0, 3.0, 4.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert weights.flags.writeable  # every transform gave it back
    for k, g in results.items():
        np.testing.assert_allclose(g, k * np.cos(np.linspace(0, 1, 40) * k) * weights)


def _kernel_sum(x):
    n = len(x)
    K = np.zeros((n, n))  # a plain float array: NumPy stores numbers into it
    for i in range(n):
        for j in range(n):
            K[i, j] = np.exp(-(x[i] - x[j]) ** 2)
    return np.sum(K)


@pytest.mark.parametrize("transform", ["grad", "jvp"])
def test_storing_a_traced_value_into_a_plain_array_is_refused_in_our_words(transform):
    # NumPy reports our __float__ refusal as "setting an array element with a sequence".
    x = np.array([0.1, 0.5, 0.9])
    with pytest.raises(NotDifferentiableError, match=r"(?s)storing it into a float array.*np\.zeros_like.*"
                                                     r"line \d+: K\[i, j\] = np\.exp"):
        if transform == "grad":
            adoo.grad(_kernel_sum)(x)
        else:
            adoo.jvp(_kernel_sum, (x,), (np.ones(3),))


def _ragged_rows(x):
    K = np.zeros((2, 2))
    K[0] = [1.0, 2.0, 3.0]  # wrong in plain NumPy too
    return np.sum(K) * np.sum(x)


def test_numpys_own_value_errors_pass_through_unchanged():
    with pytest.raises(ValueError) as caught:
        _ragged_rows(np.ones(2))
    with pytest.raises(ValueError) as under_adoo:
        adoo.grad(_ragged_rows)(np.ones(2))
    assert type(under_adoo.value) is ValueError and str(under_adoo.value) == str(caught.value)


def _doubled_copy(x, copier):
    y = copier(x)
    y *= 2.0
    return np.sum(y * x)


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_copy_module_copies_a_traced_array(copier, mode):
    # Python's default copy shared the node: the in-place *= reached x as well (value right, derivative half)
    x = np.array([1.0, 2.0, 0.5])
    f = lambda v: _doubled_copy(v, copier)
    expected = numeric.grad(f, x)
    if mode == "reverse":
        got = adoo.grad(f)(x)
    else:
        got = adoo.jacobian(f, mode="forward")(x)
    np.testing.assert_allclose(got, expected, rtol=1e-8)

