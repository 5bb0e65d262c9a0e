"""The one place that speaks SMTP. Without FINDER_SMTP_URL, messages land as .eml files in the outbox folder."""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)
_LINE_BREAKS = re.compile(r"[\r\n\x00\u2028\u2029]+")
# Every line break str.splitlines() knows and every control character (category Cc), plus lone surrogates.
_NOT_IN_HEADERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")
# Header lines up to RFC 5322's hard limit of 998 characters: at the default 78 the email package rewrites a
# long unbroken token (a List-Unsubscribe URL, a Message-ID) as RFC 2047 encoded words, which is not RFC 2369
# or RFC 5322 syntax, so mail providers would offer no one-click unsubscribe. Parsed messages keep their lines.
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)
READ_POLICY = policy.default.clone(max_line_length=998, refold_source="none")
_MESSAGE_ID = re.compile(r"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


class MailError(Exception):
    """Delivery failed; `temporary` says whether trying later may succeed."""

    def __init__(self, message: str, *, temporary: bool, code: int | None = None):
        super().__init__(message)
        self.temporary = temporary
        self.code = code


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # none | starttls | ssl
    username: str = ""
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """smtp://host:port, smtp+starttls://user:pass@host:587, smtps://user:pass@host:465."""
        parts = urlsplit(url)
        security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "ssl"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise ValueError(f"FINDER_SMTP_URL must look like smtp://host:port, not {url!r}")
        default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
        return cls(
            parts.hostname,
            parts.port or default_port,
            security,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
        )


def clean_header(value: str, max_length: int = 200) -> str:
    """A header value on one line, trimmed to `max_length`: every Unicode line break and control character becomes
    a space (no header injection; the email package refuses \\v, \\f, \\x1c-\\x1e or \\x85 with ValueError, which
    would stop the message being built at all)."""
    return _NOT_IN_HEADERS.sub(" ", value or "").strip()[:max_length]


def valid_address(value: str) -> bool:
    """Whether `value` is one plain e-mail address (no display name, no line breaks or controls, no lists) at a
    domain name: an address literal (`user@[192.0.2.1]`) or a bare IP address is refused."""
    if not value or len(value) > 320 or _NOT_IN_HEADERS.search(value) or not _ADDRESS.match(value):
        return False
    domain = value.rsplit("@", 1)[1].rstrip(".")
    return "[" not in domain and "]" not in domain and not domain.rsplit(".", 1)[-1].isdigit()


def canonical_address(value: str) -> str:
    """The address as stored: trimmed, lower case, without the root dot (`x@example.org.` is `x@example.org`)."""
    local, _, domain = (value or "").strip().lower().rpartition("@")
    return f"{local}@{domain.rstrip('.')}" if local else (value or "").strip().lower()


def address_key(value: str) -> str:
    """One key per mailbox, for per-address limits: the canonical address without a `+tag` sub-address."""
    local, _, domain = canonical_address(value).rpartition("@")
    base = local.split("+", 1)[0]
    return f"{base or local}@{domain}" if local else canonical_address(value)


def message_id(local_part: str, base_url: str) -> str:
    """A deterministic Message-ID for `local_part` on the site's host (re-sends keep the same id)."""
    return f"<{local_part}@{urlsplit(base_url).hostname or 'localhost'}>"


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    headers: dict[str, str] | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    """A multipart/alternative message dated `date` (default now); every header value is cleaned of line breaks."""
    if not valid_address(recipient):
        raise ValueError(f"not a single e-mail address: {recipient!r}")
    message = EmailMessage(policy=WIRE_POLICY)
    name, address = parseaddr(clean_header(sender, 320))
    message["From"] = formataddr((clean_header(name, 100), address))
    message["To"] = recipient
    message["Subject"] = clean_header(subject, 150)
    message["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    message["Message-ID"] = message_id
    for key, value in (headers or {}).items():
        message[key] = clean_header(value, 900)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def parse_message(raw: str | bytes) -> EmailMessage:
    data = raw.encode() if isinstance(raw, str) else raw
    return BytesParser(policy=READ_POLICY).parsebytes(data)


def deliver(smtp_url: str, outbox_dir: Path, message: EmailMessage, *, timeout_s: float = 20.0) -> str:
    """Send `message` on a connection of its own; returns where it went. Raises MailError (temporary or permanent)."""
    with Sender(smtp_url, outbox_dir, timeout_s=timeout_s) as sender:
        return sender.send(message)


class Sender:
    """Sends many messages over one SMTP connection, opened on first use and reopened once when the server has
    dropped it; without an SMTP URL, writes .eml files. Use as a context manager (the connection is closed after).

    One connection per sending process is what makes a batch fast: a new connection costs a TCP (and TLS)
    handshake, EHLO and AUTH for every message."""

    def __init__(self, smtp_url: str, outbox_dir: Path | None, *, timeout_s: float = 20.0):
        self.settings = SmtpSettings.from_url(smtp_url) if smtp_url else None
        self.outbox_dir = outbox_dir
        self.timeout_s = timeout_s
        self.connections = 0  # opened so far (for reports and tests)
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, message: EmailMessage) -> str:
        """Where `message` went; raises MailError (temporary or permanent)."""
        if self.settings is None:
            return _write_eml(self.outbox_dir, message)
        return self._submit(lambda client: client.send_message(message))

    def send_stored(self, raw: str, recipient: str) -> str:
        """Send a message as the outbox stored it (wire text) to `recipient`; raises MailError.

        ASCII messages (every digest, see `finder.mail.wire`) go out byte for byte, without parsing and
        re-serialising them through the email package (several ms a message); others take `send`."""
        if not raw.isascii():
            return self.send(parse_message(raw))
        if self.settings is None:
            return _write_eml(self.outbox_dir, raw)
        head = raw.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
        sender = parseaddr(BytesParser(policy=READ_POLICY).parsebytes(head.encode(), headersonly=True)["From"] or "")[1]
        return self._submit(lambda client: client.sendmail(sender, [recipient], raw))

    def _submit(self, hand_over) -> str:
        reused = self._client is not None
        try:
            hand_over(self._open())
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            if not reused:
                raise MailError(f"SMTP server unreachable: {error}", temporary=True) from error
            return self._submit(hand_over)  # the kept connection had gone stale: once more on a fresh one
        except smtplib.SMTPRecipientsRefused as error:  # the server reset the transaction: the connection stays
            code = next(iter(error.recipients.values()))[0]
            raise MailError(f"recipient refused: {code}", temporary=400 <= code < 500, code=code) from error
        except smtplib.SMTPResponseException as error:
            code = error.smtp_code
            if code == 421:  # the server is closing the connection
                self._drop()
            raise MailError(f"SMTP {code}: {error.smtp_error!r}", temporary=400 <= code < 500, code=code) from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            self._drop()
            raise MailError(f"SMTP server unreachable: {error}", temporary=True) from error
        return f"{self.settings.host}:{self.settings.port}"

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.quit()
            except (smtplib.SMTPException, OSError) as error:
                log.info("SMTP connection closed uncleanly: %s", error)
            self._client = None

    def _open(self) -> smtplib.SMTP:
        if self._client is None:
            client = _connect(self.settings, self.timeout_s)
            try:
                if self.settings.username:
                    client.login(self.settings.username, self.settings.password)
            except (smtplib.SMTPException, OSError):
                client.close()
                raise
            self._client = client
            self.connections += 1
        return self._client

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _connect(settings: SmtpSettings, timeout_s: float) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout_s, context=ssl.create_default_context())
    client = smtplib.SMTP(settings.host, settings.port, timeout=timeout_s)
    if settings.security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


def _write_eml(outbox_dir: Path, message: EmailMessage | str) -> str:
    """Write the message (or stored ASCII wire text) as an .eml file named after its Message-ID."""
    outbox_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(message, str):
        found = _MESSAGE_ID.search(message.split("\r\n\r\n", 1)[0])
        # local files take the platform's line ends, as the email package writes them
        stem, data = (found.group(1) if found else "message"), message.replace("\r\n", "\n").encode("ascii")
    else:
        stem, data = message["Message-ID"], message.as_bytes()
    path = outbox_dir / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', stem.strip().strip('<>'))}.eml"
    path.write_bytes(data)
    log.info("mail written to %s (no FINDER_SMTP_URL set)", path)
    return str(path)
