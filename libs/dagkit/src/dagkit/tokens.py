"""Verifying the portal's access tokens in every service, without a secret
shared with auth.

auth signs short-lived access tokens (JWT, EdDSA over Ed25519, RFC 9068's
``at+jwt`` type) and publishes its public keys as a JWK Set with a ``kid`` per
key. A service builds one ``TokenVerifier`` at start and guards its views with
``requires``::

    verifier = verifier_from_settings(settings)  # AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE
    install_token_verifier(app, verifier)

    @blueprint.route("/institutions/<number>/profile")
    @requires("institution", "admin", tenancy=lambda p, number: p.role == "admin"
              or same_institution(p, number))
    def profile(number: str): ...

What a token must hold (anything else is ``InvalidToken``):

* header: ``alg`` one of the configured algorithms (never ``none``, never an
  HMAC), ``typ`` ``at+jwt`` (or ``application/at+jwt``; a refresh or ID
  token is not an access token),
  ``kid`` of a key in auth's JWK Set;
* claims: ``iss`` and ``aud`` as configured, ``sub`` and ``jti`` non-empty
  strings, ``exp``, ``nbf`` and ``iat`` numbers with now inside the window
  (give or take ``leeway_s``), ``role`` one of ``ROLES``, and the tenant
  claims the role implies: ``institution`` (an institution number; a
  ``municipality`` code beside it is allowed) for the institution role,
  ``municipality`` alone for the municipality role, neither for admin and dst.

Keys: the JWK Set is fetched on first use, again after ``jwks_max_age_s`` (a
failed refresh keeps the keys already known), and at once for a ``kid`` it
does not hold, but never twice within ``min_refetch_interval_s`` (after a
failed fetch: ``retry_unavailable_s``), so tokens with made-up kids cannot
make a service hammer auth. A fetch that fails while the token's key is not
known is ``VerifierUnavailable``: a transient fault, answered with 503.

Speed: a verified token is kept in a bounded LRU cache under the SHA-256 of
its text; a later hit checks only the time window and the revocation hook,
which runs on every verification, hit or miss. So a token verified before its
key was retired stays good until it expires (an access token lives 15
minutes); revoking it is the revocation hook's job.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, ParamSpec, TypeVar

from flask import Flask, current_app, g, request
from jwt import PyJWK, PyJWKClient, PyJWKSet, PyJWT
from jwt import exceptions as jwt_errors
from werkzeug.exceptions import Forbidden, ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)

# The same values as dagtilbud_contracts.vocabulary (ROLES,
# INSTITUTION_NUMBER_PATTERN): the contracts package depends on the kit, so the
# kit cannot import it; tests/unit/test_tokens.py holds the two equal.
ROLES: Final = ("institution", "municipality", "admin", "dst")
INSTITUTION_NUMBER_PATTERN: Final = r"^[A-Z0-9]{6}$"
# DST's municipality codes are three digits without a leading zero (101-860).
MUNICIPALITY_CODE_MIN: Final = 100
MUNICIPALITY_CODE_MAX: Final = 999

ACCESS_TOKEN_TYPES: Final = frozenset({"at+jwt", "application/at+jwt"})
REQUIRED_CLAIMS: Final = ("iss", "aud", "sub", "jti", "exp", "nbf", "iat", "role")
# A real access token is well under 1 KiB; anything far larger is refused
# before it is hashed or decoded.
MAX_TOKEN_LENGTH: Final = 8192
MAX_CLAIM_LENGTH: Final = 256
VERIFIER_KEY: Final = "dagkit.token_verifier"
PRINCIPAL_KEY: Final = "dagkit_principal"
# The security scheme's name in every service's OpenAPI document.
BEARER_SCHEME: Final = "bearerAuth"


def bearer_security_scheme(description: str) -> dict[str, str]:
    """The OpenAPI security scheme of the portal's access tokens."""
    return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": description}


_INSTITUTION_NUMBER = re.compile(INSTITUTION_NUMBER_PATTERN)
P = ParamSpec("P")
R = TypeVar("R")


class InvalidToken(Exception):
    """The token is refused. ``reason`` is for logs and never holds the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class VerifierUnavailable(Exception):
    """The token could not be judged: auth's JWK Set (or the revocation list)
    cannot be reached. Transient: answer 503, not 401."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a verified access token speaks for."""

    subject: str
    role: str
    municipality: int | None
    institution: str | None
    token_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class _Verified:
    principal: Principal
    not_before: float
    expires: float


class _KeySet:
    """auth's signing keys by ``kid``, fetched with PyJWT's ``PyJWKClient``.

    PyJWKClient's own caching does not fit: its per-key LRU (``cache_keys``)
    never forgets a key auth has retired, its JWK Set cache fails every lookup
    when a refresh after ``lifespan`` fails although the keys are known, and it
    holds one lock across the HTTP request for every lookup. So the client only
    fetches here; caching, rate limiting and the fallback to known keys are
    this class's.
    """

    def __init__(
        self,
        fetch: Callable[[], Any],
        *,
        algorithms: Collection[str],
        clock: Callable[[], float],
        max_age_s: float,
        min_refetch_interval_s: float,
        retry_unavailable_s: float,
    ) -> None:
        self._fetch = fetch
        self._algorithms = frozenset(algorithms)
        self._clock = clock
        self._max_age_s = max_age_s
        self._min_interval_s = min_refetch_interval_s
        self._retry_unavailable_s = retry_unavailable_s
        self._keys: Mapping[str, PyJWK] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last fetch, successful or not
        self._last_failed = False
        self._lock = threading.Lock()
        self.fetches = 0

    def key(self, kid: str) -> PyJWK:
        """The key ``kid``; ``InvalidToken`` when auth does not publish it,
        ``VerifierUnavailable`` when auth cannot be asked and it is not known."""
        key = self._keys.get(kid)
        if key is not None:
            if self._is_stale() and self._lock.acquire(blocking=False):
                # One thread refreshes; the others go on with the keys they have.
                try:
                    if self._is_stale() and self._may_fetch():
                        self._refresh()
                finally:
                    self._lock.release()
                key = self._keys.get(kid)
                if key is None:
                    raise InvalidToken("the signing key is retired")
            return key
        with self._lock:
            # Another thread may have fetched while this one waited.
            key = self._keys.get(kid)
            if key is None and self._may_fetch():
                self._refresh()
                key = self._keys.get(kid)
            if key is not None:
                return key
            if self._last_failed:
                raise VerifierUnavailable("the JWK Set cannot be fetched")
            raise InvalidToken("unknown key id")

    def refresh(self) -> None:
        """Fetch the JWK Set now (not rate limited); ``VerifierUnavailable`` if
        that fails."""
        with self._lock:
            self._refresh()
            if self._last_failed:
                raise VerifierUnavailable("the JWK Set cannot be fetched")

    def _is_stale(self) -> bool:
        fetched_at = self._fetched_at
        return fetched_at is None or self._clock() - fetched_at >= self._max_age_s

    def _may_fetch(self) -> bool:
        """Called with the lock held: whether the last attempt is long enough ago
        (or the clock was set back before it)."""
        if self._attempted_at is None:
            return True
        wait = self._retry_unavailable_s if self._last_failed else self._min_interval_s
        elapsed = self._clock() - self._attempted_at
        return elapsed >= wait or elapsed < 0

    def _refresh(self) -> None:
        """Called with the lock held. Keeps the keys it has when the fetch fails."""
        self._attempted_at = self._clock()
        self.fetches += 1
        try:
            keys = self._usable_keys(self._fetch())
        except Exception as exc:  # whatever went wrong, auth did not hand over its keys
            self._last_failed = True
            log.warning("the JWK Set cannot be fetched", extra={"error": repr(exc)})
            return
        self._keys = keys
        self._fetched_at = self._attempted_at
        self._last_failed = False

    def _usable_keys(self, document: Any) -> dict[str, PyJWK]:
        if not isinstance(document, dict):
            raise jwt_errors.PyJWKSetError("the JWK Set is not a JSON object")
        keys = {
            key.key_id: key
            for key in PyJWKSet.from_dict(document).keys
            if isinstance(key.key_id, str)
            and key.key_id
            and key.public_key_use in ("sig", None)
            and key.algorithm_name in self._algorithms
        }
        if not keys:
            raise jwt_errors.PyJWKSetError("the JWK Set holds no key for the allowed algorithms")
        return keys


class TokenVerifier:
    """Verifies access tokens against auth's published keys. Thread-safe; build
    one per process and share it.

    ``fetch_jwks`` replaces the HTTP GET of ``jwks_url`` (tests hand in a
    ``TokenMint``'s ``jwks``); ``is_revoked`` is asked with the ``jti`` of
    every token, cached or not; ``clock`` gives the time in epoch seconds.
    """

    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str,
        audience: str,
        algorithms: Sequence[str] = ("EdDSA",),
        leeway_s: float = 30.0,
        jwks_timeout_s: float = 2.0,
        min_refetch_interval_s: float = 30.0,
        jwks_max_age_s: float = 300.0,
        retry_unavailable_s: float = 1.0,
        cache_size: int = 10_000,
        is_revoked: Callable[[str], bool] | None = None,
        clock: Callable[[], float] = time.time,
        fetch_jwks: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        if not algorithms or any(a == "none" or a.startswith("HS") for a in algorithms):
            raise ValueError("algorithms must be asymmetric signature algorithms")
        if cache_size < 0:
            raise ValueError("cache_size must not be negative")
        self.issuer = issuer
        self.audience = audience
        self.algorithms = tuple(algorithms)
        self._leeway_s = leeway_s
        self._cache_size = cache_size
        self._is_revoked = is_revoked
        self._clock = clock
        self._jwt = PyJWT(
            {
                "require": list(REQUIRED_CLAIMS),
                # The time window is checked against ``clock`` below.
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "strict_aud": False,
            }
        )
        if fetch_jwks is None:
            client = PyJWKClient(
                jwks_url,
                cache_keys=False,
                cache_jwk_set=False,
                timeout=jwks_timeout_s,
                headers={"Accept": "application/json", "User-Agent": "dagkit-token-verifier"},
            )
            fetch: Callable[[], Any] = client.fetch_data
        else:
            fetch = fetch_jwks
        self._keys = _KeySet(
            fetch,
            algorithms=self.algorithms,
            clock=clock,
            max_age_s=jwks_max_age_s,
            min_refetch_interval_s=min_refetch_interval_s,
            retry_unavailable_s=retry_unavailable_s,
        )
        self._cache: OrderedDict[bytes, _Verified] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def jwks_fetches(self) -> int:
        """How many times the JWK Set was fetched (or tried)."""
        return self._keys.fetches

    def refresh_keys(self) -> None:
        """Fetch the JWK Set now, e.g. at start; ``VerifierUnavailable`` if auth
        does not answer."""
        self._keys.refresh()

    def verify(self, token: str) -> Principal:
        """The principal of a valid access token; ``InvalidToken`` otherwise,
        ``VerifierUnavailable`` when it cannot be judged now."""
        if not isinstance(token, str) or not token:
            raise InvalidToken("no token")
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("the token is too long")
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        now = self._clock()
        with self._cache_lock:
            verified = self._cache.get(digest)
            if verified is not None:
                self._cache.move_to_end(digest)
        if verified is None:
            verified = self._verify_signed(token)
            self._check_window(verified, now)
            self._remember(digest, verified)
        else:
            self._check_window(verified, now)
        self._check_revocation(verified.principal.token_id)
        return verified.principal

    def _remember(self, digest: bytes, verified: _Verified) -> None:
        if self._cache_size == 0:
            return
        with self._cache_lock:
            self._cache[digest] = verified
            self._cache.move_to_end(digest)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _check_window(self, verified: _Verified, now: float) -> None:
        if verified.expires <= now - self._leeway_s:
            raise InvalidToken("the token has expired")
        if verified.not_before > now + self._leeway_s:
            raise InvalidToken("the token is not valid yet")

    def _check_revocation(self, token_id: str) -> None:
        if self._is_revoked is None:
            return
        try:
            revoked = self._is_revoked(token_id)
        except Exception as exc:
            raise VerifierUnavailable("the revocation list cannot be read") from exc
        if revoked:
            raise InvalidToken("the token is revoked")

    def _verify_signed(self, token: str) -> _Verified:
        header = _unverified_header(token)
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise InvalidToken("the algorithm is not allowed")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("not an access token (typ)")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > MAX_CLAIM_LENGTH:
            raise InvalidToken("no usable key id")
        key = self._keys.key(kid)
        try:
            decoded = self._jwt.decode_complete(
                token,
                key=key,
                algorithms=list(self.algorithms),
                audience=self.audience,
                issuer=self.issuer,
            )
        except jwt_errors.MissingRequiredClaimError as exc:
            raise InvalidToken(f"the claim {exc.claim} is missing") from None
        except jwt_errors.InvalidSignatureError:
            raise InvalidToken("the signature does not verify") from None
        except jwt_errors.InvalidAudienceError:
            raise InvalidToken("the audience is wrong") from None
        except jwt_errors.InvalidIssuerError:
            raise InvalidToken("the issuer is wrong") from None
        except jwt_errors.PyJWTError as exc:
            raise InvalidToken(f"the token is invalid ({type(exc).__name__})") from None
        if decoded["header"] != header:  # what was checked above is what was signed
            raise InvalidToken("the token is malformed")
        return _claims(decoded["payload"])


def verifier_from_settings(settings: Mapping[str, Any], **options: Any) -> TokenVerifier:
    """The verifier of a service whose settings schema has
    ``dagkit.config.TokenSettingsSchema`` (``auth_jwks_url``, ``auth_issuer``,
    ``auth_audience``); ``options`` are the verifier's."""
    return TokenVerifier(
        settings["auth_jwks_url"],
        issuer=settings["auth_issuer"],
        audience=settings["auth_audience"],
        **options,
    )


def _unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, to choose the key and refuse early; PyJWT decodes it
    again with the signature (only the header segment is decoded here, which
    is much cheaper than PyJWT's whole-token parse)."""
    segment, dots = token.partition(".")[0], token.count(".")
    try:
        if dots != 2:
            raise ValueError("not three segments")
        raw = base64.urlsafe_b64decode(segment.encode("ascii") + b"=" * (-len(segment) % 4))
        header = json.loads(raw)
    except (ValueError, binascii.Error, RecursionError):
        raise InvalidToken("the token is malformed") from None
    if not isinstance(header, dict):
        raise InvalidToken("the token is malformed")
    return header


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"the claim {name} is not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise InvalidToken(f"the claim {name} is not a finite number")
    return number


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims[name]
    if not isinstance(value, str) or not value or len(value) > MAX_CLAIM_LENGTH:
        raise InvalidToken(f"the claim {name} is not a usable string")
    return value


def _claims(claims: Mapping[str, Any]) -> _Verified:
    """The principal of a token whose signature, issuer and audience are good."""
    expires = _number(claims, "exp")
    not_before = _number(claims, "nbf")
    issued_at = _number(claims, "iat")
    if issued_at > expires or not_before >= expires:
        raise InvalidToken("the token's times contradict each other")
    subject = _text(claims, "sub")
    token_id = _text(claims, "jti")
    role = claims["role"]
    if role not in ROLES:
        raise InvalidToken("the role is unknown")
    institution = claims.get("institution")
    municipality = claims.get("municipality")
    if institution is not None and (
        not isinstance(institution, str) or not _INSTITUTION_NUMBER.match(institution)
    ):
        raise InvalidToken("the institution claim is not an institution number")
    if municipality is not None and (
        isinstance(municipality, bool)
        or not isinstance(municipality, int)
        or not MUNICIPALITY_CODE_MIN <= municipality <= MUNICIPALITY_CODE_MAX
    ):
        raise InvalidToken("the municipality claim is not a municipality code")
    if role == "institution" and institution is None:
        raise InvalidToken("an institution token names no institution")
    if role == "municipality" and (municipality is None or institution is not None):
        raise InvalidToken("a municipality token must name one municipality and no institution")
    if role in ("admin", "dst") and (municipality is not None or institution is not None):
        raise InvalidToken(f"a {role} token names no institution or municipality")
    try:
        expires_at = datetime.fromtimestamp(expires, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidToken("the claim exp is out of range") from None
    principal = Principal(
        subject=subject,
        role=role,
        municipality=municipality,
        institution=institution,
        token_id=token_id,
        expires_at=expires_at,
    )
    # A token issued in the future is not valid before it was issued.
    return _Verified(principal, not_before=max(not_before, issued_at), expires=expires)


# --- Flask ---------------------------------------------------------------------------


class _BearerChallenge(Unauthorized):
    """401 with the RFC 6750 challenge: an error code only when a bearer token
    was presented (and refused), none when there was no token to judge."""

    def __init__(self, error: str | None) -> None:
        super().__init__()
        self._challenge = "Bearer" if error is None else f'Bearer error="{error}"'

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        headers = super().get_headers(*args, **kwargs)
        return [*headers, ("WWW-Authenticate", self._challenge)]


def install_token_verifier(app: Flask, verifier: TokenVerifier) -> None:
    """Hand the app the verifier ``requires`` uses."""
    app.extensions[VERIFIER_KEY] = verifier


def token_verifier(app: Flask | None = None) -> TokenVerifier:
    verifier = (app or current_app).extensions.get(VERIFIER_KEY)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError("no token verifier installed (dagkit.tokens.install_token_verifier)")
    return verifier


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None for no
    header or another scheme; ``InvalidToken`` for a malformed bearer header."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = rest.strip(" ")
    if not token or " " in token:
        raise InvalidToken("the bearer header holds no single token")
    return token


def requires(
    *roles: str, tenancy: Callable[..., bool] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Guard a view: a valid access token (401 otherwise), one of ``roles``
    (any role when none are named) and, when given, ``tenancy(principal,
    **view_args)`` true (403 otherwise, saying nothing of whose the resource
    is). 503 when the token cannot be judged now. The view reaches the
    principal through ``current_principal()``."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    allowed = frozenset(roles)

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            principal = _authenticate()
            if allowed and principal.role not in allowed:
                raise Forbidden()
            if tenancy is not None and not tenancy(principal, **(request.view_args or {})):
                raise Forbidden()
            return view(*args, **kwargs)

        return guarded

    return decorate


def _authenticate() -> Principal:
    verifier = token_verifier()
    try:
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            raise _BearerChallenge(None)
        principal = verifier.verify(token)
    except InvalidToken as exc:
        log.info("access token refused", extra={"reason": exc.reason})
        raise _BearerChallenge("invalid_token") from None
    except VerifierUnavailable as exc:
        log.warning("access token cannot be verified", extra={"reason": exc.reason})
        raise ServiceUnavailable(retry_after=1) from None
    setattr(g, PRINCIPAL_KEY, principal)
    return principal


def current_principal() -> Principal:
    """The principal of the request, in a view guarded by ``requires``."""
    principal = g.get(PRINCIPAL_KEY)
    if not isinstance(principal, Principal):
        raise RuntimeError("no principal: the view is not guarded by dagkit.tokens.requires")
    return principal


def same_institution(principal: Principal, number: str) -> bool:
    """The principal is the institution ``number``'s own account."""
    return principal.role == "institution" and principal.institution == number


def same_municipality(principal: Principal, code: int | str) -> bool:
    """The principal is the municipality ``code``'s own account (``code`` as
    in data, ``101``, or as a URL segment, ``"101"``)."""
    if isinstance(code, str):
        if not code.isdigit():
            return False
        code = int(code)
    return principal.role == "municipality" and principal.municipality == code
