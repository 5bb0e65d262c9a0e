"""The admin's edits of data/sources.local.toml keep the operator's comments, layout and file mode."""

from __future__ import annotations

import os
import stat
import tomllib

import pytest

from finder.catalog.overlay import write_entry
from finder.catalog.sources import CatalogError, overlay_path

OPERATOR = """# Our local sources: ask Sam before changing (backed up nightly).

[[source]]
slug = "riverside"   # the community centre
adapter = "ics"
url = "https://riverside.example/events.ics"
mapping = { ignore_offset = true }

# Paused while they fix their feed
[[source]]
slug = "library"
adapter = "ics"
url = "https://library.example/cal.ics"
"""


def test_an_edit_keeps_comments_and_mode(tmp_path):
    catalog = tmp_path / "sources.toml"
    catalog.write_text("# shipped\n")
    overlay = overlay_path(catalog)
    overlay.write_text(OPERATOR)
    os.chmod(overlay, 0o640)
    write_entry(catalog, {"slug": "library", "enabled": False})
    write_entry(
        catalog,
        {"slug": "newsite", "adapter": "ics", "url": "https://new.example/x.ics", "mapping": {"ignore_offset": True}},
    )
    text = overlay.read_text()
    for comment in ("# Our local sources: ask Sam", "# the community centre", "# Paused while they fix their feed"):
        assert comment in text
    assert stat.S_IMODE(overlay.stat().st_mode) == 0o640
    entries = {entry["slug"]: entry for entry in tomllib.loads(text)["source"]}
    assert entries["library"]["enabled"] is False and "enabled" not in entries["riverside"]
    assert entries["newsite"]["mapping"] == {"ignore_offset": True}
    assert text.startswith(OPERATOR.split("# Paused")[0])  # untouched above the edited table


def test_a_new_overlay_is_readable_by_the_services_and_a_bad_edit_changes_nothing(tmp_path):
    catalog = tmp_path / "sources.toml"
    catalog.write_text("")
    path = write_entry(catalog, {"slug": "a", "adapter": "ics", "url": "https://a.example/x.ics"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    before = path.read_text()
    with pytest.raises(CatalogError):
        write_entry(catalog, {"slug": "b", "adapter": "no-such-format", "url": "https://b.example/"})
    assert path.read_text() == before
