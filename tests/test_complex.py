"""Complex numbers, by JAX's and HIPS autograd's convention, under every strategy.

For real-valued f of complex z = x + iy, grad(f)(z) = df/dx - i df/dy (so grad |z|^2 = 2 conj(z));
a holomorphic f gets f'(z); a real input always gets a real gradient of its own dtype, even
when the program passes through complex values.  The oracle is finite differences along 1 and
1j, and forward mode must agree: the tangent along v is Re(grad * v).
"""

import math

import numpy as np
import pytest

import ad
from ad import numeric, ops
from ad.errors import NotDifferentiableError
from spellings import ids, runs


def abs_of_imaginary_ops(x):
    return ops.sum(ops.abs(ops.mul(x, 1j)))


def abs_of_imaginary_numpy(x):
    return np.sum(np.abs(x * 1j))


def abs_of_square_ops(z):
    return ops.abs(ops.mul(z, z))


def abs_of_square_numpy(z):
    return np.abs(z * z)


def squared_modulus_ops(z):
    return ops.pow(ops.abs(z), 2.0)


def squared_modulus_numpy(z):
    return np.abs(z) ** 2


def parts_ops(z):
    return ops.add(ops.real(ops.mul(z, ops.conj(z))), ops.mul(ops.imag(ops.sin(z)), ops.real(z)))


def parts_numpy(z):
    return np.real(z * np.conj(z)) + np.imag(np.sin(z)) * np.real(z)


def phase_and_modulus_ops(z):
    return ops.add(ops.mul(ops.angle(z), ops.abs(ops.exp(z))), ops.imag(ops.conj(ops.mul(z, z))))


def phase_and_modulus_numpy(z):
    return np.angle(z) * np.abs(np.exp(z)) + np.imag(np.conjugate(z * z))


def array_program_ops(z):
    w = ops.mul(ops.exp(ops.mul(z, 0.5 + 1j)), ops.sum(ops.abs(z)))
    return ops.sum(ops.add(ops.abs(w), ops.angle(ops.add(w, 3.0))))


def array_program_numpy(z):
    w = np.exp(z * (0.5 + 1j)) * np.sum(np.abs(z))
    return np.sum(np.abs(w) + np.angle(w + 3.0))


def through_complex_ops(x):
    return ops.sum(ops.abs(ops.add(ops.exp(ops.mul(1j, x)), ops.mul(x, x))))


def through_complex_numpy(x):
    return np.sum(np.abs(np.exp(1j * x) + x * x))


def _complex_grad_by_differences(f, z):
    """df/dx - i df/dy, by Richardson differences along 1 and 1j."""
    z = np.asarray(z, dtype=complex)
    d_dx = numeric.grad(lambda x: f(x + 1j * z.imag), z.real, method="richardson")
    d_dy = numeric.grad(lambda y: f(z.real + 1j * y), z.imag, method="richardson")
    return np.asarray(d_dx) - 1j * np.asarray(d_dy)


COMPLEX_PROGRAMS = (runs(abs_of_square_ops, abs_of_square_numpy) + runs(squared_modulus_ops, squared_modulus_numpy)
                    + runs(parts_ops, parts_numpy) + runs(phase_and_modulus_ops, phase_and_modulus_numpy))
ARRAY_PROGRAMS = runs(array_program_ops, array_program_numpy)
REAL_PROGRAMS = runs(abs_of_imaginary_ops, abs_of_imaginary_numpy) + runs(through_complex_ops, through_complex_numpy)


@pytest.mark.parametrize("label,s,f", COMPLEX_PROGRAMS, ids=ids(COMPLEX_PROGRAMS))
@pytest.mark.parametrize("z", [1 + 2j, -0.7 + 0.4j])
def test_abs_of_complex_uses_the_conjugate(label, s, f, z):
    want = complex(_complex_grad_by_differences(f, z))
    got = s.grad(f)(z)
    assert got == pytest.approx(want, rel=1e-8, abs=1e-9), label
    for v in (1.0, 1j):  # forward mode: the tangent along v is Re(grad * v)
        assert np.real(s.jvp(f, (z,), (v,))[1]) == pytest.approx((want * v).real, rel=1e-8, abs=1e-9), label


def test_the_convention_on_the_squared_modulus():
    from ad import adoo
    assert adoo.grad(squared_modulus_numpy)(1 + 2j) == pytest.approx(2 - 4j)


@pytest.mark.parametrize("label,s,f", ARRAY_PROGRAMS, ids=ids(ARRAY_PROGRAMS))
def test_complex_arrays_mixing_holomorphic_and_non_holomorphic_ops(label, s, f):
    z = np.array([0.3 - 0.5j, -1.2 + 0.1j, 0.8 + 0.9j])
    want = _complex_grad_by_differences(f, z)
    np.testing.assert_allclose(s.grad(f)(z), want, rtol=1e-7, atol=1e-8, err_msg=label)
    v = np.array([1.0, 1j, -0.5 + 2j])
    np.testing.assert_allclose(np.real(s.jvp(f, (z,), (v,))[1]), np.sum(want * v).real, rtol=1e-7, err_msg=label)


@pytest.mark.parametrize("label,s,f", REAL_PROGRAMS, ids=ids(REAL_PROGRAMS))
@pytest.mark.parametrize("x", [1.0, -0.8, np.array([0.5, -1.5, 2.0]), np.array([0.25, 1.0], dtype=np.float32)])
def test_real_input_gets_a_real_gradient_through_complex_values(label, s, f, x):
    got = s.grad(f)(x)
    if isinstance(x, float):
        assert type(got) is float, f"{label}: {got!r}"
    else:
        assert got.dtype == x.dtype, f"{label}: {got.dtype}"
    want = numeric.grad(f, np.asarray(x, np.float64), method="richardson")
    np.testing.assert_allclose(got, want, rtol=1e-5 if x.__class__ is np.ndarray and x.dtype == np.float32 else 1e-8)
    _, tangent = s.jvp(f, (x,), (np.ones_like(x) if isinstance(x, np.ndarray) else 1.0,))
    assert not np.iscomplexobj(tangent), f"{label}: forward tangent {tangent!r}"
    np.testing.assert_allclose(tangent, np.sum(want), rtol=1e-5)


def holomorphic_ops(z):
    return ops.mul(ops.sin(z), z)


def holomorphic_numpy(z):
    return np.sin(z) * z


HOLOMORPHIC = runs(holomorphic_ops, holomorphic_numpy)


@pytest.mark.parametrize("label,s,f", HOLOMORPHIC, ids=ids(HOLOMORPHIC))
def test_holomorphic_function_gets_its_complex_derivative(label, s, f):
    z = 0.4 - 1.1j
    derivative = np.cos(z) * z + np.sin(z)
    assert s.grad(f)(z) == pytest.approx(derivative, rel=1e-12), label
    assert s.jvp(f, (z,), (1.0 + 0j,))[1] == pytest.approx(derivative, rel=1e-12), label


def cube_of_modulus_ops(x):
    return ops.pow(ops.abs(ops.mul(x, 1 + 2j)), 3.0)


def cube_of_modulus_numpy(x):
    return np.abs(x * (1 + 2j)) ** 3


def cosine_as_real_part_ops(x):
    return ops.add(ops.real(ops.exp(ops.mul(1j, x))), ops.imag(ops.exp(ops.mul(1j, x))))


def cosine_as_real_part_numpy(x):
    return np.real(np.exp(1j * x)) + np.imag(np.exp(1j * x))


SECOND_ORDER = runs(cube_of_modulus_ops, cube_of_modulus_numpy) + runs(cosine_as_real_part_ops, cosine_as_real_part_numpy)


@pytest.mark.parametrize("label,s,f", SECOND_ORDER, ids=ids(SECOND_ORDER))
@pytest.mark.parametrize("x", [0.7, -1.3])
def test_second_derivatives_through_complex_values_are_real_and_exact(label, s, f, x):
    if f in (cube_of_modulus_ops, cube_of_modulus_numpy):
        want = 6 * 5 ** 1.5 * abs(x)
    else:
        want = -math.cos(x) - math.sin(x)
    got = s.grad(s.grad(f))(x)
    assert type(got) is float and got == pytest.approx(want, rel=1e-12), label
    assert float(s.hessian(f)(x)) == pytest.approx(want, rel=1e-12), label


def test_real_imag_and_conj_work_as_attributes_on_adoo_values():
    from ad import adoo

    def f(z):
        return (z * z).real + z.imag * z.conj().real

    z = 1.5 - 0.5j
    want = complex(_complex_grad_by_differences(lambda w: np.real(w * w) + np.imag(w) * np.real(np.conj(w)), z))
    assert adoo.grad(f)(z) == pytest.approx(want, rel=1e-8)


def constant_imaginary_part_ops(z):
    return ops.add(ops.imag(ops.sin(ops.abs(z))), ops.angle(ops.exp(ops.real(z))))


def constant_imaginary_part_numpy(z):
    return np.imag(np.sin(np.abs(z))) + np.angle(np.exp(np.real(z)))


CONSTANT = runs(constant_imaginary_part_ops, constant_imaginary_part_numpy)


@pytest.mark.parametrize("label,s,f", CONSTANT, ids=ids(CONSTANT))
def test_imaginary_part_of_a_real_value_has_zero_gradient(label, s, f):
    # imag and angle of real values are constants (0 here): the imaginary cotangent their rules
    # produce must not reach abs or real, which would turn it into a nonzero gradient.
    z = 1 + 2j
    assert f(z) == 0.0
    assert s.grad(f)(z) == 0.0, label
    assert s.jvp(f, (z,), (1j,))[1] == 0.0, label


@pytest.mark.parametrize("strategy", ["adoo", "adsct"])
def test_sign_of_a_complex_value_is_refused_not_taken_as_a_constant(strategy):
    # np.sign(z) = z / |z| for complex z moves with z: a zero derivative would be silently wrong.
    def f(z):
        return np.abs(np.sign(z) * z)
    with pytest.raises(NotDifferentiableError, match="numpy.sign of a complex value"):
        ad.grad(f, strategy=strategy)(1.0 + 2.0j)
    assert ad.grad(f, strategy=strategy)(-1.5) == pytest.approx(numeric.grad(f, -1.5))  # real: the sign is a constant
