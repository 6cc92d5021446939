"""Every service's OpenAPI document is a valid OpenAPI 3.1 document
(openapi-spec-validator): the committed services/<name>/openapi.json and the
one the running app serves on GET /openapi.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from dagkit.web import close_context
from tests.tools.services import SERVICES, ServiceInfo

ids = [s.name for s in SERVICES]


def problems(document: dict[str, Any]) -> list[str]:
    found = []
    for error in OpenAPIV31SpecValidator(document).iter_errors():
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        found.append(f"{where}: {error.message}")
    return found


@pytest.mark.parametrize("service", SERVICES, ids=ids)
def test_committed_document_is_valid_openapi(service: ServiceInfo) -> None:
    document = json.loads(service.openapi_path.read_text())
    assert document["openapi"].startswith("3.1")
    found = problems(document)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("service", SERVICES, ids=ids)
def test_served_document_is_valid_openapi(service: ServiceInfo, tmp_path: Path) -> None:
    app = service.create_app({"DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"})
    try:
        response = app.test_client().get("/openapi.json")
    finally:
        close_context(app)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    found = problems(response.get_json())
    assert not found, "\n".join(found)


def test_the_validator_finds_what_openapi_forbids() -> None:
    """A parameter `in: formData` (Swagger 2, not OpenAPI 3) is refused."""
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "post": {
                    "parameters": [{"name": "file", "in": "formData", "schema": {}}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    assert problems(document)
