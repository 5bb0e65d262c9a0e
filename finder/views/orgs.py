"""An organisation: what it is and all its visible listings."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from finder.extensions import get_session
from finder.models import Listing, Organization

bp = Blueprint("orgs", __name__)


@bp.get("/orgs/<int:org_id>")
def show(org_id: int):
    session = get_session()
    org = session.get(Organization, org_id)
    if org is None:
        abort(404)
    listings = session.scalars(
        select(Listing)
        .where(Listing.organization_id == org.id, Listing.liveness != "hidden")
        .order_by(Listing.next_start.is_(None), Listing.next_start, Listing.title, Listing.id)
    ).all()
    now = datetime.now(UTC)
    upcoming = [listing for listing in listings if listing.next_start is None or listing.next_start >= now]
    past = [listing for listing in listings if listing not in upcoming]
    return render_template("org.html", org=org, listings=upcoming, past=past)
