"""One ingest call's shared state: the report it returns, the batch each item is written against, the rows it loads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from finder.db import chunks_of, one_of
from finder.ingest.merge import Candidates
from finder.ingest.organizations import OrgCache
from finder.ingest.prepare import PreparedItem
from finder.models import ListingSource, Source, Tag
from finder.tags import Vocabulary


@dataclass
class IngestReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    gone: int = 0  # known listings this source stopped listing in this run
    invalid: int = 0
    merged: int = 0  # new to this source but matched a listing from another source
    problems: list[str] = field(default_factory=list)
    listing_ids: set[int] = field(default_factory=set)  # listings written or whose liveness changed
    touched: set = field(default_factory=set, repr=False)  # the same, as ORM objects (ids may be unset)

    @property
    def items(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.invalid


@dataclass
class Batch:
    """What every item of one ingest call is written against (instead of a dozen positional arguments)."""

    session: Session
    source: Source
    tags: dict[str, Tag]
    orgs: OrgCache
    report: IngestReport
    resolver: object
    now: datetime
    candidates: Candidates | None = None
    fresh: list[tuple[str, PreparedItem]] = field(default_factory=list)  # new listings, inserted in bulk after the loop


def load_links(session: Session, source: Source, keys: list[str] | None) -> dict[str, ListingSource]:
    """This source's provenance rows (with their listings): all of them, or those with `keys`."""
    query = select(ListingSource).where(ListingSource.source_id == source.id).options(joinedload(ListingSource.listing))
    if keys is None:
        return {link.source_key: link for link in session.scalars(query).unique()}
    found = {}
    dialect = session.get_bind().dialect.name
    for chunk in chunks_of(keys, dialect):
        found.update(
            (link.source_key, link)
            for link in session.scalars(query.where(one_of(ListingSource.source_key, chunk, dialect))).unique()
        )
    return found


def ensure_tags(session: Session, vocabulary: Vocabulary) -> dict[str, Tag]:
    """Tag rows for every vocabulary entry (created or relabelled as needed), by slug."""
    rows = {tag.slug: tag for tag in session.scalars(select(Tag))}
    for definition in vocabulary.all():
        row = rows.get(definition.slug)
        if row is None:
            row = rows[definition.slug] = Tag(slug=definition.slug, label=definition.label, facet=definition.facet)
            session.add(row)
        elif (row.label, row.facet) != (definition.label, definition.facet):
            row.label, row.facet = definition.label, definition.facet
    return rows
