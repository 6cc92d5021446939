"""The profile's sections as forms, and back: what is typed, what profiles
gets, and where profiles' reasons land."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from web.domain import profile_form as pf
from web.testing.fakes import sample

PROFILE = sample("institution")["profile"]


@pytest.mark.parametrize("section", list(pf.SECTIONS))
def test_a_saved_profile_comes_back_unchanged_through_its_form(section: str) -> None:
    values = pf.form_values(section, PROFILE)
    parsed = pf.parse(section, values, "aldersintegreret")
    assert parsed.ok, parsed.problems
    for name in pf.SECTIONS[section]:
        expected = PROFILE[name]
        if name == "tags":
            # Only the vocabulary's tags can be chosen (an older keyword goes).
            expected = ["natur_og_udeliv", "musik"]
        if name == "closing_days":
            expected = [{"until": None, **day} for day in expected]
        if name == "open_places":
            expected = [{k: p[k] for k in ("age_group", "status", "from_month")} for p in expected]
        assert parsed.changes[name] == expected


def test_an_empty_profile_gives_empty_forms_and_empty_changes() -> None:
    empty: dict[str, Any] = {}
    assert pf.parse("beskrivelse", pf.form_values("beskrivelse", empty)).changes == {
        "description": None,
        "tags": [],
    }
    assert pf.parse("madordning", pf.form_values("madordning", empty)).changes == {
        "meal_scheme": None
    }
    lukkedage = pf.form_values("lukkedage", empty)
    assert pf.closing_rows(lukkedage) == pf.EMPTY_CLOSING_ROWS
    assert pf.parse("lukkedage", lukkedage).changes == {"closing_days": []}


@pytest.mark.parametrize(
    ("typed", "time"),
    [("8:00", "08:00"), ("08.30", "08:30"), ("0715", "07:15"), ("23:59", "23:59")],
)
def test_times_as_people_type_them(typed: str, time: str) -> None:
    assert pf.clock_time(typed) == time


@pytest.mark.parametrize("typed", ["08:0x", "24:00", "7", "12:60", "kl. 8"])
def test_what_is_no_time(typed: str) -> None:
    assert pf.clock_time(typed) is None


def test_days_and_months_in_both_ways_of_writing() -> None:
    assert pf.calendar_day("2026-12-24") == pf.calendar_day("24.12.2026") == date(2026, 12, 24)
    assert pf.calendar_day("31.02.2026") is None
    assert pf.year_month("2026-08") == pf.year_month("8/2026") == "2026-08"
    assert pf.year_month("2026-13") is None


def test_opening_hours_problems_name_their_field() -> None:
    values = pf.form_values("aabningstider", {})
    values.update(
        {
            "opens-0": "08:0x",
            "closes-0": "16:00",
            "opens-1": "09:00",
            "closes-1": "08:00",
            "opens-2": "07:00",
            "opens-3-2": "13:00",
            "closes-3-2": "15:00",
            "opens-4": "07:00",
            "closes-4": "12:00",
            "opens-4-2": "11:00",
            "closes-4-2": "15:00",
        }
    )
    parsed = pf.parse("aabningstider", values)
    codes = {name: [p.code for p in found] for name, found in parsed.problems.items()}
    assert codes == {
        "opens-0": [pf.NOT_A_TIME],
        "closes-1": [pf.CLOSES_BEFORE_OPENS],
        "closes-2": [pf.TIME_MISSING],
        "opens-3-2": [pf.SECOND_WITHOUT_FIRST],
        "opens-4-2": [pf.SECOND_BEFORE_FIRST],
    }
    assert parsed.changes == {}


def test_two_intervals_a_day_and_the_weekend() -> None:
    values = pf.form_values("aabningstider", {})
    values.update(
        {"opens-0": "7.00", "closes-0": "11:00", "opens-0-2": "12:00", "closes-0-2": "16:00"}
    )
    values.update({"opens-5": "09:00", "closes-5": "12:00"})
    parsed = pf.parse("aabningstider", values)
    assert parsed.changes["opening_hours"] == [
        {"weekday": 0, "opens": "07:00", "closes": "11:00"},
        {"weekday": 0, "opens": "12:00", "closes": "16:00"},
        {"weekday": 5, "opens": "09:00", "closes": "12:00"},
    ]
    assert parsed.origins == {
        ("opening_hours", 0): "opens-0",
        ("opening_hours", 1): "opens-0-2",
        ("opening_hours", 2): "opens-5",
    }


def test_closing_days_rows_skip_empty_ones_and_check_each() -> None:
    values = {
        "closing-0-date": "",
        "closing-0-until": "",
        "closing-0-reason": "",
        "closing-1-date": "20.07.2026",
        "closing-1-until": "31.07.2026",
        "closing-1-reason": "Sommerlukning",
        "closing-2-date": "",
        "closing-2-until": "",
        "closing-2-reason": "Juleaften",
    }
    parsed = pf.parse("lukkedage", values)
    assert {n: [p.code for p in f] for n, f in parsed.problems.items()} == {
        "closing-2-date": [pf.DATE_MISSING]
    }
    values["closing-2-date"] = "2026-12-24"
    values["closing-1-until"] = "2026-07-01"
    parsed = pf.parse("lukkedage", values)
    assert [p.code for p in parsed.problems["closing-1-until"]] == [pf.UNTIL_BEFORE_DATE]
    values["closing-1-until"] = "2026-07-31"
    parsed = pf.parse("lukkedage", values)
    assert parsed.changes["closing_days"] == [
        {"date": "2026-07-20", "until": "2026-07-31", "reason": "Sommerlukning"},
        {"date": "2026-12-24", "until": None, "reason": "Juleaften"},
    ]
    assert parsed.origins == {("closing_days", 0): "closing-1", ("closing_days", 1): "closing-2"}


def test_contact_is_checked_and_tidied() -> None:
    parsed = pf.parse(
        "kontakt",
        {"leader_name": "Mette", "phone": "87-13-42-17", "email": "x@y.dk", "website": "y.dk"},
    )
    assert parsed.changes["contact"] == {
        "leader_name": "Mette",
        "phone": "87 13 42 17",
        "email": "x@y.dk",
        "website": "https://y.dk",
    }
    parsed = pf.parse(
        "kontakt", {"leader_name": "x" * 201, "phone": "12", "email": "nope", "website": "a b"}
    )
    assert {n: [p.code for p in f] for n, f in parsed.problems.items()} == {
        "leader_name": [pf.TOO_LONG],
        "phone": [pf.NOT_A_PHONE],
        "email": [pf.NOT_AN_EMAIL],
        "website": [pf.NOT_A_WEBSITE],
    }
    assert parsed.problems["leader_name"][0].limit == pf.LEADER_NAME_MAX


def test_meal_scheme_offered_or_madpakke() -> None:
    offered = pf.parse(
        "madordning",
        {
            "offered": "yes",
            "kind": "frokost",
            "price_per_month_dkk": "869,50 kr.",
            "organic_share_pct": "60 %",
            "kitchen": "",
            "diets": ["halal"],
        },
    )
    assert offered.changes["meal_scheme"] == {
        "offered": True,
        "kind": "frokost",
        "diets": ["halal"],
        "price_per_month_dkk": 869.5,
        "kitchen": None,
        "organic_share_pct": 60,
    }
    madpakke = pf.parse("madordning", {"offered": "no", "kind": "frokost"})
    assert madpakke.changes["meal_scheme"]["offered"] is False
    assert madpakke.changes["meal_scheme"]["kind"] is None
    wrong = pf.parse(
        "madordning",
        {"offered": "yes", "price_per_month_dkk": "mange", "organic_share_pct": "101"},
    )
    assert {n: [p.code for p in f] for n, f in wrong.problems.items()} == {
        "kind": [pf.CHOOSE_KIND],
        "price_per_month_dkk": [pf.NOT_A_PRICE],
        "organic_share_pct": [pf.NOT_A_SHARE],
    }
    undecided = pf.parse("madordning", {"offered": "", "kind": "frokost"})
    assert [p.code for p in undecided.problems["offered"]] == [pf.CHOOSE_OFFERED]


def test_open_places_per_age_group_of_the_kind() -> None:
    values = {"status-0-2": "yes", "from_month-0-2": "08-2026", "status-3-5": "no"}
    assert pf.parse("ledige-pladser", values, "vuggestue").changes["open_places"] == [
        {"age_group": "0-2", "status": "yes", "from_month": "2026-08"}
    ]
    both = pf.parse("ledige-pladser", values, "aldersintegreret")
    assert [p["age_group"] for p in both.changes["open_places"]] == ["0-2", "3-5"]
    wrong = pf.parse("ledige-pladser", {"status-0-2": "", "from_month-0-2": "august"})
    assert {n: [p.code for p in f] for n, f in wrong.problems.items()} == {
        "from_month-0-2": [pf.NOT_A_MONTH],
        "status-0-2": [pf.CHOOSE_STATUS],
    }


def test_choices_outside_the_vocabulary_are_refused() -> None:
    parsed = pf.parse("sprog", {"languages": ["en", "xx"]})
    assert [p.code for p in parsed.problems["languages"]] == [pf.UNKNOWN_CHOICE]
    assert pf.parse("sprog", {"languages": ["ar", "en"]}).changes == {"languages": ["en", "ar"]}


def test_read_form_keeps_only_the_sections_fields() -> None:
    posted = {
        "description": ["  Hej\r\nmed dig  "],
        "tags": ["musik", " "],
        "csrf_token": ["x"],
        "etag": ['"0"'],
    }
    assert pf.read_form("beskrivelse", posted) == {"description": "Hej\nmed dig", "tags": ["musik"]}
    rows = pf.read_form("lukkedage", {"closing-4-date": ["2026-12-24"]})
    assert pf.closing_rows(rows) == 5
    assert rows["closing-4-date"] == "2026-12-24"


def _said(reason: Any) -> str:
    return str(reason["da"]) if isinstance(reason, dict) else str(reason)


def test_profiles_reasons_land_on_the_form_fields() -> None:
    reason = {"en": "No.", "da": "Nej."}
    hours = pf.parse(
        "aabningstider",
        {"opens-0": "04:00", "closes-0": "16:00", "opens-2": "07:00", "closes-2": "21:00"},
    )
    tree = {"opening_hours": {"0": {"opens": [reason]}, "1": {"closes": [reason]}}}
    assert pf.profile_errors("aabningstider", tree, hours.origins, _said, "opens-0") == {
        "opens-0": ["Nej."],
        "closes-2": ["Nej."],
    }
    days = pf.parse("lukkedage", {"closing-3-date": "2020-01-01", "closing-3-reason": ""})
    tree = {"closing_days": {"0": {"date": ["More than a year ago."]}}}
    assert pf.profile_errors("lukkedage", tree, days.origins, _said, "closing-0-date") == {
        "closing-3-date": ["More than a year ago."]
    }
    places = pf.parse("ledige-pladser", {"status-3-5": "yes"}, "aldersintegreret")
    tree = {"open_places": {"0": {"age_group": [reason]}}}
    assert pf.profile_errors("ledige-pladser", tree, places.origins, _said, "status-0-2") == {
        "status-3-5": ["Nej."]
    }
    contact = {"contact": {"website": [reason]}, "_schema": ["Something else."]}
    assert pf.profile_errors("kontakt", contact, {}, _said, "leader_name") == {
        "website": ["Nej."],
        "leader_name": ["Something else."],
    }
    meal = {"meal_scheme": {"kind": [reason]}}
    assert pf.profile_errors("madordning", meal, {}, _said, "offered") == {"kind": ["Nej."]}
