"""gunicorn's access log without secrets: the signed tokens in confirmation, unsubscribe, manage, verify
and data-export links (`/alerts/confirm/<token>` ...) are written as `[redacted]`, in the request line,
the path, the query and the referrer alike. Use with `--logger-class finder.web.access_log.RedactingLogger`."""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

# A path segment that follows one of these words carries a secret token (finder/views: alerts, claims, privacy).
TOKEN_AFTER = ("confirm", "unsubscribe", "manage", "verify", "mine")
_TOKEN = re.compile("(/(?:" + "|".join(TOKEN_AFTER) + r")/)[^/?#\s\"]+")
_QUERY_TOKEN = re.compile(r"([?&]token=)[^&#\s\"]+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` with every token segment (and token= query value) replaced by [redacted]."""
    return _QUERY_TOKEN.sub(r"\1" + REDACTED, _TOKEN.sub(r"\1" + REDACTED, text))


class RedactingLogger(Logger):
    """gunicorn's logger whose access-log atoms (request line, path, query, referrer, headers) are redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
