"""Every endpoint × every kind of caller, with the status each must get.

The institution is G10433 of København (101); ``own`` is its account, ``other``
another institution of the same municipality, ``kommune`` København's user,
``elsewhere`` Frederiksberg's (147). D40000 is a dagpleje district of
København. A refusal is 403 and names nobody."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from profiles.testing.builders import dagpleje_report, register_event, whole_profile

from .conftest import Register

WHO = (
    "own",
    "other",
    "kommune",
    "elsewhere",
    "dst",
    "admin",
    "anonymous",
    "expired",
    "forged",
    "foreign",
)
PROFILE = "/v1/institutions/G10433/profile"
DISTRICT = "/v1/municipalities/101/dagpleje/D40000"

EDITORS = {
    "own": 200,
    "other": 403,
    "kommune": 200,
    "elsewhere": 403,
    "dst": 403,
    "admin": 200,
    "anonymous": 401,
    "expired": 401,
    "forged": 401,
    "foreign": 401,
}
MUNICIPAL = {**EDITORS, "own": 403}
PUBLIC = dict.fromkeys(WHO, 200)

# (method, path, body builder or None, needs If-Match, expected per caller)
ENDPOINTS: list[tuple[str, str, Callable[[Any], dict[str, Any]] | None, bool, dict[str, int]]] = [
    ("GET", PROFILE, None, False, PUBLIC),
    ("PUT", PROFILE, lambda today: whole_profile(today), True, EDITORS),
    ("PATCH", PROFILE, lambda today: {"description": "Ny tekst"}, True, EDITORS),
    ("GET", f"{PROFILE}/history", None, False, EDITORS),
    ("GET", "/v1/municipalities/101/dagpleje", None, False, PUBLIC),
    ("GET", DISTRICT, None, False, PUBLIC),
    ("PUT", DISTRICT, lambda today: dagpleje_report(), True, MUNICIPAL),
    ("PATCH", DISTRICT, lambda today: {"dagpleje": dagpleje_report()["dagpleje"]}, True, MUNICIPAL),
    ("GET", f"{DISTRICT}/history", None, False, MUNICIPAL),
    ("GET", "/v1/municipalities/101/completeness", None, False, MUNICIPAL),
]


@pytest.fixture(autouse=True)
def institutions(register: Register) -> None:
    register(
        register_event("G10433", municipality_code=101),
        register_event("G20580", municipality_code=101),
        register_event("D40000", municipality_code=101, kind="dagpleje", accepts_3_5=False),
    )


def _current_etag(client: FlaskClient, path: str) -> str:
    base = path if path.startswith(DISTRICT) else PROFILE
    return client.get(base).headers["ETag"]


@pytest.mark.parametrize(
    ("method", "path", "body", "if_match", "expected"),
    ENDPOINTS,
    ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS],
)
def test_authorization_matrix(
    client: FlaskClient,
    as_who: Callable[[str], dict[str, str]],
    clock: Any,
    method: str,
    path: str,
    body: Callable[[Any], dict[str, Any]] | None,
    if_match: bool,
    expected: dict[str, int],
) -> None:
    found: dict[str, int] = {}
    for who in WHO:
        headers = as_who(who)
        if if_match:
            headers["If-Match"] = _current_etag(client, path)
        payload = body(clock().date()) if body else None
        if method == "PATCH" and payload and "description" in payload:
            payload = {"description": f"Tekst fra {who}"}  # each accepted edit changes something
        answer = client.open(path, method=method, json=payload, headers=headers)
        found[who] = answer.status_code
        if answer.status_code == 403:
            problem = answer.get_json()
            assert problem["message"] == "This account may not do that.", problem
            assert "G10433" not in answer.get_data(as_text=True)
        if answer.status_code == 401:
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert found == expected
