"""Being found: `/robots.txt` and `/sitemap.xml` (a sitemap index of numbered pages past 50,000 URLs)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app, url_for
from sqlalchemy import func, select

from finder.models import Listing, Organization
from finder.web.extensions import get_session
from finder.web.feeds import absolute

bp = Blueprint("reach", __name__)
URLS_PER_SITEMAP = 50_000  # the sitemaps.org limit per file
STATIC_ENDPOINTS = ("pages.home", "pages.search", "pages.guidance", "pages.sources", "pages.about", "privacy.page")
DISALLOWED = ("/admin", "/alerts")
XMLNS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@bp.app_template_global("absolute_url")
def absolute_url(path: str) -> str:
    """`path` (e.g. '/search?where=Leeds') on the public site, for share tags and canonical links."""
    return _absolute(path)


@bp.get("/robots.txt")
def robots():
    # Disallows before the catch-all Allow: parsers that take the first matching line (Python's
    # urllib.robotparser, some crawlers) would otherwise allow /admin too.
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in DISALLOWED),
        "Allow: /",
        "",
        f"Sitemap: {_absolute(url_for('reach.sitemap'))}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    total = url_count()
    if total <= URLS_PER_SITEMAP:
        return _urlset(sitemap_urls(0, URLS_PER_SITEMAP))
    pages = (total + URLS_PER_SITEMAP - 1) // URLS_PER_SITEMAP
    entries = "".join(
        f"<sitemap><loc>{escape(_absolute(url_for('reach.sitemap_page', number=n)))}</loc></sitemap>"
        for n in range(1, pages + 1)
    )
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{XMLNS}">{entries}</sitemapindex>\n'
    return Response(body, mimetype="application/xml")


@bp.get("/sitemap-<int:number>.xml")
def sitemap_page(number: int):
    if number < 1 or (number - 1) * URLS_PER_SITEMAP >= max(url_count(), 1):
        abort(404)
    return _urlset(sitemap_urls((number - 1) * URLS_PER_SITEMAP, URLS_PER_SITEMAP))


def _visible_orgs():
    visible = select(Listing.organization_id).where(Listing.liveness != "hidden", Listing.organization_id.is_not(None))
    return select(Organization.id).where(Organization.id.in_(visible))


def url_count() -> int:
    session = get_session()
    listings = session.scalar(select(func.count()).select_from(Listing).where(Listing.liveness != "hidden")) or 0
    orgs = session.scalar(select(func.count()).select_from(_visible_orgs().subquery())) or 0
    return len(_static_urls()) + listings + orgs


def sitemap_urls(offset: int, limit: int) -> list[tuple[str, str]]:
    """(absolute URL, lastmod date or '') from `offset`: static pages, then listings by id, then organisations."""
    urls = _static_urls()
    session = get_session()
    skip = max(offset - len(urls), 0)
    urls = urls[offset : offset + limit]
    listings = session.execute(
        select(Listing.id, Listing.updated_at)
        .where(Listing.liveness != "hidden")
        .order_by(Listing.id)
        .offset(skip)
        .limit(limit - len(urls))
    ).all()
    urls += [(_absolute(url_for("listings.show", listing_id=i)), updated.date().isoformat()) for i, updated in listings]
    if len(urls) < limit:
        listing_total = session.scalar(select(func.count()).select_from(Listing).where(Listing.liveness != "hidden"))
        skip_orgs = max(skip - (listing_total or 0), 0)
        orgs = session.scalars(_visible_orgs().order_by(Organization.id).offset(skip_orgs).limit(limit - len(urls)))
        urls += [(_absolute(url_for("orgs.show", org_id=org_id)), "") for org_id in orgs]
    return urls


def _static_urls() -> list[tuple[str, str]]:
    return [
        (_absolute(url_for(endpoint)), "") for endpoint in STATIC_ENDPOINTS if endpoint in current_app.view_functions
    ]


def _urlset(urls: list[tuple[str, str]]) -> Response:
    entries = "".join(
        f"<url><loc>{escape(loc)}</loc>{f'<lastmod>{day}</lastmod>' if day else ''}</url>" for loc, day in urls
    )
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{XMLNS}">{entries}</urlset>\n'
    return Response(body, mimetype="application/xml")


def _absolute(path: str) -> str:
    return absolute(current_app.config["FINDER"].BASE_URL, path)
