"""The source catalogue: data/sources.toml, its run-time overlay, licences.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "licences": ["api_fields", "listing_terms", "page_sources", "terms", "terms_for"],
        "overlay": ["sync_one", "write_entry"],
        "sources": ["CatalogError", "EVERY", "SLUG", "load_catalog", "sync_sources"],
    },
)
