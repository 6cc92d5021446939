"""What the pages behind login need of auth, and how it can fail.

A page tells these apart: a refused login (one message, whichever part was
wrong), a throttled one (wait so many seconds), a new password the policy
refuses (each problem in Danish and English), a session that has ended (log
in again) and auth being away (try again in a moment).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Tokens:
    """A login: the access token for the other services, the refresh token
    for the next pair, and how many seconds the access token lives."""

    access_token: str
    refresh_token: str
    expires_in_s: int

    def __repr__(self) -> str:
        # Never a token in a log line or a traceback.
        return f"Tokens(expires_in_s={self.expires_in_s})"


class AccountsError(Exception):
    """Something auth refused or could not do."""


class LoginRefused(AccountsError):
    """Any 401 at login: the same for an unknown username, a wrong password
    and an account that may not log in. The page says one thing for all."""


class LoginThrottled(AccountsError):
    """Too many failed logins (429): wait ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"wait {retry_after_s} s")
        self.retry_after_s = retry_after_s


class SessionEnded(AccountsError):
    """The refresh token or the access token is no longer valid (401 after a
    login): the page asks to log in again."""


class PasswordRefused(AccountsError):
    """A password change refused (422): each problem with its ``en`` and
    ``da`` reason, the ``field`` it is about (``current_password`` or
    ``new_password``) and, where auth gives one, its ``problem`` code."""

    def __init__(self, problems: Sequence[Mapping[str, Any]]) -> None:
        super().__init__("password refused")
        self.problems = [dict(problem) for problem in problems]


class AccountNotAllowed(AccountsError):
    """auth refused the account the action (403)."""


class AuthUnavailable(AccountsError):
    """auth did not answer in time, answered with a server error, or with
    something that is not its API."""


class AccountsGateway(Protocol):
    def login(self, username: str, password: str) -> Tokens: ...

    def refresh(self, refresh_token: str) -> Tokens: ...

    def logout(self, access_token: str | None, refresh_token: str) -> None: ...

    def change_password(
        self,
        access_token: str,
        current: str,
        new: str,
        refresh_token: str | None = None,
    ) -> None: ...
