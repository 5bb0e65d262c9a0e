"""The privacy page, and a subscriber's own data by signed link: export (JSON) and delete."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlalchemy import func, select

from finder import alerts, trust
from finder.models import Alert
from finder.ratelimit_store import kind
from finder.web.extensions import get_session

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def page():
    config = current_app.config["FINDER"]
    return render_template(
        "privacy.html",
        delete_after_days=config.DELETE_UNSUBSCRIBED_AFTER_DAYS,
        ratelimit_store=kind(config.RATELIMIT_STORAGE_URI),
    )


@bp.route("/privacy/mine/<token>", methods=["GET", "POST"])
def mine(token: str):
    """Reached from an alert's manage page: the manage link's signed token proves the address."""
    email = _email(token)
    if request.method == "POST":
        session = get_session()
        if request.form.get("confirm") != "yes":  # the first press asks again; nothing is deleted yet
            alert_count = session.scalar(select(func.count()).select_from(Alert).where(Alert.email == email))
            return render_template("privacy/confirm_delete.html", token=token, alert_count=alert_count)
        trust.delete_subscriber(session, email)
        session.commit()
        return render_template("privacy/done.html")
    return render_template("privacy/mine.html", token=token)


@bp.get("/privacy/mine/<token>/export.json")
def export(token: str):
    body = json.dumps(trust.export(get_session(), _email(token)), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="kindred-my-data.json"', "Cache-Control": "no-store"},
    )


def _email(token: str) -> str:
    try:
        alert_id = alerts.read_token(current_app.config["FINDER"].SECRET_KEY, "manage", token)
    except alerts.TokenError as error:
        abort(404, str(error))
    alert = get_session().get(Alert, alert_id)
    if alert is None:
        abort(404)
    return alert.email
