"""Organisers claim a listing or an organisation by proving an e-mail address on its website's domain
(or the contact address the listing gives), through a signed link. No Flask here except the mail
templates, rendered by the caller's `render` function."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder import mail
from finder.config import Config
from finder.identity import domain
from finder.mail import MailError, build_message, deliver, message_id, parse_message, valid_address
from finder.models import Claim, Listing, Organization, utcnow

log = logging.getLogger(__name__)
# Each purpose signs with its own salt; max age in seconds.
TOKEN_AGES_S = {"claim-verify": 2 * 86400, "claim-manage": 30 * 86400}
_MAILTO = re.compile(r"mailto:([^\s?\"'<>]+)", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class ClaimError(ValueError):
    """A claim that cannot be accepted, with a message for the organiser."""


def make_token(secret: str, purpose: str, claim_id: int) -> str:
    return URLSafeTimedSerializer(secret, salt=purpose).dumps(claim_id)


def read_token(secret: str, purpose: str, token: str) -> int:
    """The claim id in `token`; ClaimError when broken, tampered with, for another purpose or expired."""
    try:
        value = URLSafeTimedSerializer(secret, salt=purpose).loads(token, max_age=TOKEN_AGES_S[purpose])
    except SignatureExpired as error:
        raise ClaimError("this link has expired") from error
    except BadSignature as error:
        raise ClaimError("this link is not valid") from error
    if not isinstance(value, int):
        raise ClaimError("this link is not valid")
    return value


def allowed_for(listing: Listing | None, org: Organization | None, source_hosts: set[str]) -> tuple[set[str], set[str]]:
    """(website domains, exact contact addresses) that may claim: the organiser's website domains, the
    listing's own page domain unless it is a source's host (an aggregator), and addresses it gives."""
    domains, contacts = set(), set()
    for url in ((org.url if org else ""), (listing.organizer_url if listing else "")):
        if domain(url):
            domains.add(domain(url))
    if listing is not None:
        own = domain(listing.url)
        if own and own not in source_hosts:
            domains.add(own)
        for text in (listing.organizer_url, listing.description):
            contacts |= {m.lower() for m in _MAILTO.findall(text or "")}
            contacts |= {m.lower() for m in _EMAIL.findall(text or "")}
    return domains, contacts


def may_claim(email: str, domains: set[str], contacts: set[str]) -> bool:
    email = email.strip().lower()
    host = email.rpartition("@")[2]
    return email in contacts or any(host == d or host.endswith("." + d) for d in domains)


def start_claim(
    session: Session,
    *,
    email: str,
    listing: Listing | None = None,
    org: Organization | None = None,
    now: datetime | None = None,
) -> Claim:
    """A pending claim (verified only through the mailed link); ClaimError when the address may not claim."""
    email = (email or "").strip().lower()
    if not valid_address(email):
        raise ClaimError("Please enter one valid e-mail address.")
    hosts = {domain(link.source.url) for link in (listing.sources if listing else []) if link.source}
    domains, contacts = allowed_for(listing, org, hosts)
    if not domains and not contacts:
        raise ClaimError(
            "This listing gives no website or contact address we could check. "
            "Please write to the site's administrator instead."
        )
    if not may_claim(email, domains, contacts):
        shown = ", ".join(sorted(domains)) or "the listed contact address"
        raise ClaimError(f"Use an address at {shown} or the contact address the listing gives.")
    claim = Claim(
        listing_id=listing.id if listing else None,
        organization_id=org.id if org else None,
        email=email,
        status="pending",
        created_at=now or utcnow(),
    )
    session.add(claim)
    session.flush()
    return claim


def verify(session: Session, claim_id: int, now: datetime | None = None) -> Claim | None:
    claim = session.get(Claim, claim_id)
    if claim is None or claim.status == "revoked":
        return None
    if claim.status == "pending":
        claim.status, claim.verified_at = "verified", now or utcnow()
    return claim


def send_claim_mail(
    session: Session, config: Config, claim: Claim, title: str, render, now: datetime | None = None
) -> None:
    """Record the verification message in the outbox and try to send it now (the outbox retries)."""
    now = now or utcnow()
    base = config.BASE_URL.rstrip("/")
    verify_url = f"{base}/claim/verify/{make_token(config.SECRET_KEY, 'claim-verify', claim.id)}"
    context = dict(title=title, verify_url=verify_url, postal_address=config.MAIL_POSTAL_ADDRESS)
    period = f"claim-{claim.id}-{now:%Y%m%dT%H%M%S%f}"[:40]
    subject = render("contribute/claim_subject.txt", title=title).strip()[:150]  # in the page's language
    message = build_message(
        sender=config.MAIL_FROM,
        recipient=claim.email,
        subject=subject,
        text=render("contribute/claim_email.txt", **context),
        html=None,
        message_id=message_id(period, base),
        headers={"Auto-Submitted": "auto-generated"},
        date=now,
    )
    row = mail.record(session, alert_id=None, period=period, kind="claim", message=message, now=now)
    session.flush()
    try:
        deliver(config.SMTP_URL, config.path(config.OUTBOX_DIR), parse_message(row.message))
    except MailError as error:
        log.warning("claim %s mail deferred: %s", claim.id, error)
        row.error = str(error)[:500]
        return
    row.status, row.sent_at, row.attempts = "sent", now, 1


def claim_listings(session: Session, claim: Claim) -> list[Listing]:
    """The listings a verified claim may correct."""
    if claim.listing_id is not None:
        listing = session.get(Listing, claim.listing_id)
        return [listing] if listing is not None else []
    return list(
        session.scalars(select(Listing).where(Listing.organization_id == claim.organization_id).order_by(Listing.title))
    )
