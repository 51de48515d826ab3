"""What the tests of issue 16's transforms share: the strategies to run, the adsct cases still
to come (strict xfails that flip when adsct gains them), and the programs of custom_programs.py."""

import importlib
import sys

import pytest

from ad import ops

ADSCT_LATER = pytest.mark.xfail(strict=True, reason="adsct part of issue 16 not built yet")
EVERY = ["adlib", "adoo", "adsct"]
ENGINES = ["adlib", "adoo"]
EVERY_BUT_LATER = ["adlib", "adoo", pytest.param("adsct", marks=ADSCT_LATER)]


@pytest.fixture(scope="module")
def p():
    """tests/custom_programs.py, imported afresh; its ops are unregistered afterwards."""
    before = set(ops.REGISTRY)
    module = importlib.import_module("custom_programs")
    yield module
    for name in set(ops.REGISTRY) - before:
        ops.unregister(name)
    sys.modules.pop("custom_programs", None)
