"""Declarative base and shared column helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which drops zones) and PostgreSQL alike.

    On SQLite the value is stored as SQLAlchemy's DATETIME text ('2026-03-02 12:00:00.000000', naive
    UTC), written and read here with the standard library's ISO functions, which are several times
    faster than the generic string format and regular expression."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            generic = super().bind_processor(dialect)

            def process_aware(value):  # psycopg takes aware values as they are: UTC ones need no conversion
                return value if value is not None and value.tzinfo is UTC else generic(value)

            return process_aware

        def process(value):
            if value is None:
                return None
            if value.tzinfo is UTC:  # what the importer holds (tens of thousands a second): twice as fast as isoformat
                return "%s %02d:%02d:%02d.%06d" % (  # noqa: UP031 (the fastest formatting here)
                    _day_text(value.toordinal()),
                    value.hour,
                    value.minute,
                    value.second,
                    value.microsecond,
                )
            return _naive_utc(value).isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            if self.impl_instance.result_processor(dialect, coltype) is None:  # psycopg: aware datetimes
                return _aware_utc  # process_result_value without the wrapping call: 30% less per value
            return super().result_processor(dialect, coltype)

        def process(value):
            if value is None:
                return None
            try:  # the text has no offset: read with one, 5x faster than .replace(tzinfo=UTC), the same value
                read = datetime.fromisoformat(value + "+00:00")
            except ValueError:  # text this type did not write: an offset already
                read = None
            if read is not None and read.tzinfo is UTC:  # (a bare date would come back naive)
                return read
            return datetime.fromisoformat(value).replace(tzinfo=UTC)

        return process

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = _naive_utc(value)
        return value if dialect.name == "sqlite" else value.replace(tzinfo=UTC)

    def process_result_value(self, value, dialect):
        return _aware_utc(value)


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@lru_cache(maxsize=4096)
def _day_text(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON}
