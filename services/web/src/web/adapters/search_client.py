"""search's public HTTP API, with timeouts: the pages' only source of figures."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from dagkit.logging import current_correlation_id
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
        self._base = base_url.rstrip("/")
        self._timeout = timeout_s
        self._http = requests.Session()
        # Keep-alive connections to search; no retries: a page that cannot
        # get its figures in time says so rather than making the parent wait.
        self._http.mount("http://", HTTPAdapter(pool_maxsize=8, max_retries=0))
        self._http.mount("https://", HTTPAdapter(pool_maxsize=8, max_retries=0))

    def _get(self, path: str, params: QueryParams | None = None) -> Document:
        headers = {"Accept": "application/json"}
        correlation_id = current_correlation_id()
        if correlation_id:
            headers["X-Correlation-ID"] = correlation_id
        try:
            response = self._http.get(
                self._base + path, params=params, headers=headers, timeout=self._timeout
            )
        except requests.RequestException as exc:
            log.warning("search did not answer", extra={"path": path, "error": type(exc).__name__})
            raise SearchUnavailable(path) from exc
        if response.status_code == 404:
            raise NotFound(path)
        if response.status_code in (400, 422):
            raise SearchRejected(_json(response) or {"message": "rejected"})
        if response.status_code != 200:
            log.warning("search failed", extra={"path": path, "status": response.status_code})
            raise SearchUnavailable(path)
        body = _json(response)
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


def _json(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
