"""An uploaded file kept between its dry run and its real run, so the user
runs exactly the file they checked without choosing it again.

In Redis for 30 minutes under a random id, bound to the account that
uploaded it: another account's id, an expired id or a made-up one all read
as nothing. Only the bytes and what the user chose are kept, never a token.
``MemoryUploadStore`` is the same in memory, for tests on the fakes.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from collections.abc import Callable
from typing import Final

import redis

from web.service_layer.uploads import StoredUpload, UploadTooLarge

PREFIX: Final = "web:upload:"
TTL_S: Final = 30 * 60
# ingest's own limit (INGEST_MAX_UPLOAD_BYTES' default): a larger file would
# be refused there anyway, so it is not kept here either.
DEFAULT_MAX_BYTES: Final = 50 * 1024 * 1024
# secrets.token_urlsafe(32): 43 characters of the URL-safe alphabet.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def valid_token(token: str | None) -> bool:
    return bool(token) and _TOKEN.match(token or "") is not None


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class RedisUploadStore:
    """One hash per upload (account, filename, kind, content) that expires
    on its own; ``take`` leaves it, so a run ingest could not take (away, or
    refused at once) can be tried again, and ``drop`` ends it once run."""

    def __init__(
        self, client: redis.Redis, max_bytes: int = DEFAULT_MAX_BYTES, ttl_s: int = TTL_S
    ) -> None:
        self._redis = client
        self.max_bytes = max_bytes
        self._ttl_s = ttl_s

    @classmethod
    def from_url(cls, url: str, max_bytes: int = DEFAULT_MAX_BYTES) -> RedisUploadStore:
        # A file of tens of megabytes takes longer than a page cache's lookup.
        client = redis.Redis.from_url(url, socket_timeout=10.0, socket_connect_timeout=2.0)
        return cls(client, max_bytes)

    def put(self, account_id: str, filename: str, kind: str | None, content: bytes) -> str:
        if len(content) > self.max_bytes:
            raise UploadTooLarge(self.max_bytes)
        token = secrets.token_urlsafe(32)
        key = PREFIX + token
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "account": account_id,
                    "filename": filename,
                    "kind": kind or "",
                    "content": content,
                },
            )
            pipe.expire(key, self._ttl_s)
            pipe.execute()
        return token

    def take(self, account_id: str, token: str) -> StoredUpload | None:
        if not valid_token(token):
            return None
        stored: dict[bytes, bytes] = self._redis.hgetall(PREFIX + token)  # type: ignore[assignment]
        owner = stored.get(b"account")
        if owner is None or not _same(owner.decode(), account_id):
            return None
        kind = stored.get(b"kind", b"").decode()
        return StoredUpload(
            stored.get(b"filename", b"").decode(), kind or None, stored.get(b"content", b"")
        )

    def drop(self, account_id: str, token: str) -> None:
        if self.take(account_id, token) is not None:
            self._redis.delete(PREFIX + token)

    def close(self) -> None:
        self._redis.close()


class MemoryUploadStore:
    """The same in memory; ``clock`` (seconds) lets a test let an upload expire."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ttl_s: int = TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_bytes = max_bytes
        self._ttl_s = ttl_s
        self._clock = clock
        self.uploads: dict[str, tuple[str, StoredUpload, float]] = {}

    def put(self, account_id: str, filename: str, kind: str | None, content: bytes) -> str:
        if len(content) > self.max_bytes:
            raise UploadTooLarge(self.max_bytes)
        token = secrets.token_urlsafe(32)
        expires = self._clock() + self._ttl_s
        self.uploads[token] = (account_id, StoredUpload(filename, kind, content), expires)
        return token

    def take(self, account_id: str, token: str) -> StoredUpload | None:
        found = self.uploads.get(token) if valid_token(token) else None
        if found is None:
            return None
        owner, upload, expires = found
        if self._clock() >= expires:
            del self.uploads[token]
            return None
        return upload if _same(owner, account_id) else None

    def drop(self, account_id: str, token: str) -> None:
        if self.take(account_id, token) is not None:
            del self.uploads[token]
