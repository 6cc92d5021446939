"""The auth client against the real auth app over HTTP (its own database on
PostgreSQL, its throttle on Redis): each way auth answers or fails becomes
the one error the login pages know how to explain."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from auth.adapters.password_hashing import PasswordHasher
from auth.app import create_app
from auth.bootstrap import build_context, context
from auth.config import load_settings
from auth.entrypoints.migrate import SERVICE_ROOT
from auth.testing.doubles import make_account
from dagkit.logging import correlation
from dagkit.migrations import upgrade
from web.adapters.auth_client import HttpAccountsGateway
from web.service_layer.accounts_gateway import (
    AuthUnavailable,
    LoginRefused,
    LoginThrottled,
    PasswordRefused,
    SessionEnded,
    Tokens,
)

PASSWORD = "hestene spiser hø om vinteren"
NEW_PASSWORD = "sommerfugle over engen ved åen"
WRONG = "a wrong password here"

Serve = Callable[..., str]


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
    G18062 over HTTP on a loopback port; returns its base URL."""
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
    ):
        with pytest.raises(AuthUnavailable):
            call()
    assert time.perf_counter() - started < 5
    client.close()
