"""A package's public names, loaded from their modules on first use (PEP 562), so that importing one module of a
package never loads its siblings: `__all__, __getattr__ = lazy_exports(__name__, {"module": ["name", ...]})`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module


def lazy_exports(package: str, names_by_module: dict[str, list[str]]) -> tuple[list[str], Callable[[str], object]]:
    home = {name: module for module, names in names_by_module.items() for name in names}

    def __getattr__(name: str) -> object:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return sorted(home), __getattr__
