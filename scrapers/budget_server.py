"""Imported by the parse workers' fork server only (first in `scrapers.budget`'s preload list).

Each worker the fork server forks would otherwise run its caller's main script again before it parses:
`multiprocessing` re-runs `__main__` in every child unless the fork server preloaded it, and before
Python 3.13 it never does (CPython gh-126631: it looks for `main_path`, which is now called
`init_main_from_path`). For `finder scheduler` or a benchmark that meant importing the CLI, the web
framework and the database layer again for every page: 0.5-2 s a page, where the OpenActive adapter
reads a page of 500 sessions in 0.06 s. A parse worker needs nothing from `__main__` (its target, the
adapter classes and the values it gets are all `scrapers` objects, pickled by module name), so in the fork
server's children the caller's main module is left as it is: the fork server's own.
"""

from __future__ import annotations

from multiprocessing import spawn


def _main_not_run_again(_main: str) -> None:
    """In place of `multiprocessing.spawn._fixup_main_from_path` / `_from_name` in the fork server's children."""


spawn._fixup_main_from_path = _main_not_run_again
spawn._fixup_main_from_name = _main_not_run_again
