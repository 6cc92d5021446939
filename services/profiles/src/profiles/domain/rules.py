"""The rules an edit must keep that depend on more than one field, on the
institution or on today: opening hours inside the day and not overlapping,
closing days inside the window parents plan in, open places only for an age
group the institution takes.

Each check returns the problems it found nested as marshmallow nests them
(field, list position, field), with the English message; the API says them
in Danish too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from itertools import pairwise
from typing import Any, Final

from profiles.domain.institutions import RegisteredInstitution

EARLIEST_OPENING: Final = "05:00"
LATEST_CLOSING: Final = "20:00"
MAX_INTERVALS_PER_DAY: Final = 2
# Closing days from the past year (a parent looking back) to two years ahead.
CLOSING_DAYS_BACK: Final = timedelta(days=365)
CLOSING_DAYS_AHEAD: Final = timedelta(days=730)
OPEN_PLACES_MONTHS_AHEAD: Final = 24

OPENS_TOO_EARLY: Final = f"Opens before {EARLIEST_OPENING}."
CLOSES_TOO_LATE: Final = f"Closes after {LATEST_CLOSING}."
TOO_MANY_INTERVALS: Final = f"At most {MAX_INTERVALS_PER_DAY} intervals a day."
OVERLAPS: Final = "Overlaps another interval of the same day."
TOO_EARLY_DAY: Final = "More than a year ago."
TOO_LATE_DAY: Final = "More than two years ahead."
DAYS_OVERLAP: Final = "Overlaps another closing day or range."
AGE_GROUP_NOT_TAKEN: Final = "The institution does not take this age group."
MONTH_TOO_LATE: Final = "More than two years ahead."

Problems = dict[Any, Any]


def _add(problems: Problems, path: Sequence[Any], message: str) -> None:
    node = problems
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], []).append(message)


def opening_hours_problems(intervals: Sequence[Mapping[str, Any]]) -> Problems:
    problems: Problems = {}
    by_day: dict[int, list[tuple[int, Mapping[str, Any]]]] = defaultdict(list)
    for index, interval in enumerate(intervals):
        # Zero-padded HH:MM strings sort like the times they name.
        if interval["opens"] < EARLIEST_OPENING:
            _add(problems, ("opening_hours", index, "opens"), OPENS_TOO_EARLY)
        if interval["closes"] > LATEST_CLOSING:
            _add(problems, ("opening_hours", index, "closes"), CLOSES_TOO_LATE)
        by_day[interval["weekday"]].append((index, interval))
    for day in by_day.values():
        if len(day) > MAX_INTERVALS_PER_DAY:
            for index, _ in day[MAX_INTERVALS_PER_DAY:]:
                _add(problems, ("opening_hours", index, "weekday"), TOO_MANY_INTERVALS)
        ordered = sorted(day, key=lambda item: item[1]["opens"])
        for (_, earlier), (index, later) in pairwise(ordered):
            if later["opens"] < earlier["closes"]:
                _add(problems, ("opening_hours", index, "opens"), OVERLAPS)
    return problems


def _last_day(day: Mapping[str, Any]) -> date:
    until: date | None = day.get("until")
    first: date = day["date"]
    return until if until is not None else first


def closing_days_problems(days: Sequence[Mapping[str, Any]], today: date) -> Problems:
    """``days`` as loaded (dates, not strings)."""
    problems: Problems = {}
    for index, day in enumerate(days):
        if day["date"] < today - CLOSING_DAYS_BACK:
            _add(problems, ("closing_days", index, "date"), TOO_EARLY_DAY)
        if _last_day(day) > today + CLOSING_DAYS_AHEAD:
            name = "until" if day.get("until") is not None else "date"
            _add(problems, ("closing_days", index, name), TOO_LATE_DAY)
    ordered = sorted(enumerate(days), key=lambda item: item[1]["date"])
    for (_, earlier), (index, later) in pairwise(ordered):
        if later["date"] <= _last_day(earlier):
            _add(problems, ("closing_days", index, "date"), DAYS_OVERLAP)
    return problems


def open_places_problems(
    places: Sequence[Mapping[str, Any]], institution: RegisteredInstitution, today: date
) -> Problems:
    problems: Problems = {}
    latest = (today.year * 12 + today.month - 1) + OPEN_PLACES_MONTHS_AHEAD
    for index, place in enumerate(places):
        if not institution.accepts(place["age_group"]):
            _add(problems, ("open_places", index, "age_group"), AGE_GROUP_NOT_TAKEN)
        month = place.get("from_month")
        if month is not None:
            year, number = (int(part) for part in month.split("-"))
            if year * 12 + number - 1 > latest:
                _add(problems, ("open_places", index, "from_month"), MONTH_TOO_LATE)
    return problems


def merge(*found: Problems) -> Problems:
    """The problems of several checks as one tree (they name different fields)."""
    out: Problems = {}
    for problems in found:
        out.update(problems)
    return out


RULE_MESSAGES: Final = (
    OPENS_TOO_EARLY,
    CLOSES_TOO_LATE,
    TOO_MANY_INTERVALS,
    OVERLAPS,
    TOO_EARLY_DAY,
    TOO_LATE_DAY,
    DAYS_OVERLAP,
    AGE_GROUP_NOT_TAKEN,
    MONTH_TOO_LATE,
)
