"""Tests for ad.tree: flatten/unflatten, treedefs, tree_map, leaf paths and ravel."""

from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ad.tree import TreeDef, flatten, leaf_paths, leaves, ravel, tree_map, unflatten

Point = namedtuple("Point", "x y")

_arrays = st.sampled_from([np.float64, np.float32, np.int64]).flatmap(
    lambda dtype: hnp.arrays(
        dtype, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
        elements=st.integers(-1000, 1000).map(float) if dtype != np.int64
        else st.integers(-1000, 1000)))
_numeric_leaves = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.integers(-100, 100),
    _arrays,
    st.floats(-10, 10).map(np.float32),
)


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.text("abc", min_size=1, max_size=2), children, max_size=3),
        st.builds(Point, children, children),
    )


trees = st.recursive(_numeric_leaves | st.none(), _containers, max_leaves=8)


def same(a, b) -> bool:
    """Equal structure, container types, dict key order, leaf types and values."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def sorted_dicts(tree):
    """The tree with every dict's keys in sorted order, as unflatten rebuilds them."""
    if type(tree) is dict:
        return {k: sorted_dicts(tree[k]) for k in sorted(tree)}
    if isinstance(tree, Point):
        return Point(*map(sorted_dicts, tree))
    if type(tree) in (list, tuple):
        return type(tree)(map(sorted_dicts, tree))
    return tree


# ----------------------------------------------------------------------------- flatten


def test_flatten_order_and_containers():
    tree = {"b": [1.0, (2.0, None)], "a": Point(3.0, {"z": 4.0, "y": 5.0})}
    flat, td = flatten(tree)
    assert flat == [3.0, 5.0, 4.0, 1.0, 2.0]
    assert td.num_leaves == 5
    back = unflatten(td, flat)
    assert isinstance(back["a"], Point)
    assert back["b"][1][1] is None
    assert same(back, sorted_dicts(tree))


def test_none_is_an_empty_node():
    assert flatten(None)[0] == []
    assert unflatten(flatten(None)[1], []) is None
    assert flatten([None, 1])[0] == [1]


def test_leaves_are_not_descended_into():
    arr = np.arange(3.0)
    od = OrderedDict(a=1)  # dict subclasses are leaves: we could not rebuild them
    flat, td = flatten([arr, od, "text", 2])
    assert flat[0] is arr and flat[1] is od and flat[2] == "text"
    assert td == flatten([0, 0, 0, 0])[1]


@given(trees)
def test_roundtrip(tree):
    flat, td = flatten(tree)
    assert len(flat) == td.num_leaves
    assert same(unflatten(td, flat), sorted_dicts(tree))
    again = leaves(tree)
    assert len(again) == len(flat) and all(x is y for x, y in zip(again, flat))


@given(trees)
def test_treedef_equality_ignores_leaves(tree):
    td = flatten(tree)[1]
    other = flatten(tree_map(lambda _: "leaf", tree))[1]
    assert td == other and hash(td) == hash(other)
    assert td != flatten([tree])[1]


def test_treedef_repr():
    _, td = flatten((1, [2, {"k": 3}], Point(4, None), (5,), ()))
    assert str(td) == "(*, [*, {'k': *}], Point(x=*, y=None), (*,), ())"
    assert repr(td) == f"TreeDef({td})"


def test_treedef_distinguishes_containers():
    tds = [flatten(t)[1] for t in [(1, 2), [1, 2], Point(1, 2), {"x": 1, "y": 2},
                                   {"x": 1, "z": 2}, (1, (2,)), (1, None)]]
    assert len(set(tds)) == len(tds)
    assert tds[0] != "(*, *)"


def test_unflatten_checks_leaf_count():
    _, td = flatten({"a": (1, 2)})
    with pytest.raises(ValueError, match="2 leaves but 3 were given"):
        unflatten(td, [1, 2, 3])
    with pytest.raises(TypeError, match="TreeDef"):
        unflatten("(*, *)", [1, 2])


def test_unsortable_dict_keys():
    with pytest.raises(TypeError, match="sortable"):
        flatten({1: 1.0, "a": 2.0})


# ----------------------------------------------------------------------------- tree_map


def test_tree_map_multiple_trees():
    out = tree_map(lambda a, b, c: a * b + c, {"x": [1, 2]}, {"x": [3, 4]}, {"x": [5, 6]})
    assert out == {"x": [8, 14]}


def test_tree_map_structure_mismatch_names_both():
    with pytest.raises(TypeError, match=r"pytree structures differ: \(\*, \*\) vs \(\*, \[\*\]\)"):
        tree_map(lambda a, b: a, (1, 2), (1, [2]))
    with pytest.raises(TypeError, match="pytree structures differ"):
        tree_map(lambda a, b: a, {"a": 1}, {"b": 1})
    with pytest.raises(TypeError, match="pytree structures differ"):
        tree_map(lambda a, b: a, (1, 2), Point(1, 2))


# ----------------------------------------------------------------------------- paths


@given(trees)
def test_leaf_paths_reach_the_leaves(tree):
    flat = leaves(tree)
    paths = leaf_paths(tree)
    assert len(paths) == len(flat)
    for path, leaf in zip(paths, flat):
        assert eval("tree" + path, {"tree": tree}) is leaf


# ----------------------------------------------------------------------------- ravel


@given(trees)
def test_ravel_roundtrip(tree):
    vec, unravel = ravel(tree)
    flat = leaves(tree)
    assert vec.ndim == 1 and vec.size == sum(np.size(x) for x in flat)
    back = unravel(vec)
    assert flatten(back)[1] == flatten(tree)[1]
    for new, old in zip(leaves(back), flat):
        assert np.shape(new) == np.shape(old)
        assert new.dtype == vec.dtype
        assert isinstance(new, np.ndarray) == isinstance(old, np.ndarray)
        np.testing.assert_array_equal(new, np.asarray(old).astype(vec.dtype))


@given(trees)
def test_ravel_vector_holds_leaves_in_order(tree):
    vec, _ = ravel(tree)
    parts = [np.ravel(x) for x in leaves(tree)]
    expected = np.concatenate(parts) if parts else np.zeros(0)
    np.testing.assert_array_equal(vec, expected.astype(vec.dtype))


@pytest.mark.parametrize("tree, dtype", [
    ([1.0, 2.0], np.float64),
    ([1, True], np.float64),
    ([np.ones(2, np.float32), 2.0, 3], np.float32),
    ({"a": np.float32(1), "b": np.zeros(2)}, np.float64),
    ((1.0, 2j), np.complex128),
    ([np.ones(2, np.float32), 1j], np.complex64),
    ([np.arange(3)], np.float64),
    (None, np.float64),
])
def test_ravel_dtype(tree, dtype):
    assert ravel(tree)[0].dtype == dtype


def test_unravel_scalars_and_arrays():
    vec, unravel = ravel((1.5, np.float32(2.0), np.array(3.0), np.array([4.0])))
    a, b, c, d = unravel(vec)
    assert type(a) is np.float64 and a == 1.5
    assert type(b) is np.float64 and b == 2.0  # vec is float64, so is every leaf
    assert isinstance(c, np.ndarray) and c.shape == () and c == 3.0
    assert isinstance(d, np.ndarray) and d.shape == (1,)


def test_unravel_keeps_complex():
    vec, unravel = ravel({"x": np.array([1.0, 2.0]), "s": 3.0})
    back = unravel(vec + 1j)
    assert back["x"].dtype == np.complex128 and back["s"] == 3.0 + 1j
    np.testing.assert_array_equal(back["x"], [1 + 1j, 2 + 1j])


def test_unravel_copies():
    vec, unravel = ravel([np.zeros(2)])
    out = unravel(vec)
    vec[0] = 7.0
    assert out[0][0] == 0.0


def test_unravel_wrong_size():
    _, unravel = ravel([np.zeros(2), 1.0])
    with pytest.raises(ValueError, match="size 3"):
        unravel(np.zeros(4))
    with pytest.raises(ValueError, match="1-D"):
        unravel(np.zeros((3, 1)))


def test_ravel_empty_tree():
    vec, unravel = ravel({"a": None, "b": []})
    assert vec.shape == (0,) and unravel(vec) == {"a": None, "b": []}


def test_ravel_rejects_non_numeric():
    with pytest.raises(TypeError, match="leaf 1 .*str.* not numeric"):
        ravel([1.0, "abc"])
    with pytest.raises(TypeError, match="not numeric"):
        ravel({"o": object()})


@given(trees)
def test_treedef_from_unravel_is_stable(tree):
    vec, unravel = ravel(tree)
    again, _ = ravel(unravel(vec))
    np.testing.assert_array_equal(again, vec)


def test_treedef_is_public_type():
    assert isinstance(flatten([1])[1], TreeDef)
