"""The upload API says what is wrong with a request, and never drops a
parameter it does not know."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from dagkit.migrations import upgrade
from dagkit.testing.tokens import TokenMint
from ingest.adapters.orm import imports
from ingest.app import create_app
from ingest.bootstrap import context
from ingest.testing.helpers import SERVICE_ROOT, count, settings_for


def a_file() -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"kommunekode;aar;normering_0_2\n101;2023;3,1\n"), "statistik.csv"


def test_dry_run_in_the_query_string_is_refused_not_ignored(
    app: Flask, auth_header: dict[str, str]
) -> None:
    response = app.test_client().post(
        "/v1/imports?dry_run=true", data={"file": a_file()}, headers=auth_header
    )
    assert response.status_code == 422
    why = response.get_json()["errors"]["query"]["dry_run"][0]
    assert "form field" in why
    assert count(context(app), imports) == 0


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/v1/imports?kind=BOERN8"),
        ("get", "/v1/imports?page=2"),
        ("get", "/v1/imports/x?y=1"),
    ],
)
def test_unknown_query_parameters_are_refused(
    app: Flask, auth_header: dict[str, str], method: str, url: str
) -> None:
    client = app.test_client()
    data = {"file": a_file()} if method == "post" else None
    response = getattr(client, method)(url, data=data, headers=auth_header)
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"]["query"]
    assert body["message"]


def test_unknown_form_fields_are_refused(app: Flask, auth_header: dict[str, str]) -> None:
    response = app.test_client().post(
        "/v1/imports", data={"file": a_file(), "dryrun": "true"}, headers=auth_header
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["multipart"]["dryrun"] == ["Unknown field."]
    assert count(context(app), imports) == 0


def test_a_form_field_named_file_is_not_a_file(app: Flask, auth_header: dict[str, str]) -> None:
    response = app.test_client().post(
        "/v1/imports", data={"file": "kommunekode;aar"}, headers=auth_header
    )
    assert response.status_code == 422
    assert "Not a file" in response.get_json()["errors"]["multipart"]["file"][0]


def test_dry_run_in_the_form_is_taken(app: Flask, auth_header: dict[str, str]) -> None:
    response = app.test_client().post(
        "/v1/imports", data={"file": a_file(), "dry_run": "true"}, headers=auth_header
    )
    assert response.status_code == 202
    assert response.get_json()["dry_run"] is True


@pytest.mark.parametrize("spelling", ["0", "1", "yes", "no", "on", "off", ""])
def test_dry_run_takes_only_true_or_false(
    app: Flask, auth_header: dict[str, str], spelling: str
) -> None:
    response = app.test_client().post(
        "/v1/imports", data={"file": a_file(), "dry_run": spelling}, headers=auth_header
    )
    assert response.status_code == 422
    assert "dry_run" in str(response.get_json()["errors"])


@pytest.mark.parametrize(
    "body",
    [None, {"file": a_file()}, {"nothing": "here"}],
    ids=["no_body", "a_file", "a_bad_form"],
)
def test_without_a_token_the_answer_is_401_before_the_body_is_read(
    app: Flask, body: dict[str, object] | None
) -> None:
    response = app.test_client().post("/v1/imports", data=body)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    answer = response.get_json()
    assert "bearer token" in answer["message"]
    assert "bearer-token" in answer["message_da"]
    for url in ("/v1/imports?offset=-1", "/v1/imports/some-id"):
        refused = app.test_client().get(url)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"


@pytest.fixture
def small_limit_app(
    pg_database: str, tmp_path: Path, kafka_bootstrap: str, mint: TokenMint
) -> Iterator[Flask]:
    upgrade(SERVICE_ROOT, pg_database)
    settings = settings_for(pg_database, tmp_path, kafka_bootstrap, INGEST_MAX_UPLOAD_BYTES="65536")
    application = create_app(settings, verifier=mint.verifier())
    yield application
    context(application).close()


def multipart(size: int) -> tuple[bytes, str]:
    head = (
        "--b\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    return head.encode() + b"x" * size + b"\r\n--b--\r\n", "multipart/form-data; boundary=b"


def test_without_a_token_an_oversized_body_is_still_401(small_limit_app: Flask) -> None:
    body, content_type = multipart(3 * 65536)
    response = small_limit_app.test_client().post(
        "/v1/imports", data=body, content_type=content_type
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "size",
    [3 * 65536, 65536 + 1000],
    ids=["refused_by_werkzeug_before_reading", "refused_while_storing"],
)
def test_413_says_the_limit(small_limit_app: Flask, auth_header: dict[str, str], size: int) -> None:
    body, content_type = multipart(size)
    response = small_limit_app.test_client().post(
        "/v1/imports", data=body, content_type=content_type, headers=auth_header
    )
    assert response.status_code == 413
    answer = response.get_json()
    assert answer["limit_bytes"] == 65536
    assert "65,536 bytes" in answer["message"]
    assert "65.536 byte" in answer["message_da"]
    assert count(context(small_limit_app), imports) == 0


@pytest.mark.parametrize(
    "query",
    [
        "offset=9223372036854775808",
        "offset=2147483648",
        "offset=-1",
        "limit=0",
        "limit=201",
        "limit=99999999999999999999",
        "offset=abc",
    ],
)
def test_integer_parameters_out_of_range_are_422(
    app: Flask, auth_header: dict[str, str], query: str
) -> None:
    response = app.test_client().get(f"/v1/imports?{query}", headers=auth_header)
    assert response.status_code == 422
    name = query.split("=")[0]
    assert name in response.get_json()["errors"]["query"]


def test_the_largest_offset_is_answered(app: Flask, auth_header: dict[str, str]) -> None:
    response = app.test_client().get("/v1/imports?offset=2147483647", headers=auth_header)
    assert response.status_code == 200
    assert response.get_json()["items"] == []


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_times_carry_their_timezone(
    database: str,
    pg_database: str,
    tmp_path: Path,
    kafka_bootstrap: str,
    mint: TokenMint,
    auth_header: dict[str, str],
) -> None:
    url = pg_database if database == "postgresql" else f"sqlite:///{tmp_path / 'ingest.sqlite3'}"
    upgrade(SERVICE_ROOT, url)
    application = create_app(settings_for(url, tmp_path, kafka_bootstrap), verifier=mint.verifier())
    client = application.test_client()
    created = client.post("/v1/imports", data={"file": a_file()}, headers=auth_header).get_json()
    listed = client.get("/v1/imports", headers=auth_header).get_json()["items"][0]
    context(application).close()
    for value in (created["created_at"], listed["created_at"]):
        assert datetime.fromisoformat(value).utcoffset() is not None, value


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("delete", "/v1/imports", {"GET", "POST"}),
        ("put", "/v1/imports/some-id", {"GET"}),
        ("post", "/healthz", {"GET"}),
    ],
)
def test_405_says_which_methods_are_allowed(
    app: Flask, auth_header: dict[str, str], method: str, url: str, allowed: set[str]
) -> None:
    response = getattr(app.test_client(), method)(url, headers=auth_header)
    assert response.status_code == 405
    methods = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= methods
    assert response.get_json()["code"] == 405
