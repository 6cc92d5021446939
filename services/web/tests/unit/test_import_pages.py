"""Danmarks Statistik's and the admins' pages on the fakes: a dry run first,
then the same file run, its progress and report; the history; who may see
what; CSRF on every form; ingest or auth away; the admins' users page."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from web.adapters.upload_store import MemoryUploadStore
from web.api import imports_pages
from web.service_layer.accounts_gateway import AuthUnavailable
from web.testing.fakes import FakeAccountsGateway, FakeImportsGateway, RecordingPageCache
from web.testing.sessions import csrf_token, log_in

from .conftest import page_text

IMPORTS = "/selvbetjening/indlaesninger"
DRY_RUN = IMPORTS + "/proevekoersel"
RUN = IMPORTS + "/koer"
USERS = "/selvbetjening/brugere"

# Twenty Aarhus institutions and two in København, as the current register.
AARHUS = [(f"G2{i:04d}", f"Institution {i}", 751) for i in range(20)]
KBH = [("G10433", "Enghusene", 101), ("G10434", "Solsikken", 101)]


def register_file(rows: list[tuple[str, str, int]]) -> bytes:
    lines = ["id,navn,kommunekode"] + [f"{n},{name},{code}" for n, name, code in rows]
    return ("\n".join(lines) + "\n").encode()


STATISTICS = (
    "kommunekode;kommune;aar;normering_0_2;normering_3_5\n"
    "101;København;2023;2,8;5,8\n"
    "751;Aarhus;2023;3.0;5.9\n"
).encode()


@pytest.fixture
def imports(accounts: FakeAccountsGateway) -> FakeImportsGateway:
    """ingest in memory, reading the tokens the fake auth of the app issues."""
    fake = FakeImportsGateway(accounts)
    fake.register = {n: {"name": name, "municipality_code": c} for n, name, c in AARHUS + KBH}
    return fake


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports_pages, "DRY_RUN_POLL_S", 0.0)


def signed_in(client: FlaskClient, username: str = "dst", language: str = "") -> FlaskClient:
    log_in(client, username, language=language)
    return client


def dry_run(
    client: FlaskClient,
    content: bytes,
    filename: str = "register.csv",
    kind: str = "",
    language: str = "",
):  # type: ignore[no-untyped-def]
    form = client.get(f"{language}{IMPORTS}")
    return client.post(
        f"{language}{DRY_RUN}",
        data={
            "csrf_token": csrf_token(form.text),
            "kind": kind,
            "file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no hidden {name}"
    return unescape(found.group(1))


def run(client: FlaskClient, page: str, confirm: str = "", language: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        f"{language}{RUN}",
        data={
            "csrf_token": csrf_token(page),
            "fil": hidden(page, "fil"),
            "proevekoersel": hidden(page, "proevekoersel"),
            "confirm_closures": confirm,
        },
    )


def real_runs(imports: FakeImportsGateway) -> list[dict]:
    return [r for r in imports.imports.values() if not r["dry_run"]]


def row_of(html: str, row_id: str) -> list[str]:
    start = html.index(f'id="{row_id}"')
    row = html[start : html.index("</tr>", start)]
    return [page_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


# ------------------------------------------------------------------ the dry run
def test_a_dry_run_shows_what_the_file_changes_per_municipality(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client)
    # Aarhus loses one, one is renamed, Odense gets a new one.
    rows = [*AARHUS[1:], *KBH, ("G46100", "Ny Børnehave", 461)]
    rows[0] = (rows[0][0], "Nyt navn", 751)
    page = dry_run(client, register_file(rows))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page_text(page.text)
    assert "Prøvekørsel af register.csv" in text
    assert "Prøvekørsel: filen er gyldig." in text
    # Added, changed, closed: ingest's own count per municipality.
    assert row_of(page.text, "municipality-751") == ["Aarhus", "0", "1", "1"]
    assert row_of(page.text, "municipality-461") == ["Odense", "1", "0", "0"]
    assert row_of(page.text, "municipality-total") == ["Hele landet", "1", "1", "1"]
    assert "G20000 Institution 0" in text  # which one closes
    assert "G46100 Ny Børnehave" in text
    # Only a dry run was sent, and the file waits for its real run.
    assert [r["dry_run"] for r in imports.imports.values()] == [True]
    assert 'id="run-form"' in page.text
    assert 'name="confirm_closures"' not in page.text
    assert len(uploads.uploads) == 1
    assert imports.register["G20000"]["name"] == "Institution 0"  # nothing changed


def test_a_statistics_dry_run_names_the_municipality_years_and_indicators(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client)
    page = dry_run(client, STATISTICS, "tal.csv")
    text = page_text(page.text)
    assert "4 tal ændres eller tilføjes i 2 kommuner" in text
    table = page.text[page.text.index('id="statistics-changes"') :]
    assert "København" in table
    assert "2023" in table
    assert "Normering 0-2 år" in table
    assert "2,8" in table
    assert "5,9" in table
    english = dry_run(client, STATISTICS, "tal.csv", language="/en")
    assert "Childcare ratio 0-2" in page_text(english.text) or "0-2" in english.text


@pytest.mark.parametrize(
    ("language", "reason", "fix"),
    [
        ("", "Kommunekoden «999» findes ikke", "Ret fejlene ovenfor i filen"),
        ("/en", "There is no municipality with code “999”", "Correct the errors above"),
    ],
)
def test_a_rejected_file_lists_its_problems_and_cannot_be_run(
    client: FlaskClient,
    imports: FakeImportsGateway,
    uploads: MemoryUploadStore,
    language: str,
    reason: str,
    fix: str,
) -> None:
    signed_in(client, language=language)
    page = dry_run(client, register_file([("G99999", "Et sted", 999)]), language=language)
    assert page.status_code == 200
    text = page_text(page.text)
    problems = page_text(page.text[page.text.index('id="import-problems"') :])
    assert "2" in problems
    assert "kommunekode" in problems
    assert "999" in problems
    assert reason in text
    assert fix in text
    assert 'id="run-form"' not in page.text
    assert 'name="fil"' not in page.text
    assert uploads.uploads == {}  # a file that cannot run is not kept


# ------------------------------------------------------------------ mass closures
def test_a_mass_closure_must_be_confirmed_with_the_typed_number(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client)
    cut_short = register_file(AARHUS[:10] + KBH)  # closes 10 of 22
    page = dry_run(client, cut_short)
    text = page_text(page.text)
    assert "Lukningerne skal bekræftes" in text
    assert re.search(r"Filen lukker 10 af 22 aktive institutioner \(45,[45] %\)", text)
    assert "Over 5,0 % skal lukningerne bekræftes" in text
    assert 'name="confirm_closures"' in page.text
    assert "Skriv tallet 10 for at bekræfte" in text

    # Without the number nothing is sent, and the page asks for it.
    missing = run(client, page.text)
    assert missing.status_code == 400
    assert 'href="#field-confirm_closures"' in missing.text
    assert 'aria-invalid="true"' in missing.text
    assert real_runs(imports) == []

    # A wrong number: ingest refuses the run and the page says why.
    wrong = run(client, missing.text, confirm="9")
    assert wrong.status_code == 303
    imports.finish_all()
    refused = client.get(wrong.headers["Location"])
    refused_text = page_text(refused.text)
    assert "Afvist" in refused_text
    assert "confirm_closures=9 passer ikke: filen lukker 10 institutioner" in refused_text
    assert "Lukningerne blev ikke bekræftet" in refused_text
    assert len(imports.register) == 22

    # The right number, after a new dry run, closes them.
    again = dry_run(client, cut_short)
    right = run(client, again.text, confirm="10")
    assert right.status_code == 303
    imports.finish_all()
    done = client.get(right.headers["Location"])
    assert "Filen er indlæst som version register:1." in page_text(done.text)
    assert len(imports.register) == 12


def test_the_typed_number_must_be_a_whole_number(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client, language="/en")
    page = dry_run(client, register_file(AARHUS[:10] + KBH), language="/en")
    answer = run(client, page.text, confirm="ti", language="/en")
    assert answer.status_code == 400
    assert "Write the number as a whole number" in page_text(answer.text)
    assert 'value="ti"' in answer.text
    assert real_runs(imports) == []


# ------------------------------------------------------------------ running and progress
def test_running_the_checked_file_follows_it_to_its_report(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    imports.register = {}
    many = [(f"G{i:05d}", f"Institution {i}", 751) for i in range(2468)]
    signed_in(client)
    page = dry_run(client, register_file(many), "stort.csv")
    answer = run(client, page.text)
    assert answer.status_code == 303
    location = answer.headers["Location"]
    run_id = real_runs(imports)[0]["id"]
    assert location.endswith(f"{IMPORTS}/{run_id}")
    assert uploads.uploads == {}  # run once

    running = client.get(location)
    assert running.status_code == 200
    assert running.headers["Cache-Control"] == "no-store"
    assert (
        '<progress class="import-progress" id="import-progress" max="2468" value="1234"'
        in running.text
    )
    assert "1.234 af 2.468 rækker" in page_text(running.text)
    assert 'role="status" aria-live="polite"' in running.text
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in running.text
    assert "js/import-progress.js" in running.text
    assert f'data-status-url="{IMPORTS}/{run_id}/status"' in running.text
    assert "<script>" not in running.text
    assert " style=" not in running.text

    done = client.get(location)
    text = page_text(done.text)
    assert "Indlæst" in text
    assert "2.468 af 2.468 rækker" in text
    assert 'http-equiv="refresh"' not in done.text
    assert row_of(done.text, "municipality-total") == ["Hele landet", "2.468", "0", "0"]
    assert len(imports.register) == 2468
    assert 'href="/selvbetjening/indlaesninger"' in done.text  # back to the history


def test_the_status_endpoint_says_how_far_an_import_has_come(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client)
    page = dry_run(client, register_file(AARHUS + KBH))
    location = run(client, page.text).headers["Location"]
    first = client.get(location + "/status")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    assert first.mimetype == "application/json"
    assert first.json == {"status": "running", "rows_done": 11, "rows_total": 22, "done": False}
    second = client.get(location + "/status")
    assert second.json == {"status": "accepted", "rows_done": 22, "rows_total": 22, "done": True}
    assert client.get(IMPORTS + "/no-such-import/status").status_code == 404
    signed_out = FlaskClient(client.application)
    assert signed_out.get(location + "/status").status_code == 302


def test_an_unfinished_dry_run_is_followed_on_its_own_page(
    client: FlaskClient,
    imports: FakeImportsGateway,
    uploads: MemoryUploadStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(imports_pages, "DRY_RUN_WAIT_S", 0.0)
    imports.steps = 3
    signed_in(client)
    answer = dry_run(client, register_file(AARHUS + KBH))
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert location.startswith(IMPORTS + "/")
    assert "fil=" in location
    running = client.get(location)
    assert 'http-equiv="refresh"' in running.text
    assert 'id="run-form"' not in running.text
    checked = client.get(location)
    assert "Kontrolleret" in page_text(checked.text)
    assert 'http-equiv="refresh"' not in checked.text
    assert run(client, checked.text).status_code == 303
    assert len(real_runs(imports)) == 1


# ------------------------------------------------------------------ the upload id's owner
def test_an_upload_id_serves_only_its_own_account(
    app: Flask,
    client: FlaskClient,
    accounts: FakeAccountsGateway,
    imports: FakeImportsGateway,
    uploads: MemoryUploadStore,
) -> None:
    accounts.add("dst2", role="dst")
    signed_in(client)
    page = dry_run(client, register_file(AARHUS + KBH))
    other = signed_in(app.test_client(), "dst2")
    form = other.get(IMPORTS)
    stolen = other.post(
        RUN,
        data={
            "csrf_token": csrf_token(form.text),
            "fil": hidden(page.text, "fil"),
            "proevekoersel": hidden(page.text, "proevekoersel"),
        },
    )
    assert stolen.status_code == 404
    assert real_runs(imports) == []
    # A made-up id runs nothing either; the owner's still does.
    made_up = other.post(
        RUN,
        data={"csrf_token": csrf_token(form.text), "fil": "x" * 43, "proevekoersel": "y"},
    )
    assert made_up.status_code == 404
    assert run(client, page.text).status_code == 303
    assert len(real_runs(imports)) == 1


def test_an_expired_upload_runs_nothing(
    client: FlaskClient,
    imports: FakeImportsGateway,
    uploads: MemoryUploadStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr(uploads, "_clock", lambda: now[0])
    signed_in(client)
    page = dry_run(client, register_file(AARHUS + KBH))
    now[0] += 31 * 60
    assert run(client, page.text).status_code == 404
    assert real_runs(imports) == []


# ------------------------------------------------------------------ CSRF
def test_every_form_without_its_csrf_token_is_refused(
    client: FlaskClient,
    accounts: FakeAccountsGateway,
    imports: FakeImportsGateway,
    uploads: MemoryUploadStore,
) -> None:
    signed_in(client, "admin")
    page = dry_run(client, register_file(AARHUS + KBH))
    uploaded = len(imports.imports)
    upload = client.post(
        DRY_RUN,
        data={"file": (io.BytesIO(register_file(KBH)), "a.csv")},
        content_type="multipart/form-data",
    )
    forged_run = client.post(
        RUN,
        data={
            "csrf_token": "forged",
            "fil": hidden(page.text, "fil"),
            "proevekoersel": hidden(page.text, "proevekoersel"),
        },
    )
    user = client.post(USERS, data={"role": "dst", "username": "ny.bruger"})
    for answer in (upload, forged_run, user):
        assert answer.status_code == 400
        assert "Formularen er udløbet" in page_text(answer.text)
    assert len(imports.imports) == uploaded
    assert [c for c in imports.calls if c[0] == "upload"] == [("upload", "register.csv")]
    assert not any(action == "create_user" for action, _ in accounts.calls)


# ------------------------------------------------------------------ who may see what
PAGES = (IMPORTS, USERS)


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("G20580", {IMPORTS: 403, USERS: 403}),
        ("kommune751", {IMPORTS: 403, USERS: 403}),
        ("dst", {IMPORTS: 200, USERS: 403}),
        ("admin", {IMPORTS: 200, USERS: 200}),
    ],
)
def test_each_role_sees_only_its_pages(
    client: FlaskClient,
    imports: FakeImportsGateway,
    uploads: MemoryUploadStore,
    username: str,
    expected: dict[str, int],
) -> None:
    signed_in(client, username)
    for path, status in expected.items():
        assert client.get(path).status_code == status, path
        assert client.get("/en" + path).status_code == status, path
    someone = next(iter(imports.imports), None)
    assert someone is None
    # The pages of one import are as closed as the form.
    upload_status = 200 if expected[IMPORTS] == 200 else 403
    assert client.get(IMPORTS + "/unknown").status_code == (404 if upload_status == 200 else 403)
    assert client.post(DRY_RUN, data={}).status_code in (400, 403)


@pytest.mark.parametrize("path", [IMPORTS, USERS, IMPORTS + "/abc", IMPORTS + "/abc/status"])
def test_signed_out_goes_to_the_login_page(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/log-ind?next=")


# ------------------------------------------------------------------ the form and the history
def test_the_upload_form_and_the_history(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client)
    empty = client.get(IMPORTS)
    assert "Der er ingen indlæsninger endnu." in page_text(empty.text)
    assert '<label class="form-label" for="field-file">' in empty.text
    assert 'enctype="multipart/form-data"' in empty.text
    assert 'aria-describedby="hint-file"' in empty.text
    assert "CSV eller XLSX" in page_text(empty.text)
    assert '<option value="BOERN8">' in empty.text
    dry_run(client, register_file([("G99999", "Et sted", 999)]), "forkert.csv")
    dry_run(client, STATISTICS, "tal.csv")
    page = client.get(IMPORTS)
    rows = page.text[page.text.index('id="import-history"') :]
    assert rows.index("tal.csv") < rows.index("forkert.csv")  # newest first
    text = page_text(rows)
    assert "Kontrolleret" in text
    assert "Afvist" in text
    assert "Prøvekørsel" in text
    first = next(iter(imports.imports))
    assert f'href="{IMPORTS}/{first}"' in page.text
    english = page_text(client.get("/en" + IMPORTS).text)
    assert "Rejected" in english
    assert "Checked" in english


def test_the_history_is_paged(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client)
    for i in range(imports_pages.HISTORY_PAGE_SIZE + 1):
        imports.upload(next(iter(imports.accounts.access)), f"fil{i}.csv", STATISTICS, dry_run=True)
    first = client.get(IMPORTS)
    assert 'id="history-next"' in first.text
    assert 'id="history-previous"' not in first.text
    second = client.get(IMPORTS + "?side=2")
    assert "fil0.csv" in second.text
    assert "fil20.csv" not in second.text
    assert client.get(IMPORTS + "?side=x").status_code == 200


def test_a_form_without_a_file_or_with_an_unknown_kind_says_so(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client)
    form = client.get(IMPORTS)
    answer = client.post(DRY_RUN, data={"csrf_token": csrf_token(form.text), "kind": "nonsense"})
    assert answer.status_code == 400
    text = page_text(answer.text)
    assert "Vælg den fil, der skal indlæses." in text
    assert "Vælg en af filtyperne på listen." in text
    assert 'href="#field-file"' in answer.text
    assert 'href="#field-kind"' in answer.text
    assert imports.calls == [c for c in imports.calls if c[0] == "list_imports"]


def test_a_file_larger_than_ingest_takes_is_refused_before_it_is_sent(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    uploads.max_bytes = 400 * 1024
    signed_in(client)
    answer = dry_run(client, b"x" * (400 * 1024 + 1), kind="BOERN8")
    assert answer.status_code == 400
    assert "Filen er større end 0,4 MB" in page_text(answer.text)
    assert not any(action == "upload" for action, _ in imports.calls)
    assert '<option value="BOERN8" selected>' in answer.text


def test_ingest_down_keeps_the_chosen_kind_and_says_so(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client)
    form = client.get(IMPORTS)
    imports.down = True
    answer = client.post(
        DRY_RUN,
        data={
            "csrf_token": csrf_token(form.text),
            "kind": "BOERN8",
            "file": (io.BytesIO(STATISTICS), "boern8.csv"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert '<option value="BOERN8" selected>' in answer.text
    assert "Indlæsningen svarer ikke lige nu" in page_text(answer.text)
    assert uploads.uploads == {}


def test_ingest_down_at_the_run_keeps_the_file_and_the_number(
    client: FlaskClient, imports: FakeImportsGateway, uploads: MemoryUploadStore
) -> None:
    signed_in(client)
    page = dry_run(client, register_file(AARHUS[:10] + KBH))
    imports.down = True
    answer = run(client, page.text, confirm="10")
    assert answer.status_code == 503
    assert 'value="10"' in answer.text
    assert "Indlæsningen svarer ikke lige nu" in page_text(answer.text)
    imports.down = False
    assert run(client, answer.text, confirm="10").status_code == 303


# ------------------------------------------------------------------ users
def test_an_admin_creates_a_municipality_user_and_sees_the_password_once(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    signed_in(client, "admin")
    form = client.get(USERS)
    assert form.status_code == 200
    assert '<option value="751">Aarhus</option>' in form.text
    assert 'id="field-role"' in form.text
    assert "<legend" in form.text
    answer = client.post(
        USERS,
        data={
            "csrf_token": csrf_token(form.text),
            "role": "municipality",
            "username": "aarhus.pladsanvisning",
            "display_name": "Pladsanvisningen",
            "municipality_code": "751",
        },
    )
    assert answer.status_code == 201
    assert answer.headers["Cache-Control"] == "no-store"
    password = re.search(r'class="secret" id="one-time-password">([^<]+)<', answer.text)
    assert password is not None
    assert accounts.accounts["aarhus.pladsanvisning"]["password"] == password.group(1)
    assert "Bruger oprettet" in page_text(answer.text)  # the audit below
    again = client.get(USERS)
    assert password.group(1) not in again.text


@pytest.mark.parametrize(
    ("language", "taken", "institution_like"),
    [
        ("", "Brugernavnet er optaget.", "Et brugernavn er 3-100 bogstaver"),
        ("/en", "The username is taken.", "A username is 3-100 letters"),
    ],
)
def test_refusals_from_auth_are_shown_by_their_field(
    client: FlaskClient, language: str, taken: str, institution_like: str
) -> None:
    signed_in(client, "admin", language=language)
    form = client.get(f"{language}{USERS}")
    answer = client.post(
        f"{language}{USERS}",
        data={"csrf_token": csrf_token(form.text), "role": "dst", "username": "kommune751"},
    )
    assert answer.status_code == 409
    assert taken in page_text(answer.text)
    assert 'href="#field-username"' in answer.text
    assert 'value="kommune751"' in answer.text
    refused = client.post(
        f"{language}{USERS}",
        data={"csrf_token": csrf_token(form.text), "role": "dst", "username": "ABC123"},
    )
    assert refused.status_code == 422
    assert institution_like in page_text(refused.text)


def test_the_users_form_names_what_is_missing(client: FlaskClient) -> None:
    signed_in(client, "admin")
    form = client.get(USERS)
    answer = client.post(
        USERS,
        data={"csrf_token": csrf_token(form.text), "role": "municipality", "username": ""},
    )
    assert answer.status_code == 400
    text = page_text(answer.text)
    assert "Skriv et brugernavn." in text
    assert "Vælg brugerens kommune." in text
    assert 'href="#field-municipality_code"' in answer.text


def test_auth_down_keeps_what_was_typed(
    client: FlaskClient, accounts: FakeAccountsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(client, "admin")
    form = client.get(USERS)

    def away(*args: object, **kwargs: object) -> None:
        raise AuthUnavailable("create_user")

    # auth answers the session's own check, then is away for the form.
    monkeypatch.setattr(accounts, "create_user", away)
    monkeypatch.setattr(accounts, "audit", away)
    answer = client.post(
        USERS,
        data={
            "csrf_token": csrf_token(form.text),
            "role": "municipality",
            "username": "odense.dagtilbud",
            "display_name": "Dagtilbud Odense",
            "municipality_code": "461",
        },
    )
    assert answer.status_code == 503
    assert 'value="odense.dagtilbud"' in answer.text
    assert 'value="Dagtilbud Odense"' in answer.text
    assert '<option value="461" selected>' in answer.text
    assert "login-tjenesten ikke svarer" in page_text(answer.text)
    assert "Loggen kan ikke vises lige nu." in page_text(answer.text)


def test_a_finished_statistics_import_drops_the_municipality_pages_from_the_cache(
    client: FlaskClient,
    imports: FakeImportsGateway,
    uploads: MemoryUploadStore,
    page_cache: RecordingPageCache,
) -> None:
    forgotten = page_cache.forgotten
    imports.created_at = datetime.now(UTC).isoformat()  # finished just now
    signed_in(client)
    page = dry_run(client, STATISTICS, "tal.csv")
    assert forgotten == []  # a dry run changes no page
    location = run(client, page.text).headers["Location"]
    client.get(location + "/status")
    assert forgotten == []  # still running
    client.get(location + "/status")
    assert sorted(forgotten) == ["/kommune/101", "/kommune/751", "/kommuner"]


def test_an_old_import_leaves_the_cache_alone(
    client: FlaskClient,
    imports: FakeImportsGateway,
    uploads: MemoryUploadStore,
    page_cache: RecordingPageCache,
) -> None:
    forgotten = page_cache.forgotten
    imports.steps = 0
    signed_in(client)
    page = dry_run(client, STATISTICS, "tal.csv")
    client.get(run(client, page.text).headers["Location"])
    assert forgotten == []  # finished on the fake's day, long ago
