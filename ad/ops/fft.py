"""Discrete Fourier transforms along one axis: np.fft.fft, ifft, rfft, irfft.

All four are linear, so each JVP is the op applied to the tangent.  The transform matrix F
(F[j, k] = exp(-2πi jk / n)) is symmetric, so with the registry's complex convention (a
holomorphic op's VJP is the plain transpose, see complex_ops.py) fft's VJP is fft itself and
ifft's is ifft.  NumPy's `n` cuts or zero-pads the input along the axis first; the VJP undoes
that with the transposed step (`_fitted`: padding becomes cutting and the other way round).

rfft keeps the first n//2 + 1 entries of fft of the real part: its VJP pads the cotangent back
to n entries, applies fft and keeps the real part.  irfft reads a half spectrum t as the full
Hermitian one: y[j] = s Σ_k c_k Re(t_k w^{jk}) with w = exp(2πi/n), c_k = 1 for the first
entry (and the middle one when n is even) and 2 for the others, s the scale `norm` asks for.
Its VJP is therefore c ⊙ conj(rfft(g)) with the dual scale (`_DUAL_NORM`).

>>> np.round(fft(np.array([1.0, 2.0, 3.0, 4.0])), 12).tolist()
[(10+0j), (-2+2j), (-2+0j), (-2-2j)]
"""

import numpy as np

from .complex_ops import conj, real
from .core import defop, ndim_of, shape_of
from .domain import Case, Domain, Real
from .elementwise import mul
from .shape import getitem
from .structure import pad

# irfft scales by 1/n ("backward"), 1/sqrt(n) or 1; rfft with the dual norm scales by the same.
_DUAL_NORM = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _fitted(x, length: int, axis: int):
    """x cut to, or zero-padded to, `length` entries along `axis` (what np.fft does with n)."""
    have = shape_of(x)[axis]
    if length == have:
        return x
    if length < have:
        index = [slice(None)] * ndim_of(x)
        index[axis] = slice(0, length)
        return getitem(x, tuple(index))
    widths = [(0, 0)] * ndim_of(x)
    widths[axis] = (0, length - have)
    return pad(x, tuple(widths))


# (the length helpers take shape_of(x), not x: adsct inlines the rules, and a function of a
# differentiated value would need a rule of its own)
def _length(shape: tuple, n, axis: int) -> int:
    return shape[axis] if n is None else n


def _hermitian_weights(n: int, ndim: int, axis: int) -> np.ndarray:
    """c_k of the module docstring (n // 2 + 1 of them), shaped to broadcast along `axis`."""
    entries = n // 2 + 1
    weights = np.full(entries, 2.0)
    weights[0] = 1.0
    if n % 2 == 0 and entries > 1:
        weights[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = entries
    return weights.reshape(shape)


_CASES = (Case(((4,),), {}), Case(((5,),), {"n": 7}), Case(((6,),), {"n": 4}), Case(((2, 3),), {"axis": 0}),
          Case(((3, 4),), {"norm": "ortho"}), Case(((2, 5),), {"axis": -1, "norm": "forward"}))

fft = defop(
    "fft", lambda x, n=None, axis=-1, norm=None: np.fft.fft(x, n, axis, norm),
    jvp=(lambda t, out, x, n=None, axis=-1, norm=None: fft(t, n, axis, norm),),
    vjp=(lambda g, out, x, n=None, axis=-1, norm=None: _fitted(fft(g, None, axis, norm), shape_of(x)[axis], axis),),
    domain=Domain((Real(),), _CASES), aliases=(np.fft.fft,), holomorphic=True,
    doc="Discrete Fourier transform along `axis` (np.fft.fft).\n\n"
        ">>> fft(np.array([1.0, 0.0, 0.0]))\narray([1.+0.j, 1.+0.j, 1.+0.j])")

ifft = defop(
    "ifft", lambda x, n=None, axis=-1, norm=None: np.fft.ifft(x, n, axis, norm),
    jvp=(lambda t, out, x, n=None, axis=-1, norm=None: ifft(t, n, axis, norm),),
    vjp=(lambda g, out, x, n=None, axis=-1, norm=None: _fitted(ifft(g, None, axis, norm), shape_of(x)[axis], axis),),
    domain=Domain((Real(),), _CASES), aliases=(np.fft.ifft,), holomorphic=True,
    doc="Inverse discrete Fourier transform along `axis` (np.fft.ifft).\n\n"
        ">>> ifft(np.array([3.0, 3.0, 3.0]))\narray([3.+0.j, 0.+0.j, 0.+0.j])")

rfft = defop(
    "rfft", lambda x, n=None, axis=-1, norm=None: np.fft.rfft(x, n, axis, norm),
    jvp=(lambda t, out, x, n=None, axis=-1, norm=None: rfft(real(t), n, axis, norm),),
    vjp=(lambda g, out, x, n=None, axis=-1, norm=None: real(_fitted(
        fft(_fitted(g, _length(shape_of(x), n, axis), axis), None, axis, norm), shape_of(x)[axis], axis)),),
    domain=Domain((Real(),), _CASES), aliases=(np.fft.rfft,),
    doc="Discrete Fourier transform of real input, the n//2 + 1 non-negative frequencies (np.fft.rfft).\n\n"
        ">>> rfft(np.array([1.0, 2.0, 3.0, 4.0]))\narray([10.+0.j, -2.+2.j, -2.+0.j])")


def _irfft_length(shape: tuple, n, axis: int) -> int:
    return 2 * (shape[axis] - 1) if n is None else n


irfft = defop(
    "irfft", lambda x, n=None, axis=-1, norm=None: np.fft.irfft(x, n, axis, norm),
    jvp=(lambda t, out, x, n=None, axis=-1, norm=None: irfft(t, n, axis, norm),),
    vjp=(lambda g, out, x, n=None, axis=-1, norm=None: _fitted(mul(
        conj(rfft(g, None, axis, _DUAL_NORM[norm])),
        _hermitian_weights(_irfft_length(shape_of(x), n, axis), ndim_of(x), axis)),
        shape_of(x)[axis], axis),),
    domain=Domain((Real(),), (Case(((4,),), {}), Case(((4,),), {"n": 7}), Case(((5,),), {"n": 4}),
                              Case(((3, 4),), {"axis": 0}), Case(((2, 4),), {"norm": "ortho"}),
                              Case(((2, 3),), {"norm": "forward", "n": 5}))),
    aliases=(np.fft.irfft,),
    doc="Inverse of rfft: n real samples from a half spectrum (np.fft.irfft).\n\n"
        ">>> irfft(np.array([4.0, 0.0, 0.0]))\narray([1., 1., 1., 1.])")


# -- several axes: one axis at a time (the transforms are separable), as recipes -------------------
from .recipes import recipe  # noqa: E402  (recipes.py registers NumPy functions written with NumPy calls)


def _axes_and_lengths(ndim: int, s, axes) -> list:
    """(axis, n) pairs the way np.fft.fftn reads s and axes."""
    if axes is None:
        axes = tuple(range(ndim)) if s is None else tuple(range(-len(s), 0))
    return list(zip(axes, (None,) * len(axes) if s is None else s))


_SEVERAL = Domain((Real(),), (Case(((2, 3),), {}), Case(((3, 4),), {"s": (2, 5), "axes": (0, 1)}), Case(((2, 3, 2),), {"axes": (0, 2)}),
                              Case(((2, 4),), {"norm": "ortho"})))


@recipe(np.fft.fftn, domain=_SEVERAL)
def fftn(a, s=None, axes=None, norm=None):
    """Fourier transform over several axes (all of them by default), one axis at a time.

    >>> fftn(np.ones((2, 2))).real.tolist()
    [[4.0, 0.0], [0.0, 0.0]]
    """
    for axis, n in _axes_and_lengths(np.ndim(a), s, axes):
        a = np.fft.fft(a, n, axis, norm)
    return a


@recipe(np.fft.ifftn, domain=_SEVERAL)
def ifftn(a, s=None, axes=None, norm=None):
    """Inverse Fourier transform over several axes (all of them by default).

    >>> ifftn(np.full((2, 2), 4.0)).real.tolist()
    [[4.0, 0.0], [0.0, 0.0]]
    """
    for axis, n in _axes_and_lengths(np.ndim(a), s, axes):
        a = np.fft.ifft(a, n, axis, norm)
    return a


@recipe(np.fft.fft2, domain=_SEVERAL)
def fft2(a, s=None, axes=(-2, -1), norm=None):
    """Fourier transform over the last two axes.

    >>> fft2(np.ones((2, 2))).real.tolist()
    [[4.0, 0.0], [0.0, 0.0]]
    """
    return np.fft.fftn(a, s, axes, norm)


@recipe(np.fft.ifft2, domain=_SEVERAL)
def ifft2(a, s=None, axes=(-2, -1), norm=None):
    """Inverse Fourier transform over the last two axes.

    >>> ifft2(np.full((2, 2), 4.0)).real.tolist()
    [[4.0, 0.0], [0.0, 0.0]]
    """
    return np.fft.ifftn(a, s, axes, norm)


def _axes_of(ndim: int, axes) -> tuple:
    return tuple(range(ndim)) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))


@recipe(np.fft.fftshift, domain=Domain((Real(),), (Case(((5,),), {}), Case(((2, 3),), {}), Case(((2, 3),), {"axes": 0}))))
def fftshift(x, axes=None):
    """The zero frequency moved to the middle: a roll by half of each axis.

    >>> fftshift(np.array([0.0, 1.0, 2.0, -2.0, -1.0])).tolist()
    [-2.0, -1.0, 0.0, 1.0, 2.0]
    """
    for axis in _axes_of(np.ndim(x), axes):
        x = np.roll(x, np.shape(x)[axis] // 2, axis)
    return x


@recipe(np.fft.ifftshift, domain=Domain((Real(),), (Case(((5,),), {}), Case(((2, 3),), {}), Case(((2, 3),), {"axes": 0}))))
def ifftshift(x, axes=None):
    """fftshift undone: a roll back by half of each axis.

    >>> ifftshift(np.array([-2.0, -1.0, 0.0, 1.0, 2.0])).tolist()
    [0.0, 1.0, 2.0, -2.0, -1.0]
    """
    for axis in _axes_of(np.ndim(x), axes):
        x = np.roll(x, -(np.shape(x)[axis] // 2), axis)
    return x
