"""Numeric differentiation: finite differences, complex step, Richardson, gradient checks.

The numbers here are the referee for the three AD engines, so they favour accuracy and
clear failures over speed.

Methods and their automatic steps (`eps` is float64 machine epsilon, x the coordinate):

=============  ===================================  =======================  =============
method         formula                              step h                   error
=============  ===================================  =======================  =============
forward        (f(x+h) - f(x)) / h                  sqrt(eps) * max(1,|x|)   ~1e-8
backward       (f(x) - f(x-h)) / h                  sqrt(eps) * max(1,|x|)   ~1e-8
central        (f(x+h) - f(x-h)) / 2h               cbrt(eps) * max(1,|x|)   ~4e-11
richardson     (4 D(h/2) - D(h)) / 3, D = central   eps**(1/5) * max(1,|x|)  ~3e-13
complex        Im f(x + ih) / h                     1e-20                    ~1e-16
=============  ===================================  =======================  =============

(errors are relative to the size of f for a well-scaled f.)  Each step balances truncation
error (which grows with h) against round-off in f (which grows like eps/h), assuming f and
its derivatives are about as large as f; the complex step has no subtraction, hence no
round-off to balance, and can be tiny.

Precision: inputs are always upcast to float64 (complex128) before f is evaluated, because
finite differences in float32 have only 3-4 correct digits.  Results are cast back at the
end: a derivative block has the promoted dtype of the leaves it relates (float32 input and
float32 output give float32), with integers and Python numbers counting as float64.

Steps are exactly representable: a coordinate is moved to x + h and the divisor is the
distance actually travelled, (x + h) - x, so rounding of x + h costs nothing.
"""

from .checking import check_grads
from .differences import grad, hessian, jacobian, jvp
from .steps import METHODS, MODES, optimal_step  # noqa: F401  (MODES: public constant)
from .study import step_errors

__all__ = [
    "METHODS",
    "optimal_step",
    "grad",
    "jvp",
    "jacobian",
    "hessian",
    "check_grads",
    "step_errors",
]
