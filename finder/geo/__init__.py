"""Where things are: geo math, place text, the offline gazetteer (and its build), listing geocoding,
the opt-in online fallback.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "build": ["STEPS", "build_gazetteer", "load_fixture"],
        "math": [
            "EARTH_RADIUS_KM",
            "bounding_box",
            "fold",
            "haversine_km",
            "km_to_miles",
            "miles_to_km",
            "parse_coordinates",
            "valid_coordinates",
        ],
        "online": ["PlaceResolver", "get_online_geocoder"],
        "resolver": ["PlaceQueryError", "geocode_listing", "get_resolver"],
        "time_zones": ["settle_zone"],
    },
)
