"""The readable table `finder parse` prints without --json (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_table(rows: list[dict], console: Console | None = None) -> None:
    """One line per listing: title, kind, first start, place, status, occurrences in the window."""
    console = console or Console()
    table = Table(title=f"{len(rows)} listing{'s' if len(rows) != 1 else ''}", show_lines=False)
    for name in ("title", "kind", "start", "where", "status", "occ.", "tags"):
        table.add_column(name, overflow="fold")
    for row in rows:
        venue = row["venue"]
        where = ", ".join(v for v in (venue["name"], venue["street"], venue["locality"]) if v)
        if row["online"]:
            where = f"{where} (online)" if where else "online"
        table.add_row(
            row["title"] or "(untitled)",
            row["kind"],
            (row["start"] or "")[:16].replace("T", " "),
            where,
            row["status"],
            str(len(row["occurrences"])),
            ", ".join(row["tags"]),
        )
    console.print(table)
