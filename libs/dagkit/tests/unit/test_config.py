from __future__ import annotations

import subprocess
import sys

import pytest
from marshmallow import fields

from dagkit.config import (
    BaseSettingsSchema,
    ConfigError,
    RedisUrl,
    TokenSettingsSchema,
    load_settings,
)
from dagkit.tokens import verifier_from_settings


class ExampleSettings(BaseSettingsSchema):
    redis_url = RedisUrl(data_key="REDIS_URL", required=True)
    upload_limit = fields.Integer(data_key="UPLOAD_LIMIT_BYTES", load_default=50_000_000)


def test_defaults_apply_and_empty_counts_as_unset() -> None:
    settings = load_settings(ExampleSettings(), {"REDIS_URL": "redis://h:6379/0", "LOG_LEVEL": ""})
    assert settings["log_level"] == "INFO"
    assert settings["kafka_bootstrap_servers"] == "127.0.0.1:9092"
    assert settings["upload_limit"] == 50_000_000
    assert settings["database_url"] is None


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "REDIS_URL"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        (
            {"REDIS_URL": "redis://h/0", "KAFKA_BOOTSTRAP_SERVERS": "nohost"},
            "KAFKA_BOOTSTRAP_SERVERS",
        ),
        ({"REDIS_URL": "redis://h/0", "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "redis://h/0", "UPLOAD_LIMIT_BYTES": "lots"}, "UPLOAD_LIMIT_BYTES"),
        ({"REDIS_URL": "redis://h/0", "LOG_LEVEL": "CHATTY"}, "LOG_LEVEL"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(ExampleSettings(), environ)
    message = str(caught.value)
    assert named in message
    assert "\n" not in message


def test_a_process_with_a_bad_setting_stops_at_start_with_one_line() -> None:
    code = (
        "from dagkit.config import BaseSettingsSchema, load_settings_or_exit\n"
        "load_settings_or_exit(BaseSettingsSchema())\n"
        "print('started')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"KAFKA_BOOTSTRAP_SERVERS": "not a broker", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "started" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("configuration error: KAFKA_BOOTSTRAP_SERVERS")


class _TokenServiceSchema(TokenSettingsSchema, BaseSettingsSchema):
    pass


def test_token_settings_default_to_the_local_auth() -> None:
    settings = load_settings(_TokenServiceSchema(), {})
    assert settings["auth_jwks_url"] == "http://127.0.0.1:8002/.well-known/jwks.json"
    assert (settings["auth_issuer"], settings["auth_audience"]) == (
        "http://127.0.0.1:8002",
        "dagtilbud",
    )


def test_token_settings_build_the_verifier() -> None:
    env = {
        "AUTH_JWKS_URL": "http://auth:8002/.well-known/jwks.json",
        "AUTH_ISSUER": "http://auth:8002",
        "AUTH_AUDIENCE": "portal",
    }
    verifier = verifier_from_settings(load_settings(_TokenServiceSchema(), env))
    assert (verifier.issuer, verifier.audience) == ("http://auth:8002", "portal")


def test_a_jwks_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ConfigError, match="AUTH_JWKS_URL"):
        load_settings(_TokenServiceSchema(), {"AUTH_JWKS_URL": "file:///etc/jwks.json"})
