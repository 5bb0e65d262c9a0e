"""Kindred: find clubs, volunteering and meetups near you."""

from __future__ import annotations

import logging

from flask import Flask

from finder.config import ROOT, Config, load_or_create_secret


def create_app(config: Config | dict | None = None) -> Flask:
    """The Flask app: settings, database, blueprints, CLI — a table of contents."""
    config = _load_config(config)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "finder" / "static"))
    register_config(app, config)
    register_database(app)
    register_blueprints(app)
    return app


def _load_config(config: Config | dict | None) -> Config:
    if isinstance(config, Config):
        return config
    from dotenv import load_dotenv

    load_dotenv(ROOT / ".env", override=False)
    return Config.from_env(**(config or {}))


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
    logging.basicConfig(level=config.LOG_LEVEL.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")


def register_database(app: Flask) -> None:
    from finder import extensions

    extensions.init_database(app)


def register_blueprints(app: Flask) -> None:
    from finder.views import pages

    app.register_blueprint(pages.bp)
