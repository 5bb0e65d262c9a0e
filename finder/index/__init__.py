"""The search index: one row per searchable listing, written with the listings.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "rows": [
            "BAND_DEGREES",
            "FLAG_BITS",
            "NO_PLACE_BAND",
            "ONLINE_CELL",
            "TIME_BITS",
            "cell_name",
            "index_row",
            "label_text",
            "lat_band",
            "tag_token",
            "unit_vector",
        ],
        "schema": ["FTS_TABLES", "bump", "clear", "compact", "create_objects", "generation"],
        "writes": ["delete_rows", "prune_ended", "refresh", "write_rows"],
    },
)
