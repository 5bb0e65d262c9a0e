"""Administrators: users stored by `finder admin create`, or the single 'admin' whose password hash is
FINDER_ADMIN_PASSWORD_HASH; and the log of every administrative action. No Flask here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from finder.config import Config
from finder.models import AdminAction, AdminUser, utcnow
from finder.trust.admin_logins import end_sessions

SETTING_USER = "admin"
MIN_PASSWORD = 10
# Compared against when the user is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password-at-all")


class AdminError(ValueError):
    """A bad user name or password for `finder admin create`."""


def create_admin(session: Session, username: str, password: str, now: datetime | None = None) -> AdminUser:
    """Store (or re-password) an administrator; the caller commits."""
    username = (username or "").strip()
    if not username or len(username) > 100:
        raise AdminError("a user name of 1 to 100 characters is required")
    if len(password or "") < MIN_PASSWORD:
        raise AdminError(f"the password must be at least {MIN_PASSWORD} characters")
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None:
        user = AdminUser(username=username, created_at=now or utcnow(), password_hash="")
        session.add(user)
    user.password_hash = generate_password_hash(password)
    session.flush()
    end_sessions(session, username)  # a new password ends the sessions made with the old one
    return user


def authenticate(session: Session, config: Config, username: str, password: str) -> str | None:
    """The user name when the password is right, else None."""
    username = (username or "").strip()
    user = session.scalar(select(AdminUser).where(AdminUser.username == username)) if username else None
    if user is not None:
        if check_password_hash(user.password_hash, password or ""):
            user.last_login_at = utcnow()
            return user.username
        return None
    if username == SETTING_USER and config.ADMIN_PASSWORD_HASH:
        return username if check_password_hash(config.ADMIN_PASSWORD_HASH, password or "") else None
    check_password_hash(_DUMMY_HASH, password or "")
    return None


def log_action(
    session: Session,
    actor: str,
    action: str,
    target_type: str,
    target_id,
    detail: str = "",
    now: datetime | None = None,
) -> AdminAction:
    row = AdminAction(
        actor=actor[:100],
        action=action[:40],
        target_type=target_type[:40],
        target_id=str(target_id)[:200],
        detail=(detail or "")[:2000],
        created_at=now or utcnow(),
    )
    session.add(row)
    return row
