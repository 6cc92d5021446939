"""The profiles client against the real profiles app over HTTP (its own
database on PostgreSQL, access tokens from a test mint its verifier trusts),
and against a stub that answers garbage, errors or nothing in time: each way
profiles answers or fails becomes the one error the editing pages know how
to explain."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from dagkit.logging import correlation
from dagkit.migrations import upgrade
from dagkit.testing.clock import MovableClock
from dagkit.testing.tokens import TokenMint
from profiles.app import create_app
from profiles.bootstrap import build_context, context
from profiles.config import load_settings
from profiles.entrypoints.migrate import SERVICE_ROOT
from profiles.service_layer.handlers import apply_institution_events
from profiles.testing.builders import dagpleje_report, register_event, whole_profile
from web.adapters.profiles_client import HttpProfilesGateway
from web.service_layer.profiles_gateway import (
    EditRejected,
    NotAllowed,
    NotFound,
    ProfilesUnavailable,
    ReadOnly,
    StaleEdit,
)


@dataclass
class Profiles:
    client: HttpProfilesGateway
    mint: TokenMint
    today: date

    def token(self, role: str, **claims: Any) -> str:
        return self.mint.access_token(role=role, sub=str(uuid.uuid4()), **claims)

    @property
    def own(self) -> str:
        return self.token("institution", institution="G10433", municipality=101)

    @property
    def kommune(self) -> str:
        return self.token("municipality", municipality=101)


@pytest.fixture(scope="module")
def mint() -> TokenMint:
    return TokenMint()


@pytest.fixture
def profiles(
    pg_database: str, kafka_bootstrap: str, tmp_path: Path, mint: TokenMint
) -> Iterator[Profiles]:
    """A real profiles app over HTTP on a loopback port, with the register's
    G10433 and G20580 (København, 101), the closed C50000 and the dagpleje
    district D40000."""
    upgrade(SERVICE_ROOT, pg_database)
    settings = load_settings(
        {
            "DATABASE_URL": pg_database,
            "DATA_DIR": str(tmp_path),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "LOG_LEVEL": "WARNING",
        }
    )
    clock = MovableClock()
    app = create_app(settings, verifier=mint.verifier(), ctx=build_context(settings, clock=clock))
    with context(app).uow() as uow:
        apply_institution_events(
            uow,
            [
                register_event("G10433", municipality_code=101),
                register_event("G20580", municipality_code=101, kind="vuggestue"),
                register_event("C50000", municipality_code=101, closed=True),
                register_event("D40000", municipality_code=101, kind="dagpleje"),
            ],
        )
        uow.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = HttpProfilesGateway(f"http://127.0.0.1:{server.server_port}", timeout_s=5)
    try:
        yield Profiles(client, mint, clock().date())
    finally:
        client.close()
        server.shutdown()
        thread.join(10)
        server.server_close()
        context(app).close()


DESCRIPTION = {"description": "Vi er en lille institution tæt på skoven."}


def test_a_profile_is_read_with_its_etag(profiles: Profiles) -> None:
    document, etag = profiles.client.profile("G10433")
    assert etag == '"0"'
    assert document["institution_number"] == "G10433"
    assert document["version"] == 0
    assert document["read_only"] is False


def test_an_edit_gives_the_new_version_and_its_etag(profiles: Profiles) -> None:
    _, etag = profiles.client.profile("G10433")
    document, etag = profiles.client.edit_profile(
        profiles.own, "G10433", whole_profile(profiles.today), etag, whole=True
    )
    assert etag == '"1"'
    assert document["version"] == 1
    document, etag = profiles.client.edit_profile(
        profiles.kommune, "G10433", DESCRIPTION, etag, whole=False
    )
    assert etag == '"2"'
    assert document["description"] == DESCRIPTION["description"]
    assert document["meal_scheme"]["organic_share_pct"] == 60  # the rest kept
    assert profiles.client.profile("G10433") == (document, etag)


def test_a_stale_edit_is_refused_with_the_current_etag(profiles: Profiles) -> None:
    _, read = profiles.client.profile("G10433")
    _, current = profiles.client.edit_profile(profiles.own, "G10433", DESCRIPTION, read, False)
    with pytest.raises(StaleEdit) as stale:
        profiles.client.edit_profile(
            profiles.kommune, "G10433", {"accessibility": "Elevator."}, read, whole=False
        )
    assert stale.value.current_etag == current == '"1"'
    assert profiles.client.profile("G10433")[0]["accessibility"] is None  # nothing changed


def test_an_invalid_edit_is_explained_per_field_in_english_and_danish(
    profiles: Profiles,
) -> None:
    hours = [{"weekday": 0, "opens": "07:00", "closes": "24:00"}]
    with pytest.raises(EditRejected) as rejected:
        profiles.client.edit_profile(
            profiles.own, "G10433", {"opening_hours": hours}, '"0"', whole=False
        )
    assert rejected.value.errors["opening_hours"]["0"]["closes"] == [
        {
            "en": "Use the time form HH:MM, from 00:00 to 23:59.",
            "da": "Skriv tiden som TT:MM, fra 00:00 til 23:59.",
        }
    ]
    assert profiles.client.profile("G10433")[1] == '"0"'


def test_who_may_not_edit_is_not_allowed(profiles: Profiles) -> None:
    other = profiles.token("institution", institution="G20580", municipality=101)
    elsewhere = profiles.token("municipality", municipality=147)
    for token in (other, elsewhere, profiles.token("dst")):
        with pytest.raises(NotAllowed) as refused:
            profiles.client.edit_profile(token, "G10433", DESCRIPTION, '"0"', whole=False)
        assert refused.value.status == 403
        assert not refused.value.must_log_in
    expired = profiles.mint.access_token(role="admin", sub=str(uuid.uuid4()), expires_in=-120)
    for token in (expired, "not-a-token"):
        with pytest.raises(NotAllowed) as unknown:
            profiles.client.edit_profile(token, "G10433", DESCRIPTION, '"0"', whole=False)
        assert unknown.value.must_log_in
    with pytest.raises(NotAllowed):
        profiles.client.history(other, "G10433")


def test_an_unknown_institution_is_not_found(profiles: Profiles) -> None:
    with pytest.raises(NotFound):
        profiles.client.profile("NOPE00")
    admin = profiles.token("admin")
    with pytest.raises(NotFound):
        profiles.client.edit_profile(admin, "NOPE00", DESCRIPTION, '"0"', whole=False)
    with pytest.raises(NotFound):
        profiles.client.dagpleje_districts(999)


def test_a_closed_institution_is_read_only(profiles: Profiles) -> None:
    document, etag = profiles.client.profile("C50000")
    assert document["read_only"] is True
    with pytest.raises(ReadOnly):
        profiles.client.edit_profile(profiles.kommune, "C50000", DESCRIPTION, etag, whole=False)


def test_history_newest_first_with_paging(profiles: Profiles) -> None:
    etag = '"0"'
    for text in ("Først.", "Så.", "Til sidst."):
        _, etag = profiles.client.edit_profile(
            profiles.own, "G10433", {"description": text}, etag, whole=False
        )
    page = profiles.client.history(profiles.own, "G10433", limit=2)
    assert [change["version"] for change in page["changes"]] == [3, 2]
    rest = profiles.client.history(profiles.kommune, "G10433", limit=2, before=page["next_before"])
    assert [change["version"] for change in rest["changes"]] == [1]


def test_a_municipality_reports_for_its_dagpleje_district(profiles: Profiles) -> None:
    listed = profiles.client.dagpleje_districts(101)
    assert [d["institution_number"] for d in listed["districts"]] == ["D40000"]
    _, etag = profiles.client.dagpleje_district(101, "D40000")
    document, etag = profiles.client.report_dagpleje(
        profiles.kommune, 101, "D40000", dagpleje_report(), etag, whole=True
    )
    assert etag == '"1"'
    assert document["dagpleje"]["childminder_count"] == 12
    with pytest.raises(StaleEdit):
        profiles.client.report_dagpleje(
            profiles.kommune, 101, "D40000", dagpleje_report(), '"0"', whole=False
        )
    with pytest.raises(NotAllowed):
        profiles.client.report_dagpleje(
            profiles.own, 101, "D40000", dagpleje_report(), etag, whole=False
        )


def test_completeness_for_the_municipality_only(profiles: Profiles) -> None:
    overview = profiles.client.completeness(profiles.kommune, 101)
    numbers = {item["institution_number"] for item in overview["institutions"]}
    assert {"G10433", "G20580"} <= numbers
    assert "C50000" not in numbers
    with pytest.raises(NotAllowed):
        profiles.client.completeness(profiles.token("municipality", municipality=147), 101)


def test_profiles_down_is_unavailable() -> None:
    client = HttpProfilesGateway("http://127.0.0.1:1", timeout_s=0.5)
    with pytest.raises(ProfilesUnavailable):
        client.profile("G10433")
    with pytest.raises(ProfilesUnavailable):
        client.edit_profile("token", "G10433", DESCRIPTION, '"0"', whole=False)
    client.close()


# --- a stub that answers what profiles never should -------------------------------------

STUB: dict[str, tuple[int, object, float, dict[str, str]]] = {
    "/v1/institutions/G10433/profile": (200, {"version": 4}, 0, {"ETag": '"4"'}),
    "/v1/institutions/NOETAG/profile": (200, {"version": 4}, 0, {}),
    "/v1/institutions/GARBGE/profile": (200, "not an object", 0, {"ETag": '"1"'}),
    "/v1/institutions/ERROR5/profile": (500, {"code": 500}, 0, {}),
    "/v1/institutions/BUSY00/profile": (503, {"code": 503}, 0, {"Retry-After": "5"}),
    "/v1/institutions/SLOW00/profile": (200, {"version": 1}, 3.0, {"ETag": '"1"'}),
    "/v1/institutions/HTML00/profile": (422, "<html>", 0, {}),
}


class _Stub(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []  # noqa: RUF012 - the requests' headers, shared on purpose

    def _answer(self) -> None:
        self.seen.append({"method": self.command, **dict(self.headers)})
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, body, delay, headers = STUB.get(self.path.split("?")[0], (404, {}, 0, {}))
        time.sleep(delay)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)

    def do_GET(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def stub() -> Iterator[HttpProfilesGateway]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = HttpProfilesGateway(f"http://127.0.0.1:{server.server_address[1]}", timeout_s=0.5)
    yield client
    client.close()
    server.shutdown()
    server.server_close()


def test_an_edit_sends_its_token_version_correlation_and_json(
    stub: HttpProfilesGateway,
) -> None:
    _Stub.seen.clear()
    with correlation("c-edit-7"):
        assert stub.edit_profile("tok", "G10433", DESCRIPTION, '"4"', whole=True)[1] == '"4"'
        stub.edit_profile("tok", "G10433", DESCRIPTION, '"4"', whole=False)
    put, patch = _Stub.seen
    assert (put["method"], patch["method"]) == ("PUT", "PATCH")
    for sent in (put, patch):
        assert sent["Authorization"] == "Bearer tok"
        assert sent["If-Match"] == '"4"'
        assert sent["X-Correlation-ID"] == "c-edit-7"
        assert sent["Content-Type"] == "application/json"
    _Stub.seen.clear()
    stub.profile("G10433")
    assert "Authorization" not in _Stub.seen[0]
    assert "If-Match" not in _Stub.seen[0]


def test_server_errors_and_garbage_are_unavailable(stub: HttpProfilesGateway) -> None:
    for number in ("GARBGE", "ERROR5", "BUSY00", "NOETAG", "HTML00"):
        with pytest.raises(ProfilesUnavailable):
            stub.profile(number)


def test_a_slow_profiles_is_given_up_on_at_the_timeout(stub: HttpProfilesGateway) -> None:
    started = time.perf_counter()
    with pytest.raises(ProfilesUnavailable):
        stub.profile("SLOW00")
    with pytest.raises(ProfilesUnavailable):
        stub.edit_profile("tok", "SLOW00", DESCRIPTION, '"1"', whole=False)
    assert time.perf_counter() - started < 3


def test_an_edit_without_a_version_is_not_sent(stub: HttpProfilesGateway) -> None:
    _Stub.seen.clear()
    with pytest.raises(ValueError, match="ETag"):
        stub.edit_profile("tok", "G10433", DESCRIPTION, "", whole=False)
    assert _Stub.seen == []
