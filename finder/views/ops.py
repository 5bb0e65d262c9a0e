"""Operations pages: /healthz for probes, /status for people."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import lazy_gettext as _l

from finder.extensions import get_session
from finder.health import source_health
from finder.probes import probe

bp = Blueprint("ops", __name__)
LABELS = {  # finder/health.py's flags and finder/runs.py's run statuses, as people read them
    "failed": _l("failed"), "zero yield": _l("zero yield"), "dropped": _l("dropped"),
    "ok": _l("ok"), "empty": _l("empty"), "partial": _l("partial"), "running": _l("running"),
}


@bp.get("/healthz")
def healthz():
    body, status_code = probe(current_app, get_session())
    return jsonify(body), status_code


@bp.get("/status")
def status():
    report = source_health(get_session())
    flagged = sum(1 for item in report if item.flags and item.source.enabled)
    return render_template("status.html", report=report, flagged=flagged, labels=LABELS)
