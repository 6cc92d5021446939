"""ingest's public HTTP API for the upload pages: hand over a register or
statistics file, follow its import, read the history. No retries: an upload
is never sent twice (a second one of the same content would be a duplicate
import). An upload gets its own, longer timeout: its body is the file."""

from __future__ import annotations

import logging
import math
from typing import Any, Final
from urllib.parse import quote

import requests

from web.adapters.http_json import JsonHttp, NoAnswer, json_object
from web.service_layer.imports_gateway import (
    Document,
    ImportNotAllowed,
    ImportNotFound,
    ImportRefused,
    ImportsUnavailable,
)

log = logging.getLogger(__name__)

IMPORTS: Final = "/v1/imports"
# ingest's largest page.
MAX_PAGE_SIZE: Final = 200
# What ingest refuses an upload with before anything is queued.
REFUSED_UPLOADS: Final = (400, 413, 415, 422)
# An upload's file part, when nothing better is known of it.
OCTET_STREAM: Final = "application/octet-stream"
# The words of a refusal ingest gave none for (its field validation says
# only English), by status: (English, Danish).
REFUSAL_WORDS: Final = {
    400: ("The upload is malformed.", "Uploaden er forkert udformet."),
    413: ("The file is too large.", "Filen er for stor."),
    415: ("The upload must be a file in a form.", "Uploaden skal være en fil i en formular."),
    422: (
        "The upload was refused: a field is not valid.",
        "Uploaden blev afvist: et felt er ugyldigt.",
    ),
}


class HttpImportsGateway:
    def __init__(self, base_url: str, timeout_s: float, upload_timeout_s: float) -> None:
        self._http = JsonHttp("ingest", base_url, timeout_s)
        self._upload_timeout_s = upload_timeout_s

    def _call(self, method: str, path: str, access_token: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._http.call(method, path, access_token=access_token, **kwargs)
        except NoAnswer as exc:
            raise ImportsUnavailable(path) from exc
        if response.status_code in (401, 403):
            raise ImportNotAllowed(response.status_code)
        return response

    def upload(
        self,
        access_token: str,
        filename: str,
        content: bytes,
        kind: str | None = None,
        dry_run: bool = False,
        confirm_closures: int | None = None,
    ) -> Document:
        # Only the spellings ingest takes: "true" and "false".
        form = {"dry_run": "true" if dry_run else "false"}
        if kind is not None:
            form["kind"] = kind
        if confirm_closures is not None:
            form["confirm_closures"] = str(confirm_closures)
        response = self._call(
            "POST",
            IMPORTS,
            access_token,
            data=form,
            files={"file": (filename or "upload", content, OCTET_STREAM)},
            timeout_s=self._upload_timeout_s,
        )
        if response.status_code in (200, 201, 202):
            return _import(response, IMPORTS)
        if response.status_code in REFUSED_UPLOADS:
            raise _refused(response)
        raise _unavailable(response, IMPORTS)

    def get_import(self, access_token: str, import_id: str) -> Document:
        if not import_id:
            raise ImportNotFound(import_id)
        path = f"{IMPORTS}/{quote(import_id, safe='')}"
        response = self._call("GET", path, access_token)
        if response.status_code == 404:
            raise ImportNotFound(import_id)
        if response.status_code == 200:
            return _import(response, "/v1/imports/{id}")
        raise _unavailable(response, "/v1/imports/{id}")

    def list_imports(self, access_token: str, page: int = 1, page_size: int = 50) -> Document:
        page = max(1, page)
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        params = {"limit": page_size, "offset": (page - 1) * page_size}
        response = self._call("GET", IMPORTS, access_token, params=params)
        body = json_object(response) if response.status_code == 200 else None
        items = (body or {}).get("items")
        total = (body or {}).get("total")
        if (
            not isinstance(items, list)
            or not all(isinstance(item, dict) and "id" in item for item in items)
            or not isinstance(total, int)
        ):
            raise _unavailable(response, IMPORTS)
        return {
            "items": items,
            "total": total,
            "page": page,
            "page_size": page_size,
            "pages": max(1, math.ceil(total / page_size)),
        }

    def close(self) -> None:
        self._http.close()


def _import(response: requests.Response, path: str) -> Document:
    body = json_object(response)
    if body is None or not isinstance(body.get("id"), str) or not body.get("status"):
        raise _unavailable(response, path)
    return body


def _refused(response: requests.Response) -> ImportRefused:
    problem = json_object(response) or {}
    english, danish = problem.get("message"), problem.get("message_da")
    errors, report = problem.get("errors"), problem.get("report")
    limit = problem.get("limit_bytes")
    if not (isinstance(danish, str) and danish):
        # Ingest's words in neither or only one language: the portal's own in both.
        english, danish = REFUSAL_WORDS[response.status_code]
    return ImportRefused(
        response.status_code,
        english if isinstance(english, str) and english else danish,
        danish,
        errors=errors if isinstance(errors, dict) else None,
        report=report if isinstance(report, dict) else None,
        limit_bytes=limit if isinstance(limit, int) and not isinstance(limit, bool) else None,
    )


def _unavailable(response: requests.Response, path: str) -> ImportsUnavailable:
    log.warning("ingest failed", extra={"path": path, "status": response.status_code})
    return ImportsUnavailable(path)
