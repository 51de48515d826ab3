"""NumPy functions that are compositions of registry ops rather than ops: the splits (several
outputs: a list of `getitem` results) and `select` (a list of conditions and a list of
choices: nested `where`s).

Engines call `composite(fn)` for a NumPy function without an op; adsct writes the same
getitems and wheres into its three-address code (`ad.adsct.anf`).
"""

import numpy as np

from .core import shape_of
from .elementwise import where
from .recipes import RECIPES
from .shape import getitem

# np.split and friends, and how each picks the axis it splits (None: its `axis` argument).
SPLITS = {np.split: None, np.array_split: None, np.hsplit: "h", np.vsplit: 0, np.dsplit: 2}


def _split_axis(fn, shape, axis):
    rule = SPLITS[fn]
    if rule is None:
        return axis
    if rule == "h":
        return 1 if len(shape) > 1 else 0
    return rule


def split_count(sections) -> int:
    """How many pieces a split with `indices_or_sections` makes.

    >>> split_count(3), split_count([2, 5])
    (3, 3)
    """
    if isinstance(sections, (int, np.integer)):
        return int(sections)
    return len(sections) + 1


def split_slot(shape, fn, sections, axis, k):
    """The index of piece k of `fn(x, sections[, axis])` for x of `shape` (NumPy's own function
    decides the sizes, and raises its own errors).

    >>> split_slot((2, 6), np.hsplit, 3, None, 1)
    (slice(None, None, None), slice(2, 4, None))
    """
    dummy = np.empty(shape, dtype=bool)
    pieces = fn(dummy, sections) if SPLITS[fn] is not None else fn(dummy, sections, axis)
    axis = _split_axis(fn, shape, axis) % len(shape)
    start = int(np.sum([p.shape[axis] for p in pieces[:k]]))
    return (slice(None),) * axis + (slice(start, start + pieces[k].shape[axis]),)


def split(fn, x, sections, axis=0):
    """The pieces of `fn(x, sections[, axis])` (fn one of SPLITS) as registry getitems.

    >>> [p.tolist() for p in split(np.split, np.arange(4.0), 2)]
    [[0.0, 1.0], [2.0, 3.0]]
    """
    return [getitem(x, split_slot(shape_of(x), fn, sections, axis, k)) for k in range(split_count(sections))]


def select(condlist, choicelist, default=0.0):
    """np.select: the first choice whose condition holds, else default, as nested wheres.

    >>> select([np.array([True, False]), np.array([True, True])], [1.0, 2.0], 0.0)
    array([1., 2.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("select: condlist and choicelist must have the same length")
    result = default
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        result = where(condition, choice, result)
    return result


def _split_call(fn):
    def call(ary, indices_or_sections, axis=0):
        return split(fn, ary, indices_or_sections, axis)
    return call


_COMPOSITES = {fn: _split_call(fn) for fn in SPLITS}
_COMPOSITES[np.select] = select


def composite(fn):
    """The registry-op composition standing for NumPy function `fn`, or None: a split, select,
    or one of the recipes (recipes.py).

    >>> composite(np.select) is select, composite(np.sin) is None, composite(np.ptp).__name__
    (True, True, 'ptp')
    """
    try:
        return _COMPOSITES.get(fn) or RECIPES.get(fn)
    except TypeError:
        return None
