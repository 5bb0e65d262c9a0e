"""One test-only speed-up: Jinja templates compiled once per test process instead of once per app.

Most tests build a fresh app (`create_app`), and each app's Jinja environment lexes, parses and compiles every
template it renders again (about 0.05 s a template: a quarter of a page test's time). Jinja's own answer is a
bytecode cache; this one keeps the compiled code in memory for the process. The code a template compiles to
depends on its source (the bucket's checksum), its name, and the environment's compile-time settings, so those
are the key: an app with other delimiters, extensions or i18n settings compiles its own. The code object holds
no state of the environment (it is executed against the environment rendering it), so apps share it safely.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from jinja2.environment import Environment


def _compile_settings(environment: Environment) -> tuple:
    """What, besides the source, shapes the code a template compiles to."""
    autoescape = environment.autoescape
    return (
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        environment.optimized,
        environment.finalize is not None,
        environment.is_async,
        autoescape if isinstance(autoescape, bool) else getattr(autoescape, "__qualname__", repr(autoescape)),
        tuple(sorted(environment.extensions)),
        getattr(environment, "newstyle_gettext", None),
        environment.policies.get("ext.i18n.trimmed"),
    )


class SharedCompiledTemplates(BytecodeCache):
    """Compiled template code in memory, shared by every app of the process."""

    def __init__(self) -> None:
        self.code: dict[tuple, object] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = self.code.get((bucket.key, bucket.checksum, _compile_settings(bucket.environment)))

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[(bucket.key, bucket.checksum, _compile_settings(bucket.environment))] = bucket.code


def install() -> None:
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedCompiledTemplates()}
