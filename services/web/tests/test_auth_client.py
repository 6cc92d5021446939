"""The auth client against the real auth app over HTTP (its own database on
PostgreSQL, its throttle on Redis): each way auth answers or fails becomes
the one error the login, letters and users pages know how to explain."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from flask import Flask
from sqlalchemy import delete, update
from werkzeug.serving import BaseWSGIServer, make_server

from auth.adapters.orm import accounts
from auth.adapters.password_hashing import PasswordHasher
from auth.app import create_app
from auth.bootstrap import build_context, context
from auth.config import load_settings
from auth.domain.accounts import AccountStatus, Role
from auth.entrypoints.migrate import SERVICE_ROOT
from auth.testing.doubles import make_account
from dagkit.db import make_engine
from dagkit.logging import correlation
from dagkit.migrations import upgrade
from web.adapters.auth_client import HttpAccountsGateway
from web.service_layer.accounts_gateway import (
    AccountNotAllowed,
    AccountRefused,
    AuthUnavailable,
    LettersRefused,
    LoginRefused,
    LoginThrottled,
    PasswordRefused,
    SessionEnded,
    Tokens,
    UnknownMunicipality,
    UsernameTaken,
)

PASSWORD = "hestene spiser hø om vinteren"
NEW_PASSWORD = "sommerfugle over engen ved åen"
WRONG = "a wrong password here"

Serve = Callable[..., str]

# Besides G18062 (København, 101): the accounts the letters and users tests
# act as and on, all with PASSWORD. G18064 has closed (its account disabled).
OTHER_ACCOUNTS: tuple[dict[str, Any], ...] = (
    {"username": "G18063", "municipality_code": 101, "display_name": "Solsikken"},
    {"username": "G18064", "municipality_code": 101, "status": AccountStatus.DISABLED},
    {"username": "F14700", "municipality_code": 147, "display_name": "Mælkebøtten"},
    {"username": "kbh.dagtilbud", "role": Role.MUNICIPALITY, "municipality_code": 101},
    {"username": "admin.portal", "role": Role.ADMIN},
    {"username": "dst.analyse", "role": Role.DST},
)


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher()


@pytest.fixture
def serve_auth(
    pg_database: str,
    redis_client: redis.Redis,
    redis_url: str,
    kafka_bootstrap: str,
    tmp_path: Path,
    hasher: PasswordHasher,
) -> Iterator[Serve]:
    """Serves a real auth app (settings from ``environ``) with the account
    G18062 and ``OTHER_ACCOUNTS`` over HTTP on a loopback port; returns its
    base URL."""
    upgrade(SERVICE_ROOT, pg_database)
    started: list[tuple[Flask, BaseWSGIServer, threading.Thread]] = []

    def serve(**environ: str) -> str:
        settings = load_settings(
            {
                "DATABASE_URL": pg_database,
                "DATA_DIR": str(tmp_path),
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "REDIS_URL": redis_url,
                "LOG_LEVEL": "WARNING",
                **environ,
            }
        )
        app = create_app(settings, ctx=build_context(settings, hasher=hasher))
        ctx = context(app)
        with ctx.uow() as uow:
            uow.accounts.add(make_account(password=PASSWORD, hasher=hasher, now=ctx.clock()))
            for fields in OTHER_ACCOUNTS:
                uow.accounts.add(
                    make_account(password=PASSWORD, hasher=hasher, now=ctx.clock(), **fields)
                )
            uow.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started.append((app, server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for app, server, thread in started:
        server.shutdown()
        thread.join(10)
        server.server_close()
        context(app).close()


@pytest.fixture
def auth_url(serve_auth: Serve) -> str:
    return serve_auth()


@pytest.fixture
def auth(auth_url: str) -> Iterator[HttpAccountsGateway]:
    client = HttpAccountsGateway(auth_url, timeout_s=5)
    yield client
    client.close()


def me(auth_url: str, tokens: Tokens) -> int:
    """What auth itself says of the access token."""
    answer = requests.get(
        auth_url + "/v1/me", headers={"Authorization": f"Bearer {tokens.access_token}"}, timeout=5
    )
    return answer.status_code


def test_a_login_gives_tokens_the_account_can_use(auth: HttpAccountsGateway, auth_url: str) -> None:
    tokens = auth.login("G18062", PASSWORD)
    assert tokens.expires_in_s == 900
    assert tokens.access_token.count(".") == 2  # a JWT
    assert tokens.refresh_token
    assert tokens.access_token not in repr(tokens)
    assert me(auth_url, tokens) == 200


def test_a_wrong_password_and_an_unknown_username_are_refused_alike(
    auth: HttpAccountsGateway,
) -> None:
    with pytest.raises(LoginRefused) as wrong_password:
        auth.login("G18062", WRONG)
    with pytest.raises(LoginRefused) as unknown:
        auth.login("G99999", PASSWORD)
    with pytest.raises(LoginRefused):
        auth.login("", "")  # refused by auth's schema: no different to the page
    assert str(wrong_password.value) == str(unknown.value)


def test_a_throttled_login_says_how_long_to_wait(serve_auth: Serve) -> None:
    client = HttpAccountsGateway(serve_auth(LOGIN_FREE_FAILURES="1"), timeout_s=5)
    # One free failure, then every attempt waits.
    with pytest.raises(LoginRefused):
        client.login("G18062", WRONG)
    with pytest.raises(LoginThrottled) as throttled:
        client.login("G18062", WRONG)
    assert 1 <= throttled.value.retry_after_s <= 60
    # The right password waits too.
    with pytest.raises(LoginThrottled):
        client.login("G18062", PASSWORD)
    client.close()


def test_refresh_gives_the_next_pair_and_uses_the_token_up(
    auth: HttpAccountsGateway, auth_url: str
) -> None:
    first = auth.login("G18062", PASSWORD)
    second = auth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert me(auth_url, second) == 200
    with pytest.raises(SessionEnded):
        auth.refresh(first.refresh_token)  # used, and now its whole login is revoked
    with pytest.raises(SessionEnded):
        auth.refresh("never-issued")


def test_logout_ends_the_session_and_its_access_token(
    auth: HttpAccountsGateway, auth_url: str
) -> None:
    tokens = auth.login("G18062", PASSWORD)
    with correlation("c-logout-1"):
        auth.logout(tokens.access_token, tokens.refresh_token)
    assert me(auth_url, tokens) == 401
    with pytest.raises(SessionEnded):
        auth.refresh(tokens.refresh_token)
    auth.logout(None, "never-issued")  # over either way


def test_a_refused_new_password_is_explained_in_danish_and_english(
    auth: HttpAccountsGateway,
) -> None:
    tokens = auth.login("G18062", PASSWORD)
    with pytest.raises(PasswordRefused) as short:
        auth.change_password(tokens.access_token, PASSWORD, "kort")
    [problem] = [p for p in short.value.problems if p["field"] == "new_password"][:1]
    assert problem["en"]
    assert problem["da"]
    assert problem["en"] != problem["da"]
    assert problem["problem"]
    with pytest.raises(PasswordRefused) as wrong_current:
        auth.change_password(tokens.access_token, WRONG, NEW_PASSWORD)
    assert wrong_current.value.problems == [
        {
            "field": "current_password",
            "en": "The current password is wrong.",
            "da": "Den nuværende adgangskode er forkert.",
        }
    ]
    with pytest.raises(SessionEnded):
        auth.change_password("not-a-token", PASSWORD, NEW_PASSWORD)


def test_a_password_change_keeps_the_session_named(auth: HttpAccountsGateway) -> None:
    kept = auth.login("G18062", PASSWORD)
    other = auth.login("G18062", PASSWORD)
    auth.change_password(kept.access_token, PASSWORD, NEW_PASSWORD, kept.refresh_token)
    auth.refresh(kept.refresh_token)
    with pytest.raises(SessionEnded):
        auth.refresh(other.refresh_token)
    with pytest.raises(LoginRefused):
        auth.login("G18062", PASSWORD)
    assert auth.login("G18062", NEW_PASSWORD).expires_in_s == 900


def test_nothing_listening_is_unavailable() -> None:
    client = HttpAccountsGateway("http://127.0.0.1:1", timeout_s=0.5)
    started = time.perf_counter()
    for call in (
        lambda: client.login("G18062", PASSWORD),
        lambda: client.refresh("r"),
        lambda: client.logout("a", "r"),
        lambda: client.change_password("a", PASSWORD, NEW_PASSWORD),
        lambda: client.me("a"),
        lambda: client.municipality_institutions("a", 101),
        lambda: client.issue_letters("a", ["G18062"]),
        lambda: client.create_user("a", "dst", "dst.ny"),
        lambda: client.audit("a"),
    ):
        with pytest.raises(AuthUnavailable):
            call()
    assert time.perf_counter() - started < 5
    client.close()


# --- who is logged in ----------------------------------------------------------------------


def test_me_says_who_the_token_speaks_for_and_its_status(
    auth: HttpAccountsGateway, pg_database: str
) -> None:
    tokens = auth.login("G18063", PASSWORD)
    account = auth.me(tokens.access_token)
    assert account["username"] == "G18063"
    assert account["role"] == "institution"
    assert account["institution_number"] == "G18063"
    assert account["municipality_code"] == 101
    assert account["display_name"] == "Solsikken"
    assert account["status"] == "active"
    engine = make_engine(pg_database)
    try:
        with engine.begin() as conn:
            # The register closed it meanwhile: the token is still valid, the account not.
            conn.execute(
                update(accounts).where(accounts.c.username == "G18063").values(status="disabled")
            )
        assert auth.me(tokens.access_token)["status"] == "disabled"
        with engine.begin() as conn:
            conn.execute(delete(accounts).where(accounts.c.username == "G18063"))
    finally:
        engine.dispose()
    with pytest.raises(SessionEnded):
        auth.me(tokens.access_token)  # the account is gone (404)
    with pytest.raises(SessionEnded):
        auth.me("not-a-token")


# --- a municipality's institutions and its credential letters -----------------------------


def test_a_municipality_lists_its_own_institution_accounts_only(
    auth: HttpAccountsGateway,
) -> None:
    kommune = auth.login("kbh.dagtilbud", PASSWORD).access_token
    listed = auth.municipality_institutions(kommune, 101)
    assert listed["municipality_code"] == 101
    rows = {row["institution_number"]: row for row in listed["institutions"]}
    assert set(rows) == {"G18062", "G18063", "G18064"}
    assert rows["G18064"]["status"] == "disabled"
    assert rows["G18064"]["can_log_in"] is False
    assert rows["G18062"]["password_issued"] is False
    with pytest.raises(AccountNotAllowed):
        auth.municipality_institutions(kommune, 147)
    admin = auth.login("admin.portal", PASSWORD).access_token
    other = auth.municipality_institutions(admin, 147)
    assert [row["institution_number"] for row in other["institutions"]] == ["F14700"]
    with pytest.raises(UnknownMunicipality) as unknown:
        auth.municipality_institutions(admin, -1)
    assert unknown.value.code == -1
    institution = auth.login("G18062", PASSWORD).access_token
    with pytest.raises(AccountNotAllowed):
        auth.municipality_institutions(institution, 101)
    with pytest.raises(SessionEnded):
        auth.municipality_institutions("not-a-token", 101)


def test_letters_give_new_passwords_that_log_in_and_never_show_in_a_repr(
    auth: HttpAccountsGateway,
) -> None:
    kommune = auth.login("kbh.dagtilbud", PASSWORD).access_token
    before = auth.login("G18062", PASSWORD)
    issued = auth.issue_letters(kommune, ["G18062", "g18063"])
    letters = issued["letters"]
    assert [letter["institution_number"] for letter in letters] == ["G18062", "G18063"]
    assert letters[1]["institution_name"] == "Solsikken"
    assert letters[0]["municipality_name"] == "København"
    assert letters[0]["login_url"].startswith("http")
    assert issued["filename"].startswith("adgangsbreve-koebenhavn-")
    assert issued["filename"].endswith(".csv")
    assert issued["csv"].startswith("\ufeffInstitutionsnummer;")
    passwords = [letter["password"] for letter in letters]
    assert len(set(passwords)) == 2
    for shown in (repr(issued), str(issued), repr(letters), str(letters[0])):
        for password in passwords:
            assert password not in shown
    assert "G18062" in repr(issued)
    # The new password logs in; the old one and the sessions before the letter are over.
    assert auth.login("G18062", passwords[0]).expires_in_s == 900
    with pytest.raises(LoginRefused):
        auth.login("G18063", PASSWORD)
    with pytest.raises(SessionEnded):
        auth.refresh(before.refresh_token)


def test_all_letters_go_to_the_open_institutions_of_the_municipality(
    auth: HttpAccountsGateway,
) -> None:
    kommune = auth.login("kbh.dagtilbud", PASSWORD).access_token
    issued = auth.issue_letters(kommune, None, all=True)
    assert [letter["institution_number"] for letter in issued["letters"]] == ["G18062", "G18063"]
    admin = auth.login("admin.portal", PASSWORD).access_token
    with pytest.raises(LettersRefused) as unnamed:
        auth.issue_letters(admin, None, all=True)  # an admin names the municipality
    assert unnamed.value.status == 422
    assert [p["field"] for p in unnamed.value.problems] == ["municipality"]
    assert unnamed.value.problems[0]["da"].startswith("Angiv kommunen")
    named = auth.issue_letters(admin, None, all=True, municipality=147)
    assert [letter["institution_number"] for letter in named["letters"]] == ["F14700"]
    with pytest.raises(AccountNotAllowed):
        auth.issue_letters(kommune, None, all=True, municipality=147)


def test_letters_refused_name_the_institutions_and_issue_none(
    auth: HttpAccountsGateway,
) -> None:
    kommune = auth.login("kbh.dagtilbud", PASSWORD).access_token
    with pytest.raises(LettersRefused) as elsewhere:
        auth.issue_letters(kommune, ["G18062", "F14700", "ZZ9999"])
    assert elsewhere.value.status == 403
    assert set(elsewhere.value.institutions) == {"F14700", "ZZ9999"}
    reason = elsewhere.value.institutions["F14700"]
    assert reason["en"].startswith("Unknown, or not")
    assert reason["da"].startswith("Ukendt, eller ikke")
    assert elsewhere.value.message_en.startswith("No letters were issued")
    with pytest.raises(LettersRefused) as closed:
        auth.issue_letters(kommune, ["G18062", "G18064"])
    assert closed.value.status == 409
    assert closed.value.institutions == {
        "G18064": {"en": "The institution has closed.", "da": "Institutionen er lukket."}
    }
    # Nothing was issued: the old password still logs in.
    assert auth.login("G18062", PASSWORD).expires_in_s == 900
    with pytest.raises(LettersRefused) as malformed:
        auth.issue_letters(kommune, ["not a number"])
    assert malformed.value.status == 422
    assert malformed.value.problems[0]["field"] == "institutions"
    assert malformed.value.problems[0]["da"]
    for who in ("G18062", "dst.analyse"):
        token = auth.login(who, PASSWORD).access_token
        with pytest.raises(AccountNotAllowed):
            auth.issue_letters(token, ["G18062"])
    with pytest.raises(SessionEnded):
        auth.issue_letters("not-a-token", ["G18062"])


# --- users and the audit trail --------------------------------------------------------------


def test_an_admin_creates_users_with_a_one_time_password(auth: HttpAccountsGateway) -> None:
    admin = auth.login("admin.portal", PASSWORD).access_token
    created = auth.create_user(
        admin, "municipality", "aarhus.dagtilbud", municipality_code=751, display_name="Aarhus"
    )
    assert created["username"] == "aarhus.dagtilbud"
    assert created["role"] == "municipality"
    assert created["municipality_code"] == 751
    assert created["status"] == "active"
    assert created["password"] not in repr(created)
    assert auth.me(auth.login("aarhus.dagtilbud", created["password"]).access_token)["role"] == (
        "municipality"
    )
    with pytest.raises(UsernameTaken) as taken:
        auth.create_user(admin, "dst", "Aarhus.Dagtilbud")
    assert taken.value.status == 409
    assert taken.value.problems == [
        {"field": "username", "en": "The username is taken.", "da": "Brugernavnet er optaget."}
    ]
    with pytest.raises(AccountRefused) as wrong_scope:
        auth.create_user(admin, "dst", "dst.ny", municipality_code=751)
    assert not isinstance(wrong_scope.value, UsernameTaken)
    assert [p["field"] for p in wrong_scope.value.problems] == ["municipality_code"]
    assert wrong_scope.value.problems[0]["da"].startswith("En kommunebruger")
    with pytest.raises(AccountRefused) as short:
        auth.create_user(admin, "dst", "ab")  # refused by auth's schema
    assert short.value.problems[0]["field"] == "username"
    assert short.value.problems[0]["da"] != short.value.problems[0]["en"]
    for who in ("kbh.dagtilbud", "G18062"):
        token = auth.login(who, PASSWORD).access_token
        with pytest.raises(AccountNotAllowed):
            auth.create_user(token, "dst", "dst.ny")


def test_the_audit_trail_shows_what_was_done(auth: HttpAccountsGateway) -> None:
    kommune = auth.login("kbh.dagtilbud", PASSWORD).access_token
    auth.issue_letters(kommune, ["G18063"])
    records = auth.audit(kommune)["records"]
    assert records[0]["action"] == "credentials_issued"
    assert records[0]["municipality_code"] == 101
    assert len(auth.audit(kommune, limit=1)["records"]) == 1
    admin = auth.login("admin.portal", PASSWORD).access_token
    assert auth.audit(admin)["records"]
    with pytest.raises(AccountNotAllowed):
        auth.audit(auth.login("dst.analyse", PASSWORD).access_token)
    with pytest.raises(AccountRefused):
        auth.audit(admin, limit=0)
    with pytest.raises(SessionEnded):
        auth.audit("not-a-token")
