"""Saved-search alerts: subscribe with double opt-in, signed tokens, digest periods and building digests.

No Flask here. Sending lives in `finder/mail/outbox.py`; SMTP in `finder/mail/send.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from finder.config import WEEKDAYS
from finder.mail import address_key, canonical_address, clean_header, valid_address
from finder.models import Alert
from finder.search import QUERY_PARAMS, QueryError, SearchQuery

FREQUENCIES = ("daily", "weekly")
# Each purpose signs with its own salt; max age in seconds (None = never expires).
TOKEN_PURPOSES = {"confirm": 7 * 86400, "manage": None, "unsubscribe": None, "export": 86400}
MAX_ALERTS_PER_ADDRESS = 20


class AlertError(ValueError):
    """A subscription request that cannot be accepted, with a message for the person."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class TokenError(ValueError):
    """A link that is broken, tampered with, for another purpose or expired."""


def make_token(secret: str, purpose: str, alert_id: int) -> str:
    """A signed token for `purpose` carrying only the alert id (never the address)."""
    return _serializer(secret, purpose).dumps(alert_id)


def make_tokens(secret: str, alert_id: int, *purposes: str) -> list[str]:
    """`make_token` for each of `purposes`, the same tokens: the alert id is encoded once and signed per purpose
    (encoding it is most of a token's cost, and every digest carries two)."""
    payload = _serializer(secret, purposes[0]).dump_payload(alert_id)
    return [_signer(secret, purpose).sign(payload).decode("utf-8") for purpose in purposes]


@lru_cache(maxsize=32)
def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    """One serializer per secret and purpose (a digest build signs two tokens for every alert)."""
    return URLSafeTimedSerializer(secret, salt=f"alert-{purpose}")


@lru_cache(maxsize=32)
def _signer(secret: str, purpose: str):
    """The serializer's own signer for `purpose` (what its `dumps` makes for every token), made once."""
    return _serializer(secret, purpose).make_signer()


def read_token(secret: str, purpose: str, token: str) -> int:
    """The alert id in `token`, or TokenError."""
    serializer = URLSafeTimedSerializer(secret, salt=f"alert-{purpose}")
    try:
        value = serializer.loads(token, max_age=TOKEN_PURPOSES[purpose])
    except SignatureExpired as error:
        raise TokenError("this link has expired") from error
    except BadSignature as error:
        raise TokenError("this link is not valid") from error
    if not isinstance(value, int):
        raise TokenError("this link is not valid")
    return value


def saved_query(args) -> dict[str, str]:
    """The search parameters worth keeping from a request's arguments (strings, bounded)."""
    return {key: str(args.get(key))[:200] for key in QUERY_PARAMS if args.get(key) not in (None, "")}


def subscribe(session: Session, *, email: str, frequency: str, name: str, query: dict, now: datetime) -> Alert:
    """A pending alert for `email` (active only after confirmation). Raises AlertError for bad input."""
    email = (email or "").strip()
    if not valid_address(email):
        raise AlertError("email", "Please enter one valid e-mail address.")
    if frequency not in FREQUENCIES:
        raise AlertError("frequency", "Choose daily or weekly.")
    if not query:
        raise AlertError("query", "An alert needs a search: a place, interests or words.")
    check_query(query)
    email, name = canonical_address(email), clean_header(name or "", 200)  # a name is one line of text
    existing = session.scalars(select(Alert).where(same_mailbox(email), Alert.status != "unsubscribed")).all()
    for alert in existing:
        if alert.email == email and alert.query == query:
            alert.frequency = frequency
            alert.name = name
            return alert
    if len(existing) >= MAX_ALERTS_PER_ADDRESS:
        raise AlertError("email", "This address already has as many alerts as we allow.")
    alert = Alert(email=email, frequency=frequency, name=name, query=query, status="pending", created_at=now)
    session.add(alert)
    session.flush()
    return alert


def check_query(query: dict) -> None:
    """Raise AlertError when search would refuse the saved parameters (so a bad one is never stored to fail later)."""
    try:
        SearchQuery.from_args(query)
    except QueryError as error:
        raise AlertError("query", f"This search cannot be saved: {error.param}: {error.message}") from None


def same_mailbox(email: str):
    """A filter on Alert.email: `email` and its `+tag` sub-addresses (one mailbox, one allowance of alerts)."""
    local, _, domain = address_key(email).rpartition("@")
    escaped = [part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for part in (local, domain)]
    return or_(Alert.email == f"{local}@{domain}", Alert.email.like(f"{escaped[0]}+%@{escaped[1]}", escape="\\"))


def confirm(session: Session, alert_id: int, now: datetime) -> Alert | None:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.status == "unsubscribed":
        return None
    if alert.status == "pending":
        alert.status = "active"
        alert.confirmed_at = now
        alert.last_digest_at = now
    return alert


def unsubscribe(session: Session, alert_id: int, now: datetime) -> Alert | None:
    alert = session.get(Alert, alert_id)
    if alert is not None and alert.status != "unsubscribed":
        alert.status = "unsubscribed"
        alert.unsubscribed_at = now
    return alert


def pause(session: Session, alert_id: int, now: datetime, days: int = 30) -> Alert | None:
    alert = session.get(Alert, alert_id)
    if alert is not None and alert.status in ("active", "paused"):
        alert.status = "paused"
        alert.paused_until = now + timedelta(days=days)
    return alert


def resume(session: Session, alert_id: int) -> Alert | None:
    """A paused alert active again (the next digest counts from its last one)."""
    alert = session.get(Alert, alert_id)
    if alert is not None and alert.status == "paused":
        alert.status = "active"
        alert.paused_until = None
    return alert


def resubscribe(session: Session, alert_id: int, now: datetime) -> Alert | None:
    """An unsubscribed alert that had been confirmed, active again from `now` (nothing older is sent)."""
    alert = session.get(Alert, alert_id)
    if alert is not None and alert.status == "unsubscribed" and alert.confirmed_at is not None:
        alert.status = "active"
        alert.unsubscribed_at = None
        alert.paused_until = None
        alert.last_digest_at = now
    return alert


def set_frequency(session: Session, alert_id: int, frequency: str) -> Alert | None:
    if frequency not in FREQUENCIES:
        raise AlertError("frequency", "Choose daily or weekly.")
    alert = session.get(Alert, alert_id)
    if alert is not None:
        alert.frequency = frequency
    return alert


def delete(session: Session, alert_id: int) -> None:
    alert = session.get(Alert, alert_id)
    if alert is not None:
        session.delete(alert)


@dataclass(frozen=True)
class Period:
    key: str  # "2026-11-25" or "2026-W48"
    starts: datetime  # UTC start of the period's sending window


def current_period(
    frequency: str, now: datetime, tz_name: str, digest_hour: int, weekday: str = "friday"
) -> Period | None:
    """The period whose digest is due at `now`: daily from the digest hour (None before it); weekly from
    `weekday` (a day name) at that hour until the same time a week later, keyed by the ISO week of that day."""
    local = now.astimezone(ZoneInfo(tz_name))
    if frequency == "daily":
        send_at = local.replace(hour=digest_hour, minute=0, second=0, microsecond=0)
        key = local.date().isoformat()
    else:
        back = (local.weekday() - WEEKDAYS.index(weekday.strip().lower())) % 7
        send_at = (local - timedelta(days=back)).replace(hour=digest_hour, minute=0, second=0, microsecond=0)
        if local < send_at:  # the sending day, before the hour: last week's period is still the current one
            send_at -= timedelta(days=7)
        year, week, _ = send_at.isocalendar()
        key = f"{year}-W{week:02d}"
    if local < send_at:
        return None
    return Period(key, send_at.astimezone(ZoneInfo("UTC")))
