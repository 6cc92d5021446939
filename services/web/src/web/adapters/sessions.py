"""Server-side sessions (Flask-Session): in Redis for the service, in memory
for the unit tests. Either opens a session only for the addresses ``opens``
accepts, so pages outside it never touch the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cachelib import SimpleCache
from flask import Flask, Request, Response
from flask_session.cachelib import CacheLibSessionInterface
from flask_session.redis import RedisSessionInterface

KEY_PREFIX = "web:session:"
# 32 bytes of randomness in the cookie (Flask-Session's token_urlsafe length).
SID_BYTES = 32


class _OnlyWhere:
    """Opens (and saves) a session only where ``opens(path)`` says so."""

    opens: Callable[[str], bool]

    def open_session(self, app: Flask, request: Request) -> Any:
        if not self.opens(request.path):
            return self.session_class(sid=None)  # type: ignore[attr-defined]
        return super().open_session(app, request)  # type: ignore[misc]

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if getattr(session, "sid", None) is None:
            return
        super().save_session(app, session, response)  # type: ignore[misc]


class RedisSessions(_OnlyWhere, RedisSessionInterface):  # type: ignore[misc]
    def __init__(self, app: Flask, client: Any, opens: Callable[[str], bool]) -> None:
        super().__init__(
            app, client=client, key_prefix=KEY_PREFIX, permanent=False, sid_length=SID_BYTES
        )
        self.opens = opens


class MemorySessions(_OnlyWhere, CacheLibSessionInterface):  # type: ignore[misc]
    """One process's sessions, for tests on fakes."""

    def __init__(self, app: Flask, opens: Callable[[str], bool]) -> None:
        super().__init__(
            app,
            client=SimpleCache(threshold=10_000),
            key_prefix=KEY_PREFIX,
            permanent=False,
            sid_length=SID_BYTES,
        )
        self.opens = opens
