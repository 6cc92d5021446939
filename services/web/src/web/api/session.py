"""Sessions, CSRF and the guard of the pages behind login.

Sessions are server-side, in Redis (Flask-Session), behind a ``__Host-``
cookie that is Secure, HttpOnly and SameSite=Lax; the cookie holds a random
id and nothing else. Only the pages behind login (and logging in and out)
open a session: a parent's pages never touch the store and stay cacheable.
Every form carries a CSRF token (Flask-WTF), kept in the session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote, urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session
from flask.sessions import SessionMixin
from flask_session.base import ServerSideSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from web.api.i18n import ENGLISH_PREFIX, current_language, page_url
from web.bootstrap import context, session_store
from web.service_layer import signing_in
from web.service_layer.signing_in import SignedIn

P = ParamSpec("P")
R = TypeVar("R")

SECURE_COOKIE = "__Host-dagtilbud-session"
# Plain-HTTP local runs only (WEB_SESSION_COOKIE_SECURE=false): browsers
# refuse a __Host- cookie that is not Secure.
PLAIN_HTTP_COOKIE = "dagtilbud-session"
# The addresses behind login, in Danish and under /en/.
LOGIN_PATH = "/log-ind"
BEHIND_LOGIN = (LOGIN_PATH, "/log-ud", "/selvbetjening")
_PREFIXES = BEHIND_LOGIN + tuple(ENGLISH_PREFIX + path for path in BEHIND_LOGIN)


def behind_login(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in _PREFIXES)


csrf = CSRFProtect()


def install_sessions(app: Flask, settings: Mapping[str, Any], secret_key: str) -> None:
    secure = bool(settings["session_cookie_secure"])
    app.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_NAME=SECURE_COOKIE if secure else PLAIN_HTTP_COOKIE,
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings["session_idle_minutes"]),
        # A form's token lives as long as its session, so a long edit is not refused.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=secure,
        ACCOUNT_CHECK_SECONDS=settings["account_check_s"],
    )
    app.session_interface = session_store(app, settings, opens=behind_login)
    csrf.init_app(app)


def renew_session_id() -> None:
    """A new session id at login, so an id planted before it is worth nothing."""
    interface = current_app.session_interface
    if isinstance(interface, ServerSideSessionInterface):
        interface.regenerate(session)


def signed_in(again: bool = False) -> SignedIn | None:
    """Who this request is signed in as (asked once per request, or ``again``
    after a login)."""
    if again or "signed_in" not in g:
        ctx = context()
        g.signed_in = signing_in.current(
            _session(),
            ctx.accounts,
            ctx.verify_token,
            time.time(),
            current_app.config["ACCOUNT_CHECK_SECONDS"],
        )
    found: SignedIn | None = g.signed_in
    return found


def _session() -> Any:
    active: SessionMixin = session
    return active


def requires_login(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """The view only for a signed-in account of one of ``roles`` (any when
    none given). Not signed in: the login page, which comes back here after.
    Signed in with another role: 403. Tenancy is the view's to check, with
    ``SignedIn.may_...`` against what the backing service says."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            account = signed_in()
            if account is None:
                return redirect(login_url(next_path=request.full_path.rstrip("?")))
            if roles and account.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def account() -> SignedIn:
    """The signed-in account of a view behind ``requires_login``."""
    found = signed_in()
    if found is None:  # pragma: no cover - the guard ran first
        abort(401)
    return found


def login_url(next_path: str | None = None) -> str:
    url = page_url("login")
    if next_path and safe_next(next_path):
        url += "?next=" + quote(next_path, safe="/")
    return url


def safe_next(target: str | None) -> bool:
    """Only a page behind login of this site: never another host (an open
    redirect), never a scheme-relative //host."""
    if not target:
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return False
    return behind_login(parts.path) and not parts.path.endswith(LOGIN_PATH)


def home_url(account: SignedIn) -> str:
    """Where each role starts."""
    if account.role == "institution" and account.institution:
        return page_url("institution_home", number=account.institution)
    if account.role == "municipality" and account.municipality is not None:
        return page_url("municipality_home", code=account.municipality)
    return page_url("account_home")


def no_store(response: Response) -> Response:
    """Pages behind login are never kept by a browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def in_english() -> bool:
    return current_language() == "en"
