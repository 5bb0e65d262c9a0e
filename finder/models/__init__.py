"""Tables, SQLAlchemy 2.0 typed. Each module owns one area; import them all here."""

from finder.models.alerts import Alert, AlertSent, OutboxMessage
from finder.models.base import Base, utcnow
from finder.models.catalog import FetchState, ScrapeRun, Source
from finder.models.geocache import GeocodeCache, GeocodeRate
from finder.models.listing import Listing, ListingChange, ListingSource, ListingTag, Occurrence, Organization, Tag
from finder.models.ops import JobRun
from finder.models.trust import (
    AdminAction,
    AdminLogin,
    AdminUser,
    Claim,
    ListingOverride,
    ListingReport,
    SourceSuggestion,
    Suppression,
)

__all__ = [
    "Alert",
    "AlertSent",
    "OutboxMessage",
    "Base",
    "FetchState",
    "GeocodeCache",
    "GeocodeRate",
    "JobRun",
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
    "AdminAction",
    "AdminLogin",
    "AdminUser",
    "Claim",
    "ListingOverride",
    "ListingReport",
    "SourceSuggestion",
    "Suppression",
]
