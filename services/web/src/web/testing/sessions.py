"""Signing in on the fakes: the kit's verifier's answer for a fake auth's
access tokens, and a test client that logs in through the login page."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from web.adapters.sessions import MemorySessions
from web.api.session import behind_login
from web.service_layer.signing_in import TokenClaims, TokenRefused, Verify
from web.testing.fakes import FAKE_PASSWORD, FakeAccountsGateway

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def fake_verifier(accounts: FakeAccountsGateway) -> Verify:
    """What ``dagkit.tokens.TokenVerifier.verify`` says of the fake's tokens:
    the account's claims while the token is issued and not logged out."""

    def verify(token: str) -> TokenClaims:
        claims = accounts.principal(token)
        if claims is None:
            raise TokenRefused("unknown token")
        return TokenClaims(
            subject=claims["sub"],
            role=claims["role"],
            municipality=claims.get("municipality"),
            institution=claims.get("institution"),
        )

    return verify


def csrf_token(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    if found is None:
        raise AssertionError("the page has no form with a CSRF token")
    return found.group(1)


def log_in(
    client: FlaskClient, username: str, password: str = FAKE_PASSWORD, language: str = ""
) -> None:
    """Log in through the login page, as a browser does."""
    page = client.get(f"{language}/log-ind")
    answer = client.post(
        f"{language}/log-ind",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )
    if answer.status_code != 302:
        raise AssertionError(f"login as {username} answered {answer.status_code}")


def use_memory_sessions(app: Flask) -> None:
    """The app's sessions in memory instead of Redis (tests on fakes)."""
    app.session_interface = MemorySessions(app, opens=behind_login)
