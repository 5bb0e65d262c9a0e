"""Postcode shapes per country and explicit country filters (issue 19): a Brazilian CEP never resolves to
France, a code the gazetteer lacks falls back to the nearest known code of its country by prefix, and an
explicit country filters rather than ranks."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from finder.geo.postcode_shapes import postcode_countries
from finder.geo.resolver import Resolver, geocode_listing
from scrapers.listing import Listing, Venue


@pytest.fixture(scope="module")
def resolver(gazetteer_path):
    return Resolver(gazetteer_path)


@pytest.mark.parametrize(
    ("code", "countries"),
    [
        ("01310-100", {"BR"}),
        ("M5V 2T6", {"CA"}),
        ("SW1A 1AA", {"GB"}),
        ("N1", {"GB"}),
        ("1012 AB", {"NL"}),
        ("100-0001", {"JP"}),
        ("62701-1234", {"US"}),
        ("75001", None),
        ("2000", None),
    ],
)
def test_shapes(code, countries):
    assert postcode_countries(code) == countries


def test_a_cep_stays_in_brazil(resolver):
    place = resolver.resolve("01310-100")
    assert place is not None and place.country == "BR"
    assert all(alternative.country == "BR" for alternative in place.alternatives)


def test_an_explicit_country_filters_not_ranks(resolver):
    assert resolver.resolve("Paris", country="US").country == "US"
    assert resolver.resolve("Paris", country_hint="US").country == "US"
    assert resolver.resolve("75001", country="BR") is None or resolver.resolve("75001", country="BR").country == "BR"
    assert resolver.resolve("Berlin", country="JP") is None
    assert resolver.resolve("Berlin", country="Atlantis") is None


def test_a_venues_country_keeps_its_digits_only_postcode_home(resolver):
    listing = Listing(title="x", venue=Venue(postcode="01310100", country="Brazil"))
    lat, lon, precision = geocode_listing(resolver, listing, {})
    assert precision == "postcode" and -25 < lat < -22 and -48 < lon < -45  # São Paulo state, not France


def test_geocode_command_country_option_filters(gazetteer_path, monkeypatch):
    from finder.cli import geo

    monkeypatch.setattr(geo, "_resolver", lambda: Resolver(gazetteer_path))
    result = CliRunner().invoke(geo.geocode_command, ["01310-100", "--country", "BR", "--json"])
    assert result.exit_code == 0, result.output
    assert '"country": "BR"' in result.output
