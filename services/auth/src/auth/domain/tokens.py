"""Access tokens: what auth signs and every service's verifier checks.

An access token is a JWT (RFC 9068's ``at+jwt``) signed with EdDSA, valid for
``access_lifetime``: the claims ``dagkit.tokens.TokenVerifier`` requires
(``iss``, ``aud``, ``sub``, ``jti``, ``iat``, ``nbf``, ``exp``, ``role``) and
the tenant claims the role implies (an institution account: ``institution``
and, when known, its ``municipality``; a municipality account:
``municipality``; admin and dst: neither).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from auth.domain.accounts import Account, Role

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - a JOSE type, not a secret
TOKEN_TYPE = "Bearer"  # noqa: S105 - the token_type of a token answer (RFC 6749)
ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class TokenRules:
    """Who issues tokens for whom, and how long they and the keys live."""

    issuer: str
    audience: str
    access_lifetime: timedelta = timedelta(minutes=15)
    # How long a login lasts however often it is refreshed: a working day.
    refresh_lifetime: timedelta = timedelta(hours=12)
    # A new signing key is published this long before it signs: longer than
    # a verifier keeps a JWK Set (dagkit.tokens: jwks_max_age_s, 5 minutes).
    publish_ahead: timedelta = timedelta(minutes=6)
    # A retired key stays published this long after its last token expired:
    # more than the verifiers' leeway on exp (dagkit.tokens: 30 s).
    retire_leeway: timedelta = timedelta(seconds=60)

    @property
    def access_seconds(self) -> int:
        return int(self.access_lifetime.total_seconds())


def new_token_id() -> str:
    return uuid.uuid4().hex


def tenant_claims(account: Account) -> dict[str, Any]:
    """The tenant claims of ``account``'s role, as the verifier requires them."""
    if account.role is Role.INSTITUTION:
        claims: dict[str, Any] = {"institution": account.institution_number}
        if account.municipality_code is not None:
            claims["municipality"] = account.municipality_code
        return claims
    if account.role is Role.MUNICIPALITY:
        return {"municipality": account.municipality_code}
    return {}


def access_claims(
    account: Account, rules: TokenRules, now: datetime, token_id: str
) -> dict[str, Any]:
    """The claims of an access token for ``account`` issued at ``now``."""
    issued = int(now.timestamp())
    return {
        "iss": rules.issuer,
        "aud": rules.audience,
        "sub": account.account_id,
        "jti": token_id,
        "iat": issued,
        "nbf": issued,
        "exp": issued + rules.access_seconds,
        "role": account.role.value,
        **tenant_claims(account),
    }
