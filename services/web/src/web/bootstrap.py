"""The composition root: builds the web service's context from its settings
(search's HTTP API, the Redis page cache, the shipped boundaries) and hands
views the context of their app."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import redis
from flask import Flask

from dagkit.tokens import verifier_from_settings
from dagkit.web import current_context
from web.adapters.auth_client import HttpAccountsGateway
from web.adapters.boundaries import load_boundaries_geojson
from web.adapters.ingest_client import HttpImportsGateway
from web.adapters.page_cache import NoPageCache, RedisPageCache
from web.adapters.profiles_client import HttpProfilesGateway
from web.adapters.search_client import HttpSearchGateway
from web.adapters.sessions import RedisSessions
from web.adapters.token_check import token_check
from web.adapters.upload_store import RedisUploadStore
from web.domain.maps import Boundaries
from web.service_layer.context import LazyBoundaries, WebContext


def build_context(settings: Mapping[str, Any]) -> WebContext:
    search = HttpSearchGateway(settings["search_url"], settings["search_timeout_s"])
    ttl = settings["page_cache_ttl_s"]
    cache = RedisPageCache(settings["redis_url"], ttl) if ttl > 0 else NoPageCache()
    reference_dir = settings["reference_dir"]
    boundaries = LazyBoundaries(
        lambda: Boundaries.from_geojson(load_boundaries_geojson(reference_dir))
    )
    # Simplifying Denmark takes a few hundred milliseconds: do it while the
    # worker starts, not while the first parent waits (they share the lock).
    threading.Thread(target=boundaries, name="load-boundaries", daemon=True).start()
    timeout = settings["backend_timeout_s"]
    accounts = HttpAccountsGateway(settings["auth_url"], timeout)
    profiles = HttpProfilesGateway(settings["profiles_url"], timeout)
    imports = HttpImportsGateway(settings["ingest_url"], timeout, settings["upload_timeout_s"])
    verifier = verifier_from_settings(settings)
    uploads = RedisUploadStore.from_url(settings["redis_url"], settings["max_upload_bytes"])
    return WebContext(
        search=search,
        page_cache=cache,
        boundaries=boundaries,
        settings=dict(settings),
        closers=(
            search.close,
            cache.close,
            accounts.close,
            profiles.close,
            imports.close,
            uploads.close,
        ),
        accounts=accounts,
        profiles=profiles,
        imports=imports,
        verify_token=token_check(verifier),
        uploads=uploads,
    )


def session_store(
    app: Flask, settings: Mapping[str, Any], opens: Callable[[str], bool]
) -> RedisSessions:
    """The sessions behind login, in Redis; a Redis away is answered 503."""
    client = redis.Redis.from_url(
        settings["redis_url"], socket_timeout=2.0, socket_connect_timeout=2.0
    )
    return RedisSessions(app, client, opens=opens)


SECRET_KEY_FILE = "web-secret.key"  # noqa: S105 - a file name, not a secret


def secret_key(settings: Mapping[str, Any]) -> str:
    """WEB_SECRET_KEY, or on a single machine a key made once and kept in
    DATA_DIR (readable by this user only), so every worker signs alike and a
    restart keeps the forms open in browsers valid."""
    configured = settings.get("secret_key")
    if configured:
        return str(configured)
    path = Path(settings["data_dir"]) / SECRET_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked: two workers starting
        # together never read half a key, and the first one's key wins.
        draft = path.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def context(app: Flask | None = None) -> WebContext:
    """The context of the current app (or ``app``)."""
    return current_context(WebContext, app)
