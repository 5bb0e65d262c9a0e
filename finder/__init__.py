"""Kindred: find clubs, volunteering and meetups near you.

Importing `finder` loads nothing else: `finder.ranking` or `finder --help` must not pay for Flask. The app
factory lives in `finder.web.app`; `from finder import create_app` still works through `__getattr__` (PEP 562),
which imports it on first use.
"""

from __future__ import annotations

_LAZY = {"create_app": "finder.web.app", "MAX_REQUEST_BYTES": "finder.web.app", "load_config": "finder.config"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:  # also how `from finder import search_index` falls through to importing the submodule
        raise AttributeError(f"module 'finder' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
