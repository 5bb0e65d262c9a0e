"""Open Referral UK directories for `finder sources discover`, from the ORUK dashboard (FINDER_DISCOVER_ORUK_DASHBOARD).

The dashboard lists each council's or agency's feed (`url`, `label`, `summary`, `isUp`, and the validator's
`searchResults`) but not the area it covers, so discovery claims only what it can check:
- a directory whose label, summary, organisation or address names the place is proposed, previewed from
  its first `/services` page (filtered by the place's postcode when its postcode search works);
- any other directory whose postcode search the validator found working is asked
  `/services?postcode=...&proximity=<radius in metres>` (only with a postcode: `--postcode`, or a postcode
  as the place), and proposed when it answers with services within the radius;
- the rest (postcode search failing or untested, no name match) are not asked; one problem line names them.
A directory the dashboard marks down is skipped. Every request goes through the polite fetcher.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote_plus, urlsplit

MAX_DIRECTORIES = 40  # probed per discovery (politeness)
_WORD = re.compile(r"[^\W\d_]{3,}")


def directories(dashboard) -> list[dict]:
    """The dashboard's feed entries (a JSON list, or the first list among an object's values)."""
    if isinstance(dashboard, dict):
        dashboard = next((v for v in dashboard.values() if isinstance(v, list)), [])
    return [entry for entry in dashboard or [] if isinstance(entry, dict) and isinstance(entry.get("url"), str)]


def names_place(entry: dict, place_name: str) -> bool:
    """Whether the entry's label, summary, organisation or host names the place ("Bristol" in "Bristol Council")."""
    words = {w.casefold() for w in _WORD.findall(place_name.split(",")[0])}
    host = urlsplit(entry["url"]).hostname or ""
    text = " ".join(str(entry.get(k) or "") for k in ("label", "summary", "organisationLabel", "organisationUrl"))
    found = {w.casefold() for w in _WORD.findall(f"{text} {host.replace('.', ' ')}")}
    return bool(words) and words <= found


def postcode_search_works(entry: dict) -> bool:
    """The validator's "Postcode Search" test passed (`searchResults`, else the JSON inside `searchEnabledMessage`)."""
    results = entry.get("searchResults")
    if not isinstance(results, list):
        try:
            results = json.loads(str(entry.get("searchEnabledMessage") or "[]"))
        except ValueError:
            results = []
    for result in results if isinstance(results, list) else []:
        if isinstance(result, dict):
            name = str(result.get("testName") or result.get("TestName") or "")
            if "postcode" in name.casefold():
                return bool(result.get("success", result.get("Success")))
    return False


def services_url(entry: dict, postcode: str = "", radius_km: float = 0.0) -> str:
    """The directory's `/services`, asked for a postcode's surroundings when one is given."""
    base = entry["url"].rstrip("/") + "/services"
    if not postcode:
        return base
    return f"{base}?postcode={quote_plus(postcode.strip().upper())}&proximity={round(radius_km * 1000)}"


def oruk_candidates(run, place_name: str, postcode: str = "") -> list:
    """Candidates (finder/trust/discovery.py `Candidate`) among the dashboard's directories; problems go to `run`."""
    address = run.config.DISCOVER_ORUK_DASHBOARD
    if not address:
        return []
    dashboard = run._json(address)
    found, unasked = [], []
    for entry in directories(dashboard)[:MAX_DIRECTORIES]:
        if entry.get("isUp") is False:
            continue
        label = str(entry.get("label") or entry["url"])[:120]
        searchable = postcode_search_works(entry) and bool(postcode)
        if names_place(entry, place_name):
            url = services_url(entry, postcode if searchable else "", run.radius_km)
            candidate = run.preview("oruk", url, "hsds", f"{label} (Open Referral UK)")
            if candidate is not None and candidate.items:
                found.append(candidate)
        elif searchable:
            candidate = run.preview(
                "oruk", services_url(entry, postcode, run.radius_km), "hsds", f"{label} (Open Referral UK)"
            )
            if candidate is not None and candidate.near:
                found.append(candidate)
        else:
            unasked.append(label)
    if unasked:
        why = "no postcode given" if not postcode else "their postcode search fails or is untested"
        run.problems.append(
            f"Open Referral UK: {len(unasked)} directories not asked (the dashboard does not say "
            f"which area each covers; {why}): {', '.join(unasked)[:300]}"
        )
    return found
