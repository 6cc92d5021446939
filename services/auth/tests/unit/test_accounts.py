"""Accounts' use cases and the register's handlers, on the in-memory unit of
work: the first admin, users, password changes, the audit trail and its
scope, the list of a municipality's institutions, and institution accounts
following ingest.institutions.v1."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from auth.adapters.password_hashing import PasswordHasher
from auth.domain.accounts import Account, AccountStatus, Role
from auth.domain.audit import AuditAction
from auth.domain.passwords import PasswordPolicy, PasswordProblem
from auth.domain.sessions import RefreshToken, refresh_token_for
from auth.service_layer import accounts as uc
from auth.service_layer.handlers import (
    CONSUMER,
    CONSUMER_GROUP,
    InstitutionUsernameTaken,
    apply_institution_events,
)
from auth.testing.fakes import (
    FakeAuthUnitOfWork,
    account_rows,
    audit_rows,
    token_rows,
)
from dagkit.envelope import Envelope
from dagtilbud_contracts import account as account_contract
from dagtilbud_contracts import institution
from dagtilbud_contracts.examples import load_examples
from dagtilbud_contracts.registry import topics_produced_by, validate_event

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
ADMIN_PASSWORD = "blå hest på taget ved åen"
NEW_PASSWORD = "syv grønne frøer hopper i søen"


# --- builders ---------------------------------------------------------------------------


def institution_data(
    number: str, name: str = "Enghusene", municipality: int = 101, *, closed: bool = False
) -> dict[str, Any]:
    [(_, example)] = load_examples(institution.REGISTERED)
    data: dict[str, Any] = copy.deepcopy(example["data"])
    data.update(institution_number=number, name=name, municipality_code=municipality)
    if closed:
        data.update(status="closed", closed_on=date(2026, 11, 30).isoformat())
    return data


def institution_event(event_type: str, data: dict[str, Any], version: int) -> Envelope:
    return Envelope.new(
        source="/services/ingest",
        type=event_type,
        subject=data["institution_number"],
        data=data,
        aggregate_version=version,
        correlation_id="3f0c2b8e-0000-4000-8000-000000000001",
    )


def registered(number: str, municipality: int = 101, name: str = "Enghusene") -> Envelope:
    return institution_event(
        institution.REGISTERED, institution_data(number, name, municipality), 1
    )


def closed(number: str, municipality: int = 101, version: int = 2) -> Envelope:
    data = institution_data(number, municipality=municipality, closed=True)
    return institution_event(institution.CLOSED, data, version)


def apply(uow: FakeAuthUnitOfWork, *events: Envelope, now: datetime = NOW) -> None:
    """As the consumer does: a batch in one transaction."""
    with uow:
        apply_institution_events(uow, list(events), now)
        uow.commit()


def admin(uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy) -> Account:
    created = uc.bootstrap_admin(uow, hasher, policy, ADMIN_PASSWORD, NOW)
    assert created is not None
    return created


def user(
    uow: FakeAuthUnitOfWork,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    actor: Account,
    username: str,
    role: str = "municipality",
    municipality: int | None = 101,
) -> uc.CreatedUser:
    return uc.create_user(
        uow,
        hasher,
        policy,
        actor,
        username=username,
        role=role,
        municipality_code=municipality,
        display_name=f"{username} (test)",
        now=NOW,
    )


def institution_with_password(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, number: str, password: str
) -> Account:
    account = uow.accounts.by_institution(number)
    assert account is not None
    with_password = account.changed(
        NOW, password_hash=hasher.hash(password), password_changed_at=NOW
    )
    with uow:
        uow.accounts.save(with_password)
        uow.commit()
    return with_password


def add_session(uow: FakeAuthUnitOfWork, account_id: str, family: str) -> RefreshToken:
    _, token = refresh_token_for(account_id, family, NOW, timedelta(days=30))
    with uow:
        uow.refresh_tokens.add(token)
        uow.commit()
    return token


def live_families(uow: FakeAuthUnitOfWork, account_id: str) -> set[str]:
    return {
        t.family_id
        for t in token_rows(uow).values()
        if t.account_id == account_id and t.revoked_at is None
    }


def assert_no_secret(uow: FakeAuthUnitOfWork, *secrets: str | None) -> None:
    """No published event carries any of ``secrets`` (or any account's hash),
    anywhere in its envelope."""
    hashes = {a.password_hash for a in account_rows(uow).values() if a.password_hash}
    forbidden = {s for s in (*secrets, *hashes) if s}
    for _, event in uow.published:
        wire = event.to_json().decode()
        for secret in forbidden:
            assert secret not in wire
        assert not set(event.data) & {"password", "password_hash", "hash", "token"}
        validate_event(json.loads(wire))


# --- the first admin --------------------------------------------------------------------


def test_bootstrap_admin_creates_the_first_admin_once(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> None:
    first = admin(uow, hasher, policy)

    assert first.username == "admin"
    assert first.role is Role.ADMIN
    assert first.password_hash is not None
    assert hasher.verify(first.password_hash, ADMIN_PASSWORD)
    assert uow.published_types() == [account_contract.CREATED]
    assert [r.action for r in audit_rows(uow)] == [AuditAction.ACCOUNT_CREATED]
    assert_no_secret(uow, ADMIN_PASSWORD)

    assert uc.bootstrap_admin(uow, hasher, policy, "en helt anden lang adgangskode", LATER) is None
    assert uow.accounts.count() == 1
    assert len(uow.published) == 1
    assert hasher.verify(account_rows(uow)[first.account_id].password_hash or "", ADMIN_PASSWORD)


def test_bootstrap_admin_refuses_a_password_the_policy_refuses(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> None:
    with pytest.raises(uc.PasswordRefused) as refused:
        uc.bootstrap_admin(uow, hasher, policy, "admin", NOW)
    assert PasswordProblem.TOO_SHORT in refused.value.problems
    with pytest.raises(uc.PasswordRefused) as common:
        uc.bootstrap_admin(uow, hasher, policy, "Dagtilbudsportalen2026!!", NOW)
    assert PasswordProblem.COMMON in common.value.problems
    assert uow.accounts.count() == 0
    assert uow.published == []


# --- users ------------------------------------------------------------------------------


def test_an_admin_creates_a_municipality_user_with_a_one_time_password(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> None:
    boss = admin(uow, hasher, policy)
    created = user(uow, hasher, policy, boss, "kbh.dagtilbud")

    account = account_rows(uow)[created.account.account_id]
    assert account.role is Role.MUNICIPALITY
    assert account.municipality_code == 101
    assert account.password_hash is not None
    assert account.password_hash != created.password
    assert hasher.verify(account.password_hash, created.password)
    [*_, (topic, event)] = uow.published
    assert topic in topics_produced_by("auth")
    assert event.type == account_contract.CREATED
    assert event.subject == account.account_id
    assert event.aggregateversion == account.version
    assert event.data["municipality_code"] == 101
    record = audit_rows(uow)[-1]
    assert record.action is AuditAction.ACCOUNT_CREATED
    assert record.actor_account_id == boss.account_id
    assert record.municipality_code == 101
    assert_no_secret(uow, created.password, ADMIN_PASSWORD)


@pytest.mark.parametrize(
    ("username", "role", "municipality", "field"),
    [
        ("G20580", "municipality", 101, "username"),  # an institution number's shape
        ("ab", "dst", None, "username"),
        ("kommune.x", "institution", 101, "role"),
        ("kommune.x", "municipality", None, "municipality_code"),
        ("dst.user", "dst", 101, "municipality_code"),
        ("kommune.y", "municipality", 999, "municipality_code"),
    ],
)
def test_create_user_refuses_what_does_not_fit(
    uow: FakeAuthUnitOfWork,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    username: str,
    role: str,
    municipality: int | None,
    field: str,
) -> None:
    boss = admin(uow, hasher, policy)
    with pytest.raises(uc.InvalidRequest) as refused:
        user(uow, hasher, policy, boss, username, role, municipality)
    assert refused.value.field == field
    assert uow.accounts.count() == 1
    assert len(uow.published) == 1


def test_only_admins_create_users_and_a_username_is_taken_once(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> None:
    boss = admin(uow, hasher, policy)
    municipal = user(uow, hasher, policy, boss, "kbh.dagtilbud").account
    with pytest.raises(uc.NotAllowed):
        user(uow, hasher, policy, municipal, "another.user")
    with pytest.raises(uc.AccountConflict):
        user(uow, hasher, policy, boss, "KBH.Dagtilbud")
    assert uow.accounts.count() == 2


# --- institution accounts from the register --------------------------------------------


def test_a_registered_institution_gets_an_account_without_a_password(
    uow: FakeAuthUnitOfWork,
) -> None:
    with uow:
        apply_institution_events(uow, [registered("G20580")], NOW)
        # Staged, not published: the batch has not committed.
        assert uow.published == []
        uow.commit()

    account = uow.accounts.by_institution("G20580")
    assert account is not None
    assert account.username == "G20580"
    assert account.role is Role.INSTITUTION
    assert account.status is AccountStatus.ACTIVE
    assert account.password_hash is None
    assert not account.can_log_in
    assert account.municipality_code == 101
    assert account.display_name == "Enghusene"
    [(topic, event)] = uow.published
    assert topic == "auth.accounts.v1"
    assert event.type == account_contract.CREATED
    assert event.subject == account.account_id
    assert event.correlationid == "3f0c2b8e-0000-4000-8000-000000000001"
    assert [r.action for r in audit_rows(uow)] == [AuditAction.ACCOUNT_CREATED]
    assert_no_secret(uow)


def test_a_batch_that_does_not_commit_publishes_and_keeps_nothing(
    uow: FakeAuthUnitOfWork,
) -> None:
    with uow:
        apply_institution_events(uow, [registered("G20580")], NOW)
    assert uow.published == []
    assert uow.accounts.count() == 0


def test_a_redelivered_registration_changes_nothing(uow: FakeAuthUnitOfWork) -> None:
    event = registered("G20580")
    apply(uow, event)
    before = uow.accounts.by_institution("G20580")
    apply(uow, event, now=LATER)
    apply(uow, registered("G20580"), now=LATER)

    assert uow.accounts.count() == 1
    assert uow.accounts.by_institution("G20580") == before
    assert len(uow.published) == 1
    assert len(audit_rows(uow)) == 1


def test_a_closed_institution_is_disabled_and_its_sessions_end(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher
) -> None:
    apply(uow, registered("G20580"), registered("G20581"))
    account = institution_with_password(uow, hasher, "G20580", NEW_PASSWORD)
    add_session(uow, account.account_id, "family-a")
    add_session(uow, account.account_id, "family-b")
    neighbour = uow.accounts.by_institution("G20581")
    assert neighbour is not None
    add_session(uow, neighbour.account_id, "family-n")

    apply(uow, closed("G20580"), now=LATER)

    disabled = uow.accounts.by_institution("G20580")
    assert disabled is not None
    assert disabled.status is AccountStatus.DISABLED
    assert not disabled.can_log_in
    assert disabled.version == account.version + 1
    assert live_families(uow, account.account_id) == set()
    assert live_families(uow, neighbour.account_id) == {"family-n"}
    (_, event) = uow.published[-1]
    assert event.type == account_contract.DISABLED
    assert event.data["status"] == "disabled"
    assert event.aggregateversion == disabled.version
    record = audit_rows(uow)[-1]
    assert record.action is AuditAction.ACCOUNT_DISABLED
    assert record.account_id == account.account_id
    assert record.actor_account_id is None
    assert record.municipality_code == 101
    assert record.detail["sessions_ended"] == 2
    assert_no_secret(uow, NEW_PASSWORD)

    published = len(uow.published)
    apply(uow, closed("G20580", version=3), now=LATER)  # closed again: nothing new
    assert len(uow.published) == published


def test_an_update_follows_the_name_and_publishes_only_a_published_change(
    uow: FakeAuthUnitOfWork,
) -> None:
    apply(uow, registered("G20580"))
    renamed = institution_data("G20580", name="Enghusene Vuggestue")
    apply(uow, institution_event(institution.UPDATED, renamed, 2), now=LATER)

    account = uow.accounts.by_institution("G20580")
    assert account is not None
    assert account.display_name == "Enghusene Vuggestue"
    assert account.version == 2
    assert len(uow.published) == 1  # the name is not in auth.accounts.v1

    moved = institution_data("G20580", name="Enghusene Vuggestue", municipality=147)
    apply(uow, institution_event(institution.UPDATED, moved, 3), now=LATER)
    account = uow.accounts.by_institution("G20580")
    assert account is not None
    assert account.municipality_code == 147
    (_, event) = uow.published[-1]
    assert event.type == account_contract.CREATED
    assert event.data["municipality_code"] == 147
    assert event.aggregateversion == account.version == 3


def test_a_reopened_institution_is_active_again_without_its_old_password(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher
) -> None:
    apply(uow, registered("G20580"))
    institution_with_password(uow, hasher, "G20580", NEW_PASSWORD)
    apply(uow, closed("G20580"))
    reopened = institution_data("G20580")
    apply(uow, institution_event(institution.UPDATED, reopened, 3), now=LATER)

    account = uow.accounts.by_institution("G20580")
    assert account is not None
    assert account.status is AccountStatus.ACTIVE
    assert account.password_hash is None
    assert account.password_changed_at == NOW  # when one was last issued stays known
    assert uow.published[-2][1].type == account_contract.DISABLED
    (_, event) = uow.published[-1]
    assert event.type == account_contract.CREATED
    assert event.data["status"] == "active"


def test_an_institution_first_seen_closed_gets_a_disabled_account(
    uow: FakeAuthUnitOfWork,
) -> None:
    apply(uow, closed("G20580"))
    account = uow.accounts.by_institution("G20580")
    assert account is not None
    assert account.status is AccountStatus.DISABLED
    assert uow.published_types() == [account_contract.DISABLED]


def test_a_user_holding_the_institution_number_stops_the_event(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> None:
    boss = admin(uow, hasher, policy)
    # Not creatable through create_user; as if an older rule had let it in.
    squatter = Account(
        **{**vars(boss), "account_id": "00000000-0000-4000-8000-00000000aaaa", "username": "G20580"}
    )
    with uow:
        uow.accounts.add(squatter)
        uow.commit()
    with pytest.raises(InstitutionUsernameTaken):
        apply(uow, registered("G20580"))


def test_the_consumer_spec_reads_the_register_topic() -> None:
    assert CONSUMER.group == CONSUMER_GROUP == "auth.accounts"
    assert CONSUMER.topics == ("ingest.institutions.v1",)
    assert CONSUMER.handling.types == {
        institution.REGISTERED,
        institution.UPDATED,
        institution.CLOSED,
    }
    assert CONSUMER.validate is not None


# --- the password change ----------------------------------------------------------------


def test_a_password_change_keeps_the_session_that_made_it(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> None:
    apply(uow, registered("G20580"))
    old = "den gamle kode fra brevet i skuffen"
    account = institution_with_password(uow, hasher, "G20580", old)
    add_session(uow, account.account_id, "this-session")
    add_session(uow, account.account_id, "another-device")

    changed = uc.change_password(
        uow, hasher, policy, account.account_id, old, NEW_PASSWORD, "this-session", LATER
    )

    stored = account_rows(uow)[account.account_id]
    assert stored == changed
    assert stored.password_hash is not None
    assert hasher.verify(stored.password_hash, NEW_PASSWORD)
    assert not hasher.verify(stored.password_hash, old)
    assert stored.password_changed_at == LATER
    assert live_families(uow, account.account_id) == {"this-session"}
    (_, event) = uow.published[-1]
    assert event.type == account_contract.PASSWORD_CHANGED
    assert event.aggregateversion == stored.version
    record = audit_rows(uow)[-1]
    assert record.action is AuditAction.PASSWORD_CHANGED
    assert record.actor_account_id == account.account_id
    assert record.detail == {"sessions_ended": 1}
    assert_no_secret(uow, old, NEW_PASSWORD)


def test_a_password_change_needs_the_current_password_and_a_good_new_one(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> None:
    apply(uow, registered("G20580"))
    old = "den gamle kode fra brevet i skuffen"
    account = institution_with_password(uow, hasher, "G20580", old)
    published = len(uow.published)

    with pytest.raises(uc.WrongPassword):
        uc.change_password(
            uow, hasher, policy, account.account_id, "forkert", NEW_PASSWORD, None, LATER
        )
    with pytest.raises(uc.PasswordRefused) as refused:
        uc.change_password(
            uow, hasher, policy, account.account_id, old, "G20580 er vores nummer", None, LATER
        )
    assert PasswordProblem.CONTAINS_USERNAME in refused.value.problems
    with pytest.raises(uc.PasswordRefused) as named:
        uc.change_password(
            uow, hasher, policy, account.account_id, old, "Enghusene København 2026", None, LATER
        )
    assert PasswordProblem.COMMON in named.value.problems  # only its own name and town

    assert account_rows(uow)[account.account_id] == account
    assert len(uow.published) == published


def test_an_account_without_a_password_or_closed_cannot_change_it(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> None:
    apply(uow, registered("G20580"), registered("G20581"))
    fresh = uow.accounts.by_institution("G20580")
    assert fresh is not None
    with pytest.raises(uc.WrongPassword):
        uc.change_password(uow, hasher, policy, fresh.account_id, "", NEW_PASSWORD, None, LATER)
    old = "den gamle kode fra brevet i skuffen"
    account = institution_with_password(uow, hasher, "G20581", old)
    apply(uow, closed("G20581"))
    with pytest.raises(uc.NotAllowed):
        uc.change_password(uow, hasher, policy, account.account_id, old, NEW_PASSWORD, None, LATER)


# --- the audit trail --------------------------------------------------------------------


@pytest.fixture
def two_municipalities(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> dict[str, Account]:
    """An admin, a dst user, a user each of København (101) and Frederiksberg
    (147), and an institution in each."""
    boss = admin(uow, hasher, policy)
    apply(uow, registered("G20580", 101), registered("F14700", 147))
    kbh, frb = uow.accounts.by_institution("G20580"), uow.accounts.by_institution("F14700")
    assert kbh is not None
    assert frb is not None
    return {
        "admin": boss,
        "dst": user(uow, hasher, policy, boss, "dst.analyse", "dst", None).account,
        "kbh": user(uow, hasher, policy, boss, "kbh.dagtilbud", "municipality", 101).account,
        "frb": user(uow, hasher, policy, boss, "frb.dagtilbud", "municipality", 147).account,
        "kbh_institution": kbh,
        "frb_institution": frb,
    }


def test_the_audit_trail_is_scoped_to_the_reader(
    uow: FakeAuthUnitOfWork, two_municipalities: dict[str, Account]
) -> None:
    a = two_municipalities
    everything = uc.audit_trail(uow, a["admin"], None, 100)
    assert len(everything) == len(audit_rows(uow))
    assert everything[0] == audit_rows(uow)[-1]  # newest first

    kbh = uc.audit_trail(uow, a["kbh"], None, 100)
    assert kbh
    assert {r.municipality_code for r in kbh} == {101}
    own_institution = uc.audit_trail(uow, a["kbh"], a["kbh_institution"].account_id, 100)
    assert {r.account_id for r in own_institution} == {a["kbh_institution"].account_id}

    institution_own = uc.audit_trail(uow, a["kbh_institution"], None, 100)
    assert {r.account_id for r in institution_own} == {a["kbh_institution"].account_id}
    assert uc.audit_trail(uow, a["admin"], a["frb_institution"].account_id, 1)


@pytest.mark.parametrize(
    ("reader", "account"),
    [
        ("kbh", "frb_institution"),  # another municipality's institution
        ("kbh", "frb"),  # another municipality's user
        ("kbh", "admin"),
        ("kbh_institution", "frb_institution"),  # another institution
        ("kbh_institution", "kbh"),
        ("dst", None),
        ("dst", "kbh_institution"),
    ],
)
def test_the_audit_trail_refuses_what_is_not_the_readers(
    uow: FakeAuthUnitOfWork,
    two_municipalities: dict[str, Account],
    reader: str,
    account: str | None,
) -> None:
    a = two_municipalities
    target = a[account].account_id if account else None
    with pytest.raises(uc.NotAllowed):
        uc.audit_trail(uow, a[reader], target, 100)


def test_an_unknown_account_is_refused_like_a_foreign_one(
    uow: FakeAuthUnitOfWork, two_municipalities: dict[str, Account]
) -> None:
    with pytest.raises(uc.NotAllowed):
        uc.audit_trail(uow, two_municipalities["kbh"], "no-such-account", 10)


# --- a municipality's institutions ------------------------------------------------------


def test_a_municipality_lists_its_own_institution_accounts(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, two_municipalities: dict[str, Account]
) -> None:
    a = two_municipalities
    apply(uow, registered("G20581", 101, "Solsikken"), closed("G20582"))
    institution_with_password(uow, hasher, "G20581", NEW_PASSWORD)

    listed = uc.list_institution_accounts(uow, a["kbh"], 101)

    assert [s.institution_number for s in listed] == ["G20580", "G20581", "G20582"]
    by_number = {s.institution_number: s for s in listed}
    assert by_number["G20581"].password_issued
    assert by_number["G20581"].password_changed_at == NOW
    assert by_number["G20581"].can_log_in
    assert by_number["G20581"].name == "Solsikken"
    assert not by_number["G20580"].password_issued
    assert by_number["G20582"].status == "disabled"
    assert [s.institution_number for s in uc.list_institution_accounts(uow, a["admin"], 147)] == [
        "F14700"
    ]


@pytest.mark.parametrize(("reader", "code"), [("kbh", 147), ("dst", 101), ("kbh_institution", 101)])
def test_nobody_lists_another_municipalitys_institutions(
    uow: FakeAuthUnitOfWork, two_municipalities: dict[str, Account], reader: str, code: int
) -> None:
    with pytest.raises(uc.NotAllowed):
        uc.list_institution_accounts(uow, two_municipalities[reader], code)


# --- the actor behind a token -----------------------------------------------------------


def test_the_actor_is_the_stored_active_account_with_the_tokens_role(
    uow: FakeAuthUnitOfWork, two_municipalities: dict[str, Account]
) -> None:
    kbh = two_municipalities["kbh"]
    assert uc.load_actor(uow, kbh.account_id, "municipality") == kbh
    with pytest.raises(uc.NotAllowed):
        uc.load_actor(uow, kbh.account_id, "admin")
    with pytest.raises(uc.NotAllowed):
        uc.load_actor(uow, "account-1")
    apply(uow, closed("G20580"))
    with pytest.raises(uc.NotAllowed):
        uc.load_actor(uow, two_municipalities["kbh_institution"].account_id)
