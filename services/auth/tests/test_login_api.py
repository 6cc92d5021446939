"""Logging in, refreshing and logging out through the HTTP API, on real
PostgreSQL and Redis: the token answer, one answer for every kind of wrong
credentials, the audit trail, rehashing, refused input, refresh-token
rotation and reuse, logout revocation, /v1/me, and no secret in any log."""

from __future__ import annotations

import json
import logging
from typing import Any

import jwt
import pytest
from flask import Flask
from werkzeug.test import TestResponse

from auth.bootstrap import context
from auth.domain.accounts import AccountStatus, Role
from auth.domain.audit import AuditAction, AuditRecord
from auth.service_layer.keys import published_keys
from auth.testing.doubles import cheap_hasher
from dagkit.tokens import TokenVerifier

PASSWORD = "hestene spiser hø om vinteren"
WRONG = {
    "code": 401,
    "status": "Unauthorized",
    "message": "Wrong username or password.",
    "message_da": "Forkert brugernavn eller adgangskode.",
}


@pytest.fixture
def app(make_auth_app: Any) -> Flask:
    application: Flask = make_auth_app()
    return application


def login(app: Flask, username: str, password: str, address: str = "192.0.2.10") -> TestResponse:
    return app.test_client().post(
        "/v1/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def verifier_of(app: Flask) -> TokenVerifier:
    client = app.test_client()
    ctx = context(app)
    return TokenVerifier(
        "http://127.0.0.1:8002/.well-known/jwks.json",
        issuer=ctx.tokens.issuer,
        audience=ctx.tokens.audience,
        fetch_jwks=lambda: client.get("/.well-known/jwks.json").get_json(),
    )


def audit_records(app: Flask) -> list[AuditRecord]:
    with context(app).uow() as uow:
        return list(reversed(uow.audit.for_municipality(None, 1000)))


def test_a_login_answers_tokens_the_kit_verifier_accepts(app: Flask, add_account: Any) -> None:
    account = add_account(app, display_name="Solsikken")
    response = login(app, "G18062", PASSWORD)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert response.headers["Cache-Control"] == "no-store"
    principal = verifier_of(app).verify(body["access_token"])
    assert principal.subject == account.account_id
    assert (principal.role, principal.institution, principal.municipality) == (
        "institution",
        "G18062",
        101,
    )
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert set(claims) == {
        "iss",
        "aud",
        "sub",
        "jti",
        "iat",
        "nbf",
        "exp",
        "role",
        "institution",
        "municipality",
    }
    assert claims["iss"] == "http://127.0.0.1:8002"
    assert claims["aud"] == "dagtilbud"
    assert len(body["refresh_token"]) >= 43  # 256 random bits
    (record,) = audit_records(app)
    assert record.action is AuditAction.LOGIN_SUCCEEDED
    assert record.account_id == account.account_id
    assert record.client_address == "192.0.2.10"


def test_the_jwks_publishes_the_signing_key(app: Flask) -> None:
    response = app.test_client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    (key,) = response.get_json()["keys"]
    assert key["kid"] == "key-1"  # made when the app started
    assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}


def test_every_kind_of_wrong_credentials_gets_the_same_answer(app: Flask, add_account: Any) -> None:
    add_account(app)
    add_account(app, username="G20001", status=AccountStatus.DISABLED)
    add_account(app, username="G20002", status=AccountStatus.LOCKED)
    add_account(app, username="G20003", password=None)
    attempts = [
        ("G18062", "a wrong password here", "wrong_password"),
        ("G99999", PASSWORD, "unknown_username"),
        ("G20001", PASSWORD, "disabled"),
        ("G20002", PASSWORD, "locked"),
        ("G20003", PASSWORD, "no_password"),
    ]
    answers = set()
    for i, (username, password, _) in enumerate(attempts):
        response = login(app, username, password, address=f"198.51.100.{i}")
        assert response.status_code == 401
        assert response.get_json() == WRONG
        answers.add((response.status_code, response.get_data(), response.headers["Content-Type"]))
    assert len(answers) == 1
    records = audit_records(app)
    assert [r.action for r in records] == [AuditAction.LOGIN_FAILED] * 5
    assert [r.detail["reason"] for r in records] == [reason for *_, reason in attempts]
    assert records[1].account_id is None


def test_an_old_hash_is_rehashed_at_login(app: Flask, add_account: Any) -> None:
    account = add_account(app, hasher=cheap_hasher())
    assert login(app, "G18062", PASSWORD).status_code == 200
    with context(app).uow() as uow:
        stored = uow.accounts.get(account.account_id)
    assert stored is not None
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert stored.version == account.version
    assert login(app, "G18062", PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        ('{"username": "G18062", "password": ', "application/json", 400, "not valid JSON"),
        ("[1, 2]", "application/json", 422, "must be a JSON object"),
        ('{"username": "G18062"}', "application/json", 422, "missing: password"),
        ("{}", "application/json", 422, "missing: username, password"),
        (
            '{"username": "G18062", "password": "x", "remember": true}',
            "application/json",
            422,
            "unknown: remember",
        ),
        ('{"username": "", "password": "x"}', "application/json", 422, "invalid: username"),
        ('{"username": 7, "password": "x"}', "application/json", 422, "invalid: username"),
        ("username=G18062&password=x", "application/x-www-form-urlencoded", 422, "missing"),
    ],
)
def test_refused_input_is_told_in_english_and_danish(
    app: Flask, body: str, content_type: str, status: int, words: str
) -> None:
    response = app.test_client().post("/v1/token", data=body, content_type=content_type)
    assert response.status_code == status, response.get_json()
    problem = response.get_json()
    assert problem["code"] == status
    assert words in problem["message"]
    assert problem["message_da"]
    assert problem["message_da"] != problem["message"]
    assert set(problem) <= {"code", "status", "message", "message_da", "errors"}


def test_a_body_over_4_kb_is_refused_unread(app: Flask) -> None:
    body = json.dumps({"username": "G18062", "password": "x" * 5000})
    response = app.test_client().post("/v1/token", data=body, content_type="application/json")
    assert response.status_code == 413
    problem = response.get_json()
    assert problem["message"] == "The request body is larger than 4096 bytes."
    assert problem["message_da"] == "Forespørgslens indhold er større end 4096 byte."
    refresh = app.test_client().post(
        "/v1/token/refresh",
        data=json.dumps({"refresh_token": "x" * 5000}),
        content_type="application/json",
    )
    assert refresh.status_code == 413


def test_refresh_rotates_and_a_reused_token_revokes_the_login(app: Flask, add_account: Any) -> None:
    account = add_account(app)
    client = app.test_client()
    first = login(app, "G18062", PASSWORD).get_json()
    second = client.post("/v1/token/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.headers["Cache-Control"] == "no-store"
    pair = second.get_json()
    assert pair["refresh_token"] != first["refresh_token"]
    assert verifier_of(app).verify(pair["access_token"]).subject == account.account_id
    reused = client.post(
        "/v1/token/refresh",
        json={"refresh_token": first["refresh_token"]},
        environ_base={"REMOTE_ADDR": "203.0.113.66"},
    )
    assert reused.status_code == 401
    assert reused.get_json()["message"] == "The refresh token is not valid. Please log in again."
    # The thief's use revoked the rightful holder's token too.
    third = client.post("/v1/token/refresh", json={"refresh_token": pair["refresh_token"]})
    assert third.status_code == 401
    record = audit_records(app)[-1]
    assert record.action is AuditAction.REFRESH_REUSED
    assert record.client_address == "203.0.113.66"
    assert record.detail["revoked"] == 2


def test_logout_revokes_the_access_token_and_the_refresh_token(
    app: Flask, add_account: Any
) -> None:
    account = add_account(app, display_name="Solsikken")
    client = app.test_client()
    tokens = login(app, "G18062", PASSWORD).get_json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = client.get("/v1/me", headers=bearer)
    assert me.status_code == 200
    assert me.get_json() == {
        "account_id": account.account_id,
        "username": "G18062",
        "role": "institution",
        "institution_number": "G18062",
        "municipality_code": 101,
        "display_name": "Solsikken",
        "status": "active",
    }
    out = client.post("/v1/logout", json={"refresh_token": tokens["refresh_token"]}, headers=bearer)
    assert out.status_code == 204
    refused = client.get("/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert set(refused.get_json()) == {"code", "status", "message", "message_da"}
    again = client.post("/v1/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401
    record = audit_records(app)[-1]
    assert record.action is AuditAction.LOGGED_OUT
    assert record.detail["access_revoked"] is True
    # The revocation lives in Redis only as long as the token would have.
    ttl = context(app).redis_client.pttl(  # type: ignore[union-attr]
        "auth:revoked:"
        + jwt.decode(tokens["access_token"], options={"verify_signature": False})["jti"]
    )
    assert 900_000 < ttl <= 960_000


def test_logout_with_an_unknown_refresh_token_or_a_bad_bearer_is_no_error(app: Flask) -> None:
    client = app.test_client()
    out = client.post(
        "/v1/logout",
        json={"refresh_token": "not-a-token"},
        headers={"Authorization": "Bearer not.a.token"},
    )
    assert out.status_code == 204


def test_me_needs_a_token(app: Flask) -> None:
    response = app.test_client().get("/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    problem = response.get_json()
    assert problem["message"] == "A valid access token is required."
    assert problem["message_da"] == "Der kræves et gyldigt adgangstoken."


def test_me_of_other_roles(app: Flask, add_account: Any) -> None:
    add_account(app, username="hanne@aarhus.dk", role=Role.MUNICIPALITY, municipality_code=751)
    tokens = login(app, "hanne@aarhus.dk", PASSWORD).get_json()
    me = app.test_client().get(
        "/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.get_json()["role"] == "municipality"
    assert me.get_json()["institution_number"] is None
    assert me.get_json()["municipality_code"] == 751


def test_a_throttled_login_says_how_long_to_wait_in_both_languages(
    app: Flask, add_account: Any
) -> None:
    add_account(app)
    answers = {}
    for username in ("G18062", "G99999"):
        for i in range(5):
            assert login(app, username, "a wrong password here", f"10.0.{i}.1").status_code == 401
        answers[username] = login(app, username, PASSWORD, "10.9.9.9")
    known, unknown = answers["G18062"], answers["G99999"]
    assert known.status_code == unknown.status_code == 429
    assert known.get_data() == unknown.get_data()
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"] == "1"
    assert known.get_json() == {
        "code": 429,
        "status": "Too Many Requests",
        "message": "Too many failed logins. Please wait 1 second and try again.",
        "message_da": "For mange mislykkede forsøg på at logge ind. "
        "Vent venligst 1 sekund, og prøv så igen.",
    }
    throttled = [r for r in audit_records(app) if r.action is AuditAction.LOGIN_THROTTLED]
    assert [r.account_id is None for r in throttled] == [False, True]


def test_no_password_or_token_is_ever_logged(
    app: Flask, add_account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    add_account(app)
    client = app.test_client()
    wrong = "ein falsches Passwort 12345"
    caplog.set_level(logging.DEBUG)
    assert login(app, "G18062", wrong).status_code == 401
    assert login(app, "G99999", wrong).status_code == 401
    tokens = login(app, "G18062", PASSWORD).get_json()
    refreshed = client.post("/v1/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    reused = client.post("/v1/token/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert (refreshed.status_code, reused.status_code) == (200, 401)
    pair = refreshed.get_json()
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    client.post("/v1/logout", json={"refresh_token": pair["refresh_token"]}, headers=bearer)
    assert client.get("/v1/me", headers=bearer).status_code == 401
    secrets = [
        wrong,
        PASSWORD,
        tokens["access_token"],
        tokens["refresh_token"],
        pair["access_token"],
        pair["refresh_token"],
    ]
    assert caplog.records, "the test must see the app's log lines"
    for record in caplog.records:
        text = record.getMessage() + " " + " ".join(repr(v) for v in vars(record).values())
        for secret in secrets:
            assert secret not in text, f"{record.name}: {record.getMessage()}"
            # Not even a part that identifies it (the signature of a JWT).
            assert secret[-20:] not in text


def test_the_client_address_comes_from_the_proxy_only_when_trusted(
    make_auth_app: Any, add_account: Any
) -> None:
    for trust, expected in (("false", "127.0.0.1"), ("true", "203.0.113.5")):
        app = make_auth_app(TRUST_PROXY=trust)
        add_account(app, username=f"G1000{trust == 'true':d}")
        app.test_client().post(
            "/v1/token",
            json={"username": f"G1000{trust == 'true':d}", "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.5"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        assert audit_records(app)[-1].client_address == expected


def test_published_keys_are_read_from_the_database(app: Flask) -> None:
    served = app.test_client().get("/.well-known/jwks.json").get_json()
    assert served == published_keys(context(app))
