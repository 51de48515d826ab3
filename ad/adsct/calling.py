"""Calling generated code: a function's arguments flattened into the array parameters of its
generated code, the Python-float variant tried first, and the derivatives regrouped into the
arguments' structure.  Used by transforms.py and outputs.py.
"""

from __future__ import annotations

import numpy as np

from .. import derived, tree
from . import pipeline
from .pipeline import _has_pytrees
from .specialise import SCALAR_REFUSALS
from .tracebacks import note_user_line

_PLAIN_TYPES = (np.ndarray, float, int, bool, np.float64, np.float32)


class _Call:
    """One call of generated code: the arguments flattened into array parameters.

    `memo` (a dict kept by the caller, e.g. one `grad(f)` function) remembers the compiled
    code per argument structure, so repeated calls skip the cache's bookkeeping."""

    def __init__(self, f, args, selected: tuple, mode: str, memo=None, checkpoints=None):
        self.f, self.mode, self.selected, self.memo = f, mode, selected, memo if memo is not None else {}
        self.checkpoints = checkpoints  # (reverse mode: loops checkpointed, see checkpointing.py)
        self.n_args = len(args)
        if not _has_pytrees(args):  # arrays and numbers only
            self.structures, self.treedefs = None, None
            self.originals = [args[k] for k in selected]
            self.leaves = [derived.as_value(a) if k in selected else a for k, a in enumerate(args)]
        else:
            flat = [tree.flatten(a) for a in args]
            self.structures = tuple(treedef for _, treedef in flat)
            self.originals = [leaf for k in selected for leaf in flat[k][0]]
            self.treedefs = [flat[k][1] for k in selected]
            self.leaves = [derived.as_value(leaf) if k in selected else leaf
                           for k, (leaves, _) in enumerate(flat) for leaf in leaves]
        self.floats = all(type(leaf) is float for leaf in self.leaves)
        self.plain = not self.floats and all(type(leaf) in _PLAIN_TYPES for leaf in self.leaves)

    def _code(self, floats: bool, plain: bool = False):
        key = (self.structures, self.selected, floats, plain, self.n_args, self.checkpoints)
        code = self.memo.get(key)
        if code is None or not code.is_current():
            code = self.memo[key] = pipeline._generate(self.f, self.mode, self.selected, self.structures, floats=floats,
                                                       plain=plain, n_args=self.n_args,
                                                       checkpoints=self.checkpoints)[0]
        return code

    def __call__(self, *extra):
        """Run the generated code: the Python-float variant when it applies, else the general one."""
        if self.floats:
            try:
                value, derivatives = result = self._code(True)(*self.leaves, *extra)
                if type(value) is float and all(type(d) is float for d in derivatives):
                    return result
            except SCALAR_REFUSALS:
                pass  # an array inside, or a math domain error: NumPy's semantics below
        # Past this point NumPy's semantics: Python floats go in as NumPy floats (0.0 ** -0.5 is
        # inf with a warning, not a ZeroDivisionError; what adoo gives too).
        leaves = [np.float64(leaf) if type(leaf) is float else leaf for leaf in self.leaves]
        if self.plain and not any(derived.is_traced(e) for e in extra):
            try:
                value, derivatives = result = self._code(False, plain=True)(*leaves, *extra)
            except (TypeError, ValueError):  # a traced value from a closure, or an error the general code words better
                result = None
            if result is not None and not derived.is_traced(value) and not any(
                    derived.is_traced(d) for d in (derivatives if type(derivatives) is tuple else (derivatives,))):
                return result
        try:
            return self._code(False)(*leaves, *extra)
        except Exception as error:  # (NumPy's error, with a note naming the user's line)
            note_user_line(error, self.f)
            raise

    def regroup(self, flat_derivatives) -> tuple:
        """Per selected argument, its derivative with the argument's structure and types."""
        shaped = [derived.like_input(d, leaf) for d, leaf in zip(flat_derivatives, self.originals)]
        if self.treedefs is None:
            return tuple(shaped)
        grouped, start = [], 0
        for treedef in self.treedefs:
            grouped.append(tree.unflatten(treedef, shaped[start:start + treedef.num_leaves]))
            start += treedef.num_leaves
        return tuple(grouped)


_FLOAT64 = np.dtype(np.float64)


def array_caller(code, selected: tuple, single: bool, with_value: bool):
    """The hot path of grad / value_and_grad for float64 arrays where specialise.array_entry
    writes none (code with loops or branches): the plain generated code
    (`code`, taking the arrays and a seed) called directly, skipping the general path's
    flattening and checks.  It answers None wherever anything is out of the ordinary (other
    argument types, stale code, an error, a result that is not a scalar and float64 arrays of
    the arguments' shapes): then the general path runs, with its checks and error messages.

    >>> from ad import adsct
    >>> def f(x):
    ...     return np.sum(x * x)
    >>> code = adsct.transforms._Call(f, (np.ones(2),), (0,), "reverse")._code(False, plain=True)
    >>> entry = array_caller(code, (0,), True, False)
    >>> entry(np.array([1.0, 2.0])), entry([1.0, 2.0])
    (array([2., 4.]), None)
    """
    is_current, (first, *rest) = code.is_current, selected  # (looked up once: each costs as much as a check)

    def entry(*args):
        for a in args:
            if type(a) is not np.ndarray or a.dtype is not _FLOAT64:
                return None
        if not is_current():
            return None
        try:
            value, grads = code(*args, 1.0)
        except Exception:  # (the general path raises it again, naming the user's line)
            return None
        if type(value) is not np.float64:
            if type(value) is not np.ndarray or value.shape != () or value.dtype is not _FLOAT64:
                return None
            value = value[()]
        g = grads[0]
        if type(g) is not np.ndarray or g.dtype is not _FLOAT64 or g.shape != args[first].shape:
            return None
        if single:
            return (float(value), g) if with_value else g
        for k, d in zip(rest, grads[1:]):
            if type(d) is not np.ndarray or d.dtype is not _FLOAT64 or d.shape != args[k].shape:
                return None
        return (float(value), tuple(grads)) if with_value else tuple(grads)

    return entry
