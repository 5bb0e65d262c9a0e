"""The search index: one row per searchable listing, written with the listings."""
