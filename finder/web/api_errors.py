"""The JSON API's error body (DESIGN contracts: `{"error": {"code", "message", "param"}}`), shared by the API's
own handlers (finder/web/api.py) and the app-wide error pages (finder/web/views/pages.py) for paths under /api/."""

from __future__ import annotations

from flask import jsonify


def error(status: int, code: str, message: str, param: str | None = None, suggestions: list[str] | None = None):
    """(JSON body, status) of an API error; `suggestions` for an unknown or ambiguous place."""
    body = {"code": code, "message": message, "param": param}
    if suggestions is not None:
        body["suggestions"] = suggestions
    return jsonify({"error": body}), status


def http_error(exc):
    """The contract's JSON error body for an HTTP error under /api/ (unknown ids or routes, 500s)."""
    code = getattr(exc, "code", None) or 500
    name = getattr(exc, "name", None) or "Internal Server Error"
    return error(code, name.lower().replace(" ", "_"), getattr(exc, "description", None) or name)
