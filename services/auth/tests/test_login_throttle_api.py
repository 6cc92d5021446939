"""The login throttle through the HTTP API on real Redis: brute force from many
addresses stays within the cap and the owner still gets in; unknown and known
usernames cannot be told apart by answer or time; without Redis no login goes
ahead, and with Redis back logins work again without a restart."""

from __future__ import annotations

import contextlib
import shutil
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from auth.bootstrap import context
from auth.testing.doubles import MovableClock
from dagkit.testing.procs import wait_for

PASSWORD = "hestene spiser hø om vinteren"
WRONG = "a wrong password here"


def login(app: Flask, username: str, password: str, address: str = "192.0.2.10") -> TestResponse:
    return app.test_client().post(
        "/v1/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


class CountingChecks:
    """Counts the password checks the app's hasher makes (real or dummy)."""

    def __init__(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        hasher = context(app).hasher
        verify, dummy = hasher.verify, hasher.dummy_verify

        def counted_verify(stored: str, password: str) -> bool:
            self.count += 1
            return verify(stored, password)

        def counted_dummy(password: str) -> None:
            self.count += 1
            dummy(password)

        monkeypatch.setattr(hasher, "verify", counted_verify)
        monkeypatch.setattr(hasher, "dummy_verify", counted_dummy)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def attacker(i: int) -> str:
    return f"198.51.{i // 250}.{i % 250 + 1}"


def test_a_burst_from_many_addresses_checks_a_handful_of_passwords(
    make_auth_app: Any, add_account: Any, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_auth_app(clock=clock)
    add_account(app)
    assert login(app, "G18062", PASSWORD, "192.0.2.10").status_code == 200  # the owner's office
    checks = CountingChecks(app, monkeypatch)
    statuses = [login(app, "G18062", WRONG, attacker(i)).status_code for i in range(200)]
    assert statuses.count(401) + statuses.count(429) == 200
    assert statuses.count(401) == 5
    assert checks.count == 5 <= 100
    # The owner somewhere new: after the delay the answer names (1 s here).
    refused = login(app, "G18062", PASSWORD, "203.0.113.50")
    assert refused.status_code == 429
    clock.advance(int(refused.headers["Retry-After"]))
    assert login(app, "G18062", PASSWORD, "203.0.113.50").status_code == 200
    # Where they logged in before: at once, whatever the attack.
    for i in range(200, 220):
        login(app, "G18062", WRONG, attacker(i))
    assert login(app, "G18062", PASSWORD, "192.0.2.10").status_code == 200


def test_a_patient_attacker_reaches_the_cap_and_the_owner_still_gets_in(
    make_auth_app: Any, add_account: Any, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attacker who waits out every delay (here only 1 s, so the hour's cap
    comes within reach) from 200 addresses."""
    app = make_auth_app(clock=clock, LOGIN_MAX_DELAY_SECONDS="1")
    add_account(app)
    assert login(app, "G18062", PASSWORD, "192.0.2.10").status_code == 200
    checks = CountingChecks(app, monkeypatch)
    statuses = []
    for i in range(200):
        response = login(app, "G18062", WRONG, attacker(i))
        # The attacker waits out every delay, but not an hour.
        while response.status_code == 429 and int(response.headers["Retry-After"]) <= 60:
            clock.advance(int(response.headers["Retry-After"]))
            response = login(app, "G18062", WRONG, attacker(i))
        statuses.append(response.status_code)
    assert statuses.count(401) == 100
    assert checks.count == 100
    capped = login(app, "G18062", WRONG, attacker(999))
    assert capped.status_code == 429
    wait = int(capped.headers["Retry-After"])
    assert 3000 < wait <= 3600  # until the oldest failure leaves the hour
    # The owner where they logged in before: at once, cap or no cap.
    assert login(app, "G18062", PASSWORD, "192.0.2.10").status_code == 200
    # Elsewhere: when the window has slid, never later.
    assert login(app, "G18062", PASSWORD, "203.0.113.50").status_code == 429
    clock.advance(wait)
    assert login(app, "G18062", PASSWORD, "203.0.113.50").status_code == 200


def test_one_address_spraying_many_accounts_is_slowed_down(
    make_auth_app: Any, add_account: Any, clock: MovableClock
) -> None:
    app = make_auth_app(clock=clock)
    add_account(app)
    statuses = [login(app, f"G{i:05d}", WRONG, "198.51.100.7").status_code for i in range(30)]
    assert statuses == [401] * 20 + [429] * 10
    # Another address is not held up, nor is the account.
    assert login(app, "G18062", PASSWORD, "198.51.100.8").status_code == 200


@pytest.mark.slow
def test_unknown_and_known_usernames_take_the_same_time(
    make_auth_app: Any, add_account: Any
) -> None:
    unthrottled = {
        "LOGIN_FREE_FAILURES": "1000000",
        "LOGIN_ACCOUNT_CAP": "1000000",
        "LOGIN_ADDRESS_FREE_FAILURES": "1000000",
        "LOGIN_ADDRESS_CAP": "1000000",
    }
    app = make_auth_app(**unthrottled)
    add_account(app)
    for _ in range(5):  # warm up connections and caches
        login(app, "G18062", WRONG)
        login(app, "G99999", WRONG)
    times: dict[str, list[float]] = {"G18062": [], "G99999": []}
    answers: dict[str, set[tuple[int, bytes]]] = {"G18062": set(), "G99999": set()}
    for i in range(200):
        # Alternating, so drift in the machine's load falls on both alike.
        for username in ("G18062", "G99999") if i % 2 else ("G99999", "G18062"):
            started = time.perf_counter()
            response = login(app, username, WRONG)
            times[username].append(time.perf_counter() - started)
            answers[username].add((response.status_code, response.get_data()))
    assert answers["G18062"] == answers["G99999"]
    assert len(answers["G18062"]) == 1
    difference = statistics.median(times["G18062"]) - statistics.median(times["G99999"])
    assert abs(difference) < 0.005, (statistics.median(times["G18062"]), difference)


@contextlib.contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is installed by deploy/local/up"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port, socket_connect_timeout=0.2)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(answers, timeout=10, what=f"redis-server on {port}")
        client.close()
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


@pytest.mark.slow
def test_without_redis_no_login_goes_ahead_and_with_it_back_logins_work(
    make_auth_app: Any, add_account: Any
) -> None:
    port = free_port()
    with redis_server(port):
        app = make_auth_app(REDIS_URL=f"redis://127.0.0.1:{port}/0")
        add_account(app)
        tokens = login(app, "G18062", PASSWORD).get_json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert app.test_client().get("/v1/me", headers=bearer).status_code == 200
    # Redis is gone.
    started = time.perf_counter()
    down = login(app, "G18062", PASSWORD)
    assert time.perf_counter() - started < 3
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "5"
    assert down.get_json()["message"].startswith("Logging in is not possible right now")
    assert down.get_json()["message_da"].startswith("Det er ikke muligt at logge ind lige nu")
    assert login(app, "G18062", WRONG).status_code == 503  # nor any failure counted unseen
    # A token cannot be checked against the revocation list: 503, not 401 or 200.
    assert app.test_client().get("/v1/me", headers=bearer).status_code == 503
    with redis_server(port):
        # The same app, not restarted.
        assert login(app, "G18062", PASSWORD).status_code == 200
        assert app.test_client().get("/v1/me", headers=bearer).status_code == 200
