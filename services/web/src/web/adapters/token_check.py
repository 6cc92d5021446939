"""The kit's access-token verifier, as the pages behind login ask it."""

from __future__ import annotations

from dagkit.tokens import InvalidToken, TokenVerifier
from web.service_layer.signing_in import TokenClaims, TokenRefused, Verify


def token_check(verifier: TokenVerifier) -> Verify:
    """``verifier.verify`` answering in the service layer's terms; the
    verifier's ``VerifierUnavailable`` passes through (the app answers 503)."""

    def check(token: str) -> TokenClaims:
        try:
            principal = verifier.verify(token)
        except InvalidToken as refused:
            raise TokenRefused(refused.reason) from refused
        return TokenClaims(
            subject=principal.subject,
            role=principal.role,
            municipality=principal.municipality,
            institution=principal.institution,
        )

    return check
