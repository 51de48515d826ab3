"""Every docstring example in the package runs and prints what it shows."""

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import ad

MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(ad.__path__, "ad.") if not name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    before = set(ad.ops.REGISTRY)
    try:
        result = doctest.testmod(module, extraglobs={"np": np}, optionflags=doctest.ELLIPSIS)
    finally:  # ops an example defines (ad.custom's) are not for the registry-wide tests that follow
        for op_name in set(ad.ops.REGISTRY) - before:
            ad.ops.unregister(op_name)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_public_functions_have_examples():
    """A docstring with a tiny example on every public function of the core modules."""
    missing = []
    for name in ("ad.numeric", "ad.tree", "ad.ops.core", "ad.adoo.transforms"):
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if callable(obj) and not isinstance(obj, type) and ">>>" not in (obj.__doc__ or ""):
                missing.append(f"{name}.{attr}")
    assert not missing, f"public functions without an example: {missing}"


@pytest.mark.parametrize("module_name", ["ad", "ad.adoo", "ad.adlib", "ad.adsct"])
def test_transforms_document_their_contract(module_name):
    """Each public transform names every parameter, what it returns and what it raises, with an
    example; `help()` shows its real signature (no *args/**kwargs stand-ins)."""
    import inspect
    module = importlib.import_module(module_name)
    gaps = []
    for name in ("grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian"):
        function = getattr(module, name)
        doc = inspect.getdoc(function) or ""
        parameters = inspect.signature(function).parameters
        if any(p.kind in (p.VAR_KEYWORD,) for p in parameters.values()):
            gaps.append(f"{name}: signature {inspect.signature(function)}")
        gaps += [f"{name}: parameter {p!r} not described" for p in parameters if f"{p}:" not in doc]
        gaps += [f"{name}: no {part!r} section" for part in ("Returns:", "Raises:", ">>>") if part not in doc]
    assert not gaps, gaps
