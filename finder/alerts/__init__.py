"""Saved-search alerts: subscriptions, tokens, matching, digests.

Other areas import these names from the package itself; the modules load on first use."""

from finder.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "delivery": [
            "digest_settings",
            "outbox_dir",
            "run_digests",
            "send_admin_alarm",
            "send_confirmation",
            "send_welcome",
        ],
        "digests": ["BuildReport", "build_due"],
        "matching": ["make_matcher"],
        "subscriptions": [
            "AlertError",
            "FREQUENCIES",
            "TokenError",
            "confirm",
            "delete",
            "make_token",
            "pause",
            "read_token",
            "resubscribe",
            "resume",
            "saved_query",
            "set_frequency",
            "subscribe",
            "unsubscribe",
        ],
        "welcome": ["PREVIEW_CAP", "starting_matches"],
    },
)
