"""Revoked access tokens in Redis: one key per token id, ``auth:revoked:<jti>``,
expiring when the token would have expired anyway (plus the verifiers'
leeway), so the list never outgrows the tokens still alive."""

from __future__ import annotations

from datetime import datetime, timedelta

import redis

from auth.service_layer.ports import RevocationsUnavailable

PREFIX = "auth:revoked:"
# Verifiers accept a token up to 30 s after its exp (dagkit.tokens leeway_s).
LEEWAY = timedelta(seconds=60)


class RedisRevocations:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def revoke(self, token_id: str, expires_at: datetime, now: datetime) -> None:
        remaining_ms = int((expires_at + LEEWAY - now).total_seconds() * 1000)
        if remaining_ms <= 0:
            return  # expired: every verifier refuses it already
        try:
            self._client.set(PREFIX + token_id, b"1", px=remaining_ms)
        except redis.RedisError as exc:
            raise RevocationsUnavailable(type(exc).__name__) from None

    def is_revoked(self, token_id: str) -> bool:
        try:
            return bool(self._client.exists(PREFIX + token_id))
        except redis.RedisError as exc:
            raise RevocationsUnavailable(type(exc).__name__) from None
