"""A small memory of recent factorisations, keyed by the values of their inputs.

The outputs of one factorisation are separate ops (`eigh_values`, `eigh_vectors`), and rules
ask again for outputs the forward pass computed (`eigh_vectors`' rule needs the eigenvalues).
Remembering the last few results, keyed by an exact comparison of the inputs (O(n^2), against
the O(n^3) factorisation), makes each of them one factorisation.  Results are handed out as
copies, so writing into one changes nothing.  (`solve` is not remembered: on 200 x 200 matrices
the copies cost a third of a solve, more than the second solve its two VJPs share.)
"""

import numpy as np

_SIZE = 4
_RECENT: list = []  # (name, params, copies of the inputs, outputs), most recent first


def _same(xs, ys) -> bool:
    return all(type(x) is type(y) and np.shape(x) == np.shape(y) and np.result_type(x) == np.result_type(y)
               and np.array_equal(x, y) for x, y in zip(xs, ys))


def factorise(name: str, fn, *arrays, **params):
    """fn(*arrays, **params), computed once for the same input values (a tuple result is a
    tuple of fresh arrays).

    >>> w, v = factorise("eigh", np.linalg.eigh, np.diag([2.0, 1.0]))
    >>> w
    array([1., 2.])
    """
    arrays = tuple(np.asarray(a) for a in arrays)
    for entry_name, entry_params, entry_arrays, outputs in list(_RECENT):
        if entry_name == name and entry_params == params and _same(entry_arrays, arrays):
            break
    else:
        outputs = fn(*arrays, **params)
        _RECENT.insert(0, (name, params, tuple(a.copy() for a in arrays), outputs))
        del _RECENT[_SIZE:]
    if isinstance(outputs, tuple):
        return tuple(np.copy(x) for x in outputs)
    return np.copy(outputs)


def forget() -> None:
    """Drop every remembered result (benchmarks time factorisations, not look-ups).

    >>> forget()
    """
    _RECENT.clear()
