"""Operations pages: /healthz for probes, /status for people."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import lazy_gettext as _l

from finder.jobs import job_health, job_table, needs_attention, source_health
from finder.models import utcnow
from finder.web.extensions import get_session
from finder.web.probes import probe

bp = Blueprint("ops", __name__)
LABELS = {  # finder/jobs/source_status.py's and finder/jobs/health.py's flags and the run statuses, as people read them
    "failed": _l("failed"),
    "zero yield": _l("zero yield"),
    "dropped": _l("dropped"),
    "ok": _l("ok"),
    "empty": _l("empty"),
    "partial": _l("partial"),
    "running": _l("running"),
    "stuck": _l("stuck"),
    "unfinished": _l("did not finish"),
    "overdue": _l("overdue"),
    "never run": _l("never run"),
}


@bp.get("/healthz")
def healthz():
    body, status_code = probe(current_app, get_session())
    return jsonify(body), status_code


@bp.get("/status")
def status():
    session = get_session()
    report = source_health(session)
    flagged = sum(1 for item in report if item.flags and item.source.enabled)
    jobs = job_health(session, [(job.key, job.interval_s) for job in job_table(current_app)], utcnow())
    jobs_flagged = sum(1 for item in jobs if needs_attention(item))
    return render_template(
        "status.html",
        report=report,
        flagged=flagged,
        labels=LABELS,
        jobs=jobs,
        jobs_flagged=jobs_flagged,
        needs_attention=needs_attention,
    )
