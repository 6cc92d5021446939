"""Page cursors are signed with a server secret: any cursor this service did
not give out for the same search is refused with 422, never a 500."""

from __future__ import annotations

import base64
import json
import multiprocessing
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from search.adapters.cursor_secret import SECRET_FILE, instance_secret
from search.config import load_settings
from search.domain.search import SearchQuery

AARHUS = {"lat": 56.1572, "lon": 10.2107, "radius_km": 10, "limit": 5}
SECRET_A = "a" * 40
SECRET_B = "b" * 40


@pytest.fixture
def app(national_url: str, redis_client: Any, make_search_app: Callable[..., Flask]) -> Flask:
    return make_search_app(national_url)


def _old_style(key: Any, **params: Any) -> str:
    """A cursor as anyone could make one before they were signed: base64 JSON
    of the key and an unsalted hash of the public query."""
    query = SearchQuery(**{"radius_km": 5.0, "limit": 20, **params}, today=date(2026, 12, 3))
    raw = json.dumps({"q": query.fingerprint(), "k": key}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _first_cursor(app: Flask, params: dict[str, Any]) -> str:
    body = app.test_client().get("/v1/search", query_string=params).get_json()
    cursor: str = body["next_cursor"]
    assert cursor
    return cursor


FORGED_KEYS: list[Any] = [
    {"a": 1},  # a dict
    "abc",  # a string
    [None, "G10432"],  # null in the key
    [{"x": 1}, "G10432"],
    ["inf", "G10432"],
    [1.5],
    None,
    [],
]


@pytest.mark.parametrize("key", FORGED_KEYS, ids=[json.dumps(k) for k in FORGED_KEYS])
@pytest.mark.parametrize("sort", ["distance", "name", "normering"])
def test_a_forged_cursor_is_refused(app: Flask, key: Any, sort: str) -> None:
    params = {**AARHUS, "sort": sort}
    point = {k: params[k] for k in ("lat", "lon", "radius_km", "limit", "sort")}
    cursor = _old_style(key, **point)
    response = app.test_client().get("/v1/search", query_string={**params, "cursor": cursor})
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert "cursor" in body["errors"]["query"]
    assert body["message"]
    assert body["message_da"]


@pytest.mark.parametrize(
    "cursor",
    ["x", "....", "=" * 20, "a.b", "\u00e6\u00f8\u00e5", "eyJrIjpbXX0.", "e30.AAAA", "%00"],
)
def test_garbage_is_refused(app: Flask, cursor: str) -> None:
    response = app.test_client().get("/v1/search", query_string={**AARHUS, "cursor": cursor})
    assert response.status_code == 422


def test_an_empty_cursor_is_refused_by_the_schema(app: Flask) -> None:
    response = app.test_client().get("/v1/search", query_string={**AARHUS, "cursor": ""})
    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]["query"]


def test_a_cursor_with_its_key_changed_is_refused(app: Flask) -> None:
    cursor = _first_cursor(app, AARHUS)
    body, _, signature = cursor.partition(".")
    key = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    key[0] = 0.0  # start again from the centre
    tampered = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")
    response = app.test_client().get(
        "/v1/search", query_string={**AARHUS, "cursor": f"{tampered}.{signature}"}
    )
    assert response.status_code == 422


def test_a_cursor_belongs_to_its_search(app: Flask) -> None:
    cursor = _first_cursor(app, AARHUS)
    client = app.test_client()
    assert client.get("/v1/search", query_string={**AARHUS, "cursor": cursor}).status_code == 200
    other = {**AARHUS, "age_group": "0-2", "cursor": cursor}
    assert client.get("/v1/search", query_string=other).status_code == 422


def test_only_instances_with_the_same_secret_accept_each_others_cursors(
    national_url: str, make_search_app: Callable[..., Flask], tmp_path: Path
) -> None:
    first = make_search_app(national_url, SEARCH_CURSOR_SECRET=SECRET_A)
    same = make_search_app(
        national_url, SEARCH_CURSOR_SECRET=SECRET_A, DATA_DIR=str(tmp_path / "other")
    )
    other = make_search_app(national_url, SEARCH_CURSOR_SECRET=SECRET_B)
    params = {**AARHUS, "limit": 7}
    cursor = _first_cursor(first, params)
    page = {**params, "cursor": cursor}
    assert same.test_client().get("/v1/search", query_string=page).status_code == 200
    assert other.test_client().get("/v1/search", query_string=page).status_code == 422


def test_without_a_setting_the_workers_of_one_instance_share_a_secret(
    national_url: str, make_search_app: Callable[..., Flask], tmp_path: Path
) -> None:
    # make_search_app gives every app the test's tmp_path as DATA_DIR, as the
    # gunicorn workers of one instance share theirs.
    worker_1 = make_search_app(national_url)
    worker_2 = make_search_app(national_url)
    elsewhere = make_search_app(national_url, DATA_DIR=str(tmp_path / "elsewhere"))
    params = {**AARHUS, "limit": 6}
    page = {**params, "cursor": _first_cursor(worker_1, params)}
    assert worker_2.test_client().get("/v1/search", query_string=page).status_code == 200
    assert elsewhere.test_client().get("/v1/search", query_string=page).status_code == 422
    secret_file = tmp_path / SECRET_FILE
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def _race_for_the_secret(directory: str, start: Any, out: Any) -> None:
    start.wait()
    out.put(instance_secret(Path(directory)))


def test_processes_starting_together_make_one_secret(tmp_path: Path) -> None:
    # fork: the children need nothing imported anew, and start at one signal.
    context = multiprocessing.get_context("fork")
    start, out = context.Event(), context.Queue()
    directory = str(tmp_path / "data")
    workers = [
        context.Process(target=_race_for_the_secret, args=(directory, start, out)) for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    start.set()
    secrets = [out.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(30)
    assert len(set(secrets)) == 1
    assert len(secrets[0]) == 64
    assert [p.name for p in (tmp_path / "data").iterdir()] == [SECRET_FILE]


def test_a_short_secret_stops_the_service_at_start() -> None:
    with pytest.raises(SystemExit):
        load_settings({"SEARCH_CURSOR_SECRET": "too short"})
