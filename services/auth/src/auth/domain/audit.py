"""The audit trail: who did what to which account, when and from where.

Never a password or token: ``detail`` holds only names of fields and
outcomes, and ``AuditRecord`` refuses keys that look like secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

SECRET_WORDS = ("password", "token", "secret", "hash")


class AuditAction(StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    CREDENTIALS_ISSUED = "credentials_issued"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an action name
    ROLE_CHANGED = "role_changed"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_DISABLED = "account_disabled"
    REFRESH_REUSED = "refresh_reused"
    LOGGED_OUT = "logged_out"


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    action: AuditAction
    # The account acted on (None: a login for an unknown username).
    account_id: str | None
    # Who acted: the account itself for a login, a municipality user for a letter.
    actor_account_id: str | None
    # The target's municipality, so its municipality users can read the record.
    municipality_code: int | None
    client_address: str | None
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in self.detail:
            if any(word in key.lower() for word in SECRET_WORDS):
                raise ValueError(f"an audit record never holds {key!r}")
