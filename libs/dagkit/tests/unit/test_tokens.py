"""The access-token verifier and its Flask guard. auth's JWK Set is served by
a small HTTP server on 127.0.0.1 in a thread (not infrastructure), so fetches,
refetches and their rate limit are counted as requests the server saw."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from flask import Flask

from dagkit import tokens
from dagkit.testing.tokens import AUDIENCE, ISSUER, JwksServer, TokenMint, with_claims
from dagkit.tokens import (
    InvalidToken,
    Principal,
    TokenVerifier,
    VerifierUnavailable,
    bearer_token,
    current_principal,
    install_token_verifier,
    requires,
    same_institution,
    same_municipality,
)
from dagkit.web import create_service_app

START = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mint(clock: Clock) -> TokenMint:
    return TokenMint(clock=clock)


@pytest.fixture
def server(mint: TokenMint) -> Iterator[JwksServer]:
    served = JwksServer(mint)
    yield served
    served.stop()


@pytest.fixture
def revoked() -> set[str]:
    return set()


@pytest.fixture
def verifier(server: JwksServer, clock: Clock, revoked: set[str]) -> TokenVerifier:
    return TokenVerifier(
        server.url, issuer=ISSUER, audience=AUDIENCE, clock=clock, is_revoked=revoked.__contains__
    )


def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        verifier.verify(token)
    assert not token or token not in caught.value.reason
    return caught.value.reason


# --- accepted -----------------------------------------------------------------------


def test_a_good_token_gives_its_principal(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer
) -> None:
    token = mint.access_token(sub="acc-7", role="institution", institution="G18062", jti="j-1")

    principal = verifier.verify(token)

    assert principal == Principal(
        subject="acc-7",
        role="institution",
        municipality=101,
        institution="G18062",
        token_id="j-1",
        expires_at=datetime.fromtimestamp(START + 900, tz=UTC),
    )
    assert server.requests == 1


def test_a_cache_hit_returns_the_same_principal_without_verifying_again(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer
) -> None:
    token = mint.access_token(role="municipality", municipality=751)
    first = verifier.verify(token)

    with mock.patch.object(verifier, "_verify_signed") as signed:
        again = verifier.verify(token)

    signed.assert_not_called()
    assert again is first
    assert server.requests == 1


def test_the_cache_is_bounded_and_evicts_the_least_recently_used(
    server: JwksServer, mint: TokenMint, clock: Clock
) -> None:
    verifier = TokenVerifier(
        server.url, issuer=ISSUER, audience=AUDIENCE, clock=clock, cache_size=2
    )
    a, b, c = (mint.access_token(sub=name) for name in "abc")
    for token in (a, b, a, c):  # b is the least recently used when c arrives
        verifier.verify(token)

    with mock.patch.object(verifier, "_verify_signed", wraps=verifier._verify_signed) as signed:
        verifier.verify(a)
        verifier.verify(c)
        assert signed.call_count == 0
        verifier.verify(b)
        assert signed.call_count == 1


def test_tokens_of_the_old_and_the_new_key_pass_after_a_rotation(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer, clock: Clock
) -> None:
    first_kid = mint.kid
    verifier.verify(mint.access_token())
    mint.rotate()
    clock.advance(31)

    new = mint.access_token()
    assert verifier.verify(new).subject == "account-1"
    assert verifier.verify(mint.access_token(kid=first_kid)).role == "institution"
    assert server.requests == 2  # the new kid was fetched once


def test_a_new_kid_waits_for_the_refetch_interval(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer, clock: Clock
) -> None:
    verifier.verify(mint.access_token())
    mint.rotate()
    new = mint.access_token()

    assert refused(verifier, new) == "unknown key id"
    clock.advance(30)
    assert verifier.verify(new).token_id
    assert server.requests == 2


def test_a_retired_key_is_dropped_at_the_next_refresh(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer, clock: Clock
) -> None:
    first_kid = mint.kid
    verifier.verify(mint.access_token())
    mint.rotate()
    mint.retire(first_kid)
    clock.advance(301)  # the JWK Set is older than its max age

    assert "retired" in refused(verifier, mint.access_token(kid=first_kid))
    assert server.requests == 2
    assert verifier.verify(mint.access_token()).token_id


def test_leeway_accepts_a_token_from_a_slightly_fast_clock(
    verifier: TokenVerifier, mint: TokenMint
) -> None:
    token = mint.access_token(issued_at=START + 20)
    assert verifier.verify(token).token_id


def test_an_audience_list_that_holds_ours_is_accepted(
    verifier: TokenVerifier, mint: TokenMint
) -> None:
    token = mint.access_token(audience=["search", AUDIENCE])
    assert verifier.verify(token).token_id


def test_concurrent_verifications_fetch_the_keys_once(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer
) -> None:
    many = [mint.access_token(sub=f"acc-{i}") for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        principals = list(pool.map(verifier.verify, many * 3))
    assert [p.subject for p in principals] == [f"acc-{i}" for i in range(40)] * 3
    assert server.requests == 1


# --- refused ------------------------------------------------------------------------


def test_alg_none_is_refused(verifier: TokenVerifier, mint: TokenMint) -> None:
    assert refused(verifier, mint.access_token(algorithm="none")) == "the algorithm is not allowed"


def test_hs256_signed_with_the_public_key_is_refused(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer
) -> None:
    forged = mint.access_token(algorithm="HS256")
    assert refused(verifier, forged) == "the algorithm is not allowed"
    # Even past the header check, PyJWT verifies with the key's own algorithm.
    with mock.patch.object(verifier, "algorithms", ("EdDSA", "HS256")):
        assert "InvalidAlgorithmError" in refused(verifier, forged)


def test_a_verifier_cannot_be_configured_with_hmac_or_none() -> None:
    for algorithms in (("HS256",), ("EdDSA", "none"), ()):
        with pytest.raises(ValueError, match="asymmetric"):
            TokenVerifier(
                "http://127.0.0.1:1/jwks", issuer=ISSUER, audience=AUDIENCE, algorithms=algorithms
            )


def test_an_expired_token_is_refused(verifier: TokenVerifier, mint: TokenMint) -> None:
    token = mint.access_token(issued_at=START - 2000)
    assert refused(verifier, token) == "the token has expired"


def test_a_token_not_valid_yet_is_refused(verifier: TokenVerifier, mint: TokenMint) -> None:
    token = mint.access_token(not_before=START + 600, expires_in=1800)
    assert refused(verifier, token) == "the token is not valid yet"


def test_a_token_issued_in_the_future_is_refused(verifier: TokenVerifier, mint: TokenMint) -> None:
    assert refused(verifier, mint.access_token(issued_at=START + 600)) == (
        "the token is not valid yet"
    )
    future_iat = mint.access_token(not_before=START, extra_claims={"iat": int(START) + 600})
    assert refused(verifier, future_iat) == "the token is not valid yet"


def test_the_wrong_audience_is_refused(verifier: TokenVerifier, mint: TokenMint) -> None:
    assert refused(verifier, mint.access_token(audience="search")) == "the audience is wrong"


def test_the_wrong_issuer_is_refused(verifier: TokenVerifier, mint: TokenMint) -> None:
    token = mint.access_token(issuer="https://evil.example")
    assert refused(verifier, token) == "the issuer is wrong"


def test_an_unknown_kid_is_refused_after_one_refetch_and_the_refetches_are_rate_limited(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer, clock: Clock
) -> None:
    verifier.verify(mint.access_token())
    assert server.requests == 1
    clock.advance(31)

    assert refused(verifier, mint.access_token(kid="stranger")) == "unknown key id"
    assert server.requests == 2  # refetched once, still not there

    for i in range(200):  # a flood of made-up kids
        refused(verifier, mint.access_token(kid=f"random-{i}"))
    assert server.requests == 2

    clock.advance(30)
    refused(verifier, mint.access_token(kid="stranger"))
    assert server.requests == 3


def test_a_tampered_payload_is_refused(verifier: TokenVerifier, mint: TokenMint) -> None:
    token = mint.access_token()
    tampered = with_claims(token, role="admin", institution=None, municipality=None)
    assert refused(verifier, tampered) == "the signature does not verify"


@pytest.mark.parametrize("typ", ["rt+jwt", None, "JWT", "id+jwt"])
def test_a_token_of_another_type_is_not_an_access_token(
    verifier: TokenVerifier, mint: TokenMint, typ: str | None
) -> None:
    assert refused(verifier, mint.access_token(typ=typ)) == "not an access token (typ)"


def test_the_media_type_form_of_the_access_token_type_is_accepted(
    verifier: TokenVerifier, mint: TokenMint
) -> None:
    assert verifier.verify(mint.access_token(typ="application/at+jwt")).token_id


@pytest.mark.parametrize("claim", ["jti", "sub", "exp", "nbf", "iat", "aud", "iss", "role"])
def test_a_missing_claim_is_refused(verifier: TokenVerifier, mint: TokenMint, claim: str) -> None:
    assert refused(verifier, mint.access_token(omit=[claim])) == f"the claim {claim} is missing"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"role": "institution", "institution": None}, "names no institution"),
        ({"role": "institution", "institution": "g18062"}, "not an institution number"),
        ({"role": "municipality", "institution": None, "municipality": None}, "one municipality"),
        ({"role": "municipality", "institution": "G18062"}, "one municipality"),
        ({"role": "municipality", "institution": None, "municipality": 1}, "municipality code"),
        ({"role": "admin", "institution": "G18062"}, "no institution or municipality"),
        ({"role": "dst", "municipality": 101}, "no institution or municipality"),
        ({"role": "superuser", "institution": None}, "the role is unknown"),
    ],
)
def test_the_role_and_its_tenant_claims_must_fit(
    verifier: TokenVerifier, mint: TokenMint, claims: dict[str, Any], reason: str
) -> None:
    assert reason in refused(verifier, mint.access_token(**claims))


@pytest.mark.parametrize(
    "extra",
    [{"jti": ""}, {"sub": 7}, {"exp": "soon"}, {"exp": True}, {"nbf": None}, {"exp": 10**400}],
)
def test_malformed_claims_are_refused(
    verifier: TokenVerifier, mint: TokenMint, extra: dict[str, Any]
) -> None:
    refused(verifier, mint.access_token(extra_claims=extra))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 9000, "é.é.é"])
def test_garbage_is_refused_without_asking_auth(
    verifier: TokenVerifier, server: JwksServer, garbage: str
) -> None:
    refused(verifier, garbage)
    assert server.requests == 0


def test_a_revoked_token_is_refused_also_from_the_cache(
    verifier: TokenVerifier, mint: TokenMint, revoked: set[str]
) -> None:
    token = mint.access_token(jti="to-revoke")
    verifier.verify(token)

    revoked.add("to-revoke")

    with mock.patch.object(verifier, "_verify_signed") as signed:
        assert refused(verifier, token) == "the token is revoked"
    signed.assert_not_called()
    assert refused(verifier, mint.access_token(jti="to-revoke")) == "the token is revoked"


def test_a_revocation_list_that_cannot_be_read_makes_the_verifier_unavailable(
    server: JwksServer, mint: TokenMint, clock: Clock
) -> None:
    def broken(jti: str) -> bool:
        raise ConnectionError("redis is away")

    verifier = TokenVerifier(
        server.url, issuer=ISSUER, audience=AUDIENCE, clock=clock, is_revoked=broken
    )
    with pytest.raises(VerifierUnavailable):
        verifier.verify(mint.access_token())


def test_a_token_cached_while_valid_is_refused_once_expired(
    verifier: TokenVerifier, mint: TokenMint, clock: Clock
) -> None:
    token = mint.access_token(expires_in=900)
    verifier.verify(token)

    clock.advance(900 + 30 - 1)  # inside the leeway
    assert verifier.verify(token).token_id
    clock.advance(1)
    assert refused(verifier, token) == "the token has expired"


# --- auth away ----------------------------------------------------------------------


def test_an_unreachable_jwks_is_unavailable_not_invalid(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer, clock: Clock
) -> None:
    server.stop()
    with pytest.raises(VerifierUnavailable):
        verifier.verify(mint.access_token())
    # Retried after a short pause, not on every request.
    with pytest.raises(VerifierUnavailable):
        verifier.verify(mint.access_token())
    assert verifier.jwks_fetches == 1
    clock.advance(1)
    with pytest.raises(VerifierUnavailable):
        verifier.verify(mint.access_token())
    assert verifier.jwks_fetches == 2


def test_known_keys_keep_working_while_auth_is_away(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer, clock: Clock
) -> None:
    verifier.verify(mint.access_token())
    server.stop()
    clock.advance(600)  # the JWK Set is stale and cannot be refreshed

    assert verifier.verify(mint.access_token()).role == "institution"
    assert verifier.jwks_fetches == 2


def test_a_jwks_without_usable_keys_is_unavailable(mint: TokenMint, clock: Clock) -> None:
    verifier = mint.verifier(clock=clock, fetch_jwks=lambda: {"keys": []})
    with pytest.raises(VerifierUnavailable):
        verifier.verify(mint.access_token())
    with pytest.raises(VerifierUnavailable):
        verifier.refresh_keys()


def test_the_mint_verifier_needs_no_server() -> None:
    mint = TokenMint()
    verifier = mint.verifier()
    verifier.refresh_keys()
    assert verifier.verify(mint.access_token(role="dst"))


def test_the_roles_and_institution_numbers_are_the_contracts() -> None:
    from dagtilbud_contracts import vocabulary

    assert tokens.ROLES == vocabulary.ROLES
    assert tokens.INSTITUTION_NUMBER_PATTERN == vocabulary.INSTITUTION_NUMBER_PATTERN


# --- Flask --------------------------------------------------------------------------


def make_app(verifier: TokenVerifier) -> Flask:
    app, _ = create_service_app("demo", {}, title="Demo")
    install_token_verifier(app, verifier)

    @app.get("/me")
    @requires()
    def me() -> dict[str, Any]:
        principal = current_principal()
        return {"sub": principal.subject, "role": principal.role}

    @app.get("/admin")
    @requires("admin", "dst")
    def admin() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/institutions/<number>")
    @requires(
        "institution",
        "admin",
        tenancy=lambda p, number: p.role == "admin" or same_institution(p, number),
    )
    def institution(number: str) -> dict[str, str]:
        return {"number": number, "by": current_principal().subject}

    @app.get("/municipalities/<int:code>")
    @requires("municipality", tenancy=same_municipality_of_view)
    def municipality(code: int) -> dict[str, int]:
        return {"code": code}

    return app


def same_municipality_of_view(principal: Principal, code: int) -> bool:
    return same_municipality(principal, code)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [
        (None, "Bearer"),
        ("Basic dXNlcjpwYXNz", "Bearer"),
        ("Bearer", 'Bearer error="invalid_token"'),
        ("Bearer garbage", 'Bearer error="invalid_token"'),
        ("Bearer a.b.c d.e.f", 'Bearer error="invalid_token"'),
    ],
)
def test_no_or_a_bad_token_is_401_with_a_bearer_challenge(
    verifier: TokenVerifier, authorization: str | None, challenge: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = make_app(verifier).test_client().get("/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == challenge
    assert response.get_json()["code"] == 401


def test_a_valid_token_reaches_the_view_with_its_principal(
    verifier: TokenVerifier, mint: TokenMint
) -> None:
    client = make_app(verifier).test_client()
    token = mint.access_token(sub="acc-9")
    response = client.get("/me", headers={"Authorization": f"bearer  {token}"})
    assert response.status_code == 200
    assert response.get_json() == {"sub": "acc-9", "role": "institution"}
    assert client.get("/institutions/G18062", headers=bearer(token)).get_json() == {
        "number": "G18062",
        "by": "acc-9",
    }


def test_a_role_not_allowed_is_403(verifier: TokenVerifier, mint: TokenMint) -> None:
    client = make_app(verifier).test_client()
    response = client.get("/admin", headers=bearer(mint.access_token()))
    assert response.status_code == 403
    admin = mint.access_token(role="admin")
    assert client.get("/admin", headers=bearer(admin)).status_code == 200
    assert client.get("/institutions/X12345", headers=bearer(admin)).status_code == 200


def test_another_tenant_is_403_without_detail(verifier: TokenVerifier, mint: TokenMint) -> None:
    client = make_app(verifier).test_client()
    response = client.get("/institutions/X12345", headers=bearer(mint.access_token()))
    assert response.status_code == 403
    assert "X12345" not in response.get_data(as_text=True)
    assert "G18062" not in response.get_data(as_text=True)

    aarhus = mint.access_token(role="municipality", municipality=751)
    assert client.get("/municipalities/751", headers=bearer(aarhus)).status_code == 200
    assert client.get("/municipalities/101", headers=bearer(aarhus)).status_code == 403


def test_auth_away_and_the_key_not_cached_is_503(
    verifier: TokenVerifier, mint: TokenMint, server: JwksServer
) -> None:
    server.stop()
    response = make_app(verifier).test_client().get("/me", headers=bearer(mint.access_token()))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "WWW-Authenticate" not in response.headers


def test_requires_refuses_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="superuser"):
        requires("superuser")


def test_current_principal_outside_a_guarded_view_is_an_error() -> None:
    app = Flask("demo")
    with app.test_request_context("/"), pytest.raises(RuntimeError):
        current_principal()


def test_bearer_header_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("BEARER   abc ") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token(None) is None
    with pytest.raises(InvalidToken):
        bearer_token("Bearer a b")


def test_tenancy_helpers() -> None:
    expires = datetime.fromtimestamp(START, tz=UTC)
    school = Principal("a", "institution", 101, "G18062", "j", expires)
    town = Principal("b", "municipality", 751, None, "k", expires)
    assert same_institution(school, "G18062")
    assert not same_institution(school, "X12345")
    assert not same_institution(town, "G18062")
    assert same_municipality(town, 751)
    assert same_municipality(town, "751")
    assert not same_municipality(town, "0751x")
    assert not same_municipality(school, 101)  # an institution is not its municipality
