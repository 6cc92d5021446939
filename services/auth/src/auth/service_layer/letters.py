"""Credential letters: a municipality (or an admin) gives its institutions new
passwords, shown once, on paper.

All or nothing: one number the actor may not issue a letter for (unknown, or
another municipality's: the refusal does not say which) or one closed
institution, and no letter is issued. Each chosen institution gets a new
generated password, stored only as its argon2id hash; its sessions end (its
refresh tokens are revoked), ``account.password_changed.v1`` is published
(never the secret) and a ``credentials_issued`` audit record names the actor,
the institution and its municipality. The hashes are made before the
transaction opens (about 30 ms each, a few in parallel), so a municipality's
hundreds of letters do not hold a transaction open for seconds."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Final

from auth.adapters.password_hashing import PasswordHasher
from auth.domain.accounts import Account, AccountStatus, Role, may_manage
from auth.domain.audit import AuditAction
from auth.domain.credential_letters import CredentialLetter
from auth.domain.passwords import generate_password
from auth.service_layer.accounts import (
    AccountsError,
    InvalidRequest,
    NotAllowed,
    UowFactory,
    audit_record,
    typed_account_event,
)
from dagtilbud_contracts import account as account_contract
from dagtilbud_contracts.municipalities import MUNICIPALITIES

# At most this many hashes are made at once (each takes 19 MiB for ~30 ms).
MAX_HASHING_THREADS: Final = 4
FILENAME_PREFIX: Final = "adgangsbreve"
SEVERAL_MUNICIPALITIES: Final = "flere-kommuner"


class InstitutionsRefused(AccountsError):
    """Numbers the actor may not issue letters for: unknown, or not of its
    municipality (never told apart). Nothing was issued."""

    def __init__(self, numbers: Sequence[str]) -> None:
        super().__init__(", ".join(numbers))
        self.numbers = list(numbers)


class InstitutionsClosed(AccountsError):
    """Institutions of the actor's that have closed (their accounts are
    disabled). Nothing was issued."""

    def __init__(self, numbers: Sequence[str]) -> None:
        super().__init__(", ".join(numbers))
        self.numbers = list(numbers)


class IssuedMeanwhile(AccountsError):
    """Another letter or a password change reached these institutions while
    the letters were being made. Nothing was issued; asking again is safe."""

    def __init__(self, numbers: Sequence[str]) -> None:
        super().__init__(", ".join(numbers))
        self.numbers = list(numbers)


def _unique_numbers(numbers: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n.strip().upper() for n in numbers))


def _chosen(
    uow: UowFactory,
    actor: Account,
    numbers: Sequence[str] | None,
    municipality_code: int | None,
) -> list[Account]:
    """The institution accounts the letters are for, in the order asked (by
    number for a whole municipality)."""
    with uow() as work:
        if numbers is None:
            code = actor.municipality_code if actor.role is Role.MUNICIPALITY else None
            if municipality_code is not None:
                if code is not None and municipality_code != code:
                    raise NotAllowed()
                code = municipality_code
            if code is None:
                raise InvalidRequest(
                    "municipality",
                    "Name the municipality whose institutions get letters.",
                    "Angiv kommunen, hvis institutioner skal have breve.",
                )
            targets = [
                a
                for a in work.accounts.in_municipality(code)
                if a.status is not AccountStatus.DISABLED
            ]
            if not targets:
                raise InvalidRequest(
                    "all",
                    "The municipality has no open institutions.",
                    "Kommunen har ingen åbne institutioner.",
                )
            return targets
        wanted = _unique_numbers(numbers)
        if not wanted:
            raise InvalidRequest(
                "institutions", "Name at least one institution.", "Angiv mindst én institution."
            )
        targets, refused, closed = [], [], []
        for number in wanted:
            target = work.accounts.by_institution(number)
            if (
                target is None
                or target.role is not Role.INSTITUTION
                or not may_manage(actor, target)
            ):
                refused.append(number)
            elif target.status is AccountStatus.DISABLED:
                closed.append(number)
            else:
                targets.append(target)
    if refused:
        raise InstitutionsRefused(refused)
    if closed:
        raise InstitutionsClosed(closed)
    return targets


def hash_all(hasher: PasswordHasher, passwords: Sequence[str]) -> list[str]:
    """The hashes of ``passwords``, in order, a few at a time (argon2 releases
    the interpreter lock while it works)."""
    if len(passwords) <= 1:
        return [hasher.hash(p) for p in passwords]
    workers = max(1, min(MAX_HASHING_THREADS, os.cpu_count() or 1, len(passwords)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="letters-hash") as pool:
        return list(pool.map(hasher.hash, passwords))


def issue_letters(
    uow: UowFactory,
    hasher: PasswordHasher,
    actor: Account,
    numbers: Sequence[str] | None,
    login_url: str,
    now: datetime,
    *,
    municipality_code: int | None = None,
    client_address: str | None = None,
) -> list[CredentialLetter]:
    """New passwords for the institutions ``numbers`` (None: every open
    institution of the actor's municipality, or of ``municipality_code`` for
    an admin), as letters. Municipality users for their own municipality's
    institutions, admins for any; everyone else ``NotAllowed``."""
    if (
        actor.role not in (Role.MUNICIPALITY, Role.ADMIN)
        or actor.status is not AccountStatus.ACTIVE
    ):
        raise NotAllowed()
    targets = _chosen(uow, actor, numbers, municipality_code)
    passwords = [generate_password() for _ in targets]
    hashes = hash_all(hasher, passwords)
    issued: list[Account] = []
    with uow() as work:
        events = []
        for target, password_hash in zip(targets, hashes, strict=True):
            current = work.accounts.get(target.account_id)
            number = target.institution_number or target.username
            # The register may have moved or closed it since it was chosen.
            if current is None or not may_manage(actor, current):
                raise InstitutionsRefused([number])
            if current.status is AccountStatus.DISABLED:
                raise InstitutionsClosed([number])
            if current.password_hash != target.password_hash:
                raise IssuedMeanwhile([number])
            changed = current.changed(now, password_hash=password_hash, password_changed_at=now)
            work.accounts.save(changed)
            ended = work.refresh_tokens.revoke_account(changed.account_id, now)
            work.audit.add(
                audit_record(
                    AuditAction.CREDENTIALS_ISSUED,
                    changed,
                    now,
                    actor=actor,
                    client_address=client_address,
                    institution_number=number,
                    sessions_ended=ended,
                )
            )
            events.append(typed_account_event(account_contract.PASSWORD_CHANGED, changed))
            issued.append(changed)
        work.add_events(events)
        work.commit()
    return [
        CredentialLetter(
            institution_number=account.institution_number or account.username,
            institution_name=account.display_name or account.username,
            municipality_name=municipality_name(account.municipality_code),
            password=password,
            login_url=login_url,
        )
        for account, password in zip(issued, passwords, strict=True)
    ]


def municipality_name(code: int | None) -> str:
    if code is None:
        return ""
    return MUNICIPALITIES.get(code, str(code))


_DANISH_LETTERS: Final = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def _slug(text: str) -> str:
    ascii_text = (
        unicodedata.normalize("NFKD", text.casefold().translate(_DANISH_LETTERS))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "kommune"


def letters_filename(letters: Sequence[CredentialLetter], day: date, extension: str = "csv") -> str:
    """``adgangsbreve-<kommune>-<date>.<extension>``: the municipality's name in
    plain ASCII (København: koebenhavn), or ``flere-kommuner`` for letters of
    several municipalities."""
    names = {letter.municipality_name for letter in letters}
    where = _slug(names.pop()) if len(names) == 1 else SEVERAL_MUNICIPALITIES
    return f"{FILENAME_PREFIX}-{where}-{day.isoformat()}.{extension}"
