"""auth's public HTTP API for the pages behind login: logging in and out,
the next pair of tokens, changing a password, who is logged in, a
municipality's institution accounts, credential letters, new users and the
audit trail. No retries: a login, a password change or a letter is never
sent twice. A password in an answer is never logged: failures log the path
and the status only."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import requests

from web.adapters.http_json import JsonHttp, NoAnswer, json_object
from web.service_layer.accounts_gateway import (
    AccountNotAllowed,
    AccountRefused,
    AuthUnavailable,
    LettersRefused,
    LoginRefused,
    LoginThrottled,
    OneTimeSecrets,
    PasswordRefused,
    SessionEnded,
    Tokens,
    UnknownMunicipality,
    UsernameTaken,
)

log = logging.getLogger(__name__)

# When auth says to wait but not how long.
DEFAULT_RETRY_AFTER_S = 60
# Credential letters as auth writes them (Danish Excel: BOM, semicolons).
LETTERS_COLUMNS: Final = (
    "institution_number",
    "institution_name",
    "municipality_name",
    "password",
    "login_url",
)
LETTERS_HEADER_START: Final = "Institutionsnummer"
BYTE_ORDER_MARK: Final = "\ufeff"
# What auth puts before a cell a spreadsheet would take for a formula.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
FILENAME: Final = re.compile(r'filename="([^"]+)"')


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

    def _get(
        self, path: str, access_token: str, params: Mapping[str, Any] | None = None
    ) -> requests.Response:
        try:
            return self._http.call("GET", path, params=params, access_token=access_token)
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

    def me(self, access_token: str) -> dict[str, Any]:
        response = self._get("/v1/me", access_token)
        if response.status_code in (401, 404):
            # No longer valid, or the account is gone: either way, log in again.
            raise SessionEnded()
        body = json_object(response) if response.status_code == 200 else None
        if body is None or not isinstance(body.get("status"), str):
            raise _unavailable(response, "/v1/me")
        return body

    def municipality_institutions(self, access_token: str, code: int) -> dict[str, Any]:
        path = f"/v1/municipalities/{code}/institutions"
        response = self._get(path, access_token)
        _refused_access(response)
        if response.status_code == 404:
            raise UnknownMunicipality(code)
        rows = _json_list(response) if response.status_code == 200 else None
        if rows is None:
            raise _unavailable(response, "/v1/municipalities/{code}/institutions")
        return {"municipality_code": code, "institutions": rows}

    def issue_letters(
        self,
        access_token: str,
        numbers: Sequence[str] | None,
        all: bool = False,
        municipality: int | None = None,
    ) -> OneTimeSecrets:
        body: dict[str, Any] = {}
        if numbers is not None:
            body["institutions"] = list(numbers)
        if all:
            body["all"] = True
        if municipality is not None:
            body["municipality"] = municipality
        try:
            response = self._http.call(
                "POST",
                "/v1/letters",
                json=body,
                access_token=access_token,
                headers={"Accept": "text/csv"},
            )
        except NoAnswer as exc:
            raise AuthUnavailable("/v1/letters") from exc
        if response.status_code == 200:
            letters = _letters(response)
            if letters is not None:
                return letters
        if response.status_code == 401:
            raise SessionEnded()
        problem = json_object(response) or {}
        institutions = _named_institutions(problem)
        if response.status_code in (403, 409, 422) and institutions:
            raise LettersRefused(response.status_code, *_words(problem), institutions=institutions)
        if response.status_code == 403:
            raise AccountNotAllowed()
        if response.status_code in (409, 422):
            raise LettersRefused(response.status_code, *_words(problem), problems=_reasons(problem))
        # 406 too: auth was asked for CSV, which it always writes.
        raise _unavailable(response, "/v1/letters")

    def create_user(
        self,
        access_token: str,
        role: str,
        username: str,
        municipality_code: int | None = None,
        display_name: str | None = None,
    ) -> OneTimeSecrets:
        body = {
            "role": role,
            "username": username,
            "municipality_code": municipality_code,
            "display_name": display_name,
        }
        response = self._post("/v1/users", body, access_token)
        if response.status_code == 201:
            created = json_object(response)
            if created is not None and isinstance(created.get("password"), str):
                return OneTimeSecrets(created)
        _refused_access(response)
        if response.status_code in (409, 422):
            problem = json_object(response) or {}
            refusal = UsernameTaken if response.status_code == 409 else AccountRefused
            raise refusal(response.status_code, *_words(problem), problems=_reasons(problem))
        raise _unavailable(response, "/v1/users")

    def audit(
        self, access_token: str, account: str | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if account is not None:
            params["account"] = account
        if limit is not None:
            params["limit"] = limit
        response = self._get("/v1/audit", access_token, params)
        _refused_access(response)
        if response.status_code == 422:
            problem = json_object(response) or {}
            raise AccountRefused(422, *_words(problem), problems=_reasons(problem))
        records = _json_list(response) if response.status_code == 200 else None
        if records is None:
            raise _unavailable(response, "/v1/audit")
        return {"records": records}

    def close(self) -> None:
        self._http.close()


def _refused_access(response: requests.Response) -> None:
    if response.status_code == 401:
        raise SessionEnded()
    if response.status_code == 403:
        raise AccountNotAllowed()


def _json_list(response: requests.Response) -> list[dict[str, Any]] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        return None
    return body


def _words(problem: Mapping[str, Any]) -> tuple[str, str]:
    """The answer's message in English and Danish (the English for both
    when auth gave no Danish)."""
    english = problem.get("message")
    english = english if isinstance(english, str) and english else "Refused."
    danish = problem.get("message_da")
    return english, danish if isinstance(danish, str) and danish else english


def _reasons(problem: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each field's reasons: auth's own ``en`` and ``da`` where it gives
    both, otherwise the answer's words with auth's reason as ``detail``."""
    english, danish = _words(problem)
    errors = problem.get("errors")
    fields = errors.get("json") if isinstance(errors, dict) else None
    problems: list[dict[str, Any]] = []
    for field, reasons in (fields or {}).items() if isinstance(fields, dict) else ():
        for reason in reasons if isinstance(reasons, list) else [reasons]:
            if isinstance(reason, dict) and "en" in reason and "da" in reason:
                problems.append({**reason, "field": field})
            else:
                problems.append({"field": field, "en": english, "da": danish, "detail": reason})
    return problems


def _named_institutions(problem: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The institutions a letters refusal names, each with its reason."""
    errors = problem.get("errors")
    fields = errors.get("json") if isinstance(errors, dict) else None
    named = fields.get("institutions") if isinstance(fields, dict) else None
    if not isinstance(named, dict):
        return {}
    return {
        str(number): {"en": str(why["en"]), "da": str(why["da"])}
        for number, why in named.items()
        if isinstance(why, dict) and "en" in why and "da" in why
    }


def _letters(response: requests.Response) -> OneTimeSecrets | None:
    """auth's CSV of letters, read back into rows; None when it is not that."""
    if response.headers.get("Content-Type", "").split(";")[0].strip() != "text/csv":
        return None
    text = response.content.decode("utf-8", errors="replace")
    rows = list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK)), delimiter=";"))
    if not rows or len(rows[0]) != len(LETTERS_COLUMNS) or rows[0][0] != LETTERS_HEADER_START:
        return None
    letters = []
    for row in rows[1:]:
        if len(row) != len(LETTERS_COLUMNS):
            return None
        letter = OneTimeSecrets(zip(LETTERS_COLUMNS, map(_cell, row), strict=True))
        letter["password"] = row[3]  # never altered by auth
        letters.append(letter)
    found = FILENAME.search(response.headers.get("Content-Disposition", ""))
    return OneTimeSecrets(
        letters=letters, filename=found.group(1) if found else "adgangsbreve.csv", csv=text
    )


def _cell(value: str) -> str:
    """A cell as it was before auth kept a spreadsheet from reading it as a formula."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


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
