"""The ingest client against the real ingest app over HTTP (its own database
on PostgreSQL, its worker running the queued imports, access tokens from a
test mint its verifier trusts), and against a stub that answers what is not
ingest's API: each way ingest answers or fails becomes the one error the
upload pages know how to explain."""

from __future__ import annotations

import csv
import io
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from dagkit.logging import correlation
from dagkit.migrations import upgrade
from dagkit.testing.tokens import TokenMint
from ingest.app import create_app
from ingest.bootstrap import context
from ingest.entrypoints.worker import Worker
from ingest.service_layer.importing import KNOWN_KIND_HINTS
from ingest.testing.helpers import SERVICE_ROOT, register_rows, settings_for
from web.adapters.ingest_client import HttpImportsGateway
from web.service_layer.imports_gateway import (
    FINISHED,
    KINDS,
    ImportNotAllowed,
    ImportNotFound,
    ImportRefused,
    ImportsUnavailable,
)

FIXTURES = SERVICE_ROOT / "tests" / "fixtures"
# The smallest upload limit ingest takes; the tests' files stay under it
# except the one that is meant to be too large.
MAX_UPLOAD_BYTES = 64 * 1024


@dataclass
class Ingest:
    client: HttpImportsGateway
    mint: TokenMint

    def token(self, role: str = "dst") -> str:
        return self.mint.access_token(role=role, sub=f"{role}-{uuid.uuid4()}")

    @property
    def dst(self) -> str:
        return self.token("dst")

    def finished(self, import_id: str, timeout_s: float = 30) -> dict[str, Any]:
        """The import once the worker has ended it."""
        token = self.dst
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            run = self.client.get_import(token, import_id)
            if run["status"] in FINISHED:
                return run
            time.sleep(0.05)
        raise AssertionError(f"import {import_id} did not finish in {timeout_s} s")


@pytest.fixture
def ingest(pg_database: str, kafka_bootstrap: str, tmp_path: Path) -> Iterator[Ingest]:
    """A real ingest app over HTTP on a loopback port, and its worker."""
    upgrade(SERVICE_ROOT, pg_database)
    settings = settings_for(
        pg_database,
        tmp_path,
        kafka_bootstrap,
        INGEST_MAX_UPLOAD_BYTES=str(MAX_UPLOAD_BYTES),
    )
    mint = TokenMint()
    app = create_app(settings, verifier=mint.verifier())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = Worker(context(app), tmp_path / "drop", idle_seconds=0.05)
    working = threading.Thread(target=worker.run, daemon=True)
    working.start()
    client = HttpImportsGateway(
        f"http://127.0.0.1:{server.server_port}", timeout_s=5, upload_timeout_s=30
    )
    try:
        yield Ingest(client, mint)
    finally:
        client.close()
        worker.stop()
        working.join(10)
        server.shutdown()
        thread.join(10)
        server.server_close()
        context(app).close()


def register(rows: int) -> bytes:
    """The first ``rows`` institutions of the shipped register, as a file."""
    chosen = register_rows()[:rows]
    out = io.StringIO()
    writer = csv.DictWriter(out, list(chosen[0]))
    writer.writeheader()
    writer.writerows(chosen)
    return out.getvalue().encode("utf-8")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_the_kinds_are_ingests() -> None:
    assert tuple(KINDS) == tuple(KNOWN_KIND_HINTS)


def test_a_dry_run_of_a_statistics_file_shows_what_would_change(ingest: Ingest) -> None:
    queued = ingest.client.upload(
        ingest.dst, "statistik.csv", fixture("portal_statistics.csv"), dry_run=True
    )
    assert queued["status"] in ("queued", "running")
    assert queued["dry_run"] is True
    assert queued["filename"] == "statistik.csv"
    done = ingest.finished(queued["id"])
    assert done["status"] == "accepted"
    report = done["report"]
    assert report["outcome"] == "dry_run"
    assert report["kind"] == "statistics"
    assert report["diff"]["changed_figures"] > 0
    assert report["diff"]["municipalities"] >= 2
    assert report["dataset_version"] is None
    assert report["summary_da"].startswith("Prøvekørsel")
    assert report["summary_en"].startswith("Dry run")


def test_a_dry_run_of_a_register_shows_additions_and_closures(ingest: Ingest) -> None:
    done = ingest.finished(
        ingest.client.upload(ingest.dst, "enheder.csv", register(40), dry_run=True)["id"]
    )
    report = done["report"]
    assert (done["status"], report["outcome"], report["kind"]) == (
        "accepted",
        "dry_run",
        "register",
    )
    assert report["diff"]["added"] == 40
    assert report["diff"]["closed"] == 0
    assert {"institution_number", "name"} <= set(report["diff"]["added_samples"][0])
    assert report["closures"]["count"] == 0
    assert report["closures"]["municipalities"] == []


def test_a_real_run_is_accepted_with_its_progress_and_a_second_is_a_duplicate(
    ingest: Ingest,
) -> None:
    content = register(200)
    with correlation("c-upload-1"):
        queued = ingest.client.upload(ingest.dst, "enheder.csv", content, kind="register")
    assert queued["dry_run"] is False
    assert queued["size_bytes"] == len(content)
    done = ingest.finished(queued["id"])
    assert done["status"] == "accepted"
    assert done["kind"] == "register"
    assert done["progress"] == {"rows_done": 200, "rows_total": 200}
    assert done["report"]["outcome"] == "accepted"
    assert done["report"]["dataset_version"].startswith("register:")
    assert done["report"]["diff"]["added"] == 200
    again = ingest.finished(ingest.client.upload(ingest.dst, "igen.csv", content)["id"])
    assert again["status"] == "duplicate"
    assert again["report"]["summary_da"].startswith("Filen er allerede indlæst")


def test_closing_many_needs_the_number_the_dry_run_gave(ingest: Ingest) -> None:
    ingest.finished(ingest.client.upload(ingest.dst, "alle.csv", register(200))["id"])
    fewer = register(180)
    dry = ingest.finished(ingest.client.upload(ingest.dst, "færre.csv", fewer, dry_run=True)["id"])
    closures = dry["report"]["closures"]
    assert closures["count"] == 20
    assert closures["confirmation_required"] is True
    assert sum(m["count"] for m in closures["municipalities"]) == 20
    assert dry["report"]["problems"][0]["code"] == "mass_closure"
    refused = ingest.finished(ingest.client.upload(ingest.dst, "færre.csv", fewer)["id"])
    assert refused["status"] == "rejected"
    [problem] = [p for p in refused["report"]["problems"] if p["code"] == "mass_closure"]
    assert "confirm_closures=20" in problem["message_da"]
    assert "confirm_closures=20" in problem["message_en"]
    confirmed = ingest.client.upload(ingest.dst, "færre.csv", fewer, confirm_closures=20)
    assert confirmed["confirm_closures"] == 20
    done = ingest.finished(confirmed["id"])
    assert done["status"] == "accepted"
    assert done["report"]["diff"]["closed"] == 20


def test_a_broken_file_is_rejected_with_each_problem_in_both_languages(ingest: Ingest) -> None:
    queued = ingest.client.upload(ingest.dst, "broken.csv", fixture("broken_values.csv"))
    done = ingest.finished(queued["id"])
    assert done["status"] == "rejected"
    report = done["report"]
    assert report["outcome"] == "rejected"
    assert report["errors"] > 0
    for problem in report["problems"]:
        assert problem["message_da"]
        assert problem["message_en"]
        assert problem["message_da"] != problem["message_en"]
    assert report["summary_da"].startswith("Filen er afvist")
    unreadable = ingest.finished(
        ingest.client.upload(ingest.dst, "noise.bin", fixture("garbage.bin"))["id"]
    )
    assert unreadable["status"] == "rejected"
    assert unreadable["report"]["problems"][0]["message_da"]


def test_an_upload_refused_at_once_says_why_in_both_languages(ingest: Ingest) -> None:
    with pytest.raises(ImportRefused) as too_large:
        ingest.client.upload(ingest.dst, "stor.csv", b"x" * (MAX_UPLOAD_BYTES + 1))
    assert too_large.value.status == 413
    assert too_large.value.limit_bytes == MAX_UPLOAD_BYTES
    assert "65.536" in too_large.value.message_da
    assert "65,536" in too_large.value.message_en
    with pytest.raises(ImportRefused) as unknown_kind:
        ingest.client.upload(ingest.dst, "x.csv", fixture("portal_statistics.csv"), kind="BOERN99")
    assert unknown_kind.value.status == 422
    assert "kind" in unknown_kind.value.errors["multipart"]
    assert unknown_kind.value.message_da
    assert unknown_kind.value.message_en
    with pytest.raises(ImportRefused) as negative:
        ingest.client.upload(ingest.dst, "x.csv", b"a;b\n", confirm_closures=-1)
    assert "confirm_closures" in negative.value.errors["multipart"]
    assert ingest.client.list_imports(ingest.dst)["total"] == 0


def test_only_dst_and_admin_accounts_may_upload_or_read(ingest: Ingest) -> None:
    queued = ingest.client.upload(ingest.token("admin"), "s.csv", fixture("portal_statistics.csv"))
    for role in ("institution", "municipality"):
        token = ingest.token(role)
        for call in (
            lambda t=token: ingest.client.upload(t, "s.csv", b"a;b\n"),
            lambda t=token: ingest.client.get_import(t, queued["id"]),
            lambda t=token: ingest.client.list_imports(t),
        ):
            with pytest.raises(ImportNotAllowed) as refused:
                call()
            assert refused.value.status == 403
            assert not refused.value.must_log_in
    with pytest.raises(ImportNotAllowed) as expired:
        ingest.client.list_imports("not-a-token")
    assert expired.value.must_log_in


def test_an_unknown_import_is_not_found(ingest: Ingest) -> None:
    for import_id in (str(uuid.uuid4()), "no such id", ""):
        with pytest.raises(ImportNotFound) as missing:
            ingest.client.get_import(ingest.dst, import_id)
        assert missing.value.import_id == import_id


def test_the_history_lists_the_imports_newest_first_by_page(ingest: Ingest) -> None:
    ids = [
        ingest.client.upload(ingest.dst, f"{n}.csv", register(5 + n), dry_run=True)["id"]
        for n in range(3)
    ]
    for import_id in ids:
        ingest.finished(import_id)
    first = ingest.client.list_imports(ingest.dst, page=1, page_size=2)
    assert (first["total"], first["page"], first["page_size"], first["pages"]) == (3, 1, 2, 2)
    assert [item["id"] for item in first["items"]] == [ids[2], ids[1]]
    assert first["items"][0]["report"]["outcome"] == "dry_run"
    second = ingest.client.list_imports(ingest.dst, page=2, page_size=2)
    assert [item["id"] for item in second["items"]] == [ids[0]]
    assert ingest.client.list_imports(ingest.dst, page=3, page_size=2)["items"] == []


def test_nothing_listening_is_unavailable() -> None:
    client = HttpImportsGateway("http://127.0.0.1:1", timeout_s=0.5, upload_timeout_s=0.5)
    started = time.perf_counter()
    for call in (
        lambda: client.upload("t", "x.csv", b"a;b\n"),
        lambda: client.get_import("t", "some-id"),
        lambda: client.list_imports("t"),
    ):
        with pytest.raises(ImportsUnavailable):
            call()
    assert time.perf_counter() - started < 5
    client.close()


class NotIngest(BaseHTTPRequestHandler):
    """Answers as something other than ingest's API would."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, body, kind = {
            "/v1/imports": (200, b"<html>a proxy's page</html>", "text/html"),
            "/v1/imports/broken": (500, b'{"code": 500}', "application/json"),
            "/v1/imports/odd": (200, b'{"no": "id"}', "application/json"),
        }.get(self.path.split("?")[0], (503, b"", "text/plain"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def not_ingest() -> Iterator[HttpImportsGateway]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotIngest)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = HttpImportsGateway(
        f"http://127.0.0.1:{server.server_address[1]}", timeout_s=2, upload_timeout_s=2
    )
    yield client
    client.close()
    server.shutdown()
    thread.join(10)
    server.server_close()


def test_answers_that_are_not_ingests_api_are_unavailable(not_ingest: HttpImportsGateway) -> None:
    for call in (
        lambda: not_ingest.upload("t", "x.csv", b"a;b\n"),
        lambda: not_ingest.list_imports("t"),
        lambda: not_ingest.get_import("t", "broken"),
        lambda: not_ingest.get_import("t", "odd"),
    ):
        with pytest.raises(ImportsUnavailable):
            call()
