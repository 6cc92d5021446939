"""ingest's OpenAPI document is valid OpenAPI 3 and says what the API does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate

from dagkit.web import openapi_document
from ingest.app import create_app
from ingest.bootstrap import context
from ingest.config import load_settings
from ingest.testing.helpers import SERVICE_ROOT


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # As `make openapi` renders it: no database needed to describe the API.
    data_dir = tmp_path_factory.mktemp("openapi")
    app = create_app(load_settings({"DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}))
    doc = openapi_document(app.extensions["dagkit.api"])
    context(app).close()
    rendered: dict[str, Any] = json.loads(json.dumps(doc))  # as served: plain JSON
    return rendered


def test_the_generated_document_is_valid_openapi_3(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    validate(document)
    assert '"formData"' not in json.dumps(document)


def test_the_committed_document_is_valid_openapi_3() -> None:
    validate(json.loads((SERVICE_ROOT / "openapi.json").read_text(encoding="utf-8")))


def test_the_upload_is_a_multipart_body_with_its_form_fields(document: dict[str, Any]) -> None:
    post = document["paths"]["/v1/imports"]["post"]
    assert "parameters" not in post or not post["parameters"]
    (content_type,) = post["requestBody"]["content"]
    assert content_type == "multipart/form-data"
    ref = post["requestBody"]["content"][content_type]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": "CSV or XLSX file",
    }
    assert schema["required"] == ["file"]
    assert {"kind", "dry_run", "confirm_closures"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    confirm = schema["properties"]["confirm_closures"]
    assert (confirm["minimum"], confirm["maximum"]) == (0, 1_000_000)


def test_every_import_operation_documents_its_bearer_token(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith("/v1/imports")
        for method, operation in item.items()
        if method in ("get", "post")
    ]
    assert len(operations) == 3
    for path, method, operation in operations:
        assert operation["security"] == [{"bearerAuth": []}], (path, method)
        assert {"401", "403", "422", "503"} <= set(operation["responses"]), (path, method)
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
    too_large = document["paths"]["/v1/imports"]["post"]["responses"]["413"]
    ref = too_large["content"]["application/json"]["schema"]["$ref"]
    assert "limit_bytes" in document["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]


def test_integer_parameters_are_bounded_and_times_are_date_times(
    document: dict[str, Any],
) -> None:
    parameters = {
        p["name"]: p["schema"] for p in document["paths"]["/v1/imports"]["get"]["parameters"]
    }
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 200)
    assert (parameters["offset"]["minimum"], parameters["offset"]["maximum"]) == (0, 2**31 - 1)
    imported = document["components"]["schemas"]["Import"]["properties"]
    for name in ("created_at", "finished_at", "file_purged_at"):
        assert imported[name]["format"] == "date-time"


def test_the_readme_names_every_setting() -> None:
    readme = (SERVICE_ROOT / "README.md").read_text(encoding="utf-8")
    for setting in (
        "INGEST_MAX_CLOSURE_PCT",
        "INGEST_KEEP_FILES_DAYS",
        "INGEST_KEEP_REPLACED_FILES_DAYS",
    ):
        assert setting in readme
