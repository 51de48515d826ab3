"""A check shared by the test files: two pytrees of arrays agree, structure, shapes and values."""

import numpy as np

from ad import tree


def assert_trees_close(got, want, err_msg="", **tolerance):
    """Same tree structure, same shape at each leaf, values close (np.testing's tolerances)."""
    got_leaves, got_def = tree.flatten(got)
    want_leaves, want_def = tree.flatten(want)
    assert got_def == want_def, f"{err_msg}: structure {got_def} != {want_def}"
    for g, w in zip(got_leaves, want_leaves):
        assert np.shape(g) == np.shape(w), f"{err_msg}: shape {np.shape(g)} != {np.shape(w)}"
        np.testing.assert_allclose(g, w, err_msg=err_msg, **tolerance)
