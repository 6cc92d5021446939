"""The rules an edit must keep: opening hours, closing days, open places."""

from __future__ import annotations

from datetime import date, timedelta

from profiles.domain import rules
from profiles.testing.builders import registered

TODAY = date(2026, 12, 3)


def hours(*intervals: tuple[int, str, str]) -> list[dict[str, object]]:
    return [{"weekday": d, "opens": o, "closes": c} for d, o, c in intervals]


def test_a_split_day_is_two_intervals_that_do_not_overlap() -> None:
    assert rules.opening_hours_problems(hours((0, "06:30", "12:00"), (0, "12:00", "17:00"))) == {}
    found = rules.opening_hours_problems(hours((0, "06:30", "12:30"), (0, "12:00", "17:00")))
    assert found == {"opening_hours": {1: {"opens": [rules.OVERLAPS]}}}


def test_overlap_is_found_whatever_order_the_intervals_come_in() -> None:
    found = rules.opening_hours_problems(hours((2, "12:00", "17:00"), (2, "06:30", "12:30")))
    assert found == {"opening_hours": {0: {"opens": [rules.OVERLAPS]}}}


def test_the_day_runs_from_five_to_eight() -> None:
    assert rules.opening_hours_problems(hours((0, "05:00", "20:00"))) == {}
    found = rules.opening_hours_problems(hours((0, "04:59", "20:01")))
    assert found == {
        "opening_hours": {0: {"opens": [rules.OPENS_TOO_EARLY], "closes": [rules.CLOSES_TOO_LATE]}}
    }


def test_at_most_two_intervals_a_day() -> None:
    found = rules.opening_hours_problems(
        hours((4, "06:00", "08:00"), (4, "09:00", "11:00"), (4, "12:00", "14:00"))
    )
    assert found["opening_hours"][2]["weekday"] == [rules.TOO_MANY_INTERVALS]


def day(first: date, until: date | None = None) -> dict[str, object]:
    return {"date": first, "until": until, "reason": None}


def test_closing_days_from_a_year_back_to_two_years_ahead() -> None:
    inside = [day(TODAY - timedelta(days=365)), day(TODAY + timedelta(days=730))]
    assert rules.closing_days_problems(inside, TODAY) == {}
    outside = [day(TODAY - timedelta(days=366)), day(TODAY + timedelta(days=731))]
    assert rules.closing_days_problems(outside, TODAY) == {
        "closing_days": {0: {"date": [rules.TOO_EARLY_DAY]}, 1: {"date": [rules.TOO_LATE_DAY]}}
    }


def test_a_range_may_not_end_beyond_the_window() -> None:
    found = rules.closing_days_problems(
        [day(TODAY + timedelta(days=720), TODAY + timedelta(days=740))], TODAY
    )
    assert found == {"closing_days": {0: {"until": [rules.TOO_LATE_DAY]}}}


def test_closing_ranges_may_not_overlap() -> None:
    summer = day(date(2027, 7, 12), date(2027, 7, 30))
    inside = day(date(2027, 7, 20))
    after = day(date(2027, 7, 31))
    assert rules.closing_days_problems([summer, after], TODAY) == {}
    assert rules.closing_days_problems([summer, inside], TODAY) == {
        "closing_days": {1: {"date": [rules.DAYS_OVERLAP]}}
    }


def test_open_places_only_for_an_age_group_the_institution_takes() -> None:
    vuggestue = registered("G20580", kind="vuggestue", accepts_3_5=False)
    places = [
        {"age_group": "0-2", "status": "yes", "from_month": "2027-01"},
        {"age_group": "3-5", "status": "yes", "from_month": "2027-01"},
    ]
    assert rules.open_places_problems(places, vuggestue, TODAY) == {
        "open_places": {1: {"age_group": [rules.AGE_GROUP_NOT_TAKEN]}}
    }


def test_open_places_from_at_most_two_years_ahead() -> None:
    institution = registered()
    ok = [{"age_group": "0-2", "status": "yes", "from_month": "2028-12"}]
    late = [{"age_group": "0-2", "status": "yes", "from_month": "2029-01"}]
    assert rules.open_places_problems(ok, institution, TODAY) == {}
    assert rules.open_places_problems(late, institution, TODAY) == {
        "open_places": {0: {"from_month": [rules.MONTH_TOO_LATE]}}
    }
