"""Facts derived from a profile's opening hours for the open_before/open_after filters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

WEEKDAYS = range(5)  # Monday to Friday


def weekday_span(hours: Iterable[Mapping[str, Any]]) -> tuple[str | None, str | None]:
    """(latest opening, earliest closing) over Monday-Friday, or (None, None)
    unless every weekday has hours. A split day counts from its first opening
    to its last closing."""
    days: dict[int, tuple[str, str]] = {}
    for row in hours:
        day, opens, closes = int(row["weekday"]), str(row["opens"]), str(row["closes"])
        if day in days:
            first, last = days[day]
            days[day] = (min(first, opens), max(last, closes))
        else:
            days[day] = (opens, closes)
    if any(day not in days for day in WEEKDAYS):
        return None, None
    return max(days[d][0] for d in WEEKDAYS), min(days[d][1] for d in WEEKDAYS)
