"""auth's tokens as another service sees them: auth's app under a real HTTP
server, and the kit's ``TokenVerifier`` pointed at its real
``/.well-known/jwks.json``. A real login's access token is accepted; forged,
expired, misdirected and tampered tokens are refused (and answered 401 by a
service's view guarded with ``dagkit.tokens.requires``); tokens signed before
a key rotation stay valid."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from auth.adapters.signing import new_key_pair, sign_access_token
from auth.bootstrap import context
from auth.service_layer.keys import all_keys, rotate_signing_key
from auth.testing.doubles import MovableClock
from dagkit.testing.tokens import with_claims
from dagkit.tokens import (
    InvalidToken,
    TokenVerifier,
    current_principal,
    install_token_verifier,
    requires,
)

PASSWORD = "hestene spiser hø om vinteren"


@dataclass
class Served:
    app: Flask
    url: str
    clock: MovableClock

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def login(self) -> dict[str, Any]:
        status, body = self.post("/v1/token", {"username": "G18062", "password": PASSWORD})
        assert status == 200, body
        return body

    def verifier(self, **options: Any) -> TokenVerifier:
        """What another service builds: the JWK Set over HTTP from auth."""
        ctx = context(self.app)
        options.setdefault("clock", self.clock.timestamp)
        return TokenVerifier(
            self.url + "/.well-known/jwks.json",
            issuer=ctx.tokens.issuer,
            audience=ctx.tokens.audience,
            **options,
        )


@pytest.fixture
def served(make_auth_app: Any, add_account: Any, clock: MovableClock) -> Iterator[Served]:
    app = make_auth_app(clock=clock)
    add_account(app)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(app, f"http://127.0.0.1:{server.server_port}", clock)
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    return header, claims


def compact(header: dict[str, Any], claims: dict[str, Any], sign: Any) -> str:
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def signed_by_auth(served: Served, **changes: Any) -> str:
    """A token signed with auth's real signing key, with claims changed: what a
    mistake or a leaked key would produce."""
    token = served.login()["access_token"]
    header, claims = parts(token)
    (key,) = [k for k in all_keys(context(served.app)) if k.kid == header["kid"]]
    return sign_access_token(key.private_pem, key.kid, {**claims, **changes})


def forgeries(served: Served) -> dict[str, str]:
    """Every token a service must refuse, by what is wrong with it."""
    good = served.login()
    token = good["access_token"]
    header, claims = parts(token)
    jwks = json.loads(urllib.request.urlopen(served.url + "/.well-known/jwks.json").read())
    public_raw = base64.urlsafe_b64decode(jwks["keys"][0]["x"] + "==")
    public_pem = jwt.PyJWK(jwks["keys"][0]).key.public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    now = int(served.clock.timestamp())
    stranger_pem, _ = new_key_pair("key-999")
    return {
        "alg none": compact({**header, "alg": "none"}, claims, lambda _data: b""),
        "HS256 with the public key's bytes": compact(
            {**header, "alg": "HS256"},
            claims,
            lambda data: hmac.new(public_raw, data, hashlib.sha256).digest(),
        ),
        "HS256 with the public key's PEM": compact(
            {**header, "alg": "HS256"},
            claims,
            lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
        ),
        "expired": signed_by_auth(
            served, iat=int(now) - 1000, nbf=int(now) - 1000, exp=int(now) - 100
        ),
        "not yet valid": signed_by_auth(
            served, iat=int(now), nbf=int(now) + 600, exp=int(now) + 1500
        ),
        "wrong audience": signed_by_auth(served, aud="profiles-internal"),
        "wrong issuer": signed_by_auth(served, iss="https://evil.example"),
        "unknown kid": sign_access_token(stranger_pem, "key-999", claims),
        "tampered payload": with_claims(token, role="admin", institution=None, municipality=None),
        "refresh token as access token": good["refresh_token"],
        "no typ": compact(
            {k: v for k, v in header.items() if k != "typ"}, claims, lambda _data: b"x" * 64
        ),
    }


def test_a_real_login_is_accepted_by_the_kit_verifier(served: Served) -> None:
    tokens = served.login()
    principal = served.verifier().verify(tokens["access_token"])
    assert principal.role == "institution"
    assert principal.institution == "G18062"


def test_what_a_service_must_refuse_it_refuses(served: Served) -> None:
    verifier = served.verifier()
    verifier.verify(served.login()["access_token"])  # it has the keys
    for what, token in forgeries(served).items():
        try:
            verifier.verify(token)
        except InvalidToken:
            continue
        pytest.fail(f"accepted: {what}")


def test_a_service_view_answers_401_to_every_forgery(served: Served) -> None:
    """A tiny service of its own: one view guarded by ``requires``."""
    other = Flask("other_service")
    install_token_verifier(other, served.verifier())

    @other.get("/whoami")
    @requires("institution")
    def whoami() -> dict[str, Any]:
        return {"sub": current_principal().subject}

    client = other.test_client()
    good = served.login()["access_token"]
    assert client.get("/whoami", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    for what, token in forgeries(served).items():
        response = client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, what
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert client.get("/whoami").status_code == 401


def test_tokens_of_the_previous_key_stay_valid_after_a_rotation(served: Served) -> None:
    ctx = context(served.app)
    earlier = served.verifier()  # fetched before the rotation
    before = served.login()["access_token"]
    earlier.verify(before)
    rotation = rotate_signing_key(ctx)
    assert rotation.new.kid == "key-2"
    # Published at once, signing only after 6 minutes.
    jwks = json.loads(urllib.request.urlopen(served.url + "/.well-known/jwks.json").read())
    assert [k["kid"] for k in jwks["keys"]] == ["key-1", "key-2"]
    assert jwt.get_unverified_header(served.login()["access_token"])["kid"] == "key-1"
    served.clock.advance(minutes=6)
    after = served.login()["access_token"]
    assert jwt.get_unverified_header(after)["kid"] == "key-2"
    for verifier in (earlier, served.verifier()):
        assert verifier.verify(before).institution == "G18062"
        assert verifier.verify(after).institution == "G18062"
    # key-1 stays published until its last token expired, then goes.
    served.clock.advance(minutes=15, seconds=59)
    assert served.verifier().verify(served.login()["access_token"])
    served.clock.advance(seconds=2)
    jwks = json.loads(urllib.request.urlopen(served.url + "/.well-known/jwks.json").read())
    assert [k["kid"] for k in jwks["keys"]] == ["key-2"]
    fresh = served.verifier()
    with pytest.raises(InvalidToken):
        fresh.verify(before)  # long expired anyway


def test_a_refresh_token_used_twice_revokes_its_login_over_http(served: Served) -> None:
    tokens = served.login()
    status, pair = served.post("/v1/token/refresh", {"refresh_token": tokens["refresh_token"]})
    assert status == 200
    status, _ = served.post("/v1/token/refresh", {"refresh_token": tokens["refresh_token"]})
    assert status == 401
    status, _ = served.post("/v1/token/refresh", {"refresh_token": pair["refresh_token"]})
    assert status == 401
    # Its access tokens live on until they expire: 15 minutes at most.
    assert served.verifier().verify(pair["access_token"])
    served.clock.advance(timedelta(minutes=15, seconds=31).total_seconds())
    with pytest.raises(InvalidToken):
        served.verifier().verify(pair["access_token"])
