"""Source health for /status: recent runs per source, a trend, and flags (pure over run rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.models import ScrapeRun, Source

TREND_RUNS = 20
DROP_RATIO = 0.5


@dataclass
class SourceHealth:
    source: Source
    runs: list[ScrapeRun] = field(default_factory=list)  # newest first
    flags: list[str] = field(default_factory=list)

    @property
    def last(self) -> ScrapeRun | None:
        return self.runs[0] if self.runs else None

    def trend_points(self, width: int = 120, height: int = 24) -> str:
        """SVG polyline points of items per run, oldest to newest."""
        values = [run.items for run in reversed(self.runs) if run.status != "running"]
        if len(values) < 2:
            return ""
        top = max(values) or 1
        step = width / (len(values) - 1)
        return " ".join(f"{i * step:.1f},{height - (v / top) * (height - 2) - 1:.1f}" for i, v in enumerate(values))


def flags_for(runs: list[ScrapeRun]) -> list[str]:
    """'zero yield' when the last finished run found nothing; 'dropped' when it fell below half the recent median."""
    finished = [run for run in runs if run.status != "running"]
    if not finished:
        return []
    last = finished[0]
    flags = []
    if last.status == "failed":
        flags.append("failed")
    if last.status == "empty" or (last.status == "ok" and last.items == 0):
        flags.append("zero yield")
    earlier = [run.items for run in finished[1:] if run.status in ("ok", "partial") and run.items > 0]
    if earlier and last.items > 0 and last.status in ("ok", "partial") and last.items < DROP_RATIO * median(earlier):
        flags.append("dropped")
    return flags


def source_health(session: Session) -> list[SourceHealth]:
    report = []
    for source in session.scalars(select(Source).order_by(Source.enabled.desc(), Source.slug)):
        runs = session.scalars(
            select(ScrapeRun)
            .where(ScrapeRun.source_id == source.id)
            .order_by(ScrapeRun.started_at.desc())
            .limit(TREND_RUNS)
        ).all()
        report.append(SourceHealth(source, list(runs), flags_for(list(runs))))
    return report
