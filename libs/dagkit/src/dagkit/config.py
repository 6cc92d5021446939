"""Settings from the environment, validated once at start.

A service declares a marshmallow schema whose fields' ``data_key`` is the
environment variable. A missing or malformed setting stops the process with
one line naming the variable, before anything else happens.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any, ClassVar, NoReturn

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


class ConfigError(Exception):
    """One or more settings are missing or malformed."""


class _Matching(fields.String):
    """A string setting that must match ``pattern``; ``problem`` says how it does not."""

    pattern: ClassVar[str]
    problem: ClassVar[str]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Regexp(self.pattern, error=self.problem), **kwargs)


class KafkaAddress(_Matching):
    """host:port[,host:port...]"""

    pattern = r"^[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}(,[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5})*$"
    problem = "must be host:port[,host:port...]"


class DatabaseUrl(_Matching):
    pattern = r"^(postgresql(\+psycopg)?|sqlite)://"
    problem = "must be a postgresql:// or sqlite:// URL"


class RedisUrl(_Matching):
    pattern = r"^rediss?://"
    problem = "must be a redis:// URL"


class BaseSettingsSchema(Schema):
    """Settings every service process has. Services subclass and add theirs."""

    class Meta:
        unknown = EXCLUDE

    log_level = fields.String(
        data_key="LOG_LEVEL",
        load_default="INFO",
        validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"]),
    )
    database_url = DatabaseUrl(data_key="DATABASE_URL", load_default=None)
    data_dir = fields.String(data_key="DATA_DIR", load_default="var")
    kafka_bootstrap_servers = KafkaAddress(
        data_key="KAFKA_BOOTSTRAP_SERVERS", load_default="127.0.0.1:9092"
    )
    metrics_port = fields.Integer(
        data_key="METRICS_PORT", load_default=None, validate=validate.Range(min=1, max=65535)
    )
    # Loopback unless the platform scrapes from outside (a pod: 0.0.0.0).
    metrics_addr = fields.IP(data_key="METRICS_ADDR", load_default="127.0.0.1")


class RedisSettingsSchema(BaseSettingsSchema):
    """The settings of a service that has Redis beside the platform's."""

    redis_url = RedisUrl(data_key="REDIS_URL", load_default="redis://127.0.0.1:6379/0")


class TokenSettingsSchema(Schema):
    """Where a service that verifies access tokens finds auth's public keys,
    and the issuer and audience the tokens must name. Mixed into a service's
    settings schema before ``BaseSettingsSchema``; read by
    ``dagkit.tokens.verifier_from_settings``."""

    class Meta(BaseSettingsSchema.Meta):
        pass

    auth_jwks_url = fields.Url(
        data_key="AUTH_JWKS_URL",
        load_default="http://127.0.0.1:8002/.well-known/jwks.json",
        require_tld=False,
        schemes={"http", "https"},
        metadata={"description": "auth's JWK Set: the public keys access tokens are signed with"},
    )
    auth_issuer = fields.String(
        data_key="AUTH_ISSUER",
        load_default="http://127.0.0.1:8002",
        validate=validate.Length(min=1),
        metadata={"description": "The issuer (iss) access tokens must name: auth's address"},
    )
    auth_audience = fields.String(
        data_key="AUTH_AUDIENCE",
        load_default="dagtilbud",
        validate=validate.Length(min=1),
        metadata={"description": "The audience (aud) access tokens must name"},
    )


def load_settings(schema: Schema, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Load settings; raise ConfigError naming the first bad variable.

    Empty strings count as unset, so ``FOO=`` falls back to the default.
    """
    env = os.environ if environ is None else environ
    present = {k: v for k, v in env.items() if v != ""}
    try:
        loaded: dict[str, Any] = schema.load(present)
    except ValidationError as exc:
        messages = exc.normalized_messages()  # type: ignore[no-untyped-call]
        name = sorted(messages)[0]
        problem = messages[name]
        text = "; ".join(problem) if isinstance(problem, list) else str(problem)
        if text == "Missing data for required field.":
            text = "is required but not set"
        raise ConfigError(f"configuration error: {name} {text}") from None
    return loaded


def load_settings_or_exit(
    schema: Schema, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    try:
        return load_settings(schema, environ)
    except ConfigError as exc:
        _exit(str(exc))


def _exit(line: str) -> NoReturn:
    print(line, file=sys.stderr)
    raise SystemExit(2)
