"""What the clients of the other services' JSON APIs share: a keep-alive
session without retries, the correlation id passed on, a timeout on every
call, and reading a JSON object out of an answer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from dagkit.logging import current_correlation_id

log = logging.getLogger(__name__)


class NoAnswer(Exception):
    """The service did not answer: refused connection, timeout, broken answer."""


class JsonHttp:
    """Calls one service at ``base_url``; every call gives up after ``timeout_s``."""

    def __init__(self, service: str, base_url: str, timeout_s: float, pool: int = 8) -> None:
        self.service = service
        self._base = base_url.rstrip("/")
        self._timeout = timeout_s
        self._http = requests.Session()
        # No retries: a page that cannot get its answer in time says so
        # rather than making its user wait; an edit is never sent twice.
        self._http.mount("http://", HTTPAdapter(pool_maxsize=pool, max_retries=0))
        self._http.mount("https://", HTTPAdapter(pool_maxsize=pool, max_retries=0))

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        access_token: str | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        timeout_s: float | None = None,
    ) -> requests.Response:
        """``data`` and ``files`` send a form (multipart with ``files``) instead
        of ``json``; ``timeout_s`` replaces the client's timeout for this call
        (an upload's body takes longer than a question)."""
        sent = {"Accept": "application/json", **(headers or {})}
        correlation_id = current_correlation_id()
        if correlation_id:
            sent["X-Correlation-ID"] = correlation_id
        if access_token:
            sent["Authorization"] = f"Bearer {access_token}"
        try:
            return self._http.request(
                method,
                self._base + path,
                json=json,
                params=params,
                data=data,
                files=files,
                headers=sent,
                timeout=self._timeout if timeout_s is None else timeout_s,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            log.warning(
                "%s did not answer",
                self.service,
                extra={"path": path, "error": type(exc).__name__},
            )
            raise NoAnswer(path) from exc

    def close(self) -> None:
        self._http.close()


def json_object(response: requests.Response) -> dict[str, Any] | None:
    """The answer's body when it is a JSON object, else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
