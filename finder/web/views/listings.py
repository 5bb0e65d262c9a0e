"""One listing: its page and its calendar file."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from sqlalchemy import or_, select

from finder.catalog import listing_terms
from finder.models import Listing, Occurrence
from finder.ongoing import is_ongoing
from finder.web import feeds, structured
from finder.web.card_images import card_images, image_origins
from finder.web.extensions import get_session
from finder.web.security import allow_images
from finder.web.views.searching import back_to_search

bp = Blueprint("listings", __name__)
UPCOMING_SHOWN = 12


def visible_listing(listing_id: int) -> Listing:
    listing = get_session().get(Listing, listing_id)
    if listing is None or listing.liveness == "hidden":
        abort(404)
    return listing


@bp.get("/listings/<int:listing_id>")
def show(listing_id: int):
    listing = visible_listing(listing_id)
    now = datetime.now(UTC)
    upcoming = (
        get_session()
        .scalars(  # a meeting in progress (started, not ended) is still shown: happening now
            select(Occurrence)
            .where(Occurrence.listing_id == listing.id, or_(Occurrence.start >= now, Occurrence.end > now))
            .order_by(Occurrence.start)
            .limit(UPCOMING_SHOWN)
        )
        .all()
    )
    verified = max((source.last_seen for source in listing.sources), default=listing.last_seen)
    page_url = feeds.absolute(current_app.config["FINDER"].BASE_URL, url_for("listings.show", listing_id=listing.id))
    picture = card_images(get_session(), [listing]).get(listing.id, "")
    allow_images(image_origins([picture] if picture else []))
    return render_template(
        "listing.html",
        listing=listing,
        picture=picture,
        upcoming=upcoming,
        now=now,
        ongoing=is_ongoing(listing, now),
        verified=verified,
        page_url=page_url,
        back_query=back_to_search(request.referrer, request.host),
        share_mailto="mailto:?subject=" + quote(listing.title) + "&body=" + quote(page_url),
        report_mailto=_report_mailto(listing, page_url),
        jsonld=structured.script_tag(
            structured.listing_jsonld(listing, page_url, links_only=listing_terms(listing)["links_only"])
        ),
    )


@bp.get("/listings/<int:listing_id>.ics")
def calendar(listing_id: int):
    listing = visible_listing(listing_id)
    body = feeds.listing_calendar(
        listing, current_app.config["FINDER"].BASE_URL, links_only=listing_terms(listing)["links_only"]
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="kindred-{listing.id}.ics"'},
    )


def _report_mailto(listing: Listing, page_url: str) -> str:
    """mailto: link to the site's admin about this listing, or '' when no admin address is set."""
    address = current_app.config["FINDER"].ADMIN_EMAIL
    if not address:
        return ""
    subject = quote(f"Problem with listing {listing.id}: {listing.title}"[:150])
    return f"mailto:{quote(address, safe='@')}?subject={subject}&body={quote(page_url)}"
