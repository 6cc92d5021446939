"""Opening hours as a parent reads them: a week, Monday first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

WEEKDAYS = range(7)


@dataclass(frozen=True)
class WeekdayHours:
    weekday: int  # 0 = Monday
    intervals: tuple[tuple[str, str], ...]  # (opens, closes), HH:MM

    @property
    def closed(self) -> bool:
        return not self.intervals


def weekly_table(rows: Iterable[Mapping[str, Any]]) -> tuple[WeekdayHours, ...]:
    """Every weekday, with its intervals in time order; a day not reported is closed."""
    by_day: dict[int, list[tuple[str, str]]] = {day: [] for day in WEEKDAYS}
    for row in rows:
        day = int(row["weekday"])
        if day in by_day:
            by_day[day].append((str(row["opens"]), str(row["closes"])))
    table = [WeekdayHours(day, tuple(sorted(by_day[day]))) for day in WEEKDAYS]
    # Saturday and Sunday are shown only when the institution is open then.
    return tuple(day for day in table if day.weekday < 5 or not day.closed)


@dataclass(frozen=True)
class ClosingDay:
    day: date  # the (first) closed day
    reason: str | None
    until: date | None = None  # the last closed day of a range (summer closing)

    @property
    def last_day(self) -> date:
        return self.until or self.day


def coming_closing_days(
    rows: Iterable[Mapping[str, Any]], today: date, *, limit: int = 12
) -> tuple[ClosingDay, ...]:
    """Closing days and ranges not yet over, soonest first: past ones do not
    help a parent, a summer closing that has begun still does."""
    days: list[ClosingDay] = []
    for row in rows:
        try:
            day = date.fromisoformat(str(row["date"]))
        except ValueError:
            continue
        until = _until(row.get("until"), day)
        closing = ClosingDay(day, row.get("reason"), until)
        if closing.last_day >= today:
            days.append(closing)
    return tuple(sorted(days, key=lambda d: d.day)[:limit])


def _until(value: object, first: date) -> date | None:
    """The last day of a range; None for a single day (or one that cannot be read)."""
    if not isinstance(value, str):
        return None
    try:
        until = date.fromisoformat(value)
    except ValueError:
        return None
    return until if until > first else None
