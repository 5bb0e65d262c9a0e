"""Trust and moderation: suggested sources, reports, organiser claims, their corrections and opt-outs,
administrators and the log of what they did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from finder.models.base import Base, utcnow


class SourceSuggestion(Base):
    """A URL someone proposed as a source. `status`: pending, approved, rejected."""

    __tablename__ = "source_suggestions"
    __table_args__ = (Index("ix_source_suggestions_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    adapter: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    preview: Mapped[list] = mapped_column(default=list)  # [{"title", "start", "url"}] of the first listings
    items: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    slug: Mapped[str] = mapped_column(String(100), default="")  # the catalogue slug once approved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str] = mapped_column(String(100), default="")


class ListingReport(Base):
    """A reader's report on a listing. `reason`: wrong, spam, unsafe, gone; `status`: open, resolved, dismissed."""

    __tablename__ = "listing_reports"
    __table_args__ = (Index("ix_listing_reports_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str] = mapped_column(String(100), default="")


class Claim(Base):
    """An organiser's claim on a listing or an organisation, proven by a link sent to `email`.
    `status`: pending, verified, revoked."""

    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]


class ListingOverride(Base):
    """An organiser's correction of one field; the importer re-applies it after every upsert."""

    __tablename__ = "listing_overrides"
    __table_args__ = (UniqueConstraint("listing_id", "field", name="uq_listing_overrides_listing_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text, default="")
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Suppression(Base):
    """Listings kept hidden whatever the sources say. `kind`: listing (this listing and copies of it,
    matched by id, URL or title + day/organisation) or organization (everything by that organiser).
    `reason`: opt-out, hidden (by an administrator) or blocked (organiser blocked)."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(Text, default="")
    match_title: Mapped[str] = mapped_column(String(300), default="")
    first_day: Mapped[str] = mapped_column(String(10), default="")
    organization_key: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class AdminUser(Base):
    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class AdminLogin(Base):
    """Login state of one administrator account, shared by every worker: failed attempts in a row, when the next
    attempt is allowed, and the session nonce every admin session carries (a new one on logout ends every copy
    of the session cookie). Rows exist only for accounts that exist (stored users and the settings' 'admin')."""

    __tablename__ = "admin_logins"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    session_nonce: Mapped[str] = mapped_column(String(64), default="")


class AdminAction(Base):
    """Who did what to which thing, and when."""

    __tablename__ = "admin_actions"
    __table_args__ = (Index("ix_admin_actions_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
