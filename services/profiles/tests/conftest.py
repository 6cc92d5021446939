from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dagkit.envelope import Envelope
from dagkit.migrations import upgrade
from dagkit.testing.clock import MovableClock
from dagkit.testing.tokens import TokenMint, with_claims
from profiles.app import create_app
from profiles.bootstrap import build_context, context
from profiles.config import load_settings
from profiles.entrypoints.migrate import SERVICE_ROOT
from profiles.service_layer.handlers import apply_institution_events

# Account ids (auth's are UUIDs; the event's updated_by must be one).
ACCOUNT = {
    "own": "10000000-0000-4000-8000-000000000001",
    "other": "10000000-0000-4000-8000-000000000002",
    "kommune": "10000000-0000-4000-8000-000000000003",
    "elsewhere": "10000000-0000-4000-8000-000000000004",
    "admin": "10000000-0000-4000-8000-000000000005",
    "dst": "10000000-0000-4000-8000-000000000006",
}


@pytest.fixture
def profiles_database(pg_database: str) -> str:
    upgrade(SERVICE_ROOT, pg_database)
    return pg_database


@pytest.fixture
def profiles_settings(
    profiles_database: str, kafka_bootstrap: str, tmp_path: Path
) -> dict[str, Any]:
    return load_settings(
        {
            "DATABASE_URL": profiles_database,
            "DATA_DIR": str(tmp_path),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "LOG_LEVEL": "WARNING",
        }
    )


@pytest.fixture(scope="session")
def mint() -> TokenMint:
    return TokenMint()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def app(profiles_settings: dict[str, Any], mint: TokenMint, clock: MovableClock) -> Iterator[Flask]:
    ctx = build_context(profiles_settings, clock=clock)
    application = create_app(profiles_settings, verifier=mint.verifier(), ctx=ctx)
    yield application
    context(application).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


Register = Callable[..., None]


@pytest.fixture
def register(app: Flask) -> Register:
    """Applies register events to the app's database as the consumer would."""

    def apply(*events: Envelope) -> None:
        with context(app).uow() as uow:
            apply_institution_events(uow, list(events))
            uow.commit()

    return apply


Headers = Callable[..., dict[str, str]]


@pytest.fixture
def as_who(mint: TokenMint) -> Callable[[str], dict[str, str]]:
    """The Authorization header of a named principal of the matrix: own
    (institution G10433 of København, 101), other (G20580, also 101),
    kommune (101), elsewhere (Frederiksberg, 147), admin, dst, anonymous,
    expired, forged (a genuine token with A's claims written in) and foreign
    (A's claims signed by a key auth never published)."""

    def headers(who: str) -> dict[str, str]:
        claims: dict[str, Any]
        if who == "anonymous":
            return {}
        if who == "forged":
            # Another institution's genuine token with the claims changed to A's.
            genuine = mint.access_token(role="institution", institution="G20580", municipality=101)
            return {"Authorization": f"Bearer {with_claims(genuine, institution='G10433')}"}
        if who == "foreign":
            # A's claims, signed by a key auth never published.
            return {"Authorization": f"Bearer {TokenMint().access_token(institution='G10433')}"}
        if who == "expired":
            claims = {"role": "admin", "sub": ACCOUNT["admin"], "expires_in": -120}
        elif who == "own":
            claims = {"role": "institution", "institution": "G10433", "municipality": 101}
        elif who == "other":
            claims = {"role": "institution", "institution": "G20580", "municipality": 101}
        elif who == "kommune":
            claims = {"role": "municipality", "municipality": 101}
        elif who == "elsewhere":
            claims = {"role": "municipality", "municipality": 147}
        else:
            claims = {"role": who}
        claims.setdefault("sub", ACCOUNT.get(who, ACCOUNT["admin"]))
        return {"Authorization": f"Bearer {mint.access_token(**claims)}"}

    return headers
