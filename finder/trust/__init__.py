"""Trust: claims, moderation, suggestions, privacy, administrators.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "admin_logins": ["end_sessions", "is_account", "record_failure", "record_success", "session_valid", "wait_s"],
        "admins": ["AdminError", "authenticate", "create_admin", "log_action"],
        "claims": [
            "ClaimError",
            "claim_listings",
            "make_token",
            "read_token",
            "send_claim_mail",
            "start_claim",
            "verify",
        ],
        "discovery": ["discover"],
        "privacy": ["delete_subscriber", "delete_unsubscribed", "export"],
        "suggestions": ["SuggestError", "approve", "preview", "queue"],
    },
)
