"""Pytrees: nested tuples, lists, dicts and namedtuples with arbitrary leaves.

A pytree is either a container or a leaf.  Containers are exactly `tuple`, `list`, `dict`
and namedtuples (a tuple subclass with `_fields`, rebuilt as the same class).  `None` is an
empty container: it has no leaves and comes back as `None`.  Everything else is a leaf:
Python numbers, NumPy arrays and scalars, engine values.  Subclasses of `list` or `dict`
are leaves, because we could not rebuild them faithfully.

Dict keys are visited in sorted order (as JAX does), so `{"b": 1, "a": 2}` flattens to
`[2, 1]` and comes back with its keys in sorted order.

`ravel` turns the numeric leaves of a tree into one flat vector and gives back a function
that undoes it; the numeric differentiation in `ad.numeric` is built on it.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

__all__ = ["TreeDef", "flatten", "unflatten", "leaves", "tree_map", "leaf_paths", "ravel"]

_LEAF, _NONE, _TUPLE, _LIST, _DICT, _NAMEDTUPLE = (
    "leaf", "none", "tuple", "list", "dict", "namedtuple")


class TreeDef:
    """The shape of a pytree with its leaves taken out.

    Two treedefs are equal iff the trees have the same containers, keys and namedtuple
    classes in the same places.  `str` shows leaves as `*`.

    >>> _, td = flatten({"w": [1.0, 2.0], "b": 0.5})
    >>> td
    TreeDef({'b': *, 'w': [*, *]})
    >>> td.num_leaves
    3
    """

    __slots__ = ("kind", "meta", "children", "num_leaves")

    def __init__(self, kind: str, meta: Any = None, children: tuple = ()):
        self.kind = kind
        self.meta = meta  # sorted dict keys, or the namedtuple class
        self.children = tuple(children)
        self.num_leaves = 1 if kind == _LEAF else sum(c.num_leaves for c in self.children)

    def _key(self):
        return (self.kind, self.meta, self.children)

    def __eq__(self, other) -> bool:
        return isinstance(other, TreeDef) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        parts = [str(c) for c in self.children]
        if self.kind == _LEAF:
            return "*"
        if self.kind == _NONE:
            return "None"
        if self.kind == _LIST:
            return "[" + ", ".join(parts) + "]"
        if self.kind == _DICT:
            return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(self.meta, parts)) + "}"
        if self.kind == _NAMEDTUPLE:
            fields = ", ".join(f"{k}={p}" for k, p in zip(self.meta._fields, parts))
            return f"{self.meta.__name__}({fields})"
        return "(" + parts[0] + ",)" if len(parts) == 1 else "(" + ", ".join(parts) + ")"

    def __repr__(self) -> str:
        return f"TreeDef({self})"


_LEAF_DEF = TreeDef(_LEAF)  # treedefs are never mutated, so every leaf shares one


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _sorted_keys(d: dict) -> tuple:
    try:
        return tuple(sorted(d))
    except TypeError:
        raise TypeError(
            f"pytree dict keys must be mutually sortable, got {list(d)!r}") from None


def _children(node) -> tuple[str, Any, list]:
    """(kind, meta, child nodes) for one level of a tree."""
    kind = type(node)  # exact types first: this runs for every node of every flatten
    if kind is tuple:
        return _TUPLE, None, list(node)
    if kind is list:
        return _LIST, None, list(node)
    if kind is dict:
        keys = _sorted_keys(node)
        return _DICT, keys, [node[k] for k in keys]
    if node is None:
        return _NONE, None, []
    if _is_namedtuple(node):
        return _NAMEDTUPLE, kind, list(node)
    return _LEAF, None, []


def flatten(tree) -> tuple[list, TreeDef]:
    """Split a pytree into its leaves (depth first, dict keys sorted) and its treedef.

    >>> flatten((1.0, {"b": 2, "a": [3]}, None))
    ([1.0, 3, 2], TreeDef((*, {'a': [*], 'b': *}, None)))
    """
    out: list = []
    return out, _visit(tree, out)


def _visit(node, out: list) -> TreeDef:
    # A module-level recursion: a nested recursive closure would be a reference cycle
    # (function -> cell -> function), left for the garbage collector on every call.
    kind, meta, kids = _children(node)
    if kind == _LEAF:
        out.append(node)
        return _LEAF_DEF
    return TreeDef(kind, meta, [_visit(k, out) for k in kids])


def unflatten(treedef: TreeDef, leaves: Iterable) -> Any:
    """Rebuild a pytree from a treedef and its leaves, in `flatten` order.

    >>> leaves, td = flatten({"x": (1, 2)})
    >>> unflatten(td, [10, 20])
    {'x': (10, 20)}
    """
    if not isinstance(treedef, TreeDef):
        raise TypeError(f"unflatten needs a TreeDef, got {type(treedef).__name__}")
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"unflatten: structure {treedef} has {treedef.num_leaves} leaves "
            f"but {len(leaves)} were given")
    return _build(treedef, iter(leaves))


def _build(td: TreeDef, it):
    if td.kind == _LEAF:
        return next(it)
    kids = [_build(c, it) for c in td.children]
    if td.kind == _NONE:
        return None
    if td.kind == _TUPLE:
        return tuple(kids)
    if td.kind == _LIST:
        return kids
    if td.kind == _DICT:
        return dict(zip(td.meta, kids))
    return td.meta(*kids)


def leaves(tree) -> list:
    """The leaves of a pytree, in `flatten` order.

    >>> leaves([1, (2, None), {"z": 3, "a": 4}])
    [1, 2, 4, 3]
    """
    return flatten(tree)[0]


def tree_map(fn: Callable, tree, *rest) -> Any:
    """Apply `fn` leaf by leaf; `rest` are trees with exactly the structure of `tree`.

    >>> tree_map(lambda a, b: a + b, {"x": 1, "y": [2]}, {"x": 10, "y": [20]})
    {'x': 11, 'y': [22]}
    """
    flat, treedef = flatten(tree)
    others = []
    for other in rest:
        other_flat, other_def = flatten(other)
        if other_def != treedef:
            raise TypeError(f"pytree structures differ: {treedef} vs {other_def}")
        others.append(other_flat)
    return unflatten(treedef, [fn(*xs) for xs in zip(flat, *others)])


def leaf_paths(tree, subscripts: bool = False) -> list[str]:
    """A readable access path for each leaf, in `flatten` order (for error messages); with
    `subscripts`, a namedtuple's fields as `[i]` too, so each path is valid Python after a name.

    >>> leaf_paths({"w": [1.0, 2.0], "b": (3.0,)})
    ["['b'][0]", "['w'][0]", "['w'][1]"]
    >>> leaf_paths(1.0)
    ['']
    """
    out: list[str] = []

    def visit(node, path: str) -> None:
        kind, meta, kids = _children(node)
        if kind == _LEAF:
            out.append(path)
        elif kind == _DICT:
            for k, kid in zip(meta, kids):
                visit(kid, f"{path}[{k!r}]")
        elif kind == _NAMEDTUPLE and not subscripts:
            for name, kid in zip(meta._fields, kids):
                visit(kid, f"{path}.{name}")
        else:
            for i, kid in enumerate(kids):
                visit(kid, f"{path}[{i}]")

    visit(tree, "")
    return out


def _numeric_array(leaf, index: int) -> np.ndarray:
    a = np.asarray(leaf)
    if a.dtype.kind not in "biufc":
        raise TypeError(
            f"ravel: leaf {index} ({type(leaf).__name__}, dtype {a.dtype}) is not numeric")
    return a


def _ravel_dtype(flat: list, arrays: list) -> np.dtype:
    """Promote the inexact leaves; Python floats are weak, integers and bools don't count."""
    kinds = []
    for leaf, a in zip(flat, arrays):
        if isinstance(leaf, (float, complex)) and not isinstance(leaf, np.generic):
            kinds.append(leaf)  # a weak Python scalar, as in NumPy's own promotion
        elif a.dtype.kind in "fc":
            kinds.append(a.dtype)
    return np.result_type(*kinds) if kinds else np.dtype(np.float64)


def ravel(tree) -> tuple[np.ndarray, Callable[[Any], Any]]:
    """Concatenate the numeric leaves of a tree into a 1-D vector; return it and `unravel`.

    The vector's dtype is `np.result_type` of the inexact leaves (float32 arrays stay
    float32; Python floats are weak, so alone they give float64); integer and bool leaves
    are promoted; a complex leaf makes the vector complex.  A tree without inexact leaves
    gives float64.

    `unravel(vec)` rebuilds the structure with each leaf reshaped to its original shape
    and with the dtype of `vec` (a complex `vec` gives complex leaves, as complex-step
    differentiation needs).  A leaf that was not an `np.ndarray` (a Python number or a
    NumPy scalar) comes back as a NumPy scalar such as `np.float64`; array leaves come back
    as fresh arrays, even 0-d ones.  It raises ValueError if `vec` has the wrong size.

    >>> vec, unravel = ravel({"a": 1.5, "b": np.array([[2, 3]])})
    >>> vec
    array([1.5, 2. , 3. ])
    >>> unravel(vec * 2)
    {'a': np.float64(3.0), 'b': array([[4., 6.]])}
    """
    flat, treedef = flatten(tree)
    arrays = [_numeric_array(leaf, i) for i, leaf in enumerate(flat)]
    dtype = _ravel_dtype(flat, arrays)
    shapes = [a.shape for a in arrays]
    scalar = [not isinstance(leaf, np.ndarray) for leaf in flat]
    sizes = [a.size for a in arrays]
    total = sum(sizes)
    parts = [a.astype(dtype).reshape(-1) for a in arrays]
    vector = np.concatenate(parts) if parts else np.zeros(0, dtype)

    def unravel(vec):
        vec = np.asarray(vec)
        if vec.ndim != 1 or vec.size != total:
            raise ValueError(
                f"unravel expects a 1-D vector of size {total} for structure {treedef}, "
                f"got shape {vec.shape}")
        out, start = [], 0
        for shape, size, is_scalar in zip(shapes, sizes, scalar):
            piece = vec[start:start + size].reshape(shape).copy()  # no aliasing of vec
            out.append(piece[()] if is_scalar else piece)
            start += size
        return unflatten(treedef, out)

    return vector, unravel
