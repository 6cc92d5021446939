"""Access tokens for tests: a stand-in for auth's signing keys.

``TokenMint`` holds Ed25519 key pairs, publishes their public halves as a JWK
Set (``jwks()``) and signs access tokens the way auth will. It serves nothing
itself: a test hands ``mint.jwks`` to a ``TokenVerifier`` (``mint.verifier()``)
or serves it over HTTP. The bad tokens a verifier must refuse are made with the
same call: another ``typ``, ``algorithm="none"`` or ``"HS256"`` (an HMAC over
the public key, the classic key-confusion attack), claims left out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, TypedDict, Unpack

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from dagkit.tokens import TokenVerifier

ISSUER: Final = "https://auth.dagtilbud.test"
AUDIENCE: Final = "dagtilbud"
JWKS_PATH: Final = "/.well-known/jwks.json"
JWKS_URL: Final = "http://auth.dagtilbud.test/.well-known/jwks.json"
_UNSET: Final[Any] = object()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class _ClaimOptions(TypedDict, total=False):
    """``TokenMint.claims``'s options, which ``access_token`` passes on."""

    sub: str
    role: str
    municipality: int | None
    institution: str | None
    expires_in: float
    not_before: float | None
    issued_at: float | None
    audience: str | list[str] | None
    issuer: str | None
    jti: str | None
    extra_claims: Mapping[str, Any] | None
    omit: Iterable[str]


class TokenMint:
    """Signing keys and access tokens for tests; ``clock`` gives the time the
    tokens are issued at (epoch seconds)."""

    def __init__(
        self,
        *,
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.clock = clock
        self._keys: dict[str, Ed25519PrivateKey] = {}
        self.kid = ""
        self.rotate()

    def rotate(self) -> str:
        """A new signing key, used from now on; the old ones stay published
        (auth's overlap) until ``retire``. Returns the new kid."""
        self.kid = f"test-{uuid.uuid4().hex[:12]}"
        self._keys[self.kid] = Ed25519PrivateKey.generate()
        return self.kid

    def retire(self, kid: str) -> None:
        """Stop publishing ``kid`` (not the current key)."""
        if kid == self.kid:
            raise ValueError("the current key cannot be retired; rotate first")
        del self._keys[kid]

    def public_key_bytes(self, kid: str | None = None) -> bytes:
        """The raw 32 bytes of a public key (what an HMAC key-confusion attack uses)."""
        key = self._keys[kid or self.kid].public_key()
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)

    def jwks(self) -> dict[str, Any]:
        """The JWK Set auth would publish at ``/.well-known/jwks.json``."""
        return {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": b64url(self.public_key_bytes(kid)),
                    "kid": kid,
                    "use": "sig",
                    "alg": "EdDSA",
                }
                for kid in self._keys
            ]
        }

    def claims(
        self,
        *,
        sub: str = "account-1",
        role: str = "institution",
        municipality: int | None = _UNSET,
        institution: str | None = _UNSET,
        expires_in: float = 900,
        not_before: float | None = None,
        issued_at: float | None = None,
        audience: str | list[str] | None = None,
        issuer: str | None = None,
        jti: str | None = None,
        extra_claims: Mapping[str, Any] | None = None,
        omit: Iterable[str] = (),
    ) -> dict[str, Any]:
        """An access token's claims. The tenant claims fit the role unless
        given: ``institution`` ``G18062`` for the institution role,
        ``municipality`` ``101`` for the institution and municipality roles,
        none otherwise."""
        now = self.clock() if issued_at is None else issued_at
        if institution is _UNSET:
            institution = "G18062" if role == "institution" else None
        if municipality is _UNSET:
            municipality = 101 if role in ("institution", "municipality") else None
        claims: dict[str, Any] = {
            "iss": issuer or self.issuer,
            "aud": audience or self.audience,
            "sub": sub,
            "jti": jti or uuid.uuid4().hex,
            "iat": int(now),
            "nbf": int(now if not_before is None else not_before),
            "exp": int(now + expires_in),
            "role": role,
            "municipality": municipality,
            "institution": institution,
            **(extra_claims or {}),
        }
        for name in omit:
            claims.pop(name, None)
        return claims

    def access_token(
        self,
        *,
        typ: str | None = "at+jwt",
        kid: str | None = None,
        algorithm: str = "EdDSA",
        headers: Mapping[str, Any] | None = None,
        **claims: Unpack[_ClaimOptions],
    ) -> str:
        """A signed access token with ``claims(**claims)``. ``typ=None`` leaves the
        header's typ out; a ``kid`` the mint does not hold signs with a key
        nobody publishes; ``algorithm`` ``"none"`` signs nothing and
        ``"HS256"`` signs with the public key's bytes as the HMAC secret."""
        payload = self.claims(**claims)
        kid = kid or self.kid
        header: dict[str, Any] = {"alg": algorithm, "kid": kid}
        if typ is not None:
            header["typ"] = typ
        header.update(headers or {})
        return self._compact(header, payload, self._signer(algorithm, kid))

    def _signer(self, algorithm: str, kid: str) -> Callable[[bytes], bytes]:
        if algorithm == "EdDSA":
            return (self._keys.get(kid) or Ed25519PrivateKey.generate()).sign
        if algorithm == "none":
            return lambda _data: b""
        if algorithm == "HS256":
            secret = self.public_key_bytes(kid if kid in self._keys else None)
            return lambda data: hmac.new(secret, data, hashlib.sha256).digest()
        raise ValueError(f"unsupported algorithm {algorithm!r}")

    @staticmethod
    def _compact(
        header: Mapping[str, Any], payload: Mapping[str, Any], sign: Callable[[bytes], bytes]
    ) -> str:
        signing_input = ".".join(
            b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)
        )
        return f"{signing_input}.{b64url(sign(signing_input.encode('ascii')))}"

    def verifier(self, **options: Any) -> TokenVerifier:
        """A ``TokenVerifier`` for this mint's tokens that reads ``jwks()``
        directly instead of over HTTP; ``options`` are the verifier's."""
        options.setdefault("issuer", self.issuer)
        options.setdefault("audience", self.audience)
        options.setdefault("fetch_jwks", self.jwks)
        return TokenVerifier(JWKS_URL, **options)


def with_claims(token: str, **changes: Any) -> str:
    """``token`` with claims changed and the original signature kept (a
    tampered token)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{forged}.{signature}"


class JwksServer:
    """Serves a mint's JWK Set at /.well-known/jwks.json on a loopback port
    (``url``), as auth does, and counts the requests; ``stop()`` ends it."""

    def __init__(self, mint: TokenMint) -> None:
        self.mint = mint
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != JWKS_PATH:
                    self.send_error(404)
                    return
                server.requests += 1
                body = json.dumps(server.mint.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host!s}:{port}{JWKS_PATH}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()
