"""Email alerts on the web: subscribe (double opt-in), confirm, manage, one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from datetime import time

from babel.dates import format_time, get_day_names
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from finder import alerts
from finder.alerts import send_confirmation, send_welcome
from finder.config import WEEKDAYS
from finder.mail import address_key
from finder.models import Alert, utcnow
from finder.web.extensions import get_session, limiter
from finder.web.i18n import N_, current_language, render_in_alert_locale, translate_known
from finder.web.security import csrf
from finder.web.views.searching import resolver

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
ALERT_MESSAGES = (  # finder/alerts/subscriptions.py's AlertError messages, for translate_known
    N_("Please enter one valid e-mail address."),
    N_("Choose daily or weekly."),
    N_("An alert needs a search: a place, interests or words."),
    N_("This address already has as many alerts as we allow."),
    N_("This search cannot be saved: %(reason)s"),
)


class AlertForm(FlaskForm):
    email = EmailField(_l("Your e-mail address"), validators=[DataRequired(), Length(max=320)])
    frequency = StringField("How often", validators=[AnyOf(alerts.FREQUENCIES)], default="weekly")
    name = StringField(_l("Name this alert (optional)"), validators=[Length(max=200)])


def _address_key() -> str:
    """One rate-limit key per mailbox: case, a root dot and `+tag` sub-addresses do not make a new one."""
    return "alert-address:" + address_key(request.form.get("email") or "")


@bp.get("/new")
def new():
    query = alerts.saved_query(request.args)
    return render_template(
        "alerts/new.html", form=AlertForm(), query=query, preview=_preview(query), schedule=schedule_words()
    )


def schedule_words() -> dict[str, str]:
    """How the form names each frequency, with the day and local time digests go out (FINDER_DIGEST_*)."""
    config = current_app.config["FINDER"]
    locale = get_locale()
    at = format_time(time(config.DIGEST_HOUR), "short", locale=locale)
    day = get_day_names("wide", locale=locale)[WEEKDAYS.index(config.DIGEST_WEEKDAY.strip().lower())]
    return {
        "weekly": _("Weekly, on %(day)s at %(time)s (%(zone)s)", day=day, time=at, zone=config.TIMEZONE),
        "daily": _("Daily, at %(time)s (%(zone)s)", time=at, zone=config.TIMEZONE),
    }


def _preview(query: dict) -> list:
    """The first few listings the welcome digest of `query` would hold now."""
    return alerts.starting_matches(
        get_session(),
        query,
        resolver(),
        now=utcnow(),
        limit=alerts.PREVIEW_CAP,
        tz_name=current_app.config["FINDER"].TIMEZONE,
    )


@bp.post("")
@limiter.limit("10/hour")
@limiter.limit("3/hour", key_func=_address_key)
def create():
    form = AlertForm()
    query = alerts.saved_query(request.form)
    if not form.validate():
        return render_template("alerts/new.html", form=form, query=query, schedule=schedule_words()), 400
    session = get_session()
    try:
        alert = alerts.subscribe(
            session,
            email=form.email.data,
            frequency=form.frequency.data,
            name=form.name.data or "",
            query=query,
            now=utcnow(),
        )
    except alerts.AlertError as error:
        message = translate_known(str(error), ALERT_MESSAGES)
        form.errors.setdefault(error.field, []).append(message)
        return render_template("alerts/new.html", form=form, query=query, error=message, schedule=schedule_words()), 400
    alert.locale = current_language()
    if alert.status == "pending":
        send_confirmation(session, current_app.config["FINDER"], alert, render_in_alert_locale)
    session.commit()
    # The same answer whether or not the address was known.
    return render_template("alerts/check_inbox.html")


@bp.get("/confirm/<token>")
def confirm_page(token: str):
    """The confirm button; for an alert already confirmed, says so (with its manage link) instead."""
    alert = get_session().get(Alert, _alert_id("confirm", token))
    if alert is not None and alert.confirmed_at is not None and alert.status != "unsubscribed":
        manage = url_for("alerts.manage", token=alerts.make_token(_secret(), "manage", alert.id))
        return render_template("alerts/confirmed.html", alert=alert, manage_url=manage, already=True)
    preview = _preview(alert.query) if alert is not None and alert.status == "pending" else []
    return render_template("alerts/confirm.html", token=token, preview=preview)


@bp.post("/confirm/<token>")
def confirm(token: str):
    """Confirm; an alert confirmed just now gets its welcome digest at once."""
    session, now = get_session(), utcnow()
    alert_id = _alert_id("confirm", token)
    pending = getattr(session.get(Alert, alert_id), "status", None) == "pending"
    alert = alerts.confirm(session, alert_id, now)
    if alert is None:
        abort(404)
    if pending:
        config = current_app.config["FINDER"]
        matches = alerts.starting_matches(session, alert.query, resolver(), now=now, tz_name=config.TIMEZONE)
        send_welcome(session, config, alert, matches, render_in_alert_locale, now)
    session.commit()
    manage = url_for("alerts.manage", token=alerts.make_token(_secret(), "manage", alert.id))
    return render_template("alerts/confirmed.html", alert=alert, manage_url=manage)


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    """The unsubscribe button; for an alert already unsubscribed, says so instead."""
    alert = get_session().get(Alert, _alert_id("unsubscribe", token))
    done = alert is not None and alert.status == "unsubscribed"
    return render_template("alerts/unsubscribe.html", token=token, done=done)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    """RFC 8058 one-click: works with no cookies and no CSRF token, answers 200 without a redirect."""
    session = get_session()
    alerts.unsubscribe(session, _alert_id("unsubscribe", token), utcnow())
    session.commit()
    return render_template("alerts/unsubscribe.html", token=token, done=True)


@bp.route("/manage/<token>", methods=["GET", "POST"])
def manage(token: str):
    session = get_session()
    alert_id = _alert_id("manage", token)
    message = ""
    if request.method == "POST":
        action = request.form.get("action")
        if action == "delete":
            alerts.delete(session, alert_id)
            session.commit()
            return render_template("alerts/deleted.html")
        message = _manage_action(session, alert_id, action)
        session.commit()
    alert = session.get(Alert, alert_id)
    if alert is None:
        abort(404)
    return render_template(
        "alerts/manage.html",
        alert=alert,
        token=token,
        message=message,
        search_url=url_for("pages.search", **alert.query),
    )


def _manage_action(session, alert_id: int, action: str | None) -> str:
    """Apply one manage-page button (not delete); the message to show. An unsubscribed alert takes only
    "resubscribe"."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        abort(404)
    if alert.status == "unsubscribed" and action != "resubscribe":
        abort(400, _("This alert is unsubscribed."))
    if action == "frequency":
        try:
            alerts.set_frequency(session, alert_id, request.form.get("frequency", ""))
        except alerts.AlertError as error:
            abort(400, translate_known(str(error), ALERT_MESSAGES))
        return _("Frequency changed.")
    if action == "pause":
        alerts.pause(session, alert_id, utcnow())
        return _("Paused for a month.")
    if action == "resume":
        alerts.resume(session, alert_id)
        return _("Resumed: new matches will come again.")
    if action == "resubscribe" and alert.status == "unsubscribed" and alert.confirmed_at is not None:
        alerts.resubscribe(session, alert_id, utcnow())
        return _("Subscribed again: you will get new matches from now on.")
    abort(400, "unknown action")


@bp.get("/")
def index():
    return redirect(url_for("alerts.new"))


def _secret() -> str:
    return current_app.config["FINDER"].SECRET_KEY


def _alert_id(purpose: str, token: str) -> int:
    try:
        return alerts.read_token(_secret(), purpose, token)
    except alerts.TokenError as error:
        abort(404, str(error))
