"""The upload API: who may upload, limits, 202 and the report."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from dagkit.migrations import upgrade
from dagkit.testing.tokens import TokenMint, with_claims
from ingest.adapters.orm import imports, stored_files
from ingest.app import create_app
from ingest.bootstrap import context
from ingest.domain.imports import ImportStatus
from ingest.entrypoints.worker import Worker
from ingest.testing.helpers import (
    SERVICE_ROOT,
    count,
    engine_of,
    nothing_stored,
    outbox,
    register_rows,
    settings_for,
    write_register,
)


def a_body() -> dict[str, tuple[io.BytesIO, str]]:
    return {"file": (io.BytesIO(b"kommunekode;aar\n"), "x.csv")}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_without_a_token_the_answer_is_401_with_a_challenge(app: Flask) -> None:
    client = app.test_client()
    for response in (client.post("/v1/imports", data=a_body()), client.get("/v1/imports")):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("role", ["institution", "municipality"])
def test_institution_and_municipality_tokens_are_refused_with_403(
    app: Flask, mint: TokenMint, role: str
) -> None:
    client = app.test_client()
    headers = bearer(mint.access_token(role=role))
    assert client.post("/v1/imports", data=a_body(), headers=headers).status_code == 403
    assert client.get("/v1/imports", headers=headers).status_code == 403
    assert client.get("/v1/imports/some-id", headers=headers).status_code == 403
    assert count(context(app), imports) == 0


@pytest.mark.parametrize("role", ["dst", "admin"])
def test_dst_and_admin_tokens_may_upload_and_read(app: Flask, mint: TokenMint, role: str) -> None:
    client = app.test_client()
    headers = bearer(mint.access_token(sub=f"{role}-account", role=role))
    created = client.post("/v1/imports", data=a_body(), headers=headers)
    assert created.status_code == 202
    assert client.get("/v1/imports", headers=headers).get_json()["total"] == 1
    assert client.get(f"/v1/imports/{created.get_json()['id']}", headers=headers).status_code == 200
    with engine_of(context(app)).connect() as conn:
        assert conn.execute(select(imports.c.requested_by)).scalar_one() == f"{role}:{role}-account"


def test_an_expired_or_forged_token_is_401_invalid_token(app: Flask, mint: TokenMint) -> None:
    client = app.test_client()
    expired = mint.access_token(role="dst", issued_at=time.time() - 3600, expires_in=900)
    forged = with_claims(mint.access_token(role="institution"), role="dst")
    for token in (expired, forged, "not-a-token"):
        response = client.get("/v1/imports", headers=bearer(token))
        assert response.status_code == 401, token
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        assert "bearer-token" in response.get_json()["message_da"]


def test_a_token_whose_key_cannot_be_fetched_is_503_not_401(
    ingest_settings: dict[str, Any], mint: TokenMint
) -> None:
    """auth's JWK Set unreachable and the token's key not known yet: the token
    cannot be judged, which is not the caller's fault."""
    settings = {**ingest_settings, "auth_jwks_url": "http://127.0.0.1:9/.well-known/jwks.json"}
    app = create_app(settings)  # the verifier built from the settings
    try:
        token = mint.access_token(role="dst")
        response = app.test_client().get("/v1/imports", headers=bearer(token))
        assert response.status_code == 503
        assert "Retry-After" in response.headers
        assert "WWW-Authenticate" not in response.headers
    finally:
        context(app).close()


def small_register(tmp_path: Path, rows: int = 1000) -> Path:
    """Under 500 KB: werkzeug's test client spools larger bodies to a file it
    never closes."""
    return write_register(tmp_path / "enheder.csv", register_rows()[:rows])


def upload_small_register(
    client: FlaskClient, tmp_path: Path, auth_header: dict[str, str], **form: str
) -> TestResponse:
    """POSTs ``small_register`` as enheder.csv, with these form fields."""
    with small_register(tmp_path).open("rb") as fh:
        return client.post(
            "/v1/imports", data={"file": (fh, "enheder.csv"), **form}, headers=auth_header
        )


def test_upload_is_accepted_then_processed_with_progress_and_report(
    app: Flask, auth_header: dict[str, str], tmp_path: Path
) -> None:
    client = app.test_client()
    response = upload_small_register(client, tmp_path, auth_header)
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == ImportStatus.QUEUED
    ctx = context(app)
    worker = Worker(ctx, tmp_path / "drop")
    assert worker.run_once() is True
    done = client.get(f"/v1/imports/{body['id']}", headers=auth_header).get_json()
    assert done["status"] == ImportStatus.ACCEPTED
    assert done["progress"]["rows_done"] == 1000
    assert done["report"]["diff"]["added"] == 1000
    listing = client.get("/v1/imports", headers=auth_header).get_json()
    assert listing["total"] == 1
    assert listing["items"][0]["id"] == body["id"]
    assert len(outbox(ctx)) == 1000


def test_dry_run_upload_publishes_nothing(
    app: Flask, auth_header: dict[str, str], tmp_path: Path
) -> None:
    client = app.test_client()
    body = upload_small_register(client, tmp_path, auth_header, dry_run="true").get_json()
    ctx = context(app)
    Worker(ctx, tmp_path / "drop").run_once()
    done = client.get(f"/v1/imports/{body['id']}", headers=auth_header).get_json()
    assert done["report"]["outcome"] == "dry_run"
    assert done["report"]["diff"]["added"] == 1000
    assert nothing_stored(ctx)


def test_an_oversized_upload_is_refused_with_413_and_leaves_nothing(
    pg_database: str,
    tmp_path: Path,
    kafka_bootstrap: str,
    mint: TokenMint,
    auth_header: dict[str, str],
) -> None:
    upgrade(SERVICE_ROOT, pg_database)
    settings = settings_for(pg_database, tmp_path, kafka_bootstrap, INGEST_MAX_UPLOAD_BYTES="65536")
    app = create_app(settings, verifier=mint.verifier())
    boundary = "oversized"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    body = head.encode() + b"x" * (3 * 65536) + f"\r\n--{boundary}--\r\n".encode()
    # Raw bytes: the test client spools a file body to a temporary file it never closes.
    response = app.test_client().post(
        "/v1/imports",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=auth_header,
    )
    assert response.status_code == 413
    ctx = context(app)
    assert count(ctx, imports) == 0
    assert count(ctx, stored_files) == 0
    ctx.close()


def test_an_unknown_kind_is_a_clear_error(app: Flask, auth_header: dict[str, str]) -> None:
    response = app.test_client().post(
        "/v1/imports",
        data={"file": (io.BytesIO(b"a;b\n1;2\n"), "x.csv"), "kind": "BOERN99"},
        headers=auth_header,
    )
    assert response.status_code == 422
    assert "kind" in str(response.get_json()["errors"])
