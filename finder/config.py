"""All settings in one place, read from `FINDER_*` environment variables (and `.env`).

Each field documents itself; `.env.example` lists every one (a test checks it).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# A source checkout has migrations/, templates/ and data/ beside finder/; an installed copy (`pip install .`)
# carries them inside the package as finder/_shipped/ (setup.py copies them at build time).
IN_CHECKOUT = (PACKAGE_DIR.parent / "migrations" / "env.py").is_file()
SHIPPED = PACKAGE_DIR.parent if IN_CHECKOUT else PACKAGE_DIR / "_shipped"
# The project folder: the checkout, or for an installed copy the working directory (where .env is read).
ROOT = PACKAGE_DIR.parent if IN_CHECKOUT else Path.cwd()
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def setting(default, doc: str):
    return field(default=default, metadata={"doc": doc})


@dataclass
class Config:
    DATABASE_URL: str = setting("", "SQLAlchemy URL; empty = SQLite file data/kindred.sqlite")
    DATA_DIR: str = setting(
        "",
        "Folder of the site's own files (what data/... settings name); "
        "empty = data/ of the checkout, or ./data installed",
    )
    SECRET_KEY: str = setting("", "Signs sessions and links; empty = generated once into data/secret_key")
    DEBUG: bool = setting(False, "Flask debug mode (never in production)")
    BASE_URL: str = setting("http://127.0.0.1:5000", "Public URL of the site, used in emails and feeds")
    TIMEZONE: str = setting("UTC", "IANA zone for digest periods and dates shown without a place")
    SOURCES_FILE: str = setting("data/sources.toml", "Source catalogue (TOML), relative to the project root")
    USER_AGENT: str = setting(
        "KindredBot/0.1 (+https://github.com/kindred-finder/kindred)",
        "User-Agent sent by the fetcher, with a contact URL",
    )
    FETCH_MIN_DELAY_S: float = setting(1.0, "Minimum seconds between requests to one host")
    FETCH_TIMEOUT_S: float = setting(20.0, "Connect and read timeout of one request, seconds")
    FETCH_MAX_BYTES: int = setting(10_000_000, "Largest response body accepted, bytes")
    FETCH_ALLOW_PRIVATE: bool = setting(False, "Allow loopback/private fetch targets (tests and the demo only)")
    FETCH_RETRIES: int = setting(3, "Extra attempts of one request after a 5xx, 429 or timeout")
    FETCH_RETRY_BACKOFF_S: float = setting(
        1.0, "Seconds before the first retry when the server names none (Retry-After); doubles each time"
    )
    EXPANSION_DAYS: int = setting(90, "Days ahead to expand recurring series into occurrences")
    PARSE_TIMEOUT_S: float = setting(60.0, "Seconds one page of a scrape may take to parse, in a worker killed past it")
    PARSE_MAX_MEMORY_MB: int = setting(
        1024, "Megabytes of memory a parse worker may take (0 with a 0 timeout: no worker)"
    )
    SUGGEST_PARSE_TIMEOUT_S: float = setting(
        10.0, "Seconds the 'suggest a source' preview may take to parse (a web request)"
    )
    DISCOVER_OPENACTIVE_CATALOG: str = setting(
        "https://openactive.io/data-catalogs/data-catalog-collection.jsonld",
        "OpenActive data catalogue that `finder sources discover` walks to dataset sites and feeds",
    )
    DISCOVER_OVERPASS_URL: str = setting(
        "https://overpass-api.de/api/interpreter", "Overpass API endpoint `finder sources discover` queries"
    )
    DISCOVER_MOBILIZON_INSTANCES: str = setting(
        "https://mobilizon.fr", "Mobilizon instances (comma list) `finder sources discover` searches"
    )
    DISCOVER_ORUK_DASHBOARD: str = setting(
        "", "Open Referral UK dashboard JSON (its feed list) `finder sources discover` reads; empty: not read"
    )
    HIDE_AFTER_MISSES: int = setting(2, "Consecutive successful runs without a listing before it is hidden")
    GEOCODER: str = setting("offline", "offline (gazetteer) or a geopy provider name such as nominatim")
    GEOCODER_URL: str = setting("", "Base URL of the online geocoder (empty = the provider's default)")
    GEOCODER_MIN_DELAY_S: float = setting(1.0, "Minimum seconds between online geocoder requests, all processes")
    GAZETTEER_PATH: str = setting("data/gazetteer.sqlite", "Offline gazetteer file, relative to the project root")
    SMTP_URL: str = setting(
        "", "smtp://host:port, smtp+starttls://user:pass@host:587, smtps://...; empty = data/outbox/"
    )
    MAIL_FROM: str = setting("Kindred <kindred@localhost>", "From address of alert emails")
    MAIL_POSTAL_ADDRESS: str = setting("", "Postal address line shown in every email footer")
    OUTBOX_DIR: str = setting("data/outbox", "Folder for .eml files when FINDER_SMTP_URL is empty")
    DIGEST_HOUR: int = setting(8, "Local hour (FINDER_TIMEZONE) at which digests are sent")
    DIGEST_WEEKDAY: str = setting("friday", "Day weekly digests go out (monday..sunday), at FINDER_DIGEST_HOUR")
    RATELIMIT_STORAGE_URI: str = setting("memory://", "flask-limiter storage, e.g. redis://127.0.0.1:6379")
    RATELIMIT_ENABLED: bool = setting(True, "Rate limits on subscribe and search")
    ADMIN_EMAIL: str = setting("", "Where operational alarms go (empty = none)")
    ADMIN_PASSWORD_HASH: str = setting(
        "", "werkzeug password hash for the /admin login as user 'admin' (empty = only `finder admin create` users)"
    )
    DELETE_UNSUBSCRIBED_AFTER_DAYS: int = setting(30, "Days after unsubscribing before a subscriber's data is deleted")
    PROXY_HOPS: int = setting(0, "Reverse proxies in front of the app whose X-Forwarded-* headers are trusted")
    JOB_LEASE_S: float = setting(45.0, "Scheduler job lease, seconds: a dead scheduler's job is taken over after this")
    JOB_HEARTBEAT_S: float = setting(10.0, "Seconds between lease renewals while a job runs (well under JOB_LEASE_S)")
    JOB_POLL_S: float = setting(15.0, "Seconds between a scheduler's checks of whether each job is due")
    JOB_RETRY_S: float = setting(
        30.0, "First retry delay after a failed job, seconds; doubles, capped at a quarter interval"
    )
    SCHEDULER_STOP_GRACE_S: float = setting(20.0, "On SIGTERM, seconds a running job may finish before it is abandoned")
    LOG_LEVEL: str = setting("INFO", "Logging level")
    MAP_TILE_URL: str = setting(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "Map tile URL template (OpenStreetMap); empty = no map tiles"
    )
    TEST_POSTGRES_URL: str = setting("", "PostgreSQL URL for the test suite (else 127.0.0.1:5432/test is tried)")
    TESTING: bool = setting(False, "Set by the test suite")
    extra: dict = field(default_factory=dict, metadata={"doc": ""})

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> Config:
        """Read every setting from `FINDER_<NAME>`; `overrides` win."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = environ.get(f"FINDER_{f.name}")
            if raw is not None:
                values[f.name] = _convert(raw, f.default, f.name)
        values.update(overrides)
        return cls(**values)

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or f"sqlite:///{self.path('data/kindred.sqlite')}"

    @property
    def data_dir(self) -> Path:
        return data_dir(self.DATA_DIR)

    @property
    def file_roots(self) -> tuple[Path, ...]:
        """Folders whose files `file:data/...` source URLs may read: the data folder and the shipped one."""
        return tuple(dict.fromkeys((self.data_dir, SHIPPED / "data")))

    def path(self, value: str) -> Path:
        """A setting's path made absolute (see `locate`)."""
        return locate(value, self.data_dir)

    def check(self) -> list[str]:
        """Problems that must stop the app from starting."""
        problems = []
        if not self.SECRET_KEY and not self.DEBUG and self.BASE_URL.startswith("https://"):
            problems.append("FINDER_SECRET_KEY is required when FINDER_BASE_URL is https and not in debug")
        if not 0 <= self.DIGEST_HOUR <= 23:
            problems.append("FINDER_DIGEST_HOUR must be 0..23")
        if self.DIGEST_WEEKDAY.strip().lower() not in WEEKDAYS:
            problems.append("FINDER_DIGEST_WEEKDAY must be a day name, monday..sunday")
        provider = self.GEOCODER.strip().lower()
        if provider not in ("", "offline"):
            from geopy.geocoders import SERVICE_TO_GEOCODER

            if provider not in SERVICE_TO_GEOCODER:
                problems.append(f"FINDER_GEOCODER: unknown geopy provider {provider!r} (or offline)")
        from finder.ratelimit_store import missing_package

        if self.RATELIMIT_ENABLED and (missing := missing_package(self.RATELIMIT_STORAGE_URI)):
            problems.append(missing)
        return problems


def load_config(**overrides) -> Config:
    """Settings from the environment and `.env` (raises ValueError naming a bad setting)."""
    from dotenv import load_dotenv

    load_dotenv(ROOT / ".env", override=False)
    return Config.from_env(**overrides)


def configure_logging(config: Config) -> None:
    """Log lines with time, level and logger at FINDER_LOG_LEVEL (the app and every `finder` command)."""
    import logging

    logging.basicConfig(level=config.LOG_LEVEL.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin on every import


def data_dir(setting_value: str | None = None) -> Path:
    """FINDER_DATA_DIR (given, else from the environment), else ROOT/data."""
    value = setting_value if setting_value is not None else os.environ.get("FINDER_DATA_DIR", "")
    return Path(value).expanduser().resolve() if value else ROOT / "data"


def locate(value: str | Path, folder: Path | None = None) -> Path:
    """A path setting made absolute. `data/...` names a file of the data folder (`folder`, default
    `data_dir()`); a file Kindred only reads and ships (sources.toml, tags.toml, demo/) comes from the
    shipped copy while the data folder has none of its own. Other relative paths are read from ROOT."""
    path = Path(value)
    if path.is_absolute():
        return path
    if path.parts and path.parts[0] == "data":
        rest = Path(*path.parts[1:])
        own = (folder or data_dir()) / rest
        shipped = SHIPPED / "data" / rest
        return shipped if not own.exists() and rest.parts and shipped.exists() else own
    return ROOT / path


def documented_settings() -> dict[str, str]:
    """Every setting name (without prefix) and its one-line description."""
    return {f.name: f.metadata["doc"] for f in fields(Config) if f.name not in ("extra", "TESTING")}


def _convert(raw: str, default, name: str):
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"FINDER_{name} must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"FINDER_{name} must be an integer, not {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"FINDER_{name} must be a number, not {raw!r}") from None
    return raw


def load_or_create_secret(path: Path) -> str:
    """The secret kept in `path`, created once so signed links survive restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
