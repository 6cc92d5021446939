"""Bad edits get per-field reasons in English and Danish (422) and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from dagkit.testing.clock import MovableClock
from profiles.api.messages import UNTRANSLATED
from profiles.testing.builders import dagpleje_report, register_event, whole_profile

from .conftest import Register

Who = Callable[[str], dict[str, str]]
PATH = "/v1/institutions/G20580/profile"
DISTRICT = "/v1/municipalities/101/dagpleje/D40000"


@pytest.fixture(autouse=True)
def institutions(register: Register) -> None:
    register(
        register_event("G20580", municipality_code=101, kind="vuggestue", accepts_3_5=False),
        register_event("D40000", municipality_code=101, kind="dagpleje", accepts_3_5=False),
    )


def leaves(tree: Any) -> list[dict[str, str]]:
    if isinstance(tree, dict) and set(tree) == {"en", "da"}:
        return [tree]
    if isinstance(tree, dict):
        return [leaf for value in tree.values() for leaf in leaves(value)]
    if isinstance(tree, list):
        return [leaf for value in tree for leaf in leaves(value)]
    raise AssertionError(f"not a reason: {tree!r}")


def refused(
    client: FlaskClient, who: Who, body: Any, path: str = PATH, method: str = "PATCH"
) -> dict[str, Any]:
    answer = client.open(
        path, method=method, json=body, headers={**who("admin"), "If-Match": '"0"'}
    )
    assert answer.status_code == 422, answer.get_json()
    problem: dict[str, Any] = answer.get_json()
    # Every reason in both languages, none without its Danish.
    for reason in leaves(problem["errors"]):
        assert reason["da"] != UNTRANSLATED, reason
    assert client.get(path).get_json()["version"] == 0  # nothing changed
    return problem


def hours(*intervals: tuple[int, str, str]) -> dict[str, Any]:
    return {"opening_hours": [{"weekday": d, "opens": o, "closes": c} for d, o, c in intervals]}


def test_24_00_is_not_a_time(client: FlaskClient, as_who: Who) -> None:
    problem = refused(client, as_who, hours((0, "07:00", "24:00")))
    [reason] = problem["errors"]["json"]["opening_hours"]["0"]["closes"]
    assert reason == {
        "en": "Use the time form HH:MM, from 00:00 to 23:59.",
        "da": "Skriv tiden som TT:MM, fra 00:00 til 23:59.",
    }


def test_overlapping_intervals(client: FlaskClient, as_who: Who) -> None:
    problem = refused(client, as_who, hours((1, "06:30", "12:30"), (1, "12:00", "17:00")))
    assert problem["errors"]["json"]["opening_hours"]["1"]["opens"] == [
        {
            "en": "Overlaps another interval of the same day.",
            "da": "Overlapper et andet tidsrum samme dag.",
        }
    ]


def test_a_reversed_interval_and_the_day_s_limits(client: FlaskClient, as_who: Who) -> None:
    reversed_day = refused(client, as_who, hours((0, "17:00", "07:00")))
    errors = reversed_day["errors"]["json"]["opening_hours"]
    assert errors["0"]["closes"][0]["da"] == "Lukketiden skal ligge efter åbningstiden."
    too_long = refused(client, as_who, hours((0, "07:00", "16:00"), (1, "04:30", "20:30")))
    errors = too_long["errors"]["json"]["opening_hours"]
    assert errors["1"]["opens"][0]["en"] == "Opens before 05:00."
    assert errors["1"]["closes"][0]["en"] == "Closes after 20:00."


def test_a_reversed_closing_range(client: FlaskClient, as_who: Who, clock: MovableClock) -> None:
    start = clock().date() + timedelta(days=20)
    body = {
        "closing_days": [
            {
                "date": start.isoformat(),
                "until": (start - timedelta(days=3)).isoformat(),
                "reason": None,
            }
        ]
    }
    problem = refused(client, as_who, body)
    assert (
        problem["errors"]["json"]["closing_days"]["0"]["until"][0]["da"]
        == "Perioden slutter, før den begynder."
    )


@pytest.mark.parametrize(
    ("days", "reason"), [(-366, "More than a year ago."), (731, "More than two years ahead.")]
)
def test_closing_days_out_of_range(
    client: FlaskClient, as_who: Who, clock: MovableClock, days: int, reason: str
) -> None:
    day = clock().date() + timedelta(days=days)
    problem = refused(client, as_who, {"closing_days": [{"date": day.isoformat(), "reason": "x"}]})
    assert problem["errors"]["json"]["closing_days"]["0"]["date"][0]["en"] == reason


@pytest.mark.parametrize(("field", "limit"), [("description", 4000), ("accessibility", 500)])
def test_text_one_character_too_long(
    client: FlaskClient, as_who: Who, field: str, limit: int
) -> None:
    ok = client.patch(
        PATH, json={field: "æ" * limit}, headers={**as_who("admin"), "If-Match": '"0"'}
    )
    assert ok.status_code == 200
    answer = client.patch(
        PATH, json={field: "æ" * (limit + 1)}, headers={**as_who("admin"), "If-Match": '"1"'}
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["json"][field] == [
        {"en": f"Length must be between 1 and {limit}.", "da": f"Mellem 1 og {limit} tegn."}
    ]


def test_control_characters_are_refused(client: FlaskClient, as_who: Who) -> None:
    problem = refused(client, as_who, {"description": "a\x00b"})
    assert problem["errors"]["json"]["description"][0]["da"] == "Indeholder kontroltegn."


def test_contact_details(client: FlaskClient, as_who: Who) -> None:
    contact = {
        "leader_name": "",
        "phone": "1234",
        "email": "ikke-en-adresse",
        "website": "http://example.dk",
    }
    errors = refused(client, as_who, {"contact": contact})["errors"]["json"]["contact"]
    assert errors["phone"][0]["da"] == "Et dansk telefonnummer: 8 cifre, eventuelt efter +45."
    assert errors["email"][0]["da"] == "Ikke en gyldig e-mailadresse."
    assert errors["website"][0]["da"] == "Hjemmesiden skal begynde med https://."
    assert errors["leader_name"][0]["en"] == "Length must be between 1 and 200."


@pytest.mark.parametrize("phone", ["+45 38 10 42 17", "38104217", "+4538104217"])
def test_danish_phone_numbers(client: FlaskClient, as_who: Who, phone: str) -> None:
    contact = {"leader_name": None, "phone": phone, "email": None, "website": None}
    answer = client.patch(
        PATH, json={"contact": contact}, headers={**as_who("admin"), "If-Match": '"0"'}
    )
    assert answer.status_code == 200, answer.get_json()


def test_open_places_for_an_age_group_the_institution_does_not_take(
    client: FlaskClient, as_who: Who
) -> None:
    body = {"open_places": [{"age_group": "3-5", "status": "yes", "from_month": "2027-08"}]}
    errors = refused(client, as_who, body)["errors"]["json"]["open_places"]["0"]
    assert errors["age_group"][0]["da"] == "Institutionen tager ikke børn i denne aldersgruppe."


def test_the_report_day_cannot_be_sent(client: FlaskClient, as_who: Who) -> None:
    body = {
        "open_places": [
            {
                "age_group": "0-2",
                "status": "yes",
                "from_month": "2027-08",
                "reported_on": "2030-01-01",
            }
        ]
    }
    errors = refused(client, as_who, body)["errors"]["json"]["open_places"]["0"]
    assert errors["reported_on"] == [{"en": "Unknown field.", "da": "Ukendt felt."}]


def test_focus_areas_and_languages_from_the_portal_s_lists(
    client: FlaskClient, as_who: Who
) -> None:
    errors = refused(client, as_who, {"tags": ["musik", "ufo"], "languages": ["en", "xx", "en"]})[
        "errors"
    ]["json"]
    assert errors["tags"]["1"][0]["da"] == "Ikke et af portalens fokusområder."
    assert errors["languages"]["1"][0]["da"] == "Ikke et af portalens sprog."


def test_a_meal_scheme_that_is_not_offered_has_no_details(client: FlaskClient, as_who: Who) -> None:
    meal = {"offered": False, "kind": None, "diets": [], "price_per_month_dkk": 500}
    errors = refused(client, as_who, {"meal_scheme": meal})["errors"]["json"]["meal_scheme"]
    assert (
        errors["price_per_month_dkk"][0]["da"]
        == "Der serveres ingen måltider, så feltet skal være tomt."
    )


def test_an_empty_patch_and_a_body_that_is_no_object(client: FlaskClient, as_who: Who) -> None:
    assert refused(client, as_who, {})["errors"]["json"]["_schema"][0]["da"].startswith(
        "Intet at ændre"
    )
    assert (
        refused(client, as_who, ["description"])["errors"]["json"]["_schema"][0]["en"]
        == "Invalid input type."
    )


def test_a_put_must_be_whole(client: FlaskClient, as_who: Who, clock: MovableClock) -> None:
    body = whole_profile(clock().date())
    del body["contact"]
    body["open_places"] = []
    errors = refused(client, as_who, body, method="PUT")["errors"]["json"]
    assert errors == {
        "contact": [{"en": "Missing data for required field.", "da": "Feltet skal udfyldes."}]
    }


def test_a_childminder_s_address_has_no_field_to_go_in(client: FlaskClient, as_who: Who) -> None:
    # The report has no field for a childminder's name or address: sending one is refused.
    report = dagpleje_report()
    report["dagpleje"]["address"] = "Dagplejervej 3, 2700 Brønshøj"
    report["dagpleje"]["childminders"] = [{"name": "Lone", "street": "Dagplejervej 3"}]
    errors = refused(client, as_who, report, path=DISTRICT, method="PUT")["errors"]["json"][
        "dagpleje"
    ]
    assert errors == {
        "address": [{"en": "Unknown field.", "da": "Ukendt felt."}],
        "childminders": [{"en": "Unknown field.", "da": "Ukendt felt."}],
    }


def test_the_refusal_message_names_the_fields(client: FlaskClient, as_who: Who) -> None:
    problem = refused(client, as_who, hours((0, "07:00", "24:00")))
    assert (
        problem["message"] == "The request body is not valid (invalid: opening_hours). See errors."
    )
    assert (
        problem["message_da"]
        == "Forespørgslens indhold er ikke gyldigt (ugyldig: opening_hours). Se errors."
    )
