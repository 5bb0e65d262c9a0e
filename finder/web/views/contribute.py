"""Contribution without an account: suggest a source (fetched, detected, previewed, queued) and
report a listing (reason + optional note, rate-limited, into the moderation queue)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from finder import trust
from finder.models import ListingReport, utcnow
from finder.web.extensions import get_session, limiter
from finder.web.i18n import N_, translate_known
from finder.web.views.listings import visible_listing

bp = Blueprint("contribute", __name__)
REASONS = {
    "wrong": _l("Details are wrong"),
    "gone": _l("It no longer happens"),
    "spam": _l("Spam or advertising"),
    "unsafe": _l("Unsafe or abusive"),
}
SUGGEST_MESSAGES = (  # finder/trust/suggestions.py's messages to people, for translate_known
    N_("Please paste a full web address starting with http:// or https://."),
    N_("We could not fetch that address: %(reason)s"),
    N_("We could not read listings there: %(reason)s"),
    N_("We read that page but found no listings in it."),
)
MAX_NOTE = 2000
MAX_OPEN_REPORTS_PER_LISTING = 10  # open reports kept per listing (one flood must not fill the admin queue)
log = logging.getLogger(__name__)


@bp.get("/suggest")
def suggest_form():
    return render_template("contribute/suggest.html", url="", note="", error="", found=None)


@bp.post("/suggest")
@limiter.limit("10/hour")
def suggest_source():
    """Fetch the pasted URL now, show what it would import, and queue it for an administrator."""
    url = (request.form.get("url") or "").strip()
    note = (request.form.get("note") or "").strip()[:MAX_NOTE]
    try:
        found = trust.preview(url, current_app.config["FINDER"])
    except trust.SuggestError as error:
        return render_template(
            "contribute/suggest.html",
            url=url,
            note=note,
            error=translate_known(str(error), SUGGEST_MESSAGES),
            found=None,
        ), 422
    session = get_session()
    trust.queue(session, found, note)
    session.commit()
    return render_template("contribute/suggest.html", url="", note="", error="", found=found)


@bp.get("/listings/<int:listing_id>/report")
def report_form(listing_id: int):
    listing = visible_listing(listing_id)
    return render_template("contribute/report.html", listing=listing, reasons=REASONS, error="", done=False)


@bp.post("/listings/<int:listing_id>/report")
@limiter.limit("5/hour")
def report(listing_id: int):
    listing = visible_listing(listing_id)
    reason = request.form.get("reason", "")
    if reason not in REASONS:
        return render_template(
            "contribute/report.html",
            listing=listing,
            reasons=REASONS,
            error=_("Please choose what is wrong."),
            done=False,
        ), 400
    session = get_session()
    waiting = session.scalar(
        select(func.count())
        .select_from(ListingReport)
        .where(ListingReport.listing_id == listing.id, ListingReport.status == "open")
    )
    if waiting < MAX_OPEN_REPORTS_PER_LISTING:
        session.add(
            ListingReport(
                listing_id=listing.id,
                reason=reason,
                status="open",
                created_at=utcnow(),
                note=(request.form.get("note") or "").strip()[:MAX_NOTE],
            )
        )
        session.commit()
    else:  # the listing is already in the queue many times over; more copies only bury other reports
        log.info("report on listing %s not stored: %s already open", listing.id, waiting)
    return render_template("contribute/report.html", listing=listing, reasons=REASONS, error="", done=True)
