"""axe-core run in a page, injected once per document: every injection compiles the 570 kB script again (~90 ms
of the browser's CPU), and the browser tests check each page twice (in full, then its colours in dark)."""

from __future__ import annotations

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import DEFAULT_OPTIONS, Axe


class PageAxe(Axe):
    def run(self, page, context=None, options: dict | None = DEFAULT_OPTIONS) -> AxeResults:
        if not page.evaluate("typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
            page.evaluate(self.axe_script)
        arguments = self._format_script_args(context=context, options=options)
        return AxeResults(page.evaluate(f"axe.run({arguments})"))
