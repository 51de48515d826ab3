"""What the tests of issue 16's transforms share: the strategies to run and the programs of
custom_programs.py."""

import importlib
import sys

import pytest

from ad import ops

EVERY = ["adlib", "adoo", "adsct"]
ENGINES = ["adlib", "adoo"]


@pytest.fixture(scope="module")
def p():
    """tests/custom_programs.py, imported afresh; its ops are unregistered afterwards."""
    before = set(ops.REGISTRY)
    module = importlib.import_module("custom_programs")
    yield module
    for name in set(ops.REGISTRY) - before:
        ops.unregister(name)
    sys.modules.pop("custom_programs", None)
