"""Offline geocoder benchmark: accuracy on known places, latency, throughput, cold start and memory.

    .venv/bin/python bench/geocode_bench.py [--n 20000] [--gazetteer data/gazetteer.sqlite]

Accuracy: the top answer must lie within 25 km of the coordinates listed below (city halls / centres,
from public knowledge). The last line is the `geocode` figure line of the design notes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.host import HostMeter  # noqa: E402
from finder.geo.math import haversine_km  # noqa: E402
from finder.geo.resolver import Resolver  # noqa: E402

TOP1_KM = 25.0
# (query, latitude, longitude): 15 countries, names, exonyms, "City, ST", "City, Country", postcodes, coordinates.
QUERIES = [
    ("Portland, OR", 45.5152, -122.6784),
    ("Portland, ME", 43.6591, -70.2568),
    ("Portland", 45.5152, -122.6784),
    ("Cambridge MA", 42.3736, -71.1097),
    ("10001", 40.7506, -73.9972),
    ("New York", 40.7128, -74.0060),
    ("Chicago", 41.8781, -87.6298),
    ("Austin, TX", 30.2672, -97.7431),
    ("Seattle", 47.6062, -122.3321),
    ("Boulder, CO", 40.0150, -105.2705),
    ("Springfield, IL", 39.7817, -89.6501),
    ("94103", 37.7726, -122.4099),
    ("Ann Arbor", 42.2808, -83.7430),
    ("Burlington, VT", 44.4759, -73.2121),
    ("Santa Fe, NM", 35.6870, -105.9378),
    ("London", 51.5074, -0.1278),
    ("Cambridge, UK", 52.2053, 0.1218),
    ("SW1A 1AA", 51.5010, -0.1416),
    ("Manchester", 53.4808, -2.2426),
    ("Edinburgh", 55.9533, -3.1883),
    ("EH1 1YZ", 55.9500, -3.1900),
    ("Bristol", 51.4545, -2.5879),
    ("M1 1AE", 53.4800, -2.2400),
    ("M5V 2T6", 43.6426, -79.3871),
    ("Toronto", 43.6532, -79.3832),
    ("Montréal", 45.5017, -73.5673),
    ("Vancouver", 49.2827, -123.1207),
    ("London, Ontario", 42.9849, -81.2453),
    ("H2X 1Y4", 45.5100, -73.5700),
    ("Berlin", 52.5200, 13.4050),
    ("München", 48.1351, 11.5820),
    ("Munich", 48.1351, 11.5820),
    ("Köln", 50.9375, 6.9603),
    ("Cologne", 50.9375, 6.9603),
    ("10115 Berlin", 52.5320, 13.3840),
    ("80331", 48.1370, 11.5750),
    ("Hamburg", 53.5511, 9.9937),
    ("Paris", 48.8566, 2.3522),
    ("75001, France", 48.8625, 2.3364),
    ("Lyon", 45.7640, 4.8357),
    ("Marseille", 43.2965, 5.3698),
    ("13001, France", 43.2999, 5.3841),
    ("Saint-Étienne", 45.4397, 4.3872),
    ("Zürich", 47.3769, 8.5417),
    ("Genève", 46.2044, 6.1432),
    ("Geneva", 46.2044, 6.1432),
    ("8001, Switzerland", 47.3700, 8.5400),
    ("São Paulo", -23.5505, -46.6333),
    ("Rio de Janeiro", -22.9068, -43.1729),
    ("Brasília", -15.7939, -47.8828),
    ("Bombay", 19.0760, 72.8777),
    ("Mumbai", 19.0760, 72.8777),
    ("Bangalore", 12.9716, 77.5946),
    ("New Delhi", 28.6139, 77.2090),
    ("Calcutta", 22.5726, 88.3639),
    ("400001", 18.9400, 72.8300),
    ("Tokyo", 35.6762, 139.6503),
    ("Osaka", 34.6937, 135.5023),
    ("Kyoto", 35.0116, 135.7681),
    ("100-0001", 35.6850, 139.7530),
    ("Sydney 2000", -33.8688, 151.2093),
    ("Melbourne", -37.8136, 144.9631),
    ("3000, Australia", -37.8136, 144.9631),
    ("Brisbane", -27.4698, 153.0251),
    ("Roma", 41.9028, 12.4964),
    ("Rome", 41.9028, 12.4964),
    ("Milano", 45.4642, 9.1900),
    ("Florence", 43.7696, 11.2558),
    ("Madrid", 40.4168, -3.7038),
    ("Barcelona", 41.3851, 2.1734),
    ("Sevilla", 37.3891, -5.9845),
    ("Amsterdam", 52.3676, 4.9041),
    ("Den Haag", 52.0705, 4.3007),
    ("The Hague", 52.0705, 4.3007),
    ("Mexico City", 19.4326, -99.1332),
    ("Guadalajara", 20.6597, -103.3496),
    ("Wien", 48.2082, 16.3738),
    ("Vienna", 48.2082, 16.3738),
    ("Prague", 50.0755, 14.4378),
    ("Lisboa", 38.7223, -9.1393),
    ("Copenhagen", 55.6761, 12.5683),
    ("Warszawa", 52.2297, 21.0122),
    ("Nairobi", -1.2921, 36.8219),
    ("Cape Town", -33.9249, 18.4241),
    ("Auckland", -36.8485, 174.7633),
    ("Buenos Aires", -34.6037, -58.3816),
    ("Seoul", 37.5665, 126.9780),
    ("Dublin", 53.3498, -6.2603),
    ("near 45.52,-122.68", 45.52, -122.68),
    ("Wasilla, AK", 61.5814, -149.4394),
    ("Bar Harbor, ME", 44.3876, -68.2039),
    ("Hebden Bridge", 53.7420, -2.0140),
    ("Oberstdorf", 47.4090, 10.2790),
]


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cold_start_ms(path: Path) -> tuple[float, float]:
    """A fresh interpreter: (import of the package, opening the gazetteer + the first answer), milliseconds."""
    code = (
        "import time; t=time.perf_counter(); from finder.geo.resolver import Resolver; i=time.perf_counter(); "
        f"Resolver({str(path)!r}).resolve('Portland, OR'); e=time.perf_counter(); print((i-t)*1000, (e-i)*1000)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    import_ms, open_ms = (float(v) for v in out.stdout.split())
    return import_ms, open_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="timed lookups (default 20000)")
    parser.add_argument("--gazetteer", type=Path, default=ROOT / "data" / "gazetteer.sqlite")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    if not args.gazetteer.is_file():
        sys.stderr.write(f"no gazetteer at {args.gazetteer}: run `finder gazetteer build`\n")
        sys.stdout.write("geocode n=0 p50_us=na p99_us=na top1_pct=na\n")
        return
    meter = HostMeter.start()
    size_mb = args.gazetteer.stat().st_size / 1e6
    rss_before = rss_mb()
    resolver = Resolver(args.gazetteer)
    hits, misses = 0, []
    for query, lat, lon in QUERIES:
        place = resolver.resolve(query)
        if place is not None and haversine_km(place.lat, place.lon, lat, lon) <= TOP1_KM:
            hits += 1
        else:
            misses.append((query, place and (place.name, round(place.lat, 3), round(place.lon, 3))))
    timings, cpu_timings = [], []  # wall clock, and this thread's CPU time (blind to other processes)
    gc.collect()
    gc.disable()  # time the lookups, not the collector
    started = time.perf_counter()
    for index in range(args.n):
        query = QUERIES[index % len(QUERIES)][0]
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        resolver.resolve(query)
        timings.append((time.perf_counter_ns() - t0) / 1000)
        cpu_timings.append((time.thread_time_ns() - c0) / 1000)
    elapsed = time.perf_counter() - started
    gc.enable()
    import_ms, open_ms = cold_start_ms(args.gazetteer)
    timings.sort()
    cpu_timings.sort()
    countries = {getattr(resolver.resolve(q), "country", "") for q, _, _ in QUERIES}
    summary = {
        "gazetteer_mb": round(size_mb, 1),
        "queries": len(QUERIES),
        "countries": len(countries - {None, ""}),
        "lookups_per_s": round(args.n / elapsed),
        "p50_us": round(percentile(timings, 0.50)),
        "p99_us": round(percentile(timings, 0.99)),
        "max_us": round(timings[-1]),
        "cpu_p50_us": round(percentile(cpu_timings, 0.50)),
        "cpu_p99_us": round(percentile(cpu_timings, 0.99)),
        "load_avg_1m": os.getloadavg()[0],
        "cold_import_ms": round(import_ms, 1),
        "cold_open_first_ms": round(open_ms, 1),
        "rss_growth_mb": round(rss_mb() - rss_before, 1),
        "rss_mb": round(rss_mb(), 1),
    }
    sys.stdout.write(json.dumps(summary) + "\n")
    if args.show_misses or misses:
        for query, got in misses:
            sys.stdout.write(f"miss: {query!r} -> {got}\n")
    top1 = 100.0 * hits / len(QUERIES)
    sys.stdout.write(meter.line() + "\n")
    sys.stdout.write(f"geocode n={args.n} p50_us={summary['p50_us']} p99_us={summary['p99_us']} top1_pct={top1:.1f}\n")


if __name__ == "__main__":
    main()
