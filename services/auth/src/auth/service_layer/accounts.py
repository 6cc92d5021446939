"""Use cases on accounts: the first admin, users an admin creates, password
changes, the audit trail and the list of a municipality's institution accounts.

Each use case takes what it needs explicitly (a unit-of-work factory, the
hasher, the policy, the time, the acting account), so it runs on the fakes in
unit tests and on the SQL unit of work in the service. Argon2 is slow on
purpose, so hashing and verifying happen before a transaction opens, and the
transaction checks again that what was verified is still what is stored.

Refusals are exceptions the API turns into answers: ``NotAllowed`` (403, and
never a word about whose the resource is), ``AccountConflict`` (409),
``PasswordRefused`` and ``WrongPassword`` (422, per field), ``InvalidRequest``
(422)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Final

from auth.adapters.password_hashing import PasswordHasher
from auth.domain.accounts import (
    Account,
    AccountStatus,
    Role,
    ScopeError,
    check_scope,
    may_manage,
    new_account_id,
)
from auth.domain.audit import AuditAction, AuditRecord
from auth.domain.passwords import PasswordPolicy, PasswordProblem, generate_password
from auth.domain.sessions import token_digest
from auth.service_layer.unit_of_work import AuthUnitOfWork
from dagkit.logging import current_correlation_id
from dagkit.uow import OutgoingEvent
from dagtilbud_contracts import account as account_contract
from dagtilbud_contracts.municipalities import MUNICIPALITIES
from dagtilbud_contracts.registry import new_event, topic_for

UowFactory = Callable[[], AuthUnitOfWork]

BOOTSTRAP_ADMIN_USERNAME: Final = "admin"
# The contract's username rule; an institution number is only ever an
# institution's username (usernames are compared without regard to case).
USERNAME_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,99}$")
INSTITUTION_NUMBER_LIKE: Final = re.compile(r"^[A-Za-z0-9]{6}$")
CREATABLE_ROLES: Final = (Role.MUNICIPALITY, Role.DST, Role.ADMIN)
MAX_AUDIT_LIMIT: Final = 500


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AccountsDeps:
    """What the accounts views need from the service's context: the unit of
    work, the hasher and the policy, the address the letters name, a clock."""

    uow: UowFactory
    hasher: PasswordHasher
    policy: PasswordPolicy
    login_url: str
    clock: Callable[[], datetime] = field(default=_now)


# --- refusals ---------------------------------------------------------------------------


class AccountsError(Exception):
    """A use case refused; the API answers with the subclass's status."""


class NotAllowed(AccountsError):
    """The actor may not do this (or the thing does not exist for it: the two
    are never told apart)."""


class AccountConflict(AccountsError):
    """The username is taken."""


class InvalidRequest(AccountsError):
    """The request cannot be carried out as asked; ``field`` names the input."""

    def __init__(self, field_name: str, message_en: str, message_da: str) -> None:
        super().__init__(message_en)
        self.field = field_name
        self.message_en = message_en
        self.message_da = message_da


class WrongPassword(AccountsError):
    """The current password given is not the account's."""


class PasswordRefused(AccountsError):
    """The new password breaks the policy; ``problems`` in the policy's order."""

    def __init__(self, problems: Sequence[PasswordProblem]) -> None:
        super().__init__(", ".join(p.value for p in problems))
        self.problems = list(problems)


# --- shared pieces ----------------------------------------------------------------------


def account_event(account: Account, correlation_id: str | None = None) -> OutgoingEvent:
    """The ``auth.accounts.v1`` event carrying ``account``'s state, of the type
    its status says: disabled and locked have their own types; an active
    account's state change that is no password change is carried by
    ``created.v1`` (the contract has no separate "changed" or "enabled" type,
    and every event carries the full state, so a consumer keeps the newest)."""
    if account.status is AccountStatus.DISABLED:
        event_type = account_contract.DISABLED
    elif account.status is AccountStatus.LOCKED:
        event_type = account_contract.LOCKED
    else:
        event_type = account_contract.CREATED
    return typed_account_event(event_type, account, correlation_id)


def typed_account_event(
    event_type: str, account: Account, correlation_id: str | None = None
) -> OutgoingEvent:
    return (
        topic_for(event_type),
        new_event(
            event_type,
            account.event_payload(),
            aggregate_version=account.version,
            correlation_id=correlation_id or current_correlation_id(),
        ),
    )


def audit_record(
    action: AuditAction,
    target: Account,
    now: datetime,
    *,
    actor: Account | None,
    client_address: str | None = None,
    **detail: object,
) -> AuditRecord:
    return AuditRecord(
        at=now,
        action=action,
        account_id=target.account_id,
        actor_account_id=actor.account_id if actor is not None else None,
        municipality_code=target.municipality_code,
        client_address=client_address,
        detail=dict(detail),
    )


def check_password(policy: PasswordPolicy, password: str, account: Account) -> None:
    """``PasswordRefused`` unless ``password`` meets the policy for ``account``
    (its username, name and municipality are words it must not be made of)."""
    context = [w for w in (account.display_name, _municipality_name(account)) if w]
    problems = policy.problems(password, username=account.username, context_words=context)
    if problems:
        raise PasswordRefused(problems)


def _municipality_name(account: Account) -> str | None:
    if account.municipality_code is None:
        return None
    return MUNICIPALITIES.get(account.municipality_code)


def load_actor(uow: UowFactory, account_id: str, role: str | None = None) -> Account:
    """The account a verified token speaks for. ``NotAllowed`` when it no
    longer exists, is not active, or (``role``) has another role now than the
    token says."""
    with uow() as work:
        actor = work.accounts.get(account_id)
    if actor is None or actor.status is not AccountStatus.ACTIVE:
        raise NotAllowed()
    if role is not None and actor.role.value != role:
        raise NotAllowed()
    return actor


# --- the first admin --------------------------------------------------------------------


def bootstrap_admin(
    uow: UowFactory,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    password: str,
    now: datetime,
) -> Account | None:
    """The first admin, "admin", with ``password`` (BOOTSTRAP_ADMIN_PASSWORD).
    Does nothing, and returns None, when an account "admin" exists; refuses
    (``PasswordRefused``) a password the policy refuses."""
    with uow() as work:
        if work.accounts.by_username(BOOTSTRAP_ADMIN_USERNAME) is not None:
            return None
    draft = Account(
        account_id=new_account_id(),
        username=BOOTSTRAP_ADMIN_USERNAME,
        role=Role.ADMIN,
        institution_number=None,
        municipality_code=None,
        status=AccountStatus.ACTIVE,
        password_hash=None,
        display_name="Administrator",
        changed_at=now,
        password_changed_at=now,
    )
    check_password(policy, password, draft)
    admin = replace(draft, password_hash=hasher.hash(password))
    with uow() as work:
        # Another process may have bootstrapped meanwhile.
        if work.accounts.by_username(BOOTSTRAP_ADMIN_USERNAME) is not None:
            return None
        work.accounts.add(admin)
        work.audit.add(audit_record(AuditAction.ACCOUNT_CREATED, admin, now, actor=None))
        work.add_events([typed_account_event(account_contract.CREATED, admin)])
        work.commit()
    return admin


# --- users an admin creates -------------------------------------------------------------


@dataclass(frozen=True)
class CreatedUser:
    account: Account
    # Shown once, to the admin who created the account; stored only as a hash.
    password: str


def create_user(
    uow: UowFactory,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    actor: Account,
    *,
    username: str,
    role: str,
    municipality_code: int | None,
    display_name: str | None,
    now: datetime,
    client_address: str | None = None,
) -> CreatedUser:
    """A municipality, dst or admin account with a generated one-time password.
    Only admins; institution accounts come from the register, not from here."""
    if actor.role is not Role.ADMIN:
        raise NotAllowed()
    username = username.strip()
    chosen = next((r for r in CREATABLE_ROLES if r.value == role), None)
    if chosen is None:
        raise InvalidRequest(
            "role",
            "The role must be municipality, dst or admin.",
            "Rollen skal være municipality, dst eller admin.",
        )
    if not USERNAME_PATTERN.match(username) or INSTITUTION_NUMBER_LIKE.match(username):
        raise InvalidRequest(
            "username",
            "A username is 3-100 letters, digits and . _ @ -, and not six letters and "
            "digits (those are institution numbers).",
            "Et brugernavn er 3-100 bogstaver, tal og . _ @ -, og ikke seks bogstaver og "
            "tal (det er institutionsnumre).",
        )
    if municipality_code is not None and municipality_code not in MUNICIPALITIES:
        raise InvalidRequest("municipality_code", "No such municipality.", "Kommunen findes ikke.")
    try:
        check_scope(chosen, None, municipality_code)
    except ScopeError as exc:
        raise InvalidRequest(
            "municipality_code",
            "A municipality user names its municipality; dst and admin users name none.",
            "En kommunebruger har en kommune; dst- og admin-brugere har ingen.",
        ) from exc
    password = generate_password()
    account = Account(
        account_id=new_account_id(),
        username=username,
        role=chosen,
        institution_number=None,
        municipality_code=municipality_code,
        status=AccountStatus.ACTIVE,
        password_hash=hasher.hash(password),
        display_name=display_name,
        changed_at=now,
        password_changed_at=now,
    )
    with uow() as work:
        if work.accounts.by_username(username) is not None:
            raise AccountConflict(username)
        work.accounts.add(account)
        work.audit.add(
            audit_record(
                AuditAction.ACCOUNT_CREATED,
                account,
                now,
                actor=actor,
                client_address=client_address,
                role=chosen.value,
            )
        )
        work.add_events([typed_account_event(account_contract.CREATED, account)])
        work.commit()
    return CreatedUser(account, password)


# --- password change --------------------------------------------------------------------


def session_family(uow: UowFactory, account_id: str, refresh_token: str | None) -> str | None:
    """The family of ``refresh_token`` when it is one of ``account_id``'s (the
    session a password change keeps); None otherwise."""
    if not refresh_token:
        return None
    with uow() as work:
        token = work.refresh_tokens.get(token_digest(refresh_token))
    if token is None or token.account_id != account_id or token.revoked_at is not None:
        return None
    return token.family_id


def change_password(
    uow: UowFactory,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    account_id: str,
    current_password: str,
    new_password: str,
    keep_family: str | None,
    now: datetime,
    client_address: str | None = None,
) -> Account:
    """The account's own password change: the current password, then the
    policy; the new hash is stored, every other session of the account ends
    (the refresh tokens outside ``keep_family``), and the change is published
    without the secret."""
    with uow() as work:
        account = work.accounts.get(account_id)
    if account is None or account.status is not AccountStatus.ACTIVE:
        raise NotAllowed()
    if account.password_hash is None:
        hasher.dummy_verify(current_password)
        raise WrongPassword()
    if not hasher.verify(account.password_hash, current_password):
        raise WrongPassword()
    check_password(policy, new_password, account)
    new_hash = hasher.hash(new_password)
    with uow() as work:
        stored = work.accounts.get(account_id)
        # Changed meanwhile (another change, a letter, the institution closed):
        # what was verified is no longer what is stored.
        if stored is None or stored.password_hash != account.password_hash:
            raise WrongPassword()
        if stored.status is not AccountStatus.ACTIVE:
            raise NotAllowed()
        changed = stored.changed(now, password_hash=new_hash, password_changed_at=now)
        work.accounts.save(changed)
        ended = work.refresh_tokens.revoke_account(account_id, now, except_family=keep_family)
        work.audit.add(
            audit_record(
                AuditAction.PASSWORD_CHANGED,
                changed,
                now,
                actor=changed,
                client_address=client_address,
                sessions_ended=ended,
            )
        )
        work.add_events([typed_account_event(account_contract.PASSWORD_CHANGED, changed)])
        work.commit()
    return changed


# --- the audit trail --------------------------------------------------------------------


def audit_trail(
    uow: UowFactory, actor: Account, account_id: str | None, limit: int
) -> list[AuditRecord]:
    """Newest first. Admins read every record; a municipality user the records
    of its municipality (of one account of it, with ``account_id``); an
    institution its own; dst users none."""
    limit = max(1, min(limit, MAX_AUDIT_LIMIT))
    with uow() as work:
        if actor.role is Role.ADMIN:
            if account_id is None:
                return work.audit.for_municipality(None, limit)
            return work.audit.for_account(account_id, limit)
        if actor.role is Role.MUNICIPALITY:
            code = actor.municipality_code
            if account_id is None:
                return work.audit.for_municipality(code, limit)
            target = work.accounts.get(account_id)
            if target is None or not (
                target.account_id == actor.account_id or may_manage(actor, target)
            ):
                raise NotAllowed()
            records = work.audit.for_account(account_id, limit)
            return [r for r in records if r.municipality_code == code]
        if actor.role is Role.INSTITUTION:
            if account_id is not None and account_id != actor.account_id:
                raise NotAllowed()
            return work.audit.for_account(actor.account_id, limit)
    raise NotAllowed()


# --- a municipality's institution accounts ----------------------------------------------


@dataclass(frozen=True)
class InstitutionAccountSummary:
    account_id: str
    institution_number: str
    name: str | None
    municipality_code: int | None
    status: str
    # A letter (or a change by the institution) gave it a password at some point.
    password_issued: bool
    password_changed_at: datetime | None
    can_log_in: bool


def list_institution_accounts(
    uow: UowFactory, actor: Account, municipality_code: int
) -> list[InstitutionAccountSummary]:
    """The institution accounts of ``municipality_code``, by number: a
    municipality user its own municipality's, an admin any's."""
    if not (
        actor.role is Role.ADMIN
        or (actor.role is Role.MUNICIPALITY and actor.municipality_code == municipality_code)
    ):
        raise NotAllowed()
    with uow() as work:
        found = work.accounts.in_municipality(municipality_code)
    return [
        InstitutionAccountSummary(
            account_id=a.account_id,
            institution_number=a.institution_number or a.username,
            name=a.display_name,
            municipality_code=a.municipality_code,
            status=a.status.value,
            password_issued=a.password_changed_at is not None,
            password_changed_at=a.password_changed_at,
            can_log_in=a.can_log_in,
        )
        for a in found
    ]
