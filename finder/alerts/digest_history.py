"""What each alert has already sent, and which of those listings changed since (the changes a digest reports)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.db import chunked
from finder.models import AlertSent, Listing, ListingChange

CHANGE_FIELDS = ("status", "start", "venue")


def sent_among(session: Session, alert_ids: list[int], listing_ids: list[int]) -> dict[int, set[int]]:
    """Which of `listing_ids` each alert has already sent (read through the (alert, listing) key)."""
    found: dict[int, set[int]] = {}
    if not listing_ids:
        return found
    wanted = set(listing_ids)
    for ids in chunked(alert_ids):
        for alert_id, listing_id in session.execute(
            select(AlertSent.alert_id, AlertSent.listing_id).where(
                AlertSent.alert_id.in_(ids), AlertSent.listing_id.between(min(wanted), max(wanted))
            )
        ):
            if listing_id in wanted:
                found.setdefault(alert_id, set()).add(listing_id)
    return found


def changes_by_alert(
    session: Session, since: dict[int, datetime]
) -> dict[int, list[tuple[Listing, list[ListingChange]]]]:
    """`changed_since` for many alerts at once: {alert id: [(listing, its changes since the alert's since)]}."""
    if not since:
        return {}
    rows = session.scalars(
        select(ListingChange)
        .where(ListingChange.changed_at > min(since.values()), ListingChange.field.in_(CHANGE_FIELDS))
        .order_by(ListingChange.listing_id, ListingChange.changed_at)
    ).all()
    by_listing: dict[int, list[ListingChange]] = {}
    for change in rows:
        by_listing.setdefault(change.listing_id, []).append(change)
    changed, alert_ids = sorted(by_listing), list(since)
    found: dict[int, list] = {}
    for ids in chunked(alert_ids):
        for listing_ids in chunked(changed):
            pairs = session.execute(
                select(AlertSent.alert_id, AlertSent.listing_id).where(
                    AlertSent.alert_id.in_(ids), AlertSent.listing_id.in_(listing_ids)
                )
            ).all()
            for alert_id, listing_id in pairs:
                mine = [change for change in by_listing[listing_id] if change.changed_at > since[alert_id]]
                if mine:
                    found.setdefault(alert_id, []).append((session.get(Listing, listing_id), mine))
    return {alert_id: sorted(items, key=lambda item: item[0].id) for alert_id, items in found.items()}


def changed_since(
    session: Session, listing_ids: set[int], since: datetime
) -> list[tuple[Listing, list[ListingChange]]]:
    """Listings the alert sent before that changed in a way people care about since `since`."""
    if not listing_ids:
        return []
    rows = session.scalars(
        select(ListingChange)
        .where(
            ListingChange.listing_id.in_(listing_ids),
            ListingChange.changed_at > since,
            ListingChange.field.in_(CHANGE_FIELDS),
        )
        .order_by(ListingChange.listing_id, ListingChange.changed_at)
    ).all()
    grouped: dict[int, list[ListingChange]] = {}
    for change in rows:
        grouped.setdefault(change.listing_id, []).append(change)
    return [(session.get(Listing, listing_id), changes) for listing_id, changes in grouped.items()]
