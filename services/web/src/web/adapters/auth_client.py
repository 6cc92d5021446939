"""auth's public HTTP API for the pages behind login: logging in and out,
the next pair of tokens, and changing a password. No retries: a login or a
password change is never sent twice."""

from __future__ import annotations

import logging
from typing import Any

import requests

from web.adapters.http_json import JsonHttp, NoAnswer, json_object
from web.service_layer.accounts_gateway import (
    AccountNotAllowed,
    AuthUnavailable,
    LoginRefused,
    LoginThrottled,
    PasswordRefused,
    SessionEnded,
    Tokens,
)

log = logging.getLogger(__name__)

# When auth says to wait but not how long.
DEFAULT_RETRY_AFTER_S = 60


class HttpAccountsGateway:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        self._http = JsonHttp("auth", base_url, timeout_s)

    def _post(
        self, path: str, body: dict[str, Any], access_token: str | None = None
    ) -> requests.Response:
        try:
            return self._http.call("POST", path, json=body, access_token=access_token)
        except NoAnswer as exc:
            raise AuthUnavailable(path) from exc

    def login(self, username: str, password: str) -> Tokens:
        response = self._post("/v1/token", {"username": username, "password": password})
        if response.status_code == 429:
            raise LoginThrottled(_retry_after(response))
        if response.status_code in (401, 422):
            # A malformed username or password (empty, too long) is as wrong as any other.
            raise LoginRefused()
        return _tokens(response, "/v1/token")

    def refresh(self, refresh_token: str) -> Tokens:
        response = self._post("/v1/token/refresh", {"refresh_token": refresh_token})
        if response.status_code in (401, 422):
            raise SessionEnded()
        return _tokens(response, "/v1/token/refresh")

    def logout(self, access_token: str | None, refresh_token: str) -> None:
        response = self._post("/v1/logout", {"refresh_token": refresh_token}, access_token)
        if response.status_code == 422:
            # Not a refresh token auth could ever have issued: nothing to end.
            return
        if response.status_code != 204:
            raise _unavailable(response, "/v1/logout")

    def change_password(
        self,
        access_token: str,
        current: str,
        new: str,
        refresh_token: str | None = None,
    ) -> None:
        body = {"current_password": current, "new_password": new}
        if refresh_token:
            body["refresh_token"] = refresh_token
        response = self._post("/v1/password", body, access_token)
        if response.status_code == 204:
            return
        if response.status_code == 401:
            raise SessionEnded()
        if response.status_code == 403:
            raise AccountNotAllowed()
        if response.status_code == 422:
            problems = _field_problems(json_object(response))
            if problems is not None:
                raise PasswordRefused(problems)
        raise _unavailable(response, "/v1/password")

    def close(self) -> None:
        self._http.close()


def _unavailable(response: requests.Response, path: str) -> AuthUnavailable:
    log.warning("auth failed", extra={"path": path, "status": response.status_code})
    return AuthUnavailable(path)


def _tokens(response: requests.Response, path: str) -> Tokens:
    if response.status_code != 200:
        raise _unavailable(response, path)
    body = json_object(response) or {}
    access, refresh, expires = (
        body.get("access_token"),
        body.get("refresh_token"),
        body.get("expires_in"),
    )
    if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
        raise _unavailable(response, path)
    if not isinstance(expires, int) or isinstance(expires, bool) or expires <= 0:
        raise _unavailable(response, path)
    return Tokens(access_token=access, refresh_token=refresh, expires_in_s=expires)


def _retry_after(response: requests.Response) -> int:
    header = (response.headers.get("Retry-After") or "").strip()
    return int(header) if header.isdigit() else DEFAULT_RETRY_AFTER_S


def _field_problems(problem: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """Each reason of a 422, with the field it is about; None when the
    answer carries no reason in both languages."""
    errors = (problem or {}).get("errors")
    fields = errors.get("json") if isinstance(errors, dict) else None
    if not isinstance(fields, dict):
        return None
    problems = []
    for field, reasons in fields.items():
        for reason in reasons if isinstance(reasons, list) else [reasons]:
            if isinstance(reason, dict) and "en" in reason and "da" in reason:
                problems.append({**reason, "field": field})
    return problems or None
