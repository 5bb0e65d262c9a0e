"""SSRF guard: private targets are refused before any socket opens, on every hop, and the checked
address is the one connected to (DNS rebinding cannot redirect the connection).

Nothing here connects beyond loopback: resolvers are injected, and where a public address is the
answer the socket opener is replaced by one that records the address and refuses.
"""

from __future__ import annotations

import socket
import time

import pytest

from scrapers.fetch import guard
from scrapers.fetch.fetcher import Fetcher, FetchError, FetchSettings, MemoryFetchStore

PUBLIC_V4, PUBLIC_V6 = "93.184.215.14", "2606:4700::1111"

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "10.255.1.2",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "198.18.0.1",
    "::1",
    "[::1]",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
    "2130706433",  # decimal 127.0.0.1
    "0177.0.0.1",  # octal
    "0x7f000001",  # hex
    "0x7f.0.0.1",
    "127.1",
    "0xa.0.0.1",
    "3232235777",  # 192.168.1.1
    "0",  # 0.0.0.0
    "fe80::1%eth0",
]


def no_dns(host, port):
    raise AssertionError(f"a literal address must not be resolved (asked for {host})")


@pytest.mark.parametrize("address", REFUSED)
def test_private_and_special_addresses_are_refused(address):
    with pytest.raises(guard.AddressRefused, match="refused"):
        guard.check_host(address, 80, resolver=no_dns)


@pytest.mark.parametrize("address", [PUBLIC_V4, PUBLIC_V6, "8.8.8.8", "1.1.1.1"])
def test_public_addresses_pass_and_are_pinned(address):
    assert guard.check_host(address, 443, resolver=no_dns) == (address,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.258", "10.1.1.2"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("example.org", None),
        ("1.2.3.4.5", None),
        ("999.1.1.1", None),
        ("08.1.1.1", None),
        ("0x", "0.0.0.0"),
        ("4294967296", None),
    ],
)
def test_ip_literal_forms(text, expected):
    parsed = guard.parse_ip_literal(text)
    assert (None if parsed is None else str(parsed)) == expected


def test_host_names_are_checked_after_resolution():
    answers = {
        "intranet.test": ["10.0.0.5"],
        "mixed.test": [PUBLIC_V4, "192.168.0.9"],
        "fine.test": [PUBLIC_V4, PUBLIC_V6],
    }

    def resolver(host, port):
        return answers[host]

    with pytest.raises(guard.AddressRefused, match=r"refused intranet.test: 10.0.0.5 is a private address"):
        guard.check_host("intranet.test", 80, resolver=resolver)
    with pytest.raises(guard.AddressRefused, match="192.168.0.9"):
        guard.check_host("mixed.test", 80, resolver=resolver)
    assert guard.check_host("fine.test", 80, resolver=resolver) == (PUBLIC_V4, PUBLIC_V6)
    assert guard.check_host("intranet.test", 80, resolver=resolver, allow_private=True) == ("10.0.0.5",)
    assert guard.check_host("intranet.test", 80, resolver=resolver, trusted=["10.0.0.0/24"]) == ("10.0.0.5",)


def test_unresolvable_host_is_a_clear_refusal():
    def resolver(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(guard.AddressRefused, match="cannot resolve nowhere.test"):
        guard.check_host("nowhere.test", 80, resolver=resolver)


@pytest.fixture
def loopback_only(monkeypatch):
    """Record every address the fetcher connects to; only 127.0.0.1 (the test server) really connects."""
    attempts = []
    real_connect = guard.create_connection

    def connect(address, *args, **kwargs):
        attempts.append(address)
        if address[0] != "127.0.0.1":
            raise ConnectionRefusedError(111, "refused by the test")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(guard, "create_connection", connect)
    return attempts


@pytest.fixture
def no_sockets(monkeypatch):
    """Record every address the fetcher connects to, and refuse the connection."""
    attempts = []

    def refuse(address, *args, **kwargs):
        attempts.append(address)
        raise ConnectionRefusedError(111, "refused by the test")

    monkeypatch.setattr(guard, "create_connection", refuse)
    return attempts


def fetcher_for(resolver=no_dns, store=None, **overrides) -> Fetcher:
    values = dict(min_delay_s=0.0, timeout_s=2.0, retries=0)
    values.update(overrides)
    return Fetcher(FetchSettings(**values), store, sleep=lambda s: None, resolver=resolver)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "2130706433", "0177.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "169.254.169.254"]
)
def test_fetcher_refuses_private_literals_without_connecting(no_sockets, host):
    with pytest.raises(FetchError, match="refused") as caught:
        fetcher_for().fetch(f"http://{host}/latest/meta-data/")
    assert "\n" not in caught.value.reason
    assert no_sockets == []


def test_loopback_url_is_refused_when_private_targets_are_off(httpserver):
    with pytest.raises(FetchError, match="loopback address") as caught:
        fetcher_for(resolver=guard.system_resolver).fetch(httpserver.url_for("/page"))
    assert "FINDER_FETCH_ALLOW_PRIVATE" in caught.value.reason
    assert len(httpserver.log) == 0  # not even robots.txt was asked for


def test_pinned_connection_keeps_the_host_name(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/page").respond_with_data("hello")
    port = httpserver.port
    result = fetcher_for(lambda host, p: ["127.0.0.1"], allow_private=True).fetch(f"http://kindred.test:{port}/page")
    assert result.body == b"hello"
    page = next(request for request, _ in httpserver.log if request.path == "/page")
    assert page.headers["Host"] == f"kindred.test:{port}"


@pytest.fixture
def trusted_site(httpserver):
    """The loopback test server as the one trusted network while private targets stay off."""
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return httpserver


def test_redirect_to_private_addresses_is_refused(trusted_site, loopback_only):
    names = {"metadata.test": ["169.254.169.254"], "localhost": ["127.0.0.1"]}
    targets = {
        "/to-literal": "http://10.9.8.7/admin",
        "/to-name": "http://metadata.test/latest/meta-data/",
        "/to-loopback": f"http://127.0.0.2:{trusted_site.port}/",
        "/to-decimal": "http://2130706434/",
    }
    for path, target in targets.items():
        trusted_site.expect_request(path).respond_with_data("", status=302, headers={"Location": target})
    fetcher = fetcher_for(lambda host, port: names[host], trusted_networks=("127.0.0.1/32",))
    for path in targets:
        with pytest.raises(FetchError, match="refused .* is a (private|link-local|loopback) address"):
            fetcher.fetch(trusted_site.url_for(path))
    asked = [request.path for request, _ in trusted_site.log]
    assert sorted(asked) == sorted(["/robots.txt", *targets])
    assert {address for address, _ in loopback_only} == {"127.0.0.1"}


def test_dns_rebinding_public_then_private_never_reaches_private(no_sockets):
    answers = iter([[PUBLIC_V4], ["10.0.0.1"], ["10.0.0.1"], ["10.0.0.1"]])
    lookups = []

    def rebinding(host, port):
        lookups.append(host)
        return next(answers)

    store = MemoryFetchStore()
    store.put("robots:http://rebind.test", {"mode": "allow_all", "fetched_at": time.time()}, None)
    with pytest.raises(FetchError, match="connection to .* failed"):
        fetcher_for(rebinding, store, retries=2).fetch("http://rebind.test/page")
    assert lookups == ["rebind.test"]  # checked once; the connection did not ask again
    assert {address for address, _ in no_sockets} == {PUBLIC_V4}
    assert len(no_sockets) == 3  # every retry went to the checked address


@pytest.fixture
def second_loopback(httpserver):
    """A listener on 127.0.0.2 (same port as the test server) standing for the private target."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.2", httpserver.port))
    listener.listen(8)
    listener.setblocking(False)
    yield listener
    listener.close()


def test_dns_rebinding_with_real_sockets(trusted_site, second_loopback, monkeypatch):
    """One rebinding DNS serves both the check and the system resolver: first answer 127.0.0.1 (trusted),
    later answers 127.0.0.2. A connection that resolved again would land on 127.0.0.2."""
    trusted_site.expect_request("/page").respond_with_data("from the checked address")
    lookups = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host, port):
        lookups.append(host)
        return ["127.0.0.1"] if len(lookups) == 1 else ["127.0.0.2"]

    def system_dns(host, port, *args, **kwargs):
        if host == "rebind.test":
            address = rebinding(host, port)[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", system_dns)
    store = MemoryFetchStore()
    store.put(f"robots:http://rebind.test:{trusted_site.port}", {"mode": "allow_all", "fetched_at": time.time()}, None)
    fetcher = fetcher_for(rebinding, store, trusted_networks=("127.0.0.1/32",))
    result = fetcher.fetch(f"http://rebind.test:{trusted_site.port}/page")
    assert result.body == b"from the checked address"
    assert lookups == ["rebind.test"]
    with pytest.raises(BlockingIOError):
        second_loopback.accept()  # nobody ever connected to the private address
    with pytest.raises(FetchError, match="127.0.0.2 is a loopback address"):
        fetcher.fetch(f"http://rebind.test:{trusted_site.port}/page")  # the next check sees the new answer
    with pytest.raises(BlockingIOError):
        second_loopback.accept()


def test_proxies_are_never_used(no_sockets, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("http_proxy", "http://10.0.0.1:3128")
    store = MemoryFetchStore()
    store.put("robots:http://public.test", {"mode": "allow_all", "fetched_at": time.time()}, None)
    with pytest.raises(FetchError):
        fetcher_for(lambda host, port: [PUBLIC_V4], store).fetch("http://public.test/")
    assert no_sockets == [(PUBLIC_V4, 80)]


@pytest.fixture
def tls_site(tmp_path):
    """A loopback HTTPS server whose certificate (from a throwaway CA) names only kindred.test."""
    import ssl

    import trustme
    from pytest_httpserver import HTTPServer

    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("kindred.test").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/page").respond_with_data("over TLS")
    yield server, str(ca_file)
    server.clear()
    server.stop()


def test_https_pin_keeps_sni_and_certificate_check_on_the_host_name(tls_site):
    server, ca_file = tls_site
    fetcher = fetcher_for(lambda host, port: ["127.0.0.1"], allow_private=True, ca_bundle=ca_file)
    result = fetcher.fetch(f"https://kindred.test:{server.port}/page")
    assert result.body == b"over TLS"
    with pytest.raises(FetchError, match="TLS failure"):
        fetcher.fetch(f"https://other.test:{server.port}/page")  # same address, name not in the certificate
    with pytest.raises(FetchError, match="TLS failure"):
        fetcher_for(lambda host, port: ["127.0.0.1"], allow_private=True).fetch(
            f"https://kindred.test:{server.port}/page"
        )
