"""search's public HTTP API, with timeouts: the pages' only source of figures."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from web.adapters.http_json import JsonHttp, NoAnswer, json_object
from web.service_layer.gateway import (
    Document,
    NotFound,
    QueryParams,
    SearchRejected,
    SearchUnavailable,
)

log = logging.getLogger(__name__)


class HttpSearchGateway:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        # Keep-alive connections to search; no retries: a page that cannot
        # get its figures in time says so rather than making the parent wait.
        self._http = JsonHttp("search", base_url, timeout_s)

    def _get(self, path: str, params: QueryParams | None = None) -> Document:
        try:
            response = self._http.call("GET", path, params=params)
        except NoAnswer as exc:
            raise SearchUnavailable(path) from exc
        if response.status_code == 404:
            raise NotFound(path)
        if response.status_code in (400, 422):
            raise SearchRejected(json_object(response) or {"message": "rejected"})
        if response.status_code != 200:
            log.warning("search failed", extra={"path": path, "status": response.status_code})
            raise SearchUnavailable(path)
        body = json_object(response)
        if body is None:
            raise SearchUnavailable(path)
        return body

    def search(self, params: QueryParams) -> Document:
        return self._get("/v1/search", params)

    def institution(self, number: str) -> Document:
        return self._get(f"/v1/institutions/{number}")

    def compare(self, numbers: Sequence[str]) -> Document:
        return self._get("/v1/compare", {"ids": ",".join(numbers)})

    def municipality(self, code: int) -> Document:
        return self._get(f"/v1/municipalities/{code}")

    def municipalities(self) -> Document:
        return self._get("/v1/municipalities")

    def national(self) -> Document:
        return self._get("/v1/statistics/national")

    def close(self) -> None:
        self._http.close()
