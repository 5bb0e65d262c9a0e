"""The filters a search has set, each as a removable chip on the results page ("Volunteer role ×").

`filter_chips(args)` is a template global (registered by finder.web.views.display.init_display)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from finder.web.views.searching import KIND_CHOICES, WHEN_CHOICES, with_args

# The filters the results page shows as chips (where, radius and interests stay editable on the summary line).
VALUE_LABELS = {
    "kind": KIND_CHOICES,
    "when": {key: label for key, label in WHEN_CHOICES.items() if key != "any"},
    "days": {
        "mon": _l("Mon"),
        "tue": _l("Tue"),
        "wed": _l("Wed"),
        "thu": _l("Thu"),
        "fri": _l("Fri"),
        "sat": _l("Sat"),
        "sun": _l("Sun"),
    },
    "time": {"morning": _l("Morning"), "afternoon": _l("Afternoon"), "evening": _l("Evening")},
    "recurring": {"true": _l("Meets regularly")},
    "newcomer": {"true": _l("Newcomers welcome")},
    "free": {"true": _l("Free")},
    "audience": {
        "kids": _l("Children"),
        "teens": _l("Teenagers"),
        "seniors": _l("Older people"),
        "families": _l("Families"),
        "groups": _l("Groups"),
    },
    "access": {"wheelchair": _l("Wheelchair accessible"), "sign_language": _l("Sign language")},
    "online": {"only": _l("Only online"), "exclude": _l("In person only")},
}


@dataclass(frozen=True)
class Chip:
    label: str
    remove_query: str  # the search's query string without this one value


def filter_chips(args: dict[str, str]) -> list[Chip]:
    """One chip per filter value set in `args`, in the form's order; words to look for (q) as typed."""
    chips = []
    if args.get("q"):
        chips.append(Chip(f"“{args['q']}”", with_args(args, q=None)))
    for key, labels in VALUE_LABELS.items():
        values = [value for value in args.get(key, "").split(",") if value]
        for value in values:
            rest = ",".join(other for other in values if other != value) or None
            chips.append(Chip(str(labels.get(value, value)), with_args(args, **{key: rest})))
    return chips
