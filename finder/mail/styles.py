"""HTML for mail clients: the templates' <style> rules copied into style attributes at build time.

Many clients drop <style> or <head>; inline styles survive. Media queries (dark mode, narrow screens) cannot be
inlined, so they stay in a <style> tag for the clients that read one. Nothing remote is ever loaded.
"""

from __future__ import annotations

import css_inline

# One inliner for the process: building it parses options once (digests are built by the thousand).
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    """`html` with every <style> rule applied as inline style attributes (at-rules kept in a <style> tag)."""
    return _INLINER.inline(html)
