"""The fetcher against real loopback servers: robots, pacing, retries, caps, redirects, encodings, file://.

Waits go through a fake clock (nothing sleeps); timeouts are a fraction of a second.
"""

from __future__ import annotations

import gzip
import socket
import threading
from email.utils import format_datetime
from pathlib import Path

import pytest
from werkzeug import Response

from scrapers.fetch import robots
from scrapers.fetch.fetcher import Fetcher, FetchError, FetchSettings, MemoryFetchStore, detect_encoding
from scrapers.fetch.parts import retry_after_s

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fetch"
START_S = 1_800_000_000.0


class FakeClock:
    """`time` and `sleep` for the fetcher: sleeping advances the clock and is recorded, never waited."""

    def __init__(self, now: float = START_S):
        self.now = now
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_fetcher(clock):
    made = []

    def make(store=None, **overrides) -> Fetcher:
        values = dict(allow_private=True, min_delay_s=0.0, timeout_s=2.0, file_root=FIXTURES)
        values.update(overrides)
        fetcher = Fetcher(FetchSettings(**values), store, clock=clock.time, sleep=clock.sleep)
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


@pytest.fixture
def site(httpserver):
    """The test server with no robots.txt (404: everything allowed)."""
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return httpserver


def hits(server, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


class RawServer:
    """A loopback server that answers /robots.txt with 404 and any other path with `reply` verbatim,
    then holds the connection open until closed (for timeouts mid-body and lying headers)."""

    def __init__(self, reply: bytes, hold: bool = True):
        self.reply, self.hold = reply, hold
        self.paths: list[str] = []
        self.release = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self):
        while not self.release.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ")[1].decode()
            self.paths.append(path)
            if path == "/robots.txt":
                connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            connection.sendall(self.reply)
            if self.hold:
                self.release.wait(5)

    def close(self):
        self.release.set()
        self.thread.join(2)
        self.listener.close()


@pytest.fixture
def raw_server():
    servers = []

    def make(reply: bytes, hold: bool = True) -> RawServer:
        servers.append(RawServer(reply, hold))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


# --- basics and conditional GET ------------------------------------------------------------------


def test_user_agent_and_body_are_passed_through(site, make_fetcher):
    site.expect_request("/feed.ics").respond_with_data(b"BEGIN:VCALENDAR\r\n", content_type="text/calendar")
    fetcher = make_fetcher(user_agent="KindredTest/9 (+https://kindred.test/about)")
    result = fetcher.fetch(site.url_for("/feed.ics"))
    assert (result.status, result.body, result.not_modified) == (200, b"BEGIN:VCALENDAR\r\n", False)
    assert result.headers["content-type"].startswith("text/calendar")
    page_request = next(request for request, _ in site.log if request.path == "/feed.ics")
    assert page_request.headers["User-Agent"] == "KindredTest/9 (+https://kindred.test/about)"


def test_conditional_get_round_trip(site, make_fetcher):
    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(b"<events/>", headers={"ETag": '"v1"', "Last-Modified": "Tue, 24 Nov 2026 10:00:00 GMT"})

    site.expect_request("/events").respond_with_handler(handler)
    fetcher = make_fetcher()
    first = fetcher.fetch(site.url_for("/events"))
    second = fetcher.fetch(site.url_for("/events"))
    forced = fetcher.fetch(site.url_for("/events"), conditional=False)

    assert (first.status, first.body, first.not_modified) == (200, b"<events/>", False)
    assert (second.status, second.body, second.not_modified) == (304, b"", True)
    assert (forced.status, forced.body) == (200, b"<events/>")
    requests = [request for request, _ in site.log if request.path == "/events"]
    assert "If-None-Match" not in requests[0].headers
    assert requests[1].headers["If-None-Match"] == '"v1"'
    assert requests[1].headers["If-Modified-Since"] == "Tue, 24 Nov 2026 10:00:00 GMT"
    assert "If-None-Match" not in requests[2].headers

    fetcher.forget(site.url_for("/events"))
    assert fetcher.fetch(site.url_for("/events")).body == b"<events/>"  # validators gone: a full GET


def test_http_error_is_a_fetch_error_with_status(site, make_fetcher):
    site.expect_request("/gone").respond_with_data("gone", status=410)
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(site.url_for("/gone"))
    assert caught.value.status == 410
    assert "410" in caught.value.reason and "\n" not in caught.value.reason


@pytest.mark.parametrize("url", ["ftp://example.org/x", "javascript:alert(1)", "gopher://x/", "", "http:///nohost"])
def test_unsupported_or_broken_urls_are_refused(make_fetcher, url):
    with pytest.raises(FetchError) as caught:
        make_fetcher().fetch(url)
    assert caught.value.reason and "\n" not in caught.value.reason


# --- robots.txt ----------------------------------------------------------------------------------


def test_robots_rules_allow_and_disallow_per_group(httpserver, make_fetcher):
    httpserver.expect_request("/robots.txt").respond_with_data((FIXTURES / "robots-crawl-delay.txt").read_bytes())
    httpserver.expect_request("/private").respond_with_data("ours to read: our own group allows it")
    httpserver.expect_request("/no-bots").respond_with_data("never served")
    fetcher = make_fetcher()
    assert fetcher.fetch(httpserver.url_for("/private")).status == 200
    with pytest.raises(FetchError, match="disallows"):
        fetcher.fetch(httpserver.url_for("/no-bots"))
    assert hits(httpserver, "/no-bots") == 0
    assert hits(httpserver, "/robots.txt") == 1


def test_robots_redirect_is_followed(httpserver, make_fetcher):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=301, headers={"Location": "/meta/robots"})
    httpserver.expect_request("/meta/robots").respond_with_data("User-agent: *\nDisallow: /drafts\n")
    httpserver.expect_request("/events").respond_with_data("ok")
    fetcher = make_fetcher()
    assert fetcher.fetch(httpserver.url_for("/events")).body == b"ok"
    with pytest.raises(FetchError, match="disallows"):
        fetcher.fetch(httpserver.url_for("/drafts/1"))


def test_robots_404_allows_everything(site, make_fetcher):
    site.expect_request("/anything").respond_with_data("ok")
    assert make_fetcher().fetch(site.url_for("/anything")).body == b"ok"


def test_robots_500_disallows_and_is_asked_again_next_run(httpserver, make_fetcher, clock):
    httpserver.expect_request("/robots.txt").respond_with_data("oops", status=500)
    httpserver.expect_request("/page").respond_with_data("never served")
    store = MemoryFetchStore(clock.time)
    with pytest.raises(FetchError, match="robots.txt answered 500: treated as disallow all"):
        make_fetcher(store).fetch(httpserver.url_for("/page"))
    with pytest.raises(FetchError):
        make_fetcher(store).fetch(httpserver.url_for("/page"))
    assert hits(httpserver, "/page") == 0
    assert hits(httpserver, "/robots.txt") == 2  # a failure is not kept between runs


def test_robots_unreachable_disallows(make_fetcher):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(FetchError, match="robots.txt unreachable"):
        make_fetcher().fetch(f"http://127.0.0.1:{port}/page")


def test_robots_kept_in_the_store_for_24_hours(httpserver, make_fetcher, clock):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    httpserver.expect_request("/page").respond_with_data("ok")
    store = MemoryFetchStore(clock.time)
    make_fetcher(store).fetch(httpserver.url_for("/page"))
    clock.now += 23 * 3600
    make_fetcher(store).fetch(httpserver.url_for("/page"))
    assert hits(httpserver, "/robots.txt") == 1
    clock.now += 2 * 3600
    make_fetcher(store).fetch(httpserver.url_for("/page"))
    assert hits(httpserver, "/robots.txt") == 2


def test_crawl_delay_is_honoured(httpserver, make_fetcher, clock):
    httpserver.expect_request("/robots.txt").respond_with_data((FIXTURES / "robots-crawl-delay.txt").read_bytes())
    httpserver.expect_request("/a").respond_with_data("a")
    fetcher = make_fetcher(min_delay_s=1.0)
    fetcher.fetch(httpserver.url_for("/a"))
    fetcher.fetch(httpserver.url_for("/a"))
    assert clock.sleeps == [5.0]


def test_min_delay_between_requests_to_one_host(site, make_fetcher, clock):
    site.expect_request("/a").respond_with_data("a")
    fetcher = make_fetcher(min_delay_s=2.0)
    fetcher.fetch(site.url_for("/a"))
    clock.now += 0.5
    fetcher.fetch(site.url_for("/a"))
    assert clock.sleeps == [1.5]


def test_crawl_delay_beyond_the_cap_is_not_slept(httpserver, make_fetcher, clock):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 3600\n")
    httpserver.expect_request("/a").respond_with_data("a")
    fetcher = make_fetcher()
    fetcher.fetch(httpserver.url_for("/a"))
    with pytest.raises(FetchError, match="3600 s between requests") as caught:
        fetcher.fetch(httpserver.url_for("/a"))
    assert clock.sleeps == []
    assert caught.value.retry_at.timestamp() == pytest.approx(START_S + 3600)
    assert hits(httpserver, "/a") == 1


# --- retries and back-off ------------------------------------------------------------------------


def test_500_then_200_is_retried(site, make_fetcher, clock):
    site.expect_oneshot_request("/flaky").respond_with_data("busy", status=500)
    site.expect_request("/flaky").respond_with_data("fine")
    assert make_fetcher().fetch(site.url_for("/flaky")).body == b"fine"
    assert hits(site, "/flaky") == 2
    assert clock.sleeps == [1.0]


def test_persistent_500_gives_up_after_backoff(site, make_fetcher, clock):
    site.expect_request("/down").respond_with_data("down", status=500)
    with pytest.raises(FetchError, match="gave up after 4 attempts") as caught:
        make_fetcher(retries=3).fetch(site.url_for("/down"))
    assert caught.value.status == 500 and caught.value.retry_at is None
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert hits(site, "/down") == 4


def test_503_with_retry_after_seconds_waits_on_the_clock(site, make_fetcher, clock):
    site.expect_oneshot_request("/busy").respond_with_data("later", status=503, headers={"Retry-After": "1"})
    site.expect_request("/busy").respond_with_data("now")
    assert make_fetcher().fetch(site.url_for("/busy")).body == b"now"
    assert clock.sleeps == [1.0]


def test_503_with_retry_after_http_date(site, make_fetcher, clock):
    from datetime import UTC, datetime

    moment = format_datetime(datetime.fromtimestamp(START_S + 7, UTC), usegmt=True)
    site.expect_oneshot_request("/busy").respond_with_data("later", status=503, headers={"Retry-After": moment})
    site.expect_request("/busy").respond_with_data("now")
    assert make_fetcher().fetch(site.url_for("/busy")).body == b"now"
    assert clock.sleeps == [7.0]


def test_429_with_an_hour_gives_up_and_fails_fast_until_then(site, make_fetcher, clock):
    site.expect_request("/limited").respond_with_data("slow down", status=429, headers={"Retry-After": "3600"})
    store = MemoryFetchStore(clock.time)
    with pytest.raises(FetchError, match="giving up this run") as caught:
        make_fetcher(store).fetch(site.url_for("/limited"))
    assert caught.value.status == 429
    assert caught.value.retry_at.timestamp() == pytest.approx(START_S + 3600)
    assert clock.sleeps == []
    assert hits(site, "/limited") == 1

    for fetcher in (make_fetcher(store), make_fetcher(store)):  # a later run, same store
        with pytest.raises(FetchError, match="come back at") as again:
            fetcher.fetch(site.url_for("/other-page"))
        assert again.value.retry_at == caught.value.retry_at
    assert len(site.log) == 2  # robots.txt and the one 429: nothing since

    clock.now += 3601
    site.clear()
    site.expect_request("/robots.txt").respond_with_data("", status=404)
    site.expect_request("/limited").respond_with_data("welcome back")
    assert make_fetcher(store).fetch(site.url_for("/limited")).body == b"welcome back"


# --- redirects -----------------------------------------------------------------------------------


def redirect(server, source: str, target: str, status: int = 302):
    server.expect_request(source).respond_with_data("", status=status, headers={"Location": target})


def test_redirects_are_followed_and_reported(site, make_fetcher):
    redirect(site, "/old", "/newer", 301)
    redirect(site, "/newer", site.url_for("/newest"), 307)
    site.expect_request("/newest").respond_with_data("here")
    result = make_fetcher().fetch(site.url_for("/old"))
    assert result.body == b"here"
    assert result.url == site.url_for("/newest")
    assert result.redirects == (site.url_for("/old"), site.url_for("/newer"))


def test_redirect_loop(site, make_fetcher):
    redirect(site, "/a", "/b")
    redirect(site, "/b", "/a")
    with pytest.raises(FetchError, match="redirect loop"):
        make_fetcher().fetch(site.url_for("/a"))
    assert hits(site, "/a") == 1 and hits(site, "/b") == 1


def test_five_redirects_pass_six_do_not(site, make_fetcher):
    for hop in range(6):
        redirect(site, f"/r{hop}", f"/r{hop + 1}")
    site.expect_request("/r6").respond_with_data("end")
    assert len(make_fetcher().fetch(site.url_for("/r1")).redirects) == 5
    with pytest.raises(FetchError, match="more than 5 redirects"):
        make_fetcher().fetch(site.url_for("/r0"))


def test_redirect_to_a_file_url_is_refused(site, make_fetcher):
    redirect(site, "/sneaky", (FIXTURES / "calendar.ics").as_uri())
    with pytest.raises(FetchError, match="only http"):
        make_fetcher().fetch(site.url_for("/sneaky"))


# --- size caps -----------------------------------------------------------------------------------


def test_oversize_body_with_content_length_is_not_downloaded(site, make_fetcher):
    site.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(FetchError, match="5000 bytes, over the 1000-byte limit"):
        make_fetcher(max_bytes=1000).fetch(site.url_for("/big"))


def test_oversize_body_without_content_length_is_aborted(site, make_fetcher):
    def endless(_request):
        return Response((b"y" * 4096 for _ in range(64)), content_type="text/plain")

    site.expect_request("/stream").respond_with_handler(endless)
    with pytest.raises(FetchError, match="over the 10000-byte limit; download aborted"):
        make_fetcher(max_bytes=10_000).fetch(site.url_for("/stream"))


def test_gzip_bomb_is_aborted_on_decoded_size(site, make_fetcher):
    packed = gzip.compress(b"z" * 2_000_000)
    site.expect_request("/bomb").respond_with_data(packed, headers={"Content-Encoding": "gzip"})
    assert len(packed) < 100_000
    with pytest.raises(FetchError, match="download aborted"):
        make_fetcher(max_bytes=100_000).fetch(site.url_for("/bomb"))


def test_content_length_longer_than_the_body(raw_server, make_fetcher, clock):
    server = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nshort", hold=False)
    with pytest.raises(FetchError, match="ended early"):
        make_fetcher(retries=1).fetch(server.url("/short"))
    assert server.paths.count("/short") == 2
    assert clock.sleeps == [1.0]


# --- timeouts ------------------------------------------------------------------------------------


def test_read_timeout_mid_body(raw_server, make_fetcher, clock):
    server = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nfirst bytes only")
    with pytest.raises(FetchError, match=r"timed out after 0.2 s mid-body"):
        make_fetcher(timeout_s=0.2, retries=1).fetch(server.url("/stall"))
    assert server.paths.count("/stall") == 2
    assert clock.sleeps == [1.0]


@pytest.fixture
def full_backlog():
    """A loopback listener whose accept queue is full: new connections hang in SYN until they time out."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers = []
    for _ in range(4):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex(address)
        fillers.append(filler)
    yield address[1]
    for filler in fillers:
        filler.close()
    listener.close()


def test_connect_timeout(full_backlog, make_fetcher, clock):
    origin = f"http://127.0.0.1:{full_backlog}"
    store = MemoryFetchStore(clock.time)
    store.put(f"robots:{origin}", {"mode": "allow_all", "fetched_at": START_S}, 3600)  # robots.txt known
    with pytest.raises(FetchError, match=r"connect to .* timed out after 0.2 s") as caught:
        make_fetcher(store, timeout_s=0.2, retries=1).fetch(f"{origin}/page")
    assert caught.value.status is None
    assert clock.sleeps == [1.0]


def test_connect_timeout_on_robots_txt(full_backlog, make_fetcher):
    with pytest.raises(FetchError, match="robots.txt unreachable .*timed out"):
        make_fetcher(timeout_s=0.2).fetch(f"http://127.0.0.1:{full_backlog}/page")


# --- encodings -----------------------------------------------------------------------------------


def test_wrong_declared_charset_is_not_believed(site, make_fetcher):
    body = (FIXTURES / "cafe-cp1252.html").read_bytes()
    site.expect_request("/cafe").respond_with_data(body, content_type="text/html; charset=utf-8")
    result = make_fetcher().fetch(site.url_for("/cafe"))
    assert result.body == body
    assert result.encoding == "cp1252"
    assert "Café crème – €3" in result.text()


def test_declared_charset_that_fits_is_used(site, make_fetcher):
    body = "Grüße".encode("iso8859-15")
    site.expect_request("/de").respond_with_data(body, content_type="text/plain; charset=ISO-8859-15")
    assert make_fetcher().fetch(site.url_for("/de")).encoding == "iso8859-15"


def test_meta_charset_and_bom(site, make_fetcher):
    koi8 = (FIXTURES / "koi8r-meta.html").read_bytes()
    site.expect_request("/ru").respond_with_data(koi8, content_type="text/html")
    utf16 = "\ufeffBEGIN:VCALENDAR".encode("utf-16-le")
    site.expect_request("/bom").respond_with_data(utf16, content_type="text/calendar; charset=utf-8")
    fetcher = make_fetcher()
    russian = fetcher.fetch(site.url_for("/ru"))
    assert russian.encoding == "koi8-r" and "Привет, клуб" in russian.text()
    bom = fetcher.fetch(site.url_for("/bom"))
    assert bom.encoding == "utf-16" and bom.text() == "BEGIN:VCALENDAR"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"plain ascii", None, "utf-8"),
        ("café".encode(), "text/html; charset=bogus-charset", "utf-8"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>', None, "cp1252"),
        (b"\xef\xbb\xbfBOM first", "text/plain; charset=latin-1", "utf-8-sig"),
        (b"", None, None),
    ],
)
def test_detect_encoding_table(body, content_type, expected):
    assert detect_encoding(body, content_type) == expected


# --- file:// -------------------------------------------------------------------------------------


def test_file_url_inside_the_root(make_fetcher):
    path = FIXTURES / "calendar.ics"
    result = make_fetcher().fetch(path.as_uri())
    assert (result.status, result.body) == (200, path.read_bytes())
    assert result.encoding == "utf-8"


def test_file_urls_outside_the_root_are_refused(make_fetcher, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    (root / "ok.txt").write_text("inside")
    outside = tmp_path / "secret.txt"
    outside.write_text("outside")
    (root / "link.txt").symlink_to(outside)
    fetcher = make_fetcher(file_root=root)
    assert fetcher.fetch((root / "ok.txt").as_uri()).body == b"inside"
    for url in [
        outside.as_uri(),
        (root / "link.txt").as_uri(),
        (root / "ok.txt").as_uri().replace("/data/ok.txt", "/data/../secret.txt"),
        "file:///etc/passwd",
        "file://otherhost" + str(root / "ok.txt"),
    ]:
        with pytest.raises(FetchError, match="refused") as caught:
            fetcher.fetch(url)
        assert "\n" not in caught.value.reason
    with pytest.raises(FetchError, match="file URLs are turned off"):
        make_fetcher(file_root=None).fetch((root / "ok.txt").as_uri())


def test_file_url_missing_or_too_big(make_fetcher):
    with pytest.raises(FetchError, match="no such file"):
        make_fetcher().fetch((FIXTURES / "missing.ics").as_uri())
    with pytest.raises(FetchError, match="byte limit"):
        make_fetcher(max_bytes=10).fetch((FIXTURES / "calendar.ics").as_uri())


def test_settings_from_config_read_the_finder_settings(tmp_path):
    from finder.config import Config

    config = Config.from_env(
        {
            "FINDER_USER_AGENT": "Kindred-Test/1 (+https://kindred.test)",
            "FINDER_FETCH_MIN_DELAY_S": "2.5",
            "FINDER_FETCH_TIMEOUT_S": "7",
            "FINDER_FETCH_MAX_BYTES": "12345",
            "FINDER_FETCH_ALLOW_PRIVATE": "true",
        }
    )
    settings = FetchSettings.from_config(config)
    assert settings.user_agent == "Kindred-Test/1 (+https://kindred.test)"
    assert (settings.min_delay_s, settings.timeout_s, settings.max_bytes) == (2.5, 7.0, 12345)
    assert settings.allow_private is True
    assert settings.file_root == config.file_roots == (config.path("data"),)  # in a checkout, data/ is both
    assert FetchSettings.from_config(Config()).allow_private is False


# --- pure helpers: robots verdicts and Retry-After -----------------------------------------------


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(200, False), (401, True), (403, True), (404, True), (410, True), (429, False), (500, False), (503, False)],
)
def test_robots_verdict_per_status(status, allowed):
    rules = robots.rules_for_response(status, b"\xef\xbb\xbfUser-agent: *\nDisallow: /\n", START_S)
    assert rules.allows("https://example.org/events", "KindredBot/0.1 (+https://kindred.test)") is allowed
    assert rules.allows("https://example.org/robots.txt", "KindredBot/0.1") is True
    assert rules.temporary is (status == 429 or status >= 500)


def test_robots_delays_and_product_token():
    text = (
        b"User-agent: kindred\nDisallow: /\n\nUser-agent: KindredBot\nRequest-rate: 1/10\n\n"
        b"User-agent: *\nCrawl-delay: 2\n"
    )
    rules = robots.rules_for_response(200, text, START_S)
    agent = "KindredBot/0.1 (+https://github.com/kindred-finder/kindred)"  # 'kindred' in the URL is no match
    assert robots.product_token(agent) == "KindredBot"
    assert rules.allows("https://example.org/x", agent)
    assert rules.delay_s(agent) == 10.0
    assert rules.delay_s("OtherBot/1") == 2.0


@pytest.mark.parametrize(
    ("header", "expected_s"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("-5", None),
        ("Thu, 01 Jan 2015 00:00:00 GMT", 0.0),
        ("9" * 400, 7 * 24 * 3600.0),
    ],
)
def test_retry_after_values(header, expected_s):
    assert retry_after_s(header, START_S) == expected_s
