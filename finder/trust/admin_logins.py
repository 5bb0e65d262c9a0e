"""Administrator logins shared by every worker (table `admin_logins`): a per-account throttle with growing
delays, and the session nonce that logging out renews so a copied session cookie stops working. No Flask here.

Delays: the first FREE_FAILURES wrong passwords in a row cost nothing; each one after that locks the account
for FIRST_DELAY_S, doubling, up to MAX_DELAY_S. While locked no password is even checked. A right password
resets the count. Only accounts that exist get a row, so guessed names cannot fill the table.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from finder.config import Config
from finder.models import AdminLogin, AdminUser

FREE_FAILURES = 3
FIRST_DELAY_S = 15
MAX_DELAY_S = 3600


def delay_s(failures: int) -> int:
    """Seconds the account is locked after `failures` wrong passwords in a row."""
    if failures <= FREE_FAILURES:
        return 0
    return min(FIRST_DELAY_S * 2 ** min(failures - FREE_FAILURES - 1, 20), MAX_DELAY_S)


def is_account(session: Session, config: Config, username: str) -> bool:
    """Whether `username` names an administrator (a stored user, or 'admin' with FINDER_ADMIN_PASSWORD_HASH)."""
    from finder.trust.admins import SETTING_USER

    if not username:
        return False
    if session.scalar(select(AdminUser.id).where(AdminUser.username == username)) is not None:
        return True
    return username == SETTING_USER and bool(config.ADMIN_PASSWORD_HASH)


def wait_s(session: Session, username: str, now: datetime) -> int:
    """Seconds before `username` may try a password again (0: now)."""
    locked_until = session.scalar(select(AdminLogin.locked_until).where(AdminLogin.username == username))
    if locked_until is None or locked_until <= now:
        return 0
    return max(1, int((locked_until - now).total_seconds() + 0.999))


def record_failure(session: Session, username: str, now: datetime) -> int:
    """Count one wrong password (atomically, whichever worker saw it); returns the delay now imposed, seconds."""
    row = _row(session, username)
    session.execute(update(AdminLogin).where(AdminLogin.username == username).values(failures=AdminLogin.failures + 1))
    session.refresh(row)
    delay = delay_s(row.failures)
    row.locked_until = now + timedelta(seconds=delay) if delay else None
    session.flush()
    return delay


def record_success(session: Session, username: str) -> str:
    """Reset the count after a right password; returns the account's session nonce (made on first use)."""
    row = _row(session, username)
    row.failures, row.locked_until = 0, None
    if not row.session_nonce:
        row.session_nonce = secrets.token_urlsafe(24)
    session.flush()
    return row.session_nonce


def end_sessions(session: Session, username: str) -> None:
    """A new nonce: every session of `username` (every copy of its cookie) stops working."""
    _row(session, username).session_nonce = secrets.token_urlsafe(24)
    session.flush()


def session_valid(session: Session, username: str, nonce: str) -> bool:
    """Whether a session cookie for `username` carrying `nonce` is still the account's current session."""
    current = session.scalar(select(AdminLogin.session_nonce).where(AdminLogin.username == username))
    return bool(current) and bool(nonce) and secrets.compare_digest(current, nonce)


def _row(session: Session, username: str) -> AdminLogin:
    """The account's row, inserted if missing (two workers inserting it at once: one wins, neither fails)."""
    row = session.get(AdminLogin, username)
    if row is None:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(
            insert(AdminLogin).values(username=username, failures=0, session_nonce="").on_conflict_do_nothing()
        )
        row = session.get(AdminLogin, username)
    return row
