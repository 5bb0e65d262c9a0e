"""Organisers: claim a listing or an organisation by e-mail (signed link), then correct fields or opt out."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from finder import ingest, trust
from finder.models import Claim, Listing, Organization
from finder.web.extensions import get_session, limiter
from finder.web.i18n import N_, translate_known
from finder.web.views.listings import visible_listing

bp = Blueprint("claims", __name__, url_prefix="/claim")
FIELD_LABELS = {
    "title": _l("Title"), "description": _l("Description"), "url": _l("Your page for it"), "cost": _l("Cost"),
    "venue_name": _l("Venue"), "street": _l("Street"), "locality": _l("Town or city"), "postcode": _l("Postcode"),
    "online_url": _l("Online joining link"),
}  # fmt: skip
CLAIM_MESSAGES = (  # finder/trust/claims.py's messages to people, for translate_known
    N_("Please enter one valid e-mail address."),
    N_(
        "This listing gives no website or contact address we could check. "
        "Please write to the site's administrator instead."
    ),
    N_("Use an address at %(domains)s or the contact address the listing gives."),
    N_("the listed contact address"),
)


def _target(kind: str, target_id: int) -> tuple[Listing | None, Organization | None, str]:
    if kind == "listing":
        listing = visible_listing(target_id)
        return listing, None, listing.title
    org = get_session().get(Organization, target_id)
    if org is None:
        abort(404)
    return None, org, org.name


@bp.route("/<any(listing, org):kind>/<int:target_id>", methods=["GET", "POST"])
@limiter.limit("5/hour", methods=["POST"])
def start(kind: str, target_id: int):
    listing, org, title = _target(kind, target_id)
    if request.method == "GET":
        return render_template("contribute/claim.html", title=title, email="", error="", sent=False)
    email = request.form.get("email", "")
    session = get_session()
    try:
        claim = trust.start_claim(session, email=email, listing=listing, org=org)
    except trust.ClaimError as error:
        return render_template(
            "contribute/claim.html",
            title=title,
            email=email,
            error=translate_known(str(error), CLAIM_MESSAGES),
            sent=False,
        ), 400
    trust.send_claim_mail(session, current_app.config["FINDER"], claim, title, render_template)
    session.commit()
    return render_template("contribute/claim.html", title=title, email="", error="", sent=True)


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    claim_id = _claim_id("claim-verify", token)
    if request.method == "GET":
        return render_template("contribute/claim_verify.html", token=token)
    session = get_session()
    claim = trust.verify(session, claim_id)
    if claim is None:
        abort(404)
    session.commit()
    return redirect(url_for("claims.manage", token=trust.make_token(_secret(), "claim-manage", claim.id)))


@bp.get("/manage/<token>")
def manage(token: str):
    claim = _verified_claim(token)
    session = get_session()
    org = session.get(Organization, claim.organization_id) if claim.organization_id else None
    return render_template(
        "contribute/claim_manage.html",
        token=token,
        claim=claim,
        org=org,
        listings=trust.claim_listings(session, claim),
        message=request.args.get("message", ""),
    )


@bp.route("/manage/<token>/listing/<int:listing_id>", methods=["GET", "POST"])
def edit(token: str, listing_id: int):
    claim = _verified_claim(token)
    session = get_session()
    listing = next((item for item in trust.claim_listings(session, claim) if item.id == listing_id), None)
    if listing is None:
        abort(404)
    if request.method == "POST":
        if request.form.get("action") == "opt-out":
            ingest.suppress_listing(session, listing, "opt-out", actor=f"claim:{claim.id}")
            message = _("This listing and copies of it from other sources are no longer shown.")
        else:
            changed = {
                field: request.form[field]
                for field in FIELD_LABELS
                if field in request.form and request.form[field].strip() != (getattr(listing, field) or "").strip()
            }
            ingest.correct_listing(session, listing, changed, claim.id)
            message = _("Saved. Your corrections stay in place when we next read the sources.")
        session.commit()
        return redirect(url_for("claims.manage", token=token, message=message))
    return render_template("contribute/claim_edit.html", token=token, listing=listing, fields=FIELD_LABELS)


@bp.post("/manage/<token>/opt-out")
def opt_out_org(token: str):
    claim = _verified_claim(token)
    session = get_session()
    org = session.get(Organization, claim.organization_id) if claim.organization_id else None
    if org is None:
        abort(404)
    ingest.suppress_organization(session, org, "opt-out", actor=f"claim:{claim.id}")
    session.commit()
    return redirect(
        url_for("claims.manage", token=token, message=_("Your organisation's listings are no longer shown."))
    )


def _verified_claim(token: str) -> Claim:
    claim = get_session().get(Claim, _claim_id("claim-manage", token))
    if claim is None or claim.status != "verified":
        abort(404)
    return claim


def _secret() -> str:
    return current_app.config["FINDER"].SECRET_KEY


def _claim_id(purpose: str, token: str) -> int:
    try:
        return trust.read_token(_secret(), purpose, token)
    except trust.ClaimError as error:
        abort(404, str(error))
