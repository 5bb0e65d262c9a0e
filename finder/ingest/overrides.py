"""What people decided about listings, kept over what sources say: organisers' corrections (overrides),
opt-outs, administrators' hides and blocked organisers (suppressions).

`apply_overrides(session, listing_ids)` is the importer's hook, called after each upsert: it writes the
corrections back and hides suppressed listings (including new copies from any other source). The
caller commits and refreshes the search index (the importer does so once per batch).

The decisions people take one at a time (`suppress_listing`, `suppress_organization`, `lift_listing`,
`correct_listing`) bring the search index in step themselves, so a hidden listing leaves search at once
whoever hid it; callers still own the commit.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from finder import index
from finder.db import chunks_of, one_of
from finder.identity import domain, organization_key
from finder.ingest.liveness import liveness_of
from finder.models import Listing, ListingOverride, ListingSource, Organization, Suppression, utcnow

# Fields an organiser may correct, with their column length (None = unbounded text).
OVERRIDABLE = {
    "title": 500, "description": None, "url": None, "cost": 200, "venue_name": 300, "street": 300,
    "locality": 200, "postcode": 20, "online_url": None,
}  # fmt: skip


def apply_overrides(session: Session, listing_ids) -> set[int]:
    """Re-apply corrections and suppressions to these listings; returns the ids whose row changed."""
    ids = sorted({int(i) for i in listing_ids})
    if not ids:
        return set()
    changed: set[int] = set()
    suppressions = session.scalars(select(Suppression)).all()
    dialect = session.get_bind().dialect.name
    for chunk in chunks_of(ids, dialect):
        overrides = session.scalars(
            select(ListingOverride).where(one_of(ListingOverride.listing_id, chunk, dialect))
        ).all()
        by_listing: dict[int, list[ListingOverride]] = {}
        for row in overrides:
            by_listing.setdefault(row.listing_id, []).append(row)
        if not by_listing and not suppressions:
            continue
        urls = _source_urls(session, chunk) if any(row.url for row in suppressions) else {}
        query = select(Listing).where(one_of(Listing.id, chunk, dialect)).options(selectinload(Listing.organization))
        for listing in session.scalars(query):
            if _write_overrides(listing, by_listing.get(listing.id, [])):
                changed.add(listing.id)
            if (
                suppressions
                and listing.liveness != "hidden"
                and suppressed(listing, suppressions, urls.get(listing.id, set()))
            ):
                listing.liveness = "hidden"
                changed.add(listing.id)
    return changed


def _write_overrides(listing: Listing, rows: list[ListingOverride]) -> bool:
    changed = False
    for row in rows:
        if row.field in OVERRIDABLE and getattr(listing, row.field) != row.value:
            setattr(listing, row.field, row.value)
            if row.field == "description":
                listing.description_html = ""
            changed = True
    return changed


def correct_listing(session: Session, listing: Listing, values: dict[str, str], claim_id: int | None) -> None:
    """Store an organiser's corrections ({field: value}; a blank value removes one), apply them now and
    refresh the listing's search index row."""
    for field, value in values.items():
        set_override(session, listing, field, value, claim_id)
    _reindex(session, [listing.id])


def set_override(session: Session, listing: Listing, field: str, value: str, claim_id: int | None) -> None:
    """Store (or remove, when `value` is blank) one correction and apply it now (the index: `correct_listing`)."""
    limit = OVERRIDABLE[field]
    value = (value or "").strip()[:limit] if limit else (value or "").strip()
    row = session.scalar(
        select(ListingOverride).where(ListingOverride.listing_id == listing.id, ListingOverride.field == field)
    )
    if not value:
        if row is not None:
            session.delete(row)
            _reread(listing)
        return
    if row is None:
        row = ListingOverride(listing_id=listing.id, field=field, claim_id=claim_id, created_at=utcnow())
        session.add(row)
    row.value = value
    _write_overrides(listing, [row])


def _reread(listing: Listing) -> None:
    """Forget the content hashes so the next run writes the source's own values back."""
    listing.content_hash = ""
    for link in listing.sources:
        link.content_hash = ""


def listing_org_key(listing: Listing) -> str:
    if listing.organization is not None:
        return listing.organization.key
    return organization_key(listing.organizer_name, listing.organizer_url) if listing.organizer_name else ""


def suppress_listing(session: Session, listing: Listing, reason: str, actor: str = "") -> Suppression:
    """Hide `listing` now; with reason opt-out, copies of it from any source stay hidden too."""
    copies = reason == "opt-out"
    row = Suppression(
        kind="listing",
        reason=reason,
        listing_id=listing.id,
        created_by=actor[:100],
        url=_norm_url(listing.url) if copies else "",
        match_title=listing.match_title if copies else "",
        first_day=listing.first_day if copies else "",
        organization_key=listing_org_key(listing) if copies else "",
        created_at=utcnow(),
    )
    session.add(row)
    listing.liveness = "hidden"
    _reindex(session, [listing.id])
    return row


def suppress_organization(session: Session, org: Organization, reason: str, actor: str = "") -> list[int]:
    """Hide every listing of `org` now and in future (any source); returns the ids hidden."""
    session.add(
        Suppression(
            kind="organization", reason=reason, organization_key=org.key, created_by=actor[:100], created_at=utcnow()
        )
    )
    hidden = []
    for listing in session.scalars(select(Listing).where(Listing.organization_id == org.id)):
        if listing.liveness != "hidden":
            listing.liveness = "hidden"
            hidden.append(listing.id)
    _reindex(session, hidden)
    return hidden


def lift_listing(session: Session, listing: Listing) -> None:
    """Undo hides and opt-outs of this listing; it shows again while a source still lists it."""
    session.execute(delete(Suppression).where(Suppression.listing_id == listing.id))
    listing.liveness = liveness_of(listing.sources, 1 << 30) if listing.sources else "active"
    _reindex(session, [listing.id])


def _reindex(session: Session, listing_ids: list[int]) -> None:
    """The search index rows of these listings in step with what was just decided (flushed first)."""
    session.flush()
    index.refresh(session, listing_ids)


def suppressed(listing: Listing, rows: list[Suppression], source_urls: set[str] = frozenset()) -> Suppression | None:
    """The suppression that covers `listing` (seen at `source_urls`, normalised), if any."""
    org_key = listing_org_key(listing)
    urls = {_norm_url(listing.url)} | set(source_urls)
    for row in rows:
        if row.kind == "listing":
            if row.listing_id == listing.id or (row.url and row.url in urls):
                return row
            if (
                row.match_title
                and row.match_title == listing.match_title
                and (row.first_day == listing.first_day or (row.organization_key and row.organization_key == org_key))
            ):
                return row
        elif row.kind == "organization" and org_key and same_organization(row.organization_key, org_key):
            return row
    return None


def _source_urls(session: Session, ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    rows = session.execute(
        select(ListingSource.listing_id, ListingSource.source_url).where(
            one_of(ListingSource.listing_id, ids, session.get_bind().dialect.name), ListingSource.source_url != ""
        )
    )
    for listing_id, url in rows:
        found.setdefault(listing_id, set()).add(_norm_url(url))
    return found


def same_organization(a: str, b: str) -> bool:
    """Two organisation keys ("name|domain") are one organiser: same name, and domains equal or one unknown."""
    name_a, _, domain_a = a.partition("|")
    name_b, _, domain_b = b.partition("|")
    return bool(name_a) and name_a == name_b and (not domain_a or not domain_b or domain_a == domain_b)


def _norm_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.lower()
    return f"{domain(url)}{parts.path.rstrip('/')}{'?' + parts.query if parts.query else ''}".lower()
