"""Home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from finder.extensions import get_session
from finder.models import Listing

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    session = get_session()
    listings = session.scalars(
        select(Listing)
        .where(Listing.liveness != "hidden")
        .order_by(Listing.next_start.is_(None), Listing.next_start, Listing.id)
        .limit(50)
    ).all()
    return render_template("home.html", listings=listings)
