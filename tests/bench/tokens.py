"""Kit: access-token verifications per second on one core (every API request
pays one), cold (signature checked) and warm (the verified-token cache), beside
one bare PyJWT verification of the same tokens. (A login's cost, and one
argon2id hash beside it, are auth_login's.)"""

from __future__ import annotations

import statistics
import time

import jwt

from dagkit.testing.tokens import TokenMint

TOKENS = 2_000
ROUNDS = 5
TARGET_PER_SECOND = 20_000


def _rate(work: int, seconds: float) -> float:
    return work / seconds if seconds else float("inf")


def run() -> dict[str, bool]:
    mint = TokenMint()
    tokens = [
        mint.access_token(sub=f"user-{i}", role="institution", institution=f"G{i:05d}")
        for i in range(TOKENS)
    ]
    public_key = jwt.PyJWK(mint.jwks()["keys"][0]).key

    def bare() -> float:
        started = time.perf_counter()
        for token in tokens:
            jwt.decode(
                token,
                public_key,
                algorithms=["EdDSA"],
                audience=mint.audience,
                issuer=mint.issuer,
            )
        return time.perf_counter() - started

    cold_rates, warm_rates, bare_rates = [], [], []
    for _ in range(ROUNDS):
        verifier = mint.verifier(cache_size=TOKENS)
        started = time.perf_counter()
        for token in tokens:
            verifier.verify(token)
        cold_rates.append(_rate(TOKENS, time.perf_counter() - started))
        started = time.perf_counter()
        for _ in range(5):
            for token in tokens:
                verifier.verify(token)
        warm_rates.append(_rate(5 * TOKENS, time.perf_counter() - started))
        bare_rates.append(_rate(TOKENS, bare()))
    cold, warm, bare_rate = (statistics.median(r) for r in (cold_rates, warm_rates, bare_rates))

    print("== token verification ==")
    print(
        f"kit verifier, {TOKENS:,} EdDSA access tokens, one thread: cold {cold:,.0f}/s, "
        f"warm (verified-token cache, expiry checked on every hit) {warm:,.0f}/s  "
        f"(target >= {TARGET_PER_SECOND:,}/s)"
    )
    print(
        f"bare PyJWT decode of the same tokens: {bare_rate:,.0f}/s; "
        f"kit cold/bare {cold / bare_rate:.0%}, kit warm/bare {warm / bare_rate:.1f}x"
    )
    return {f"token verifications >= {TARGET_PER_SECOND:,}/s (warm)": warm >= TARGET_PER_SECOND}


if __name__ == "__main__":
    run()
