"""The Flask site: app, extensions, security, i18n, display, feeds, structured data, API, views.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__, {"app": ["create_app"], "extensions": ["place_resolver"], "i18n": ["render_in_alert_locale"]}
)
