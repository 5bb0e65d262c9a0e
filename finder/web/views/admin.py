"""The /admin area: login (session + CSRF), the queue of suggestions, reports and claims, and the
actions on them — every one logged with who and when."""

from __future__ import annotations

import re
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from finder import ingest, trust
from finder.catalog import CatalogError, sync_one, write_entry
from finder.models import AdminAction, Claim, Listing, ListingReport, Organization, Source, SourceSuggestion, utcnow
from finder.trust import authenticate, log_action
from finder.web.extensions import get_session, limiter
from finder.web.views.contribute import REASONS

bp = Blueprint("admin", __name__, url_prefix="/admin")
QUEUE_SIZE = 100
REPORTS_PER_PAGE = 50  # open reports, oldest first, a page at a time (?page=N)
_ADMIN_PATH = re.compile(r"/admin(/[A-Za-z0-9._~/-]*)?")  # where a login may return to


def login_required(view):
    """The view for a logged-in administrator whose session is still current (not ended by a logout)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = session.get("admin")
        if not user or not trust.session_valid(get_session(), user, session.get("admin_nonce", "")):
            session.pop("admin", None)
            session.pop("admin_nonce", None)
            return redirect(url_for("admin.login", next=request.path))
        return view(*args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login():
    """Log in; an account with too many wrong passwords in a row is locked for a growing while (all workers)."""
    if request.method == "GET":
        return render_template("admin/login.html", error="")
    db, config, now = get_session(), current_app.config["FINDER"], utcnow()
    username = (request.form.get("username") or "").strip()
    known = trust.is_account(db, config, username)
    wait = trust.wait_s(db, username, now) if known else 0
    if wait:
        error = _("Too many wrong passwords for this account. Try again in %(seconds)s seconds.", seconds=wait)
        return render_template("admin/login.html", error=error), 429
    user = authenticate(db, config, username, request.form.get("password", ""))
    if user:
        nonce = trust.record_success(db, user)
        session.clear()
        session["admin"], session["admin_nonce"] = user, nonce
        log_action(db, user, "login", "admin", user)
        db.commit()
        return redirect(safe_next(request.args.get("next", "")) or url_for("admin.queue"))
    if known:
        trust.record_failure(db, username, now)
        db.commit()
    return render_template("admin/login.html", error=_("Wrong user name or password.")), 401


@bp.post("/logout")
def logout():
    """End this administrator's sessions everywhere: the nonce changes, so copies of the cookie stop working."""
    user = session.get("admin")
    db = get_session()
    if user and trust.session_valid(db, user, session.get("admin_nonce", "")):
        trust.end_sessions(db, user)
        log_action(db, user, "logout", "admin", user)
        db.commit()
    session.pop("admin", None)
    session.pop("admin_nonce", None)
    return redirect(url_for("admin.login"))


@bp.get("")
@login_required
def queue():
    db = get_session()

    def pending(model, status):
        return db.scalars(
            select(model).where(model.status == status).order_by(model.created_at).limit(QUEUE_SIZE)
        ).all()

    report_total = db.scalar(select(func.count()).select_from(ListingReport).where(ListingReport.status == "open"))
    pages = max(1, -(-report_total // REPORTS_PER_PAGE))
    page = min(_page_number(request.args.get("page", "")), pages)
    reports = db.scalars(
        select(ListingReport)
        .where(ListingReport.status == "open")
        .order_by(ListingReport.created_at, ListingReport.id)
        .offset((page - 1) * REPORTS_PER_PAGE)
        .limit(REPORTS_PER_PAGE)
    ).all()
    listing_ids = [r.listing_id for r in reports]
    return render_template(
        "admin/queue.html",
        suggestions=pending(SourceSuggestion, "pending"),
        reports=reports,
        report_total=report_total,
        report_page=page,
        report_pages=pages,
        claims=pending(Claim, "verified") + pending(Claim, "pending"),
        listings={row.id: row for row in db.scalars(select(Listing).where(Listing.id.in_(listing_ids)))},
        sources=db.scalars(select(Source).order_by(Source.slug)).all(),
        log=db.scalars(select(AdminAction).order_by(AdminAction.id.desc()).limit(50)).all(),
        report_reasons=REASONS,
    )


@bp.post("/suggestions/<int:item_id>/<any(approve, reject):action>")
@login_required
def decide_suggestion(item_id: int, action: str):
    db = get_session()
    item = db.get(SourceSuggestion, item_id) or abort(404)
    if action == "approve":
        try:
            source = trust.approve(db, item, current_app.config["FINDER"], _actor())
        except (trust.SuggestError, CatalogError) as error:
            return _done(_("Not approved: %(reason)s", reason=error))
        detail = f"source {source.slug} ({item.url})"
    else:
        item.status, item.decided_at, item.decided_by = "rejected", utcnow(), _actor()
        detail = item.url
    log_action(db, _actor(), f"suggestion-{action}", "suggestion", item.id, detail)
    return _done(
        _("Suggestion %(id)s approved.", id=item.id)
        if action == "approve"
        else _("Suggestion %(id)s rejected.", id=item.id)
    )


@bp.post("/reports/<int:item_id>/<any(resolve, dismiss):action>")
@login_required
def decide_report(item_id: int, action: str):
    db = get_session()
    item = db.get(ListingReport, item_id) or abort(404)
    item.status = "resolved" if action == "resolve" else "dismissed"
    item.resolved_at, item.resolved_by = utcnow(), _actor()
    log_action(db, _actor(), f"report-{action}", "report", item.id, f"listing {item.listing_id}")
    return _done(
        _("Report %(id)s resolved.", id=item.id) if action == "resolve" else _("Report %(id)s dismissed.", id=item.id)
    )


@bp.post("/listings/<int:listing_id>/<any(hide, restore):action>")
@login_required
def listing_visibility(listing_id: int, action: str):
    db = get_session()
    listing = db.get(Listing, listing_id) or abort(404)
    if action == "hide":
        ingest.suppress_listing(db, listing, "hidden", actor=_actor())
    else:
        ingest.lift_listing(db, listing)
    log_action(db, _actor(), f"listing-{action}", "listing", listing.id, listing.title)
    return _done(
        _("Listing %(id)s hidden.", id=listing.id)
        if action == "hide"
        else _("Listing %(id)s: %(state)s.", id=listing.id, state=listing.liveness)
    )


@bp.post("/sources/<slug>/<any(block, unblock):action>")
@login_required
def source_block(slug: str, action: str):
    db = get_session()
    config = current_app.config["FINDER"]
    if db.scalar(select(Source).where(Source.slug == slug)) is None:
        abort(404)
    try:
        write_entry(config.path(config.SOURCES_FILE), {"slug": slug, "enabled": action == "unblock"})
        source = sync_one(db, config.path(config.SOURCES_FILE), slug)
    except CatalogError as error:
        return _done(_("Source %(slug)s unchanged: %(reason)s", slug=slug, reason=error))
    if action == "block":
        changed = ingest.hide_blocked(db, source)
    else:
        changed = ingest.show_unblocked(db, source, config.HIDE_AFTER_MISSES)
    log_action(
        db,
        _actor(),
        f"source-{action}",
        "source",
        slug,
        f"{len(changed)} listings {'hidden' if action == 'block' else 'shown again'}",
    )
    return _done(
        _("Source %(slug)s blocked.", slug=slug) if action == "block" else _("Source %(slug)s unblocked.", slug=slug)
    )


@bp.post("/orgs/<int:org_id>/block")
@login_required
def org_block(org_id: int):
    db = get_session()
    org = db.get(Organization, org_id) or abort(404)
    hidden = ingest.suppress_organization(db, org, "blocked", actor=_actor())
    log_action(db, _actor(), "organiser-block", "organization", org.id, f"{org.key}; {len(hidden)} listings hidden")
    return _done(
        ngettext(
            "Organiser %(name)s blocked; %(num)d listing hidden.",
            "Organiser %(name)s blocked; %(num)d listings hidden.",
            len(hidden),
            name=org.name,
        )
    )


@bp.post("/claims/<int:item_id>/revoke")
@login_required
def claim_revoke(item_id: int):
    db = get_session()
    item = db.get(Claim, item_id) or abort(404)
    item.status = "revoked"
    log_action(db, _actor(), "claim-revoke", "claim", item.id, item.email)
    return _done(_("Claim %(id)s revoked.", id=item.id))


def _page_number(raw: str) -> int:
    """A page number from the query string: 1 for anything that is not a plain number from 1 up."""
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6 and int(raw) > 0 else 1


def safe_next(target: str) -> str:
    """`target` when it is a plain path inside /admin (no scheme, host, control character or line break), else ''."""
    return target if _ADMIN_PATH.fullmatch(target or "") else ""


def _actor() -> str:
    return session["admin"]


def _done(message: str):
    get_session().commit()
    flash(message)
    return redirect(url_for("admin.queue"))
