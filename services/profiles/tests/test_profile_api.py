"""The profile API on PostgreSQL: read, edit with If-Match, history, the event
written with the change."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dagkit.testing.clock import MovableClock
from dagtilbud_contracts.registry import validate_event
from profiles.adapters.orm import kit_tables, profile_changes
from profiles.app import create_app
from profiles.bootstrap import context
from profiles.testing.builders import register_event, whole_profile

from .conftest import ACCOUNT, Register

Who = Callable[[str], dict[str, str]]
PATH = "/v1/institutions/G10433/profile"


@pytest.fixture(autouse=True)
def institutions(register: Register) -> None:
    register(
        register_event("G10433", municipality_code=101),
        register_event("G20580", municipality_code=101, kind="vuggestue", accepts_3_5=False),
        register_event("C50000", municipality_code=101, closed=True),
    )


def outbox_events(app: Flask) -> list[dict[str, Any]]:
    with context(app).uow() as uow:
        rows = uow.session.execute(
            select(kit_tables.outbox).order_by(kit_tables.outbox.c.id)
        ).mappings()
        return [json.loads(row["payload"]) for row in rows]


def put(client: FlaskClient, who: Who, body: dict[str, Any], etag: str, **headers: str) -> Any:
    return client.put(PATH, json=body, headers={**who("own"), "If-Match": etag, **headers})


def test_nothing_reported_yet_is_version_zero(client: FlaskClient) -> None:
    answer = client.get(PATH)
    assert answer.status_code == 200
    assert answer.headers["ETag"] == '"0"'
    body = answer.get_json()
    assert body["version"] == 0
    assert body["description"] is None
    assert body["open_places"] == []
    assert body["read_only"] is False


def test_a_whole_profile_is_saved_published_and_read_back(
    app: Flask, client: FlaskClient, as_who: Who, clock: MovableClock
) -> None:
    today = clock().date()
    answer = put(client, as_who, whole_profile(today), '"0"', **{"X-Correlation-ID": "c-42"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["ETag"] == '"1"'
    saved = client.get(PATH).get_json()
    assert saved["version"] == 1
    assert saved["meal_scheme"]["organic_share_pct"] == 60
    assert saved["open_places"][1] == {
        "age_group": "3-5",
        "status": "yes",
        "from_month": f"{today.year + 1}-08",
        "reported_on": today.isoformat(),
        "fresh": True,
    }
    [event] = outbox_events(app)
    validate_event(event)
    assert event["subject"] == "G10433"
    assert event["aggregateversion"] == 1
    assert event["data"]["languages"] == ["en", "ar"]
    assert event["data"]["updated_by"] == ACCOUNT["own"]
    assert event["data"]["closing_days"][1]["until"] is not None


def test_patch_changes_one_section_and_keeps_the_rest(
    client: FlaskClient, as_who: Who, clock: MovableClock
) -> None:
    put(client, as_who, whole_profile(clock().date()), '"0"')
    hours = [
        {"weekday": 0, "opens": "07:00", "closes": "12:00"},
        {"weekday": 0, "opens": "13:00", "closes": "16:00"},
    ]
    answer = client.patch(
        PATH, json={"opening_hours": hours}, headers={**as_who("kommune"), "If-Match": '"1"'}
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["opening_hours"] == hours
    assert body["contact"]["leader_name"] == "Mette Vestergaard"
    history = client.get(f"{PATH}/history", headers=as_who("own")).get_json()
    assert [(c["version"], c["role"], c["fields"]) for c in history["changes"]] == [
        (2, "municipality", ["opening_hours"]),
        (
            1,
            "institution",
            [
                "description",
                "tags",
                "languages",
                "accessibility",
                "contact",
                "opening_hours",
                "closing_days",
                "meal_scheme",
                "open_places",
            ],
        ),
    ]
    assert history["changes"][0]["account_id"] == ACCOUNT["kommune"]


def test_an_edit_without_if_match_is_428_and_with_a_stale_one_412(
    app: Flask, client: FlaskClient, as_who: Who
) -> None:
    body = {"description": "Ny tekst"}
    missing = client.patch(PATH, json=body, headers=as_who("own"))
    assert missing.status_code == 428
    assert missing.get_json()["message_da"].startswith("Send ETag")
    star = client.patch(PATH, json=body, headers={**as_who("own"), "If-Match": "*"})
    assert star.status_code == 428
    assert (
        client.patch(PATH, json=body, headers={**as_who("own"), "If-Match": '"0"'}).status_code
        == 200
    )
    stale = client.patch(
        PATH, json={"description": "Anden"}, headers={**as_who("own"), "If-Match": '"0"'}
    )
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"1"'
    weak = client.patch(
        PATH, json={"description": "Anden"}, headers={**as_who("own"), "If-Match": 'W/"1"'}
    )
    assert weak.status_code == 412
    assert client.get(PATH).get_json()["description"] == "Ny tekst"
    assert len(outbox_events(app)) == 1


def test_text_is_stored_and_returned_verbatim(app: Flask, client: FlaskClient, as_who: Who) -> None:
    text = '<script>alert("hej")</script> & <b>fed</b> æøå'
    answer = client.patch(
        PATH, json={"description": text}, headers={**as_who("own"), "If-Match": '"0"'}
    )
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert client.get(PATH).get_json()["description"] == text
    assert outbox_events(app)[0]["data"]["description"] == text


def test_a_closed_institution_is_read_only(client: FlaskClient, as_who: Who) -> None:
    path = "/v1/institutions/C50000/profile"
    assert client.get(path).get_json()["read_only"] is True
    answer = client.patch(
        path, json={"description": "x"}, headers={**as_who("admin"), "If-Match": '"0"'}
    )
    assert answer.status_code == 409
    assert "lukket" in answer.get_json()["message_da"]


def test_an_unknown_number_is_404(client: FlaskClient, as_who: Who) -> None:
    assert client.get("/v1/institutions/ZZZZZZ/profile").status_code == 404
    answer = client.patch(
        "/v1/institutions/ZZZZZZ/profile",
        json={"description": "x"},
        headers={**as_who("admin"), "If-Match": '"0"'},
    )
    assert answer.status_code == 404


def test_the_number_is_read_in_any_case(client: FlaskClient) -> None:
    assert (
        client.get("/v1/institutions/g10433/profile").get_json()["institution_number"] == "G10433"
    )


def test_an_institution_re_registered_elsewhere_moves_with_its_municipality(
    client: FlaskClient, as_who: Who, register: Register
) -> None:
    register(register_event("G10433", version=2, municipality_code=147))
    body = {"description": "x"}
    refused = client.patch(PATH, json=body, headers={**as_who("kommune"), "If-Match": '"0"'})
    assert refused.status_code == 403
    accepted = client.patch(PATH, json=body, headers={**as_who("elsewhere"), "If-Match": '"0"'})
    assert accepted.status_code == 200


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client: FlaskClient, as_who: Who
) -> None:
    answer = client.patch(
        PATH,
        data="x" * (200 * 1024),
        content_type="application/json",
        headers={**as_who("own"), "If-Match": '"0"'},
    )
    assert answer.status_code == 413


def test_history_pages_back(client: FlaskClient, as_who: Who, app: Flask) -> None:
    for version in range(5):
        client.patch(
            PATH,
            json={"description": f"v{version}"},
            headers={**as_who("own"), "If-Match": f'"{version}"'},
        )
    first = client.get(f"{PATH}/history?limit=2", headers=as_who("kommune")).get_json()
    assert [c["version"] for c in first["changes"]] == [5, 4]
    older = client.get(
        f"{PATH}/history?limit=2&before={first['next_before']}", headers=as_who("kommune")
    ).get_json()
    assert [c["version"] for c in older["changes"]] == [3, 2]
    with context(app).uow() as uow:
        count = uow.session.execute(select(func.count()).select_from(profile_changes)).scalar_one()
    assert count == 5


def test_a_database_away_is_a_503_to_wait_out_not_a_server_error(
    profiles_settings: dict[str, Any], mint: Any, as_who: Who
) -> None:
    # Nothing listens on port 1: every connection is refused, as while
    # PostgreSQL restarts.
    away = {**profiles_settings, "database_url": "postgresql+psycopg://x:y@127.0.0.1:1/profiles"}
    app = create_app(away, verifier=mint.verifier())
    try:
        client = app.test_client()
        for answer in (
            client.get(PATH),
            client.patch(
                PATH, json={"description": "x"}, headers={**as_who("own"), "If-Match": '"0"'}
            ),
        ):
            assert answer.status_code == 503
            assert answer.headers["Retry-After"] == "2"
            assert answer.get_json()["message_da"].startswith("Tjenesten kan ikke svare")
        assert client.get("/readyz").status_code == 503
    finally:
        context(app).close()
