"""HSDS tabular data (CSV files, alone or zipped as a package) turned into the nested JSON shape.

Each table is read in any encoding (`decode_body`); the package's tables are joined on their id
columns so that a service row becomes a dict like HSDS 3 `service_full` (organization, schedules,
service_at_locations[].location with addresses/accessibility, cost_options, languages).

Work is bounded: a package may unpack to `max_bytes` in all (its members counted as they are read, not
as they say), and each table keeps its first `MAX_ROWS` rows (read one at a time; a problem line says so).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from pathlib import PurePosixPath

from scrapers.base import ParseError
from scrapers.decoding import decode_body

MAX_ROWS = 50_000  # per table: a large 211 directory has some tens of thousands of services
_CHUNK = 1 << 16
TABLES = {
    "services",
    "organizations",
    "locations",
    "addresses",
    "schedules",
    "service_at_locations",
    "cost_options",
    "languages",
    "accessibility",
    "phones",
    "contacts",
}


def read_csv(body: bytes, label: str = "CSV table") -> tuple[list[dict], list[str]]:
    """Rows of one CSV table with blank cells dropped (the first MAX_ROWS), and a problem line when there
    were more; ParseError when it is not a table."""
    # newline="": the csv module itself reads CRLF, LF and classic-Mac CR-only line endings
    reader = csv.DictReader(io.StringIO(decode_csv(body), newline=""))
    rows, problems = [], []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                problems.append(f"{label}: only the first {MAX_ROWS:,} rows read")
                break
            rows.append(
                {
                    key.strip(): value.strip()
                    for key, value in row.items()
                    if key and isinstance(value, str) and value.strip()
                }
            )
    except csv.Error as error:
        raise ParseError(f"unreadable CSV: {error}") from error
    if not rows or len(reader.fieldnames or []) < 2:
        raise ParseError("not an HSDS CSV table (no header with several columns)")
    return rows, problems


def decode_csv(body: bytes) -> str:
    """Text of a CSV file in any encoding. A file that is not UTF-8 and ends its lines with CR alone was
    written on a classic Mac, so in Mac-Roman (which charset detection mistakes for Windows-1252: "Café"
    would come out "CafŽ"); anything else goes through `decode_body` (BOM, UTF-8, detection)."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\r" in body and b"\n" not in body:
        return body.decode("mac_roman")
    return decode_body(body)


def table_name(columns: set[str]) -> str:
    """Which HSDS table a CSV header belongs to."""
    if "freq" in columns or "opens_at" in columns:
        return "schedules"
    if "service_id" in columns and "location_id" in columns:
        return "service_at_locations"
    if "address_1" in columns:
        return "addresses"
    if "location_type" in columns or {"latitude", "longitude", "name"} <= columns:
        return "locations"
    if "name" in columns and ("organization_id" in columns or "eligibility_description" in columns):
        return "services"
    if "name" in columns and ("legal_status" in columns or "website" in columns or "year_incorporated" in columns):
        return "organizations"
    return "other"


def read_package(body: bytes, max_bytes: int) -> tuple[dict[str, list[dict]], list[str]]:
    """Tables of a zipped HSDS package by table name (from the file name, else from the header), and problem
    lines; ParseError when the package is broken or its tables unpack to more than `max_bytes` in all."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as error:
        raise ParseError(f"broken zip package: {error}") from error
    tables: dict[str, list[dict]] = {}
    problems: list[str] = []
    left = max_bytes
    for info in archive.infolist():
        if not info.filename.lower().endswith(".csv"):
            continue
        data = _unpack(archive, info, left, max_bytes)
        left -= len(data)
        rows, cut = read_csv(data, info.filename)
        problems += cut
        stem = PurePosixPath(info.filename).stem.lower()
        name = next((n for n in (stem, f"{stem}s") if n in TABLES), None) or table_name(set().union(*rows))
        tables[name] = rows
    return tables, problems


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, left: int, max_bytes: int) -> bytes:
    """One member's bytes, read in chunks until `left` (what the package's budget has left) is spent."""
    data = bytearray()
    try:
        with archive.open(info) as member:
            while chunk := member.read(min(_CHUNK, left - len(data) + 1)):
                data += chunk
                if len(data) > left:
                    raise ParseError(f"the package unpacks to more than {max_bytes:,} bytes (at {info.filename})")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise ParseError(f"unreadable {info.filename} in the package: {error}") from error
    return bytes(data)


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for row in rows:
        if row.get(key):
            grouped[row[key]].append(row)
    return grouped


def nest_services(tables: dict[str, list[dict]]) -> list[dict]:
    """Service rows joined with their organization, schedules, locations, costs and languages."""
    organizations = {row.get("id"): row for row in tables.get("organizations", [])}
    locations = {row.get("id"): dict(row) for row in tables.get("locations", [])}
    addresses = _by(tables.get("addresses", []), "location_id")
    accessibility = _by(tables.get("accessibility", []), "location_id")
    location_schedules = _by([s for s in tables.get("schedules", []) if not s.get("service_id")], "location_id")
    for location_id, location in locations.items():
        location["addresses"] = addresses.get(location_id, [])
        location["accessibility"] = accessibility.get(location_id, [])
        location["schedules"] = location_schedules.get(location_id, [])
    by_service = {
        name: _by(tables.get(name, []), "service_id")
        for name in ("schedules", "cost_options", "languages", "service_at_locations")
    }
    nested = []
    for row in tables.get("services", []):
        service = dict(row)
        service_id = row.get("id", "")
        service["organization"] = organizations.get(row.get("organization_id"), {})
        service["schedules"] = by_service["schedules"].get(service_id, [])
        service["cost_options"] = by_service["cost_options"].get(service_id, [])
        service["languages"] = by_service["languages"].get(service_id, [])
        service["service_at_locations"] = [
            {**link, "location": locations.get(link.get("location_id"), {})}
            for link in by_service["service_at_locations"].get(service_id, [])
        ]
        nested.append(service)
    return nested
