"""Open places (ledige pladser) as a parent reads them: per age group, what
the institution reported, on which day, and whether that report still counts.

A report older than the contracts' ``OPEN_PLACES_FRESH_DAYS`` is stale: the
pages show it as such and never as the current state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from dagtilbud_contracts.vocabulary import AGE_GROUPS, open_places_fresh


@dataclass(frozen=True)
class OpenPlaces:
    age_group: str  # 0-2 or 3-5
    status: str  # yes, no or waiting_list
    from_month: date | None  # the first day of the month places open from
    reported_on: date | None  # None when the report's day cannot be read
    fresh: bool


def open_places(rows: Iterable[Mapping[str, Any]], today: date) -> tuple[OpenPlaces, ...]:
    """Each age group's report, 0-2 first. A report is fresh by ``today``
    unless it says itself (search's hits carry ``fresh``, by the same rule
    on search's day, which its "open places" filter used); a report without
    a readable day is never fresh."""
    places = []
    for row in rows:
        age_group, status = row.get("age_group"), row.get("status")
        if not isinstance(age_group, str) or not isinstance(status, str):
            continue
        reported_on = _day(row.get("reported_on"))
        given = row.get("fresh")
        if isinstance(given, bool):
            fresh = given
        else:
            fresh = reported_on is not None and open_places_fresh(reported_on, today)
        places.append(
            OpenPlaces(age_group, status, _month(row.get("from_month")), reported_on, fresh)
        )
    order = {group: index for index, group in enumerate(AGE_GROUPS)}
    return tuple(sorted(places, key=lambda p: (order.get(p.age_group, len(order)), p.age_group)))


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _month(value: object) -> date | None:
    """YYYY-MM as the first day of that month."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value + "-01")
    except ValueError:
        return None
