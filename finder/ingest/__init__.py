"""Import: runs of sources, prepare, identity and merge, writes, liveness, organisations, upkeep.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "overrides": ["correct_listing", "lift_listing", "suppress_listing", "suppress_organization"],
        "retagging": ["retag"],
        "runs": ["default_fetcher", "last_runs", "run_source"],
        "source_listings": ["count_listings", "hide_blocked", "purge", "show_unblocked"],
        "upkeep": ["optimize_database", "prune_runs", "roll_series_forward", "silent_sources"],
    },
)
