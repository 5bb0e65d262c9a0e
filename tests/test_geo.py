"""finder/geo/math.py: distances, boxes, units, coordinate parsing and name folding (pure functions)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finder.geo.math import (
    bounding_box,
    fold,
    haversine_km,
    is_latin,
    km_to_miles,
    miles_to_km,
    parse_coordinates,
    valid_coordinates,
)


@pytest.mark.parametrize(
    ("a", "b", "expected_km"),
    [
        ((51.5074, -0.1278), (48.8566, 2.3522), 343.5),  # London - Paris
        ((40.7128, -74.0060), (34.0522, -118.2437), 3936.0),  # New York - Los Angeles
        ((-33.8688, 151.2093), (-37.8136, 144.9631), 713.4),  # Sydney - Melbourne
        ((0.0, 179.5), (0.0, -179.5), 111.2),  # across the antimeridian
        ((45.0, 10.0), (45.0, 10.0), 0.0),
    ],
)
def test_haversine_known_distances(a, b, expected_km):
    assert haversine_km(*a, *b) == pytest.approx(expected_km, rel=0.005, abs=0.1)


def test_units_round_trip():
    assert km_to_miles(1.609344) == pytest.approx(1.0)
    assert miles_to_km(25) == pytest.approx(40.2336)
    assert miles_to_km(km_to_miles(123.4)) == pytest.approx(123.4)


@given(
    lat=st.floats(-85, 85),
    lon=st.floats(-180, 180),
    radius_km=st.floats(0.1, 500),
    bearing=st.floats(0, 2 * math.pi),
    fraction=st.floats(0, 0.999),
)
def test_bounding_box_contains_every_point_within_radius(lat, lon, radius_km, bearing, fraction):
    # Walk `fraction * radius` along `bearing` on the sphere; the end point must lie in the box.
    distance = fraction * radius_km / 6371.0088
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(math.sin(phi1) * math.cos(distance) + math.cos(phi1) * math.sin(distance) * math.cos(bearing))
    lambda2 = lambda1 + math.atan2(
        math.sin(bearing) * math.sin(distance) * math.cos(phi1), math.cos(distance) - math.sin(phi1) * math.sin(phi2)
    )
    p_lat, p_lon = math.degrees(phi2), (math.degrees(lambda2) + 540) % 360 - 180
    box = bounding_box(lat, lon, radius_km)
    assert box.min_lat - 1e-9 <= p_lat <= box.max_lat + 1e-9
    if box.min_lon <= box.max_lon:
        assert box.min_lon - 1e-9 <= p_lon <= box.max_lon + 1e-9
    else:  # wraps the antimeridian
        assert p_lon >= box.min_lon - 1e-9 or p_lon <= box.max_lon + 1e-9


def test_bounding_box_edges():
    polar = bounding_box(89.9, 0, 50)
    assert (polar.min_lon, polar.max_lon, polar.max_lat) == (-180.0, 180.0, 90.0)
    wrapped = bounding_box(0, 179.9, 50)
    assert wrapped.min_lon > wrapped.max_lon
    assert bounding_box(10, 20, 0) == (10, 20, 10, 20)
    with pytest.raises(ValueError):
        bounding_box(0, 0, -1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45.52,-122.68", (45.52, -122.68)),
        ("45.52 -122.68", (45.52, -122.68)),
        ("near 45.52,-122.68", (45.52, -122.68)),
        ("Near  45.52 , -122.68 ", (45.52, -122.68)),
        ("(51.5, -0.12)", (51.5, -0.12)),
        ("45.52N 122.68W", (45.52, -122.68)),
        ("122.68W 45.52N", (45.52, -122.68)),
        ("33.87S, 151.21E", (-33.87, 151.21)),
        ("-122.68, 45.52", (45.52, -122.68)),  # a longitude first: only one order is possible
        ("91, 10", (10.0, 91.0)),
        ("0,0", (0.0, 0.0)),
        ("-90 180", (-90.0, 180.0)),
    ],
)
def test_parse_coordinates(text, expected):
    assert parse_coordinates(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["Portland", "10001", "SW1A 1AA", "45.52", "", "1,2,3", "45.5,-122.6 Portland"])
def test_parse_coordinates_not_a_pair(text):
    assert parse_coordinates(text) is None


@pytest.mark.parametrize("text", ["95, 100", "45, 181", "200, 200", "-95.1 -95.2", "10N 200E"])
def test_parse_coordinates_out_of_range(text):
    with pytest.raises(ValueError, match="out of range"):
        parse_coordinates(text)


def test_valid_coordinates():
    assert valid_coordinates(90, -180)
    assert not valid_coordinates(90.0001, 0)
    assert not valid_coordinates(float("nan"), 0)
    assert not valid_coordinates(0, float("inf"))
    assert not valid_coordinates("1", 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("São  Paulo!", "sao paulo"),
        ("MÜNCHEN", "munchen"),
        ("Zürich", "zurich"),
        ("Straße", "strasse"),
        ("Saint-Étienne", "saint etienne"),
        ("Łódź", "lodz"),
        ("  ", ""),
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


def test_is_latin():
    assert is_latin("Bombay")
    assert is_latin("Île-de-France 75")
    assert not is_latin("Москва")
    assert not is_latin("東京")
