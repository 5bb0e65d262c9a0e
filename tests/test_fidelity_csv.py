"""CSV as real directories publish it (issue 19): classic-Mac CR-only line endings, Mac-Roman and
Windows-1252 bytes read as the text they are."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapers.base import Context
from scrapers.hsds.adapter import HsdsAdapter
from scrapers.hsds.tabular import read_csv

HEADER = "id,organization_id,name,description,status"
ROWS = ["s1,o1,Café Zürich,Crèche and après-school club,active", "s2,o1,Señora's knitting,Ölfarbe & Co.,active"]


def _csv(encoding: str, newline: str) -> bytes:
    return newline.join([HEADER, *ROWS]).encode(encoding) + newline.encode()


def test_cr_only_mac_roman_csv_reads_clean():
    rows, _ = read_csv(_csv("mac_roman", "\r"))
    assert [r["name"] for r in rows] == ["Café Zürich", "Señora's knitting"]
    assert rows[1]["description"] == "Ölfarbe & Co."


def test_windows_1252_and_utf8_and_crlf_still_read():
    long_rows = ROWS * 20  # detection needs some text to go on
    body = ("\r\n".join([HEADER, *long_rows]) + "\r\n").encode("cp1252")
    assert read_csv(body)[0][0]["name"] == "Café Zürich"
    assert read_csv(_csv("utf-8", "\n"))[0][1]["description"] == "Ölfarbe & Co."
    assert read_csv(b"\xef\xbb\xbf" + _csv("utf-8", "\r"))[0][0]["id"] == "s1"


def test_cr_only_services_table_parses_through_the_adapter():
    context = Context(window_start=datetime(2030, 1, 1, tzinfo=UTC))
    listings = HsdsAdapter().parse(_csv("mac_roman", "\r"), "services.csv", context)
    assert sorted(item.title for item in listings) == ["Café Zürich", "Señora's knitting"]
