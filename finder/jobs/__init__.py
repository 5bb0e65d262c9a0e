"""The scheduler's jobs: the job table, cross-process locks, job health.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "alert_workers": ["run_in_workers"],
        "health": ["job_health", "needs_attention"],
        "locks": ["held_keys"],
        "scrape": ["run_source_locked"],
        "source_status": ["SourceHealth", "source_health"],
        "table": ["Job", "abandon_running", "job_table", "run_due", "run_job"],
    },
)
