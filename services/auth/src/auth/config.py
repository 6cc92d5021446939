"""The auth service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from marshmallow import fields, validate

from auth.domain.throttle import LoginLimits
from auth.domain.tokens import TokenRules
from dagkit.config import RedisSettingsSchema, load_settings_or_exit

SERVICE = "auth"
PORT = 8002
DEFAULT_ISSUER = f"http://127.0.0.1:{PORT}"
# The web's login page (make run's web on port 8000).
DEFAULT_LOGIN_URL = "http://127.0.0.1:8000/log-ind"


def _count(variable: str, default: int, low: int = 0, high: int = 1_000_000) -> Any:
    return fields.Integer(
        data_key=variable, load_default=default, validate=validate.Range(min=low, max=high)
    )


class AuthSettingsSchema(RedisSettingsSchema):
    """Tokens, keys and the login throttle, beside the platform's settings and Redis."""

    issuer = fields.String(
        data_key="AUTH_ISSUER", load_default=DEFAULT_ISSUER, validate=validate.Length(min=1)
    )
    audience = fields.String(
        data_key="AUTH_AUDIENCE", load_default="dagtilbud", validate=validate.Length(min=1)
    )
    access_token_seconds = _count("ACCESS_TOKEN_SECONDS", 900, 60, 3600)
    # A working day: a login made in the morning lasts until the evening.
    refresh_token_seconds = _count("REFRESH_TOKEN_SECONDS", 12 * 3600, 300, 30 * 24 * 3600)
    # Longer than a verifier keeps the JWK Set (dagkit.tokens: 5 minutes).
    key_publish_ahead_seconds = _count("KEY_PUBLISH_AHEAD_SECONDS", 360, 0, 24 * 3600)
    # The first admin's password: migrate makes the account "admin" with it
    # when there is none. Unset: no admin is made.
    bootstrap_admin_password = fields.String(data_key="BOOTSTRAP_ADMIN_PASSWORD", load_default=None)
    # The login page every credential letter names.
    login_url = fields.Url(
        data_key="AUTH_LOGIN_URL", load_default=DEFAULT_LOGIN_URL, require_tld=False
    )
    login_window_seconds = _count("LOGIN_WINDOW_SECONDS", 3600, 1, 7 * 24 * 3600)
    login_free_failures = _count("LOGIN_FREE_FAILURES", 5)
    login_max_delay_seconds = _count("LOGIN_MAX_DELAY_SECONDS", 60, 0, 3600)
    login_account_cap = _count("LOGIN_ACCOUNT_CAP", 100, 1)
    login_address_free_failures = _count("LOGIN_ADDRESS_FREE_FAILURES", 20)
    login_address_cap = _count("LOGIN_ADDRESS_CAP", 300, 1)
    login_familiar_days = _count("LOGIN_FAMILIAR_DAYS", 30, 0, 365)
    # Behind a reverse proxy: take the client's address from X-Forwarded-For
    # (the last hop's entry only).
    trust_proxy = fields.Boolean(data_key="TRUST_PROXY", load_default=False)


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    return load_settings_or_exit(AuthSettingsSchema(), environ)


def token_rules(settings: Mapping[str, Any]) -> TokenRules:
    return TokenRules(
        issuer=settings["issuer"],
        audience=settings["audience"],
        access_lifetime=timedelta(seconds=settings["access_token_seconds"]),
        refresh_lifetime=timedelta(seconds=settings["refresh_token_seconds"]),
        publish_ahead=timedelta(seconds=settings["key_publish_ahead_seconds"]),
    )


def login_limits(settings: Mapping[str, Any]) -> LoginLimits:
    return LoginLimits(
        window=timedelta(seconds=settings["login_window_seconds"]),
        free_failures=settings["login_free_failures"],
        max_delay=timedelta(seconds=settings["login_max_delay_seconds"]),
        account_cap=settings["login_account_cap"],
        address_free_failures=settings["login_address_free_failures"],
        address_cap=settings["login_address_cap"],
        familiar_for=timedelta(days=settings["login_familiar_days"]),
    )
