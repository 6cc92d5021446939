"""An institution's edit, followed through the running system: accepted by
profiles over HTTP with an access token, published on profiles.profiles.v1
with the whole profile, and within seconds in search's institution document
and in the searches that depend on it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from dagkit.testing.procs import wait_for
from dagtilbud_contracts import profile as profile_contract
from dagtilbud_contracts.registry import validate_event
from profiles.domain.profile import CONTENT_FIELDS
from tests.system.harness import PROFILE_TOPIC, Record, System, account_id

pytestmark = pytest.mark.slow

VISIBLE_WITHIN = 5.0  # seconds from the edit's 200 to search's answers
MEALS: dict[str, Any] = {
    "offered": True,
    "kind": "fuld_forplejning",
    "diets": ["halal", "glutenfri"],
    "price_per_month_dkk": 1150,
    "organic_share_pct": 75,
    "kitchen": "eget_koekken",
}
NO_MEALS: dict[str, Any] = {
    "offered": False,
    "kind": None,
    "diets": [],
    "price_per_month_dkk": None,
    "organic_share_pct": None,
    "kitchen": None,
}


def published(system: System, number: str, version: int) -> Record:
    """The event of ``number``'s ``version`` on the topic (waits for it)."""

    def there(records: list[Record]) -> bool:
        return any(r.subject == number and r.version == version for r in records)

    records = system.profile_topic.read(there, timeout=10)
    found = [r for r in records if r.subject == number and r.version == version]
    assert found, f"no event of {number} version {version} on {PROFILE_TOPIC}"
    return found[0]


def as_stored(document: dict[str, Any]) -> dict[str, Any]:
    """What the event should carry of profiles' answer: its content fields
    (open places without the ``fresh`` the API adds)."""
    content = {name: document[name] for name in CONTENT_FIELDS}
    content["open_places"] = [
        {k: v for k, v in place.items() if k != "fresh"} for place in document["open_places"]
    ]
    return content


def assert_event_is_the_profile(
    system: System, record: Record, number: str, correlation_id: str
) -> None:
    event = record.event
    validate_event(event)  # envelope and payload by the contract
    assert record.key == event["subject"] == number
    assert event["type"] == profile_contract.UPDATED
    assert event["source"] == "/services/profiles"
    assert event["correlationid"] == correlation_id

    answer = system.read_profile(number)
    document = answer.json()
    assert answer.etag == f'"{record.version}"'
    assert document["version"] == record.version
    data = dict(event["data"])
    published_at = datetime.fromisoformat(data.pop("updated_at"))
    assert published_at == datetime.fromisoformat(document["updated_at"])
    assert data.pop("updated_by") == account_id(number)
    assert data.pop("institution_number") == number
    # The whole profile, every field, exactly as profiles now answers it.
    assert data == as_stored(document)


def search_profile(system: System, number: str) -> dict[str, Any] | None:
    """The profile in search's document of ``number`` (None: nothing reported)."""
    document = system.search_document(number)
    assert document is not None, f"search does not know {number}"
    found: dict[str, Any] | None = document["profile"]
    return found


def until_search(check: Callable[[], bool], what: str) -> None:
    """Until ``check()`` holds on search's API, at most VISIBLE_WITHIN seconds."""
    wait_for(check, timeout=VISIBLE_WITHIN, what=what)


def test_an_edit_reaches_search_through_the_topic(system: System) -> None:
    edited, neighbour = system.register(2)
    filters = {"meal": "fuld_forplejning", "tag": "skovboernehave"}
    assert {edited, neighbour} <= set(system.search_near(edited))
    assert edited not in system.search_near(edited, **filters)
    assert search_profile(system, edited) is None

    before = system.read_profile(edited)
    assert before.status == 200
    assert before.etag == '"0"'

    # 1. The institution edits its description, meal scheme and focus areas.
    description = f"Skovbørnehave med eget køkken ({uuid.uuid4().hex[:6]})."
    correlation_id = uuid.uuid4().hex
    answer = system.profiles.request(
        "PATCH",
        f"/v1/institutions/{edited}/profile",
        json_body={"description": description, "meal_scheme": MEALS, "tags": ["skovboernehave"]},
        headers={
            **system.edit_headers(edited, '"0"'),
            "X-Correlation-ID": correlation_id,
        },
    )
    assert answer.status == 200, answer.body[:1000]
    assert answer.etag == '"1"'

    # 2. Its event is on the topic, carrying the whole profile profiles serves.
    first = published(system, edited, 1)
    assert_event_is_the_profile(system, first, edited, correlation_id)
    assert first.event["data"]["meal_scheme"] == MEALS
    assert first.event["data"]["description"] == description

    # 3. Search shows it, and finds it by what the edit changed, and only it.
    def shown() -> bool:
        now = search_profile(system, edited) or {}
        return now.get("description") == description and now.get("meal_scheme") == MEALS

    until_search(shown, "search's document to show the edit")
    until_search(
        lambda: edited in system.search_near(edited, **filters),
        "search to find the edited institution by its meal scheme and focus area",
    )
    assert neighbour not in system.search_near(edited, **filters)
    assert search_profile(system, neighbour) is None

    # 4. A later edit of another field: the event is again the whole profile
    # (the description stays), and the searches follow.
    correlation_id = uuid.uuid4().hex
    answer = system.profiles.request(
        "PATCH",
        f"/v1/institutions/{edited}/profile",
        json_body={"meal_scheme": NO_MEALS},
        headers={**system.edit_headers(edited, '"1"'), "X-Correlation-ID": correlation_id},
    )
    assert answer.status == 200, answer.body[:1000]
    assert answer.etag == '"2"'
    second = published(system, edited, 2)
    assert_event_is_the_profile(system, second, edited, correlation_id)
    assert second.event["data"]["description"] == description
    until_search(
        lambda: edited in system.search_near(edited, meal="none"),
        "search to find the institution by its new meal scheme",
    )
    # An answer search cached before may be served for up to a quarter of a
    # second after the event was applied (its README, "Geo and cache").
    until_search(
        lambda: edited not in system.search_near(edited, **filters),
        "search to stop finding it by the meal scheme it no longer has",
    )
    assert (search_profile(system, edited) or {})["description"] == description

    # 5. An edit made on the old version is refused and goes nowhere.
    stale = system.patch_profile(edited, {"description": "Forældet"}, '"1"')
    assert stale.status == 412
    assert stale.etag == '"2"'
    time.sleep(1.0)
    records = system.profile_topic.read(timeout=0.5)
    assert [r.version for r in records if r.subject == edited] == [1, 2]
    assert (search_profile(system, edited) or {})["description"] == description
