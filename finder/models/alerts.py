"""Saved-search email alerts: the alert, what each has been sent, and the outbox of digests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finder.models.base import Base, utcnow


class Alert(Base):
    """One saved search for one address. `status`: pending, active, paused, unsubscribed, bouncing."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_frequency", "status", "frequency"), Index("ix_alerts_email", "email"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(10), default="en")  # language of its emails (finder.web.i18n.LANGUAGES)
    query: Mapped[dict] = mapped_column(default=dict)  # the search parameters, as in /api/v1/search
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")  # daily | weekly
    status: Mapped[str] = mapped_column(String(20), default="pending")
    paused_until: Mapped[datetime | None]
    bounces: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    last_digest_at: Mapped[datetime | None]  # when the last digest was built (new listings are counted from here)

    digests: Mapped[list[OutboxMessage]] = relationship(back_populates="alert", cascade="all, delete-orphan")


class AlertSent(Base):
    """A listing an alert has already sent, so a digest never repeats one."""

    __tablename__ = "alert_sent"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """The outbox of every email (table `digests`): one message per (alert, period), recorded before it is sent.

    `status`: pending (to send), sent, failed (gave up: permanent refusal), retry (temporary failure).
    """

    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("alert_id", "period", name="uq_digests_alert_period"),
        Index("ix_digests_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(40))  # "2026-11-25" (daily), "2026-W48" (weekly), "confirm-<n>"
    kind: Mapped[str] = mapped_column(String(20), default="digest")  # digest | confirm | admin
    recipient: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    message: Mapped[str] = mapped_column(Text)  # the whole RFC 5322 message
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    alert: Mapped[Alert | None] = relationship(back_populates="digests")
