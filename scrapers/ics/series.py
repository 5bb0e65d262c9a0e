"""iCalendar series expanded lazily with bounded work: recurring-ical-events, walked by `scrapers.recurrence`.

recurring-ical-events reads RRULE, RDATE, EXDATE and RECURRENCE-ID overrides (RANGE=THISANDFUTURE too),
but asks dateutil for `between()`, a list of every meeting in a span, and keeps a cache of every meeting
it saw. Here each rule is walked by `recurrence.walk` instead (no cache, at most `MAX_STEPS` meetings,
stopping at the span's end), and the instances are taken one at a time, so a calendar stops costing
work at `MAX_OCCURRENCES` instances. Rules themselves are first made listing rules (`bound_rules`).
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Iterator

import icalendar
from recurring_ical_events import CalendarQuery
from recurring_ical_events.constants import DATE_MAX, DATE_MIN
from recurring_ical_events.selection.name import ComponentsWithName
from recurring_ical_events.series import Series
from recurring_ical_events.util import compare_greater, convert_to_datetime, is_pytz, is_pytz_dt, normalize_pytz

from scrapers.recurrence import listing_rule, walk


class BoundedSeries(Series):
    """A series whose rules are walked lazily and boundedly (see the module docstring)."""

    class RecurrenceRules(Series.RecurrenceRules):
        def rrulestr(self, rule_string):
            rule = super().rrulestr(rule_string)
            rule._cache = None  # dateutil's cache would keep every meeting walked; each rule is walked once
            return rule

        def rrule_between(self, span_start, span_stop) -> Iterator:
            """The rules' starts in the span (both ends inclusive) as recurring-ical-events makes them, but in order."""
            lower = convert_to_datetime(span_start, self.tzinfo)
            upper = convert_to_datetime(span_stop, self.tzinfo)
            if is_pytz(self.tzinfo):  # as recurring-ical-events: pytz zones may be an hour off at changes
                lower = normalize_pytz(lower - datetime.timedelta(hours=1))
                upper = normalize_pytz(upper + datetime.timedelta(hours=1))
            yield from heapq.merge(*(_starts(rule, lower, upper) for rule in self.rrules))


def _starts(rule, lower, upper) -> Iterator:
    """One rule's starts in the span, in order (dates beyond an UNTIL dropped, pytz times re-localised)."""
    for start in walk(rule, lower, upper):
        if is_pytz_dt(start):
            start = start.tzinfo.localize(start.replace(tzinfo=None))  # noqa: PLW2901
        if rule.until is None or not compare_greater(start, rule.until):
            yield start


def query(calendar: icalendar.Calendar) -> CalendarQuery:
    """A recurring-ical-events query over the VEVENTs of `calendar`, with bounded series."""
    return CalendarQuery(calendar, components=[ComponentsWithName("VEVENT", series=BoundedSeries)])


def instances(found: CalendarQuery, span_start: datetime.datetime, span_end: datetime.datetime) -> Iterator:
    """The instances (VEVENT components) overlapping the span, one at a time, in no set order."""
    for series in found.series:
        for occurrence in series.between(span_start, span_end):
            yield occurrence.as_component(False)


def first_instance(found: CalendarQuery):
    """The earliest instance (from 1970 on), a VEVENT component; IndexError when there is none.

    A bounded series yields its instances in the order of their original starts, so the earliest is
    its first one or one that was moved: no more than one instance is walked to."""
    lower, upper = (CalendarQuery.to_datetime(DATE_MIN), CalendarQuery.to_datetime(DATE_MAX))
    candidates = []
    for series in found.series:
        candidates += [series.occurrence(m) for m in series.modifications if m.is_in_span(lower, upper)]
        candidates += [next(series.between(lower, upper), None)] if series.recurrence.has_core else []
    candidates = [c for c in candidates if c is not None]
    if not candidates:
        raise IndexError("no instance")
    return min(candidates).as_component(False)


def bound_rules(event: icalendar.Event) -> list[str]:
    """The event's RRULEs made listing rules in place (`recurrence.listing_rule`); what changed, in words."""
    rules = event.get("RRULE")
    if rules is None:
        return []
    problems, bounded = [], []
    for rule in rules if isinstance(rules, list) else [rules]:
        text = rule.to_ical().decode()
        changed, why = listing_rule(text)
        problems += why
        bounded.append(icalendar.vRecur.from_ical(changed) if why else rule)
    if problems:
        del event["RRULE"]
        for rule in bounded:
            event.add("RRULE", rule)
    return problems
