"""The Flask app factory and its `register_*` steps (`from finder import create_app` reaches it lazily)."""

from __future__ import annotations

from flask import Flask

from finder.config import PACKAGE_DIR, SHIPPED, Config, configure_logging, load_config, load_or_create_secret

MAX_REQUEST_BYTES = 256 * 1024  # every form we take is far smaller


def create_app(config: Config | dict | None = None) -> Flask:
    """The Flask app: settings, database, blueprints, CLI — a table of contents."""
    config = _load_config(config)
    # "finder", the package: the app's name (its logger) and root path are what they were before this module moved.
    app = Flask("finder", template_folder=str(SHIPPED / "templates"), static_folder=str(PACKAGE_DIR / "static"))
    register_config(app, config)
    register_proxy(app, config)
    register_database(app)
    register_security(app)
    register_i18n(app)
    register_routing(app)
    register_blueprints(app)
    return app


def _load_config(config: Config | dict | None) -> Config:
    if isinstance(config, Config):
        return config
    return load_config(**(config or {}))


def register_config(app: Flask, config: Config) -> None:
    problems = config.check()
    if problems:
        raise RuntimeError("; ".join(problems))
    if not config.SECRET_KEY:
        config.SECRET_KEY = load_or_create_secret(config.path("data/secret_key"))
    app.config["FINDER"] = config
    app.config["SECRET_KEY"] = config.SECRET_KEY
    app.config["DEBUG"] = config.DEBUG
    app.config["TESTING"] = config.TESTING
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES  # larger request bodies get 413
    configure_logging(config)


def register_proxy(app: Flask, config: Config) -> None:
    """Trust exactly FINDER_PROXY_HOPS proxies' X-Forwarded-* headers (none by default)."""
    if config.PROXY_HOPS > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.PROXY_HOPS
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)


def register_database(app: Flask) -> None:
    from finder.web import extensions

    extensions.init_database(app)
    extensions.init_geocoder(app)
    extensions.init_limiter(app)


def register_security(app: Flask) -> None:
    from finder.web.security import init_security

    init_security(app)


def register_i18n(app: Flask) -> None:
    from finder.web.i18n import init_i18n

    init_i18n(app)


def register_routing(app: Flask) -> None:
    from finder.web.routing import init_routing

    init_routing(app)


def register_blueprints(app: Flask) -> None:
    from finder.web import api
    from finder.web.views import alerts, feeds, listings, ops, orgs, pages, reach

    app.register_blueprint(pages.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(listings.bp)
    app.register_blueprint(orgs.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(reach.bp)
    register_trust_blueprints(app)
    api.init_app(app)


def register_trust_blueprints(app: Flask) -> None:
    """Contribution, organisers' claims, the admin area and privacy."""
    from finder.catalog import listing_terms
    from finder.web.views import admin, claims, contribute, privacy

    for module in (contribute, claims, admin, privacy):
        app.register_blueprint(module.bp)
    app.add_template_global(listing_terms, "listing_terms")
