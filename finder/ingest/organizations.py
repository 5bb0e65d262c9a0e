"""Organisations by identity (normalised name + website domain), merged across sources, as the importer
meets them: one `OrgCache` per ingest call, prefetched in one go for the batch."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.db import chunks_of, insert_or_ignore, one_of
from finder.identity import organization_key
from finder.models import Organization


class OrgCache:
    """Organisations by identity (normalised name + website domain), merged across sources: a name
    seen without a website joins the one organisation of that name, and gains the website when one is given."""

    def __init__(self, session: Session):
        self.session = session
        self.by_key: dict[str, Organization] = {}
        self.by_name: dict[str, Organization] = {}
        self.looked_up: set[str] = set()

    def prefetch(self, organizers) -> None:
        """Load in one go the organisations these (name, url) pairs may be: exact keys and bare names."""
        keys = set()
        for name, url in organizers:
            if name and name.strip():
                key = organization_key(name.strip(), url)
                keys.update((key, key.partition("|")[0] + "|"))
        ordered = sorted(keys - self.looked_up)
        self.looked_up.update(ordered)
        dialect = self.session.get_bind().dialect.name
        for keys in chunks_of(ordered, dialect):
            for org in self.session.scalars(select(Organization).where(one_of(Organization.key, keys, dialect))):
                self._remember(org.key, org)

    def create_new(self, organizers) -> None:
        """Create in one statement the organisations `get` would create one by one for these (name, url)
        pairs, in this order, after `prefetch`: those with a website whose key and bare name are both
        unknown, unless the same name also comes without a website (that one is created first, and the
        later ones join it: left to `get`). A batch of new listings then costs two statements, not two per
        organisation."""
        pending: dict[str, tuple[str, str]] = {}
        without_site: set[str] = set()
        for name, url in organizers:
            name = (name or "").strip()
            if not name:
                continue
            key = organization_key(name, url)
            bare, _, domain = key.partition("|")
            if not domain:
                without_site.add(bare)
            elif (
                key not in self.by_key
                and key not in pending
                and key in self.looked_up
                and f"{bare}|" in self.looked_up
                and f"{bare}|" not in self.by_key
            ):
                pending[key] = (name[:300], url or "")
        rows = [
            dict(key=key, name=name, url=url)
            for key, (name, url) in pending.items()
            if key.partition("|")[0] not in without_site
        ]
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        for offset in range(0, len(rows), 500):
            chunk = rows[offset : offset + 500]
            self.session.execute(insert_or_ignore(dialect, Organization, chunk, conflict=["key"]))
            keys = [row["key"] for row in chunk]
            for org in self.session.scalars(select(Organization).where(one_of(Organization.key, keys, dialect))):
                self._remember(org.key, org)

    def get(self, name: str, url: str) -> Organization | None:
        name = (name or "").strip()
        if not name:
            return None
        key = organization_key(name, url)
        if key in self.by_key:
            return self.by_key[key]
        bare, _, domain = key.partition("|")
        org = self._one(key)
        if org is None and domain:
            nameless = self._one(f"{bare}|")
            if nameless is not None and nameless.key == f"{bare}|":  # gains the website
                org = nameless
                org.key, org.url = key, url
        elif org is None:
            same_name = (
                [self.by_name[bare]]
                if bare in self.by_name
                else self.session.scalars(
                    select(Organization).where(Organization.key.startswith(f"{bare}|", autoescape=True)).limit(2)
                ).all()
            )
            org = same_name[0] if len(same_name) == 1 else None
        if org is None:
            org = self._create(key, name[:300], url or "")
        self._remember(key, org)
        return org

    def _create(self, key: str, name: str, url: str) -> Organization:
        """Insert the organisation unless another import just did (both databases), then read the row that won."""
        dialect = self.session.get_bind().dialect.name
        self.session.execute(
            insert_or_ignore(dialect, Organization, dict(key=key, name=name, url=url), conflict=["key"])
        )
        return self.session.scalars(select(Organization).where(Organization.key == key)).one()

    def _one(self, key: str) -> Organization | None:
        if key in self.by_key or key in self.looked_up:
            return self.by_key.get(key)
        self.looked_up.add(key)
        org = self.session.scalar(select(Organization).where(Organization.key == key))
        if org is not None:
            self._remember(key, org)
        return org

    def _remember(self, key: str, org: Organization) -> None:
        self.by_key[key] = org
        self.by_name.setdefault(key.partition("|")[0], org)
