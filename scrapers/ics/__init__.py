"""iCalendar: the `ics` adapter (adapter), line cleaning (clean), fields, series and overrides, times."""
