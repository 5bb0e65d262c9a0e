"""Email out: building messages, the outbox, sending.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "styles": ["inline_css"],
        "outbox": ["SendReport", "outbox_row", "record", "send_pending"],
        "send": [
            "MailError",
            "SmtpSettings",
            "address_key",
            "build_message",
            "canonical_address",
            "clean_header",
            "deliver",
            "message_id",
            "parse_message",
            "valid_address",
        ],
        "wire": ["build_wire_message"],
    },
)
