"""Credential letters on the in-memory unit of work: who may issue them for
whom, all or nothing, what an issued letter changes and publishes, and that
no secret leaves in an event."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from auth.adapters.password_hashing import PasswordHasher
from auth.domain.accounts import Account
from auth.domain.audit import AuditAction
from auth.domain.credential_letters import BYTE_ORDER_MARK, CredentialLetter, letters_csv
from auth.domain.passwords import ALPHABET, PasswordPolicy
from auth.domain.sessions import refresh_token_for
from auth.service_layer import accounts as uc
from auth.service_layer.handlers import apply_institution_events
from auth.service_layer.letters import (
    InstitutionsClosed,
    InstitutionsRefused,
    IssuedMeanwhile,
    issue_letters,
    letters_filename,
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
from dagtilbud_contracts.registry import validate_event

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
LOGIN_URL = "https://dagtilbudsportalen.dk/log-ind"
ADMIN_PASSWORD = "blå hest på taget ved åen"


def institution_event(number: str, name: str, municipality: int, *, closed: bool) -> Envelope:
    [(_, example)] = load_examples(institution.REGISTERED)
    data: dict[str, Any] = copy.deepcopy(example["data"])
    data.update(institution_number=number, name=name, municipality_code=municipality)
    if closed:
        data.update(status="closed", closed_on=date(2026, 11, 30).isoformat())
    return Envelope.new(
        source="/services/ingest",
        type=institution.CLOSED if closed else institution.REGISTERED,
        subject=number,
        data=data,
        aggregate_version=2 if closed else 1,
    )


@pytest.fixture
def uow() -> FakeAuthUnitOfWork:
    """København (101): G20580 Enghusene, G20581 Solsikken, G20582 closed;
    Frederiksberg (147): F14700 Mælkebøtten."""
    work = FakeAuthUnitOfWork()
    events = [
        institution_event("G20580", "Enghusene", 101, closed=False),
        institution_event("G20581", "Solsikken", 101, closed=False),
        institution_event("G20582", "Lukket Have", 101, closed=False),
        institution_event("F14700", "Mælkebøtten", 147, closed=False),
        institution_event("G20582", "Lukket Have", 101, closed=True),
    ]
    with work:
        apply_institution_events(work, events, NOW)
        work.commit()
    work.published.clear()
    return work


@pytest.fixture
def people(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, policy: PasswordPolicy
) -> dict[str, Account]:
    boss = uc.bootstrap_admin(uow, hasher, policy, ADMIN_PASSWORD, NOW)
    assert boss is not None

    def make(username: str, role: str, code: int | None) -> Account:
        return uc.create_user(
            uow,
            hasher,
            policy,
            boss,
            username=username,
            role=role,
            municipality_code=code,
            display_name=None,
            now=NOW,
        ).account

    found = {
        "admin": boss,
        "kbh": make("kbh.dagtilbud", "municipality", 101),
        "frb": make("frb.dagtilbud", "municipality", 147),
        "dst": make("dst.analyse", "dst", None),
        "institution": uow.accounts.by_institution("G20580"),
    }
    uow.published.clear()
    audit_rows(uow).clear()
    return {k: v for k, v in found.items() if v is not None}


def account(uow: FakeAuthUnitOfWork, number: str) -> Account:
    found = uow.accounts.by_institution(number)
    assert found is not None
    return found


def issue(
    uow: FakeAuthUnitOfWork,
    hasher: PasswordHasher,
    actor: Account,
    numbers: list[str] | None,
    **options: Any,
) -> list[CredentialLetter]:
    return issue_letters(uow, hasher, actor, numbers, LOGIN_URL, LATER, **options)


def test_a_municipality_issues_letters_for_its_institutions(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account]
) -> None:
    before = account(uow, "G20580")
    _, session = refresh_token_for(before.account_id, "old-session", NOW, timedelta(days=30))
    with uow:
        uow.refresh_tokens.add(session)
        uow.commit()

    letters = issue(uow, hasher, people["kbh"], ["g20580", "G20581", "G20580"])

    assert [(x.institution_number, x.institution_name) for x in letters] == [
        ("G20580", "Enghusene"),
        ("G20581", "Solsikken"),
    ]
    assert {x.municipality_name for x in letters} == {"København"}
    assert {x.login_url for x in letters} == {LOGIN_URL}
    assert letters[0].password != letters[1].password
    for letter in letters:
        assert set(letter.password.replace("-", "")) <= set(ALPHABET)
        stored = account(uow, letter.institution_number)
        assert stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert hasher.verify(stored.password_hash, letter.password)
        assert stored.password_changed_at == LATER
        assert stored.can_log_in
    assert account(uow, "G20580").version == before.version + 1
    assert token_rows(uow)[session.digest].revoked_at == LATER

    assert uow.published_types() == [account_contract.PASSWORD_CHANGED] * 2
    for (_, event), letter in zip(uow.published, letters, strict=True):
        stored = account(uow, letter.institution_number)
        assert event.subject == stored.account_id
        assert event.aggregateversion == stored.version
        wire = event.to_json().decode()
        assert letter.password not in wire
        assert stored.password_hash is not None
        assert stored.password_hash not in wire
        assert letter.password not in event.data.values()
        validate_event(json.loads(wire))

    records = audit_rows(uow)
    assert [r.action for r in records] == [AuditAction.CREDENTIALS_ISSUED] * 2
    assert {r.actor_account_id for r in records} == {people["kbh"].account_id}
    assert {r.municipality_code for r in records} == {101}
    assert [r.detail["institution_number"] for r in records] == ["G20580", "G20581"]
    assert [r.account_id for r in records] == [
        account(uow, "G20580").account_id,
        account(uow, "G20581").account_id,
    ]


def test_all_means_every_open_institution_of_the_municipality(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account]
) -> None:
    letters = issue(uow, hasher, people["kbh"], None)
    assert [x.institution_number for x in letters] == ["G20580", "G20581"]  # not the closed one
    assert account(uow, "F14700").password_hash is None


@pytest.mark.parametrize(
    "numbers",
    [
        ["G20580", "F14700"],  # another municipality's
        ["G20580", "ZZ9999"],  # unknown
    ],
)
def test_one_number_not_the_municipalitys_and_nothing_is_issued(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account], numbers: list[str]
) -> None:
    with pytest.raises(InstitutionsRefused) as refused:
        issue(uow, hasher, people["kbh"], numbers)
    assert refused.value.numbers == numbers[1:]
    assert account(uow, "G20580").password_hash is None
    assert account(uow, "F14700").password_hash is None
    assert uow.published == []
    assert audit_rows(uow) == []


def test_unknown_and_foreign_numbers_are_refused_alike(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account]
) -> None:
    with pytest.raises(InstitutionsRefused) as foreign:
        issue(uow, hasher, people["kbh"], ["F14700"])
    with pytest.raises(InstitutionsRefused) as unknown:
        issue(uow, hasher, people["kbh"], ["ZZ9999"])
    assert str(foreign.value).replace("F14700", "X") == str(unknown.value).replace("ZZ9999", "X")


def test_a_closed_institution_gets_no_letter(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account]
) -> None:
    with pytest.raises(InstitutionsClosed) as refused:
        issue(uow, hasher, people["kbh"], ["G20580", "G20582"])
    assert refused.value.numbers == ["G20582"]
    assert account(uow, "G20580").password_hash is None
    assert uow.published == []


@pytest.mark.parametrize("reader", ["dst", "institution"])
def test_only_municipalities_and_admins_issue_letters(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account], reader: str
) -> None:
    with pytest.raises(uc.NotAllowed):
        issue(uow, hasher, people[reader], ["G20580"])
    with pytest.raises(uc.NotAllowed):
        issue(uow, hasher, people[reader], None)
    assert uow.published == []


def test_a_municipality_cannot_ask_for_all_of_another_municipality(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account]
) -> None:
    with pytest.raises(uc.NotAllowed):
        issue(uow, hasher, people["kbh"], None, municipality_code=147)
    assert account(uow, "F14700").password_hash is None


def test_an_admin_issues_for_any_municipality_when_it_names_it(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account]
) -> None:
    with pytest.raises(uc.InvalidRequest):
        issue(uow, hasher, people["admin"], None)
    letters = issue(uow, hasher, people["admin"], None, municipality_code=147)
    assert [(x.institution_number, x.municipality_name) for x in letters] == [
        ("F14700", "Frederiksberg")
    ]
    mixed = issue(uow, hasher, people["admin"], ["F14700", "G20581"])
    assert letters_filename(mixed, date(2026, 12, 3)) == (
        "adgangsbreve-flere-kommuner-2026-12-03.csv"
    )
    assert audit_rows(uow)[-1].actor_account_id == people["admin"].account_id


def test_a_new_letter_makes_the_old_password_useless(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account]
) -> None:
    [first] = issue(uow, hasher, people["kbh"], ["G20580"])
    [second] = issue(uow, hasher, people["kbh"], ["G20580"])
    stored = account(uow, "G20580").password_hash
    assert stored is not None
    assert hasher.verify(stored, second.password)
    assert not hasher.verify(stored, first.password)


def test_a_password_change_during_the_hashing_stops_all_letters(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account]
) -> None:
    class ChangesMeanwhile(PasswordHasher):
        """While the letters' hashes are made, the institution changes its password."""

        def hash(self, password: str) -> str:
            target = account(uow, "G20581")
            account_rows(uow)[target.account_id] = target.changed(
                NOW, password_hash="$argon2id$changed", password_changed_at=NOW
            )
            return hasher.hash(password)

    with pytest.raises(IssuedMeanwhile) as refused:
        issue_letters(
            uow,
            ChangesMeanwhile(memory_cost=64, time_cost=1),
            people["kbh"],
            ["G20580", "G20581"],
            LOGIN_URL,
            LATER,
        )
    assert refused.value.numbers == ["G20581"]
    assert account(uow, "G20580").password_hash is None
    assert uow.published == []


def test_the_letters_csv_carries_each_password_exactly(
    uow: FakeAuthUnitOfWork, hasher: PasswordHasher, people: dict[str, Account]
) -> None:
    letters = issue(uow, hasher, people["kbh"], None)
    text = letters_csv(letters)
    assert text.startswith(BYTE_ORDER_MARK)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK)), delimiter=";"))
    assert rows[1:] == [
        [x.institution_number, x.institution_name, "København", x.password, LOGIN_URL]
        for x in letters
    ]
    assert letters_filename(letters, date(2026, 12, 3)) == (
        "adgangsbreve-koebenhavn-2026-12-03.csv"
    )


def test_many_letters_are_hashed_in_parallel_and_in_order(
    hasher: PasswordHasher, policy: PasswordPolicy
) -> None:
    work = FakeAuthUnitOfWork()
    events = [institution_event(f"A{n:05d}", f"Børnehus {n}", 751, closed=False) for n in range(40)]
    with work:
        apply_institution_events(work, events, NOW)
        work.commit()
    boss = uc.bootstrap_admin(work, hasher, policy, ADMIN_PASSWORD, NOW)
    assert boss is not None
    aarhus = uc.create_user(
        work,
        hasher,
        policy,
        boss,
        username="aarhus.dagtilbud",
        role="municipality",
        municipality_code=751,
        display_name=None,
        now=NOW,
    ).account

    letters = issue_letters(work, hasher, aarhus, None, LOGIN_URL, LATER)

    assert len(letters) == 40
    assert len({x.password for x in letters}) == 40
    for letter in letters:
        stored = work.accounts.by_institution(letter.institution_number)
        assert stored is not None
        assert stored.password_hash is not None
        assert hasher.verify(stored.password_hash, letter.password)
