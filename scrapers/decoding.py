"""Bytes to text, in one place: the byte-order marks, declared charsets and fallbacks every reader shares.

`decode_body` (any response body: JSON, CSV, iCalendar, XML), `decode_html` (a page: its <meta> charset
counts), and `detect_encoding` (the codec the fetcher records on a `FetchResult`). Pure, no I/O.
"""

from __future__ import annotations

import codecs
import re

# Longest first: a UTF-32 LE mark begins with the UTF-16 LE one.
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""")
_AS_WINDOWS_1252 = {"ascii", "iso8859-1", "latin-1"}  # as browsers read these labels (WHATWG)
_DETECT_MIN_BYTES = 256  # too little text makes the detector guess wildly


def bom_codec(body: bytes) -> str | None:
    """The codec a byte-order mark at the start of `body` names, or None."""
    return next((name for bom, name in BOMS if body.startswith(bom)), None)


def decode_body(body: bytes) -> str:
    """Text of a response body in any encoding: BOM, then UTF-8, then charset_normalizer, then cp1252."""
    if isinstance(body, str):
        return body
    marked = bom_codec(body)
    if marked:
        return body.decode(marked, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(body) >= _DETECT_MIN_BYTES:
        from charset_normalizer import from_bytes

        matches = from_bytes(body)
        best = matches.best()
        if best is not None:
            close = [m for m in matches if m.chaos <= best.chaos + 0.05]  # near-ties between Latin code pages
            chosen = next((m for m in close if m.encoding == "cp1252"), best)  # Western data wins them
            return str(chosen)
    return body.decode("cp1252", errors="replace")


def decode_html(body: bytes) -> str:
    """Text of an HTML page: BOM, then UTF-8, then the charset its <meta> declares, then `decode_body`."""
    if isinstance(body, str):
        return body
    if bom_codec(body):
        return decode_body(body)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(body[:8192])
    name = _codec(match.group(1)) if match else None
    if name:
        return body.decode(name, errors="replace")
    return decode_body(body)


def detect_encoding(body: bytes, content_type: str | None = None) -> str | None:
    """The codec for `body`: BOM, else the declared charset (header, then meta/XML) if it really decodes,
    else UTF-8 if valid, else windows-1252 (or latin-1). None for an empty body without a declaration."""
    marked = bom_codec(body)
    if marked:
        return marked
    head = body[:4096]
    declared = [_CHARSET.search(content_type or ""), _XML_ENCODING.search(head), _META_CHARSET.search(head)]
    for match in declared:
        name = _codec(match.group(1)) if match else None
        if name and _decodes(body, name):
            return name
    if not body:
        return None
    for name in ("utf-8", "cp1252"):
        if _decodes(body, name):
            return name
    return "iso8859-1"


def _codec(label: str | bytes | None) -> str | None:
    if isinstance(label, bytes):
        label = label.decode("ascii", errors="ignore")
    try:
        name = codecs.lookup(label).name if label else None
    except LookupError:
        return None
    return "cp1252" if name in _AS_WINDOWS_1252 else name


def _decodes(body: bytes, name: str) -> bool:
    try:
        body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
