"""Which countries a postcode can belong to, from its shape alone (pure; issue 19).

A Brazilian CEP "01310-100" has a shape no other country writes, so its lookup stays in Brazil instead of
matching France's "01310" on its first five digits. Only distinctive shapes are listed (a separator or
letters in a fixed place); a bare run of digits ("75001", "2000") could be many countries and is left open.
"""

from __future__ import annotations

import re

SHAPES: dict[str, re.Pattern] = {
    "BR": re.compile(r"^\d{5}-\d{3}$"),  # CEP 01310-100
    "PT": re.compile(r"^\d{4}-\d{3}$"),  # 1000-001
    "PL": re.compile(r"^\d{2}-\d{3}$"),  # 00-950
    "JP": re.compile(r"^\d{3}-\d{4}$"),  # 100-0001
    "US": re.compile(r"^\d{5}-\d{4}$"),  # ZIP+4 62701-1234
    "CA": re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$"),  # A1A 1A1
    "GB": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?(?: ?\d[A-Z]{2})?$"),  # SW1A 1AA, and outward codes such as N1
    "NL": re.compile(r"^\d{4} ?[A-Z]{2}$"),  # 1012 AB
    "AR": re.compile(r"^[A-Z]\d{4}[A-Z]{3}$"),  # C1425DKL
}


def postcode_countries(text: str) -> set[str] | None:
    """The countries whose postcodes have this shape, or None when the shape does not tell (digits only)."""
    code = " ".join((text or "").upper().split())
    found = {cc for cc, shape in SHAPES.items() if shape.match(code)}
    return found or None
