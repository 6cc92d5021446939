"""What the pages behind login need of auth, and how it can fail.

A page tells these apart: a refused login (one message, whichever part was
wrong), a throttled one (wait so many seconds), a new password the policy
refuses (each problem in Danish and English), a session that has ended (log
in again) and auth being away (try again in a moment). The municipality's
and the admin's pages add: credential letters refused for named
institutions, a new user refused (a username taken, a field wrong) and a
municipality that is no address of auth's.

Answers that carry a password (credential letters, a new user's one-time
password) are ``OneTimeSecrets``: a dict that never shows a password in a
log line or a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

# The keys whose values an answer's repr never shows.
SECRET_KEYS: Final = frozenset({"password", "csv"})
# The roles an admin may create users with (institution accounts come from the register).
CREATABLE_ROLES: Final = ("municipality", "dst", "admin")


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


class UnknownMunicipality(AccountsError):
    """auth has nothing at that municipality's address (404)."""

    def __init__(self, code: int) -> None:
        super().__init__(str(code))
        self.code = code


class AccountRefused(AccountsError):
    """auth refused what was asked (409 or 422): ``message_en`` and
    ``message_da`` say it in short, ``problems`` each reason with its ``en``
    and ``da`` words and the ``field`` it is about (where auth names the
    reason only in English, ``en`` and ``da`` are the answer's own words and
    ``detail`` auth's reason)."""

    def __init__(
        self,
        status: int,
        message_en: str,
        message_da: str,
        problems: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.message_en = message_en
        self.message_da = message_da
        self.problems = [dict(problem) for problem in problems]


class UsernameTaken(AccountRefused):
    """A new user's username is another account's (409)."""


class LettersRefused(AccountRefused):
    """No letter was issued (all or nothing). ``institutions``: the numbers
    that cannot be given a letter, each with its ``en`` and ``da`` reason
    (403: unknown or not the account's to issue for, the two never told
    apart; 409: closed, or its password changed meanwhile, when asking again
    is safe). Without named institutions (422, or a 409 naming none),
    ``problems`` says which field was wrong (``all``: the municipality has no
    open institutions; ``municipality``: an admin must name one)."""

    def __init__(
        self,
        status: int,
        message_en: str,
        message_da: str,
        problems: Sequence[Mapping[str, Any]] = (),
        institutions: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        super().__init__(status, message_en, message_da, problems)
        self.institutions = {number: dict(why) for number, why in (institutions or {}).items()}


class AuthUnavailable(AccountsError):
    """auth did not answer in time, answered with a server error, or with
    something that is not its API."""


class OneTimeSecrets(dict[str, Any]):
    """An answer that carries passwords shown once: a plain dict to read,
    whose repr (and a log line's or a traceback's) hides every password."""

    def __repr__(self) -> str:
        return repr(_redacted(self))

    __str__ = __repr__


def _redacted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: "***" if k in SECRET_KEYS else _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value


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

    def me(self, access_token: str) -> dict[str, Any]:
        """The account the token speaks for, as auth holds it now: account_id,
        username, role, institution_number, municipality_code, display_name
        and ``status`` (active, locked or disabled). SessionEnded when the
        token is no longer valid or the account is gone."""
        ...

    def municipality_institutions(self, access_token: str, code: int) -> dict[str, Any]:
        """``{"municipality_code": code, "institutions": [...]}``, each with
        account_id, institution_number, name, municipality_code, status,
        password_issued, password_changed_at and can_log_in, by number."""
        ...

    def issue_letters(
        self,
        access_token: str,
        numbers: Sequence[str] | None,
        all: bool = False,
        municipality: int | None = None,
    ) -> OneTimeSecrets:
        """New passwords for the institutions ``numbers`` (or, ``all``, every
        open one of the account's municipality; an admin names
        ``municipality``): ``letters`` (institution_number,
        institution_name, municipality_name, password, login_url), the
        ``filename`` auth would give them and the ``csv`` file itself, shown
        once. All or nothing: LettersRefused names what cannot get one."""
        ...

    def create_user(
        self,
        access_token: str,
        role: str,
        username: str,
        municipality_code: int | None = None,
        display_name: str | None = None,
    ) -> OneTimeSecrets:
        """A municipality, dst or admin user (admins only): account_id,
        username, role, municipality_code, display_name, status and the
        one-time ``password``."""
        ...

    def audit(
        self, access_token: str, account: str | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        """``{"records": [...]}``, newest first, each with at, action,
        account_id, actor_account_id, municipality_code, client_address and
        detail: an admin's every record, a municipality user's its
        municipality's, an institution's its own (``account``: one account's)."""
        ...
