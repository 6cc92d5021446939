"""Edits made on the same version at the same moment: exactly one lands, the
others are told the profile moved on (412), and nothing is half-written."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import delete, select

from profiles.adapters.orm import kit_tables, profile_changes, profiles
from profiles.bootstrap import context
from profiles.testing.builders import register_event

from .conftest import Register

PATH = "/v1/institutions/G10433/profile"


@pytest.fixture(autouse=True)
def institution(register: Register) -> None:
    register(register_event("G10433", municipality_code=101))


@pytest.mark.parametrize(("editors", "first_report"), [(2, False), (16, False), (8, True)])
def test_same_etag_at_once_exactly_one_wins(
    app: Flask, as_who: Callable[[str], dict[str, str]], editors: int, first_report: bool
) -> None:
    if first_report:
        # No row yet (as before the register consumer made one): the first
        # reports race to create it, and still exactly one wins.
        with context(app).uow() as uow:
            uow.session.execute(delete(profiles))
            uow.commit()
    start = threading.Barrier(editors)
    # Tokens are made before the race, so every editor only waits at the barrier.
    headers = [{**as_who("own" if i % 2 else "kommune"), "If-Match": '"0"'} for i in range(editors)]

    def edit(i: int) -> tuple[int, str | None]:
        client = app.test_client()
        start.wait()
        answer = client.patch(PATH, json={"description": f"Udgave {i}"}, headers=headers[i])
        return answer.status_code, answer.headers.get("ETag")

    with ThreadPoolExecutor(editors) as pool:
        answers = list(pool.map(edit, range(editors)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [412] * (editors - 1)
    assert {etag for _, etag in answers} == {'"1"'}  # the 412s name the version that won

    with context(app).uow() as uow:
        history = uow.session.execute(select(profile_changes)).mappings().all()
        events = [
            json.loads(row["payload"])
            for row in uow.session.execute(select(kit_tables.outbox)).mappings()
        ]
    assert [row["version"] for row in history] == [1]
    assert [event["aggregateversion"] for event in events] == [1]
    current = app.test_client().get(PATH).get_json()
    assert (
        current["description"]
        == events[0]["data"]["description"]
        == history[0]["content"]["description"]
    )
