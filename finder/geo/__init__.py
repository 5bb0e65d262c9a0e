"""Where things are: geo math, place text, the offline gazetteer (and its build), listing geocoding, the opt-in online fallback."""
