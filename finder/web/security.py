"""Security on every response: headers (CSP without unsafe-inline scripts) and app-wide CSRF.

Views that must accept a POST without a CSRF token (RFC 8058 one-click unsubscribe) use
`csrf.exempt(view)`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# The API reference page (vendored ReDoc) writes its own <style> elements and searches in a blob: worker.
DOCS_PATHS = ("/api/v1/docs/redoc/",)


def init_security(app: Flask) -> None:
    """CSRF protection for every form, the security headers on every response, and session cookie flags
    (Secure when the site is https)."""
    csrf.init_app(app)
    config = app.config["FINDER"]
    policy = content_security_policy(config.MAP_TILE_URL)
    docs_policy = content_security_policy(config.MAP_TILE_URL, docs=True)
    hsts = config.BASE_URL.lower().startswith("https://")
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=hsts)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        pictures = g.get("csp_image_origins")
        page_policy = content_security_policy(config.MAP_TILE_URL, images=pictures) if pictures else policy
        headers.setdefault("Content-Security-Policy", docs_policy if request.path in DOCS_PATHS else page_policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def allow_images(origins: list[str]) -> None:
    """Let this response's page load pictures from `origins` (scheme://host of the cards' images, checked by
    finder.web.card_images); every other page keeps img-src to ourselves and the map tiles."""
    g.csp_image_origins = list(origins)


def content_security_policy(tile_url: str, docs: bool = False, images: list[str] | None = None) -> str:
    """The CSP: our own scripts and styles only; images also from the map tile host (and, per page, the
    hosts of the cards' pictures). `docs` (the API reference page only): inline styles and blob: workers
    too, still no outside or inline script."""
    pictures = images or []
    images = ["'self'", "data:"]
    tile_origin = _origin(tile_url)
    if tile_origin:
        images.append(tile_origin)
    images += [origin for origin in pictures if origin not in images]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    if docs:
        directives["style-src"].append("'unsafe-inline'")
        directives["worker-src"] = ["'self'", "blob:"]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _origin(url: str) -> str:
    """scheme://host of a tile URL template such as https://tile.openstreetmap.org/{z}/{x}/{y}.png."""
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}.", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc
    if "{s}" in url:
        host = "*." + host
    return f"{parts.scheme}://{host}"
