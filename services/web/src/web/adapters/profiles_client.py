"""profiles' public HTTP API for the pages behind login: an institution's
profile read with its ETag and edited with If-Match, its history, a
municipality's dagpleje districts and completeness overview. No retries: an
edit is never sent twice."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests

from web.adapters.http_json import JsonHttp, NoAnswer, json_object
from web.service_layer.profiles_gateway import (
    Changes,
    Document,
    EditRejected,
    NotAllowed,
    NotFound,
    ProfilesUnavailable,
    ReadOnly,
    StaleEdit,
)

log = logging.getLogger(__name__)


class HttpProfilesGateway:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        self._http = JsonHttp("profiles", base_url, timeout_s)

    def _call(
        self,
        method: str,
        path: str,
        *,
        access_token: str | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        etag: str | None = None,
    ) -> tuple[Document, requests.Response]:
        headers = {"If-Match": etag} if etag is not None else None
        try:
            response = self._http.call(
                method, path, json=json, params=params, access_token=access_token, headers=headers
            )
        except NoAnswer as exc:
            raise ProfilesUnavailable(path) from exc
        body = json_object(response)
        status = response.status_code
        if status == 200 and body is not None:
            return body, response
        if status in (401, 403):
            raise NotAllowed(status)
        if status == 404:
            raise NotFound(path)
        if status == 409:
            raise ReadOnly(path)
        if status in (412, 428):
            raise StaleEdit(response.headers.get("ETag"))
        if status in (400, 413, 422) and body is not None:
            errors = body.get("errors")
            tree = errors.get("json", errors) if isinstance(errors, dict) else {}
            raise EditRejected(tree if isinstance(tree, dict) else {}, body)
        log.warning("profiles failed", extra={"path": path, "status": status})
        raise ProfilesUnavailable(path)

    def _versioned(self, method: str, path: str, **options: Any) -> tuple[Document, str]:
        body, response = self._call(method, path, **options)
        etag = response.headers.get("ETag")
        if not etag:
            log.warning("profiles answered without an ETag", extra={"path": path})
            raise ProfilesUnavailable(path)
        return body, etag

    def _edit(
        self, access_token: str, path: str, changes: Changes, etag: str, whole: bool
    ) -> tuple[Document, str]:
        if not etag:
            raise ValueError("an edit names the ETag of the version it was made on")
        return self._versioned(
            "PUT" if whole else "PATCH",
            path,
            access_token=access_token,
            json=dict(changes),
            etag=etag,
        )

    def profile(self, number: str) -> tuple[Document, str]:
        return self._versioned("GET", f"/v1/institutions/{number}/profile")

    def edit_profile(
        self, access_token: str, number: str, changes: Changes, etag: str, whole: bool
    ) -> tuple[Document, str]:
        return self._edit(access_token, f"/v1/institutions/{number}/profile", changes, etag, whole)

    def history(
        self, access_token: str, number: str, limit: int | None = None, before: int | None = None
    ) -> Document:
        params = {
            key: value for key, value in (("limit", limit), ("before", before)) if value is not None
        }
        body, _ = self._call(
            "GET",
            f"/v1/institutions/{number}/profile/history",
            access_token=access_token,
            params=params,
        )
        return body

    def dagpleje_districts(self, code: int) -> Document:
        body, _ = self._call("GET", f"/v1/municipalities/{code}/dagpleje")
        return body

    def dagpleje_district(self, code: int, number: str) -> tuple[Document, str]:
        return self._versioned("GET", f"/v1/municipalities/{code}/dagpleje/{number}")

    def report_dagpleje(
        self,
        access_token: str,
        code: int,
        number: str,
        changes: Changes,
        etag: str,
        whole: bool,
    ) -> tuple[Document, str]:
        path = f"/v1/municipalities/{code}/dagpleje/{number}"
        return self._edit(access_token, path, changes, etag, whole)

    def completeness(self, access_token: str, code: int) -> Document:
        body, _ = self._call(
            "GET", f"/v1/municipalities/{code}/completeness", access_token=access_token
        )
        return body

    def close(self) -> None:
        self._http.close()
