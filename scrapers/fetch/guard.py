"""SSRF guard: resolve a host once, refuse non-public addresses, and pin the connection to the checked one.

`check_host` answers the addresses to connect to (or raises `AddressRefused` with a one-line reason);
`PinnedAdapter` is a requests adapter whose connections go only to those addresses while the URL's host name
still travels in the Host header, SNI and certificate check, so a DNS answer that changes between
check and connect (rebinding) cannot reach anything that was not checked.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
_LOOSE_IPV4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """The target may not be contacted (one-line reason)."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host`, in its preferred order."""
    answers = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in answers:
            answers.append(address)
    return answers


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address `host` spells, including the old IPv4 forms ('2130706433', '0177.0.0.1', '0x7f.1')."""
    text = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    return _loose_ipv4(text)


def _loose_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """inet_aton's reading: 1-4 dotted parts, each decimal, octal (0...) or hex (0x...)."""
    if text.endswith("."):
        text = text[:-1]
    if not text or not _LOOSE_IPV4.match(text):
        return None
    parts = text.split(".")
    if len(parts) > 4:
        return None
    numbers = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _embedded(address: IPAddress) -> Iterable[IPAddress]:
    """The address itself and any IPv4 address carried inside an IPv6 one."""
    yield address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            yield address.ipv4_mapped
        if address.sixtofour:
            yield address.sixtofour
        if address.teredo:
            yield from address.teredo
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def refusal(address: IPAddress) -> str | None:
    """Why `address` is not a public unicast address, or None when it is."""
    for candidate in _embedded(address):
        checks = (
            ("loopback", candidate.is_loopback),
            ("unspecified", candidate.is_unspecified),
            ("link-local", candidate.is_link_local),
            ("multicast", candidate.is_multicast),
            ("private", candidate.is_private),
            ("reserved", candidate.is_reserved),
            ("site-local", isinstance(candidate, ipaddress.IPv6Address) and candidate.is_site_local),
            ("non-public", not candidate.is_global),
        )
        for name, hit in checks:
            if hit:
                return name
    return None


def check_host(
    host: str,
    port: int,
    *,
    resolver: Resolver = system_resolver,
    allow_private: bool = False,
    trusted: Iterable[str] = (),
) -> tuple[str, ...]:
    """The checked addresses to connect to for `host`, in preference order; raises AddressRefused.

    Every address the host resolves to must be public unless `allow_private`; addresses inside a
    `trusted` network (CIDR strings) pass either way.
    """
    literal = parse_ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            answers = resolver(host, port)
            addresses = [ipaddress.ip_address(str(a).split("%", 1)[0]) for a in answers]
        except (OSError, UnicodeError, ValueError) as error:
            raise AddressRefused(f"cannot resolve {host}: {error}") from None
        if not addresses:
            raise AddressRefused(f"cannot resolve {host}: no address")
    networks = [ipaddress.ip_network(n, strict=False) for n in trusted]
    for address in addresses:
        if allow_private or any(address in n for n in networks if n.version == address.version):
            continue
        reason = refusal(address)
        if reason:
            shown = host if literal is None else f"address {host}"
            raise AddressRefused(
                f"refused {shown}: {address} is a {reason} address "
                "(private targets are off: FINDER_FETCH_ALLOW_PRIVATE)"
            )
    pinned = []
    for address in addresses:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if str(address) not in pinned:
            pinned.append(str(address))
    return tuple(pinned)


class _PinnedConnection:
    """Connects to one of `pinned_ips` (in order) instead of resolving the host name again."""

    pinned_ips: tuple[str, ...] = ()

    def _new_conn(self):
        if not self.pinned_ips:
            raise NewConnectionError(self, "refused: no checked address is pinned for this connection")
        failure: OSError | None = None
        for address in self.pinned_ips:
            try:
                return create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as error:
                failure = error
        if isinstance(failure, TimeoutError):
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from failure
        raise NewConnectionError(self, f"Failed to establish a new connection: {failure}") from failure


class PinnedHTTPConnection(_PinnedConnection, HTTPConnection):
    pass


class PinnedHTTPSConnection(_PinnedConnection, HTTPSConnection):
    pass


class _PinnedPool:
    pinned_ips: tuple[str, ...] = ()

    def _new_conn(self):
        connection = super()._new_conn()
        connection.pinned_ips = self.pinned_ips
        return connection


class PinnedHTTPConnectionPool(_PinnedPool, HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class PinnedHTTPSConnectionPool(_PinnedPool, HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class PinnedAdapter(HTTPAdapter):
    """An adapter whose `send(request, pinned_ips=...)` connects only to the given, already checked, addresses.

    Not thread-safe: one Fetcher (and so one adapter) per thread.
    """

    def __init__(self):
        self._pin: tuple[str, ...] = ()
        super().__init__(pool_connections=8, pool_maxsize=2, max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": PinnedHTTPConnectionPool, "https": PinnedHTTPSConnectionPool}

    def send(self, request, pinned_ips: tuple[str, ...] = (), **kwargs):
        if kwargs.get("proxies"):
            raise AddressRefused("refused: a proxy would bypass the checked address")
        self._pin = tuple(pinned_ips)
        try:
            return super().send(request, **kwargs)
        finally:
            self._pin = ()

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        pool = super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        pool.pinned_ips = self._pin
        return pool
