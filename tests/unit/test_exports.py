"""Every public module declares ``__all__``, and every name in it exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tellers

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(tellers.__path__, prefix="tellers.")
    if not info.name.rsplit(".", 1)[-1].startswith("_") and ".migrations" not in info.name
)


@pytest.mark.parametrize("name", MODULES)
def test_module_declares_all_and_every_exported_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} declares no __all__"
    missing = [item for item in module.__all__ if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names missing objects: {missing}"
