"""Sessions on a real Redis: what the cookie carries and what the store
holds, a new id at login, nothing left after logout, the plain-HTTP setting
for local runs, and the page cache forgetting an edited institution."""

from __future__ import annotations

from pathlib import Path

import redis
from flask import Flask

from web.adapters.page_cache import HOLD_PREFIX, PREFIX, RedisPageCache
from web.adapters.sessions import KEY_PREFIX
from web.app import create_app
from web.config import load_settings
from web.service_layer.context import WebContext
from web.testing.fakes import (
    FAKE_PASSWORD,
    SHIPPED_BOUNDARIES,
    FakeAccountsGateway,
    FakeSearchGateway,
)
from web.testing.sessions import csrf_token, fake_verifier, log_in


def _app(redis_url: str, tmp_path: Path, accounts: FakeAccountsGateway, **env: str) -> Flask:
    settings = load_settings(
        {"LOG_LEVEL": "WARNING", "REDIS_URL": redis_url, "DATA_DIR": str(tmp_path), **env}
    )
    ctx = WebContext(
        FakeSearchGateway(),
        RedisPageCache(redis_url, 30),
        SHIPPED_BOUNDARIES,
        accounts=accounts,
        verify_token=fake_verifier(accounts),
    )
    return create_app(settings, ctx=ctx)


def _session_keys(client: redis.Redis) -> set[bytes]:
    return set(client.scan_iter(match=KEY_PREFIX + "*"))


def test_a_session_lives_in_redis_and_the_cookie_holds_only_its_id(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    accounts = FakeAccountsGateway()
    client = _app(redis_url, tmp_path, accounts).test_client()
    page = client.get("/log-ind")
    before = client.get_cookie("__Host-dagtilbud-session")
    assert before is not None
    answer = client.post(
        "/log-ind",
        data={"username": "G20580", "password": FAKE_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert answer.status_code == 302
    after = client.get_cookie("__Host-dagtilbud-session")
    assert after is not None
    assert after.value != before.value
    assert after.secure
    assert after.http_only
    assert after.same_site == "Lax"
    # The id planted before login is gone from the store; the new one is there.
    keys = _session_keys(redis_client)
    assert (KEY_PREFIX + after.value).encode() in keys
    assert (KEY_PREFIX + before.value).encode() not in keys
    stored = redis_client.get(KEY_PREFIX + after.value)
    assert stored is not None
    ttl = redis_client.ttl(KEY_PREFIX + after.value)
    assert 0 < ttl <= 60 * 60  # WEB_SESSION_IDLE_MINUTES
    # The tokens stay server-side: nothing of them is in the cookie.
    assert "access" not in after.value
    assert len(after.value) < 64

    home = client.get("/selvbetjening/adgangskode")
    assert home.status_code == 200
    client.post("/log-ud", data={"csrf_token": csrf_token(home.text)})
    assert (KEY_PREFIX + after.value).encode() not in _session_keys(redis_client)
    assert client.get_cookie("__Host-dagtilbud-session") is None


def test_plain_http_local_runs_get_an_unprefixed_cookie(redis_url: str, tmp_path: Path) -> None:
    accounts = FakeAccountsGateway()
    app = _app(redis_url, tmp_path, accounts, WEB_SESSION_COOKIE_SECURE="false")
    client = app.test_client()
    log_in(client, "G20580")
    cookie = client.get_cookie("dagtilbud-session")
    assert cookie is not None
    assert not cookie.secure
    assert cookie.http_only
    assert client.get_cookie("__Host-dagtilbud-session") is None


def test_the_parents_pages_never_read_the_session_store(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    accounts = FakeAccountsGateway()
    client = _app(redis_url, tmp_path, accounts).test_client()
    log_in(client, "G20580")
    answer = client.get("/om-data")
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert "Cookie" not in answer.headers.get("Vary", "")


def test_forgetting_an_institution_drops_its_pages_and_holds_them_back(
    redis_url: str, redis_client: redis.Redis
) -> None:
    cache = RedisPageCache(redis_url, 30)
    for key in (
        "/institution/G20580?",
        "/en/institution/G20580?liste=G20581",
        "/institution/G20581?",
    ):
        cache.put(key, b"page")
    cache.forget("/institution/G20580")
    assert cache.get("/institution/G20580?") is None
    assert redis_client.get(PREFIX + "/en/institution/G20580?liste=G20581") is None
    assert cache.get("/institution/G20581?") == b"page"
    # While held, a page rendered before search has the edit is not kept.
    cache.put("/institution/G20580?", b"stale")
    assert redis_client.get(PREFIX + "/institution/G20580?") is None
    assert 0 < redis_client.ttl(HOLD_PREFIX + "/institution/G20580") <= 15
    redis_client.delete(HOLD_PREFIX + "/institution/G20580")
    cache.put("/institution/G20580?", b"fresh")
    assert cache.get("/institution/G20580?") == b"fresh"
