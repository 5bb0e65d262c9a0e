"""Tables, SQLAlchemy 2.0 typed. Each module owns one area; import them all here."""

from finder.models.base import Base, utcnow
from finder.models.catalog import FetchState, ScrapeRun, Source
from finder.models.listing import (
    Listing,
    ListingChange,
    ListingSource,
    ListingTag,
    Occurrence,
    Organization,
    Tag,
)

__all__ = [
    "Base",
    "FetchState",
    "Listing",
    "ListingChange",
    "ListingSource",
    "ListingTag",
    "Occurrence",
    "Organization",
    "ScrapeRun",
    "Source",
    "Tag",
    "utcnow",
]
