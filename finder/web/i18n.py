"""Languages: Flask-Babel with English, Spanish and German; the locale comes from `?lang=` (remembered in a
`lang` cookie), else the cookie, else `Accept-Language`. Distances are in miles for US and GB visitors and
kilometres elsewhere, unless the visitor chose a unit (`radius_mi` / `radius_km`)."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, urlencode

from babel import Locale, UnknownLocaleError
from flask import Flask, Response, has_request_context, render_template, request, url_for
from flask_babel import Babel, force_locale, get_locale, gettext
from werkzeug.routing import BuildError

from finder.config import PACKAGE_DIR
from finder.tags import load_vocabulary

log = logging.getLogger(__name__)
LANGUAGES = {"en": "English", "es": "Español", "de": "Deutsch"}
DEFAULT_LOCALE = "en"
LANG_COOKIE = "lang"
LANG_COOKIE_AGE_S = 365 * 24 * 3600
MILE_REGIONS = ("US", "GB")  # where distances read in miles
RADII_MI = (1, 3, 5, 15, 30, 60)  # the search form's choices where distances read in miles
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"

babel = Babel()


def init_i18n(app: Flask) -> None:
    """Babel on the app, `lang` remembered when chosen, and the template globals for the switcher."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks collapse whitespace, as babel.cfg extracts
    app.after_request(_remember_language)
    app.add_template_global(LANGUAGES, "languages")
    app.add_template_global(current_language, "current_language")
    app.add_template_global(distance_unit, "distance_unit")
    app.add_template_global(current_locale_tag, "current_locale_tag")
    app.add_template_global(language_url, "language_url")
    app.add_template_global(RADII_MI, "radii_mi")
    app.add_template_filter(tag_label, "tag_label")


def select_locale() -> str:
    """The page's locale: `?lang=`, the `lang` cookie, then the best `Accept-Language` match, with its region
    (e.g. `en_US`) kept when the browser names one so that dates and units follow it."""
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    best = (request.accept_languages.best_match(_accepted_tags()) or DEFAULT_LOCALE).replace("-", "_")
    try:
        Locale.parse(best)
    except (ValueError, UnknownLocaleError):  # a region or variant Babel does not know: the language alone
        return best.split("_")[0].lower()
    return best


def _accepted_tags() -> list[str]:
    """Our languages, plus any regional variants of them the browser asked for (en-GB, es-MX...)."""
    tags = list(LANGUAGES)
    for value, _quality in request.accept_languages:
        base = value.split("-")[0].lower()
        if base in LANGUAGES and "-" in value and value not in tags:
            tags.append(value)
    return tags


def current_language() -> str:
    """'en', 'es' or 'de'."""
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else DEFAULT_LOCALE


def language_url(code: str) -> str:
    """This page in language `code`: the same page and query with `lang` set."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return _this_page() + "?" + urlencode([*args, ("lang", code)])


def _this_page() -> str:
    """The page's path built from its route; with no route (a 404) the raw path, escaped and kept on this site
    (`/%5Cevil.example/x` or `//evil.example/x` must never become a link that browsers resolve off-site)."""
    if request.url_rule is not None and request.endpoint:
        try:
            return url_for(request.endpoint, **(request.view_args or {}))
        except BuildError:
            log.info("no URL for endpoint %s; language links use the escaped path", request.endpoint)
    return "/" + quote(request.path.lstrip("/\\"), safe="/")


def current_locale_tag() -> str:
    """'en', 'es_MX', 'de_DE'... (Open Graph's og:locale form)."""
    return str(get_locale() or DEFAULT_LOCALE)


def distance_unit(args: dict | None = None) -> str:
    """'mi' or 'km': the visitor's explicit choice (`radius_mi`/`radius_km`) first, else by locale region."""
    args = args if args is not None else request.args
    if args.get("radius_mi"):
        return "mi"
    if args.get("radius_km"):
        return "km"
    locale = get_locale()
    return "mi" if locale is not None and locale.territory in MILE_REGIONS else "km"


def _remember_language(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.vary.update(("Accept-Language", "Cookie"))
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=LANG_COOKIE_AGE_S, samesite="Lax", httponly=True)
    return response


def N_(message: str) -> str:  # noqa: N802 - the gettext convention pybabel extracts
    """Marks `message` for extraction without translating it (for messages made in Flask-free modules)."""
    return message


def translate_known(text: str, messages: tuple[str, ...]) -> str:
    """`text` (an English message from a Flask-free module) in the page's language when it matches one of
    `messages` (msgids marked with N_, `%(name)s` standing for any text); else `text` unchanged."""
    for message in messages:
        pattern = re.sub(r"%\\\(([a-z_]+)\\\)s", r"(?P<\1>.+)", re.escape(message))
        found = re.fullmatch(pattern, text, flags=re.DOTALL)
        if found:
            return gettext(message, **{name: gettext(value) for name, value in found.groupdict().items()})
    return text


def tag_label(tag) -> str:
    """A tag's label (a Tag row, or a slug) in the page's language, from the vocabulary."""
    slug = tag if isinstance(tag, str) else tag.slug
    label = load_vocabulary().label(slug, current_language())
    return getattr(tag, "label", slug) if label == slug and not isinstance(tag, str) else label


def render_in_alert_locale(template: str, **context) -> str:
    """A template rendered in the language its alert was made in (Alert.locale): the `render` the web layer
    hands to the mail and alert code (finder.alerts.delivery, finder.alerts.digests), which knows no Flask."""
    with force_locale(getattr(context.get("alert"), "locale", None) or DEFAULT_LOCALE):
        return render_template(template, **context)
