"""The upload API: who may upload, limits, 202 and the report."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dagkit.migrations import upgrade
from ingest.adapters.orm import imports, stored_files
from ingest.app import create_app
from ingest.bootstrap import context
from ingest.domain.imports import ImportStatus
from ingest.entrypoints.worker import Worker
from ingest.testing.helpers import (
    SERVICE_ROOT,
    count,
    nothing_stored,
    outbox,
    register_rows,
    settings_for,
    write_register,
)


def test_upload_needs_a_dst_or_admin_token(app: Flask) -> None:
    client = app.test_client()
    data = {"file": (io.BytesIO(b"kommunekode;aar\n"), "x.csv")}
    assert client.post("/v1/imports", data=data).status_code == 401
    data = {"file": (io.BytesIO(b"kommunekode;aar\n"), "x.csv")}
    wrong = client.post("/v1/imports", data=data, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert client.get("/v1/imports").status_code == 401


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
    pg_database: str, tmp_path: Path, kafka_bootstrap: str, auth_header: dict[str, str]
) -> None:
    upgrade(SERVICE_ROOT, pg_database)
    settings = settings_for(pg_database, tmp_path, kafka_bootstrap, INGEST_MAX_UPLOAD_BYTES="65536")
    app = create_app(settings)
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
