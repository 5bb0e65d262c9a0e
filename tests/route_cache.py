"""One test-only speed-up: Werkzeug's URL builders compiled once per rule shape instead of once per app.

Most tests build a fresh app (`create_app`), and each app binds ~250 URL rules. Werkzeug compiles two Python
functions per rule (`Rule._compile_builder`: an AST, then `compile()`), which was ~0.3 s of CPU per app, more
than the rest of `create_app` together. The function it makes depends only on the rule's text, its parsed
trace, its defaults and `append_unknown`; it reads the converters from the rule it is bound to at call time.
So the same shape yields the same function, and we hand back the one compiled first. Rules whose defaults fill
a variable of the path (the only case where a converter is called while compiling) are compiled as usual.
"""

from __future__ import annotations

from werkzeug.routing.rules import Rule

_original = Rule._compile_builder
_compiled: dict[tuple, object] = {}


def _cached_compile_builder(self: Rule, append_unknown: bool = True):
    defaults = self.defaults or {}
    if any(is_dynamic and data in defaults for is_dynamic, data in self._trace):
        return _original(self, append_unknown)
    key = (self.rule, tuple(self._trace), tuple(sorted(defaults)), append_unknown)
    builder = _compiled.get(key)
    if builder is None:
        builder = _compiled[key] = _original(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _cached_compile_builder
