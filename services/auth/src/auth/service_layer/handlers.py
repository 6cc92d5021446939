"""Institution accounts from the register: ``ingest.institutions.v1``.

Every institution event carries the unit's full state, so each one is applied
by making the account agree with it, whatever its type:

* no account yet: one is created, without a password (its municipality issues
  the first one in a credential letter); for a unit that arrives closed, it is
  created disabled;
* name or municipality changed: the account follows (a new version);
* the unit closed: the account is disabled and every session of it ends (its
  refresh tokens are revoked);
* a closed unit active again (ingest says so with ``updated``, a replay may
  say it with ``registered``): the account is active again, but without a
  password: whoever holds the unit now gets a new letter from its
  municipality, not the one from before it closed.

An account event is published only when the published state changed (status
or municipality; the name is not in ``auth.accounts.v1``), into the outbox in
the consumer's batch transaction. Its type follows the new status:
``disabled.v1``, ``locked.v1``, and ``created.v1`` for an active account (the
contract has no "enabled" or "changed" type; every event carries the full
state and a newer aggregateversion, so a consumer keeps the newest).
The kit drops redelivered and stale events before they get here, and applying
the same state twice changes nothing anyway."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from auth.adapters.orm import kit_tables
from auth.domain.accounts import Account, AccountStatus, institution_account
from auth.domain.audit import AuditAction
from auth.service_layer.accounts import account_event, audit_record
from auth.service_layer.unit_of_work import AuthUnitOfWork, SqlAuthUnitOfWork
from dagkit.consumer import ConsumerSpec, Handling
from dagkit.envelope import Envelope
from dagtilbud_contracts import institution
from dagtilbud_contracts.consuming import payload_validator
from dagtilbud_contracts.registry import topics_for

INSTITUTION_TYPES: Final = (institution.REGISTERED, institution.UPDATED, institution.CLOSED)
TOPICS: Final = topics_for(INSTITUTION_TYPES)
CONSUMER_GROUP: Final = "auth.accounts"
CLOSED: Final = "closed"


class InstitutionUsernameTaken(Exception):
    """Another kind of account holds the institution's number as its username;
    the event cannot be applied until an admin renames that account."""


def apply_institution_events(
    uow: AuthUnitOfWork, events: Sequence[Envelope], now: datetime
) -> None:
    """Apply a batch, in offset order, through ``uow``'s repositories; the
    caller commits (the consumer's batch transaction, or a test)."""
    for event in events:
        apply_institution_state(uow, event.data, now, correlation_id=event.correlationid)


def apply_institution_state(
    uow: AuthUnitOfWork,
    data: dict[str, Any],
    now: datetime,
    correlation_id: str | None = None,
) -> Account:
    """Make the institution's account agree with the register's ``data``;
    returns the account as it is now."""
    number = str(data["institution_number"]).upper()
    name = str(data["name"])
    code = int(data["municipality_code"])
    closed = data["status"] == CLOSED
    account = uow.accounts.by_institution(number)
    if account is None:
        return _create(uow, number, name, code, closed, now, correlation_id)
    changes: dict[str, Any] = {}
    if account.display_name != name:
        changes["display_name"] = name
    if account.municipality_code != code:
        changes["municipality_code"] = code
    reopened = False
    if closed and account.status is not AccountStatus.DISABLED:
        changes["status"] = AccountStatus.DISABLED
    elif not closed and account.status is AccountStatus.DISABLED:
        changes["status"] = AccountStatus.ACTIVE
        changes["password_hash"] = None
        reopened = True
    if not changes:
        return account
    changed = account.changed(now, **changes)
    uow.accounts.save(changed)
    if changed.status is AccountStatus.DISABLED and "status" in changes:
        ended = uow.refresh_tokens.revoke_account(changed.account_id, now)
        uow.audit.add(
            audit_record(
                AuditAction.ACCOUNT_DISABLED,
                changed,
                now,
                actor=None,
                reason="institution_closed",
                sessions_ended=ended,
            )
        )
    elif reopened:
        uow.audit.add(
            audit_record(
                AuditAction.ACCOUNT_CREATED, changed, now, actor=None, reason="institution_reopened"
            )
        )
    if "status" in changes or "municipality_code" in changes:
        uow.add_events([account_event(changed, correlation_id)])
    return changed


def _create(
    uow: AuthUnitOfWork,
    number: str,
    name: str,
    code: int,
    closed: bool,
    now: datetime,
    correlation_id: str | None,
) -> Account:
    if uow.accounts.by_username(number) is not None:
        raise InstitutionUsernameTaken(number)
    account = institution_account(number, name, code, now)
    if closed:
        account = replace(account, status=AccountStatus.DISABLED)
    uow.accounts.add(account)
    uow.audit.add(
        audit_record(
            AuditAction.ACCOUNT_CREATED,
            account,
            now,
            actor=None,
            reason="institution_registered",
            status=account.status.value,
        )
    )
    uow.add_events([account_event(account, correlation_id)])
    return account


def _apply_batch(session: Session, events: Sequence[Envelope]) -> None:
    apply_institution_events(SqlAuthUnitOfWork().borrow(session), events, datetime.now(UTC))


def consumer_spec(topics: Sequence[str] = TOPICS, group: str = CONSUMER_GROUP) -> ConsumerSpec:
    """How auth consumes the register (tests pass their own topic and group)."""
    return ConsumerSpec(
        group=group,
        topics=tuple(topics),
        handling=Handling.batched(INSTITUTION_TYPES, _apply_batch),
        tables=kit_tables,
        validate=payload_validator(INSTITUTION_TYPES),
    )


# The consumer process, a replay and the dead-letter redrive all use this one.
CONSUMER = consumer_spec()
