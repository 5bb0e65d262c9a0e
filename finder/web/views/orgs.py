"""An organisation: what it is and all its visible listings."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, render_template, url_for
from sqlalchemy import select

from finder.models import Listing, Organization
from finder.ongoing import is_over
from finder.web import feeds, structured
from finder.web.card_images import card_images, image_origins
from finder.web.extensions import get_session
from finder.web.security import allow_images

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
    past = [listing for listing in listings if is_over(listing, now)]  # ongoing and in-progress ones are not
    upcoming = [listing for listing in listings if listing not in past]
    page_url = feeds.absolute(current_app.config["FINDER"].BASE_URL, url_for("orgs.show", org_id=org.id))
    jsonld = structured.script_tag(structured.organization_jsonld(org, page_url))
    images = card_images(session, upcoming)
    allow_images(image_origins(images.values()))
    return render_template(
        "org.html", org=org, listings=upcoming, past=past, page_url=page_url, jsonld=jsonld, images=images
    )
