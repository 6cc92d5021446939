"""The accounts API on a real PostgreSQL database: credential letters as CSV
and as a print page, the tenancy between municipalities, the password change,
the audit trail's scope and the users an admin creates. Tokens come from the
kit's test mint; the app is the blueprint on a bare flask-smorest Api with the
accounts' dependencies as its context."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_smorest import Api
from openapi_spec_validator import OpenAPIV31SpecValidator
from sqlalchemy import Engine, select
from werkzeug.exceptions import HTTPException

from auth.adapters.orm import kit_tables
from auth.adapters.password_hashing import PasswordHasher, load_refused_passwords
from auth.api.accounts import blp
from auth.api.tokens import SECURITY_SCHEME
from auth.domain.accounts import Account
from auth.domain.credential_letters import BYTE_ORDER_MARK
from auth.domain.passwords import PasswordPolicy
from auth.domain.sessions import refresh_token_for
from auth.entrypoints.migrate import SERVICE_ROOT
from auth.service_layer import accounts as uc
from auth.service_layer.accounts import AccountsDeps
from auth.service_layer.handlers import apply_institution_events
from auth.service_layer.unit_of_work import SqlAuthUnitOfWork
from dagkit.db import make_engine, make_session_factory
from dagkit.envelope import Envelope
from dagkit.migrations import upgrade
from dagkit.testing.tokens import TokenMint
from dagkit.tokens import BEARER_SCHEME, install_token_verifier
from dagkit.web import http_error_handler, install_context
from dagtilbud_contracts import account as account_contract
from dagtilbud_contracts import institution
from dagtilbud_contracts.examples import load_examples
from dagtilbud_contracts.registry import new_event

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
LOGIN_URL = "https://dagtilbudsportalen.dk/log-ind"
ADMIN_PASSWORD = "blå hest på taget ved åen"
NEW_PASSWORD = "syv grønne frøer hopper i søen"


@dataclass
class Portal:
    """The app, its database and the accounts the tests act as."""

    app: Flask
    client: FlaskClient
    engine: Engine
    deps: AccountsDeps
    mint: TokenMint
    people: dict[str, Account]

    def token(self, who: str) -> dict[str, str]:
        account = self.people[who]
        claims: dict[str, Any] = {"sub": account.account_id, "role": account.role.value}
        if account.role.value == "institution":
            claims.update(
                institution=account.institution_number, municipality=account.municipality_code
            )
        elif account.role.value == "municipality":
            claims.update(municipality=account.municipality_code, institution=None)
        else:
            claims.update(municipality=None, institution=None)
        return {"Authorization": f"Bearer {self.mint.access_token(**claims)}"}

    def account(self, number: str) -> Account:
        with self.deps.uow() as work:
            found = work.accounts.by_institution(number)
        assert found is not None
        return found

    def outbox(self) -> list[dict[str, Any]]:
        outbox = kit_tables.outbox
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox.c.topic, outbox.c.event_type, outbox.c.payload).order_by(outbox.c.id)
            ).all()
        return [{"topic": r.topic, "type": r.event_type, "payload": r.payload} for r in rows]


def institution_event(number: str, name: str, municipality: int, closed: bool = False) -> Envelope:
    [(_, example)] = load_examples(institution.REGISTERED)
    data: dict[str, Any] = copy.deepcopy(example["data"])
    data.update(institution_number=number, name=name, municipality_code=municipality)
    if closed:
        data.update(status="closed", closed_on=date(2026, 11, 30).isoformat())
        return new_event(institution.CLOSED, data, aggregate_version=2)
    return new_event(institution.REGISTERED, data, aggregate_version=1)


@pytest.fixture
def portal(pg_database: str) -> Iterator[Portal]:
    upgrade(SERVICE_ROOT, pg_database)
    engine = make_engine(pg_database)
    try:
        yield build_portal(engine)
    finally:
        engine.dispose()


def build_portal(engine: Engine) -> Portal:
    sessions = make_session_factory(engine)
    deps = AccountsDeps(
        uow=lambda: SqlAuthUnitOfWork(sessions),
        hasher=PasswordHasher(memory_cost=64, time_cost=1),
        policy=PasswordPolicy(refused=load_refused_passwords()),
        login_url=LOGIN_URL,
        clock=lambda: NOW,
    )
    # The register: København (101) G20580, G20581, G20582 (closed);
    # Frederiksberg (147) F14700.
    with sessions() as session, session.begin():
        apply_institution_events(
            SqlAuthUnitOfWork().borrow(session),
            [
                institution_event("G20580", "Enghusene", 101),
                institution_event("G20581", "Solsikken", 101),
                institution_event("G20582", "Lukket Have", 101),
                institution_event("F14700", "Mælkebøtten", 147),
                institution_event("G20582", "Lukket Have", 101, closed=True),
            ],
            NOW,
        )
    boss = uc.bootstrap_admin(deps.uow, deps.hasher, deps.policy, ADMIN_PASSWORD, NOW)
    assert boss is not None

    def make(username: str, role: str, code: int | None) -> Account:
        return uc.create_user(
            deps.uow,
            deps.hasher,
            deps.policy,
            boss,
            username=username,
            role=role,
            municipality_code=code,
            display_name=None,
            now=NOW,
        ).account

    people = {
        "admin": boss,
        "kbh": make("kbh.dagtilbud", "municipality", 101),
        "frb": make("frb.dagtilbud", "municipality", 147),
        "dst": make("dst.analyse", "dst", None),
    }
    with deps.uow() as work:
        for key, number in (("kbh_institution", "G20580"), ("frb_institution", "F14700")):
            found = work.accounts.by_institution(number)
            assert found is not None
            people[key] = found

    app = Flask("auth-accounts-test")
    app.config.update(
        API_TITLE="auth accounts (test)",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = Api(app)
    api.spec.components.security_scheme(BEARER_SCHEME, SECURITY_SCHEME)
    api.register_blueprint(blp)
    # As the kit's app does: errors keep the headers HTTP asks for (WWW-Authenticate).
    app.register_error_handler(HTTPException, http_error_handler(api))
    install_context(app, deps)
    mint = TokenMint()
    install_token_verifier(app, mint.verifier())
    return Portal(app, app.test_client(), engine, deps, mint, people)


def post_letters(
    portal: Portal, who: str, body: dict[str, Any], accept: str | None = "text/csv"
) -> Any:
    headers = portal.token(who)
    if accept:
        headers["Accept"] = accept
    return portal.client.post("/v1/letters", json=body, headers=headers)


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith(BYTE_ORDER_MARK)
    return list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK)), delimiter=";"))


# --- credential letters -----------------------------------------------------------------


def test_letters_as_csv(portal: Portal) -> None:
    answer = post_letters(portal, "kbh", {"institutions": ["G20580", "g20581"]})

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="adgangsbreve-koebenhavn-2026-12-03.csv"'
    )
    header, *rows = csv_rows(answer.get_data(as_text=True))
    assert header[0] == "Institutionsnummer"
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("G20580", "Enghusene", "København", LOGIN_URL),
        ("G20581", "Solsikken", "København", LOGIN_URL),
    ]
    passwords = [r[3] for r in rows]
    for number, password in zip(("G20580", "G20581"), passwords, strict=True):
        stored = portal.account(number).password_hash
        assert stored is not None
        assert stored.startswith("$argon2id$")
        assert portal.deps.hasher.verify(stored, password)

    changed = [e for e in portal.outbox() if e["type"] == account_contract.PASSWORD_CHANGED]
    assert len(changed) == 2
    assert {e["topic"] for e in changed} == {"auth.accounts.v1"}
    for event in changed:
        for password in passwords:
            assert password not in event["payload"]
        assert "argon2" not in event["payload"]


def test_letters_as_a_print_page_one_letter_per_page(portal: Portal) -> None:
    answer = post_letters(portal, "kbh", {"all": True}, accept="text/html,*/*;q=0.8")

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/html"
    assert answer.headers["Cache-Control"] == "no-store"
    csp = answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    page = answer.get_data(as_text=True)
    assert '<html lang="da">' in page
    assert page.count('<article class="letter"') == 2  # the closed G20582 gets none
    assert page.count("Adgang til Dagtilbudsportalen") == 2
    assert "Enghusene" in page
    assert "Solsikken" in page
    assert "Lukket Have" not in page
    assert "Institutionsnummer G20580" in page
    assert "Dette brev erstatter alle tidligere adgangsbreve" in page
    assert "Skift adgangskoden" in page
    assert LOGIN_URL in page
    assert "<script" not in page
    assert "<style" not in page
    assert " style=" not in page
    secrets = re.findall(r'<span class="secret">([^<]+)</span>', page)
    assert secrets[0::2] == ["G20580", "G20581"]  # username, then password, per letter
    for number, password in zip(("G20580", "G20581"), secrets[1::2], strict=True):
        stored = portal.account(number).password_hash
        assert stored is not None
        assert portal.deps.hasher.verify(stored, password)
    [stylesheet] = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page)
    assert stylesheet == "/v1/letters.css"

    css = portal.client.get(stylesheet)
    assert css.status_code == 200
    assert css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "@page" in text
    assert ".letter { break-after: page;" in text
    assert "monospace" in text


def test_letters_without_an_accept_header_are_csv_and_a_refused_format_issues_nothing(
    portal: Portal,
) -> None:
    refused = post_letters(portal, "kbh", {"institutions": ["G20580"]}, accept="application/json")
    assert refused.status_code == 406
    assert portal.account("G20580").password_hash is None

    answer = post_letters(portal, "kbh", {"institutions": ["G20580"]}, accept=None)
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"


def test_letters_across_municipalities_are_refused_and_nothing_is_issued(portal: Portal) -> None:
    answer = post_letters(portal, "kbh", {"institutions": ["G20580", "F14700"]})

    assert answer.status_code == 403
    body = answer.get_json()
    assert list(body["errors"]["json"]["institutions"]) == ["F14700"]
    assert "Mælkebøtten" not in answer.get_data(as_text=True)
    assert "Frederiksberg" not in answer.get_data(as_text=True)
    assert portal.account("G20580").password_hash is None
    assert portal.account("F14700").password_hash is None
    assert not [e for e in portal.outbox() if e["type"] == account_contract.PASSWORD_CHANGED]

    unknown = post_letters(portal, "kbh", {"institutions": ["ZZ9999"]})
    assert unknown.status_code == 403
    assert unknown.get_json()["message"] == body["message"]

    closed = post_letters(portal, "kbh", {"institutions": ["G20582"]})
    assert closed.status_code == 409
    assert list(closed.get_json()["errors"]["json"]["institutions"]) == ["G20582"]

    assert post_letters(portal, "kbh", {"all": True, "municipality": 147}).status_code == 403


@pytest.mark.parametrize("who", ["dst", "kbh_institution"])
def test_only_municipalities_and_admins_may_ask_for_letters(portal: Portal, who: str) -> None:
    answer = post_letters(portal, who, {"institutions": ["G20580"]})
    assert answer.status_code == 403
    assert portal.account("G20580").password_hash is None


def test_letters_need_a_token(portal: Portal) -> None:
    answer = portal.client.post("/v1/letters", json={"all": True})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "body",
    [
        {"institutions": ["G20580"], "extra": 1},
        {},
        {"all": False},
        {"institutions": ["G20580"], "all": True},
        {"institutions": []},
        {"institutions": ["not-a-number"]},
        {"institutions": ["G20580"], "municipality": 101},
    ],
)
def test_a_malformed_letters_request_is_422(portal: Portal, body: dict[str, Any]) -> None:
    assert post_letters(portal, "kbh", body).status_code == 422


def test_an_admin_asks_for_a_named_municipalitys_letters(portal: Portal) -> None:
    assert post_letters(portal, "admin", {"all": True}).status_code == 422
    answer = post_letters(portal, "admin", {"all": True, "municipality": 147})
    assert answer.status_code == 200
    assert [r[0] for r in csv_rows(answer.get_data(as_text=True))[1:]] == ["F14700"]
    assert "adgangsbreve-frederiksberg-2026-12-03.csv" in answer.headers["Content-Disposition"]


# --- a municipality's institutions ------------------------------------------------------


def test_a_municipality_lists_its_institution_accounts(portal: Portal) -> None:
    post_letters(portal, "kbh", {"institutions": ["G20581"]})
    answer = portal.client.get("/v1/municipalities/101/institutions", headers=portal.token("kbh"))

    assert answer.status_code == 200
    listed = {row["institution_number"]: row for row in answer.get_json()}
    assert set(listed) == {"G20580", "G20581", "G20582"}
    assert listed["G20581"]["password_issued"] is True
    assert listed["G20581"]["password_changed_at"] == "2026-12-03T09:30:00+00:00"
    assert listed["G20581"]["can_log_in"] is True
    assert listed["G20580"]["password_issued"] is False
    assert listed["G20582"]["status"] == "disabled"
    assert listed["G20580"]["name"] == "Enghusene"

    admin = portal.client.get("/v1/municipalities/147/institutions", headers=portal.token("admin"))
    assert [row["institution_number"] for row in admin.get_json()] == ["F14700"]


@pytest.mark.parametrize(("who", "code"), [("kbh", 147), ("dst", 101), ("kbh_institution", 101)])
def test_another_municipalitys_institutions_are_403_without_detail(
    portal: Portal, who: str, code: int
) -> None:
    answer = portal.client.get(f"/v1/municipalities/{code}/institutions", headers=portal.token(who))
    assert answer.status_code == 403
    text = answer.get_data(as_text=True)
    assert "F14700" not in text
    assert "G20580" not in text
    assert "errors" not in answer.get_json()


# --- the password change ----------------------------------------------------------------


def test_the_password_change_flow(portal: Portal) -> None:
    letter = post_letters(portal, "kbh", {"institutions": ["G20580"]})
    [[*_, issued, _]] = csv_rows(letter.get_data(as_text=True))[1:]
    account = portal.account("G20580")
    sessions = {}
    with portal.deps.uow() as work:
        for family in ("this-browser", "old-laptop"):
            token, stored = refresh_token_for(account.account_id, family, NOW, timedelta(days=30))
            work.refresh_tokens.add(stored)
            sessions[family] = (token, stored.digest)
        work.commit()
    headers = portal.token("kbh_institution")

    weak = portal.client.post(
        "/v1/password",
        json={"current_password": issued, "new_password": "kort"},
        headers=headers,
    )
    assert weak.status_code == 422
    [problem] = weak.get_json()["errors"]["json"]["new_password"]
    assert problem["problem"] == "too_short"
    assert "mindst 15 tegn" in problem["da"]
    assert "at least 15 characters" in problem["en"]

    wrong = portal.client.post(
        "/v1/password",
        json={"current_password": "forkert-kode", "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert wrong.status_code == 422
    [message] = wrong.get_json()["errors"]["json"]["current_password"]
    assert message == {
        "da": "Den nuværende adgangskode er forkert.",
        "en": "The current password is wrong.",
    }

    extra = portal.client.post(
        "/v1/password",
        json={"current_password": issued, "new_password": NEW_PASSWORD, "user": "x"},
        headers=headers,
    )
    assert extra.status_code == 422

    changed = portal.client.post(
        "/v1/password",
        json={
            "current_password": issued,
            "new_password": NEW_PASSWORD,
            "refresh_token": sessions["this-browser"][0],
        },
        headers=headers,
    )
    assert changed.status_code == 204, changed.get_data(as_text=True)
    assert changed.headers["Cache-Control"] == "no-store"
    after = portal.account("G20580")
    assert after.password_hash is not None
    assert portal.deps.hasher.verify(after.password_hash, NEW_PASSWORD)
    assert not portal.deps.hasher.verify(after.password_hash, issued)
    with portal.deps.uow() as work:
        kept = work.refresh_tokens.get(sessions["this-browser"][1])
        ended = work.refresh_tokens.get(sessions["old-laptop"][1])
    assert kept is not None
    assert kept.revoked_at is None
    assert ended is not None
    assert ended.revoked_at is not None
    events = [e for e in portal.outbox() if e["type"] == account_contract.PASSWORD_CHANGED]
    assert len(events) == 2  # the letter's and the change's
    assert all(NEW_PASSWORD not in e["payload"] and issued not in e["payload"] for e in events)
    assert json.loads(events[-1]["payload"])["subject"] == account.account_id


def test_a_closed_institutions_token_can_no_longer_change_anything(portal: Portal) -> None:
    with portal.deps.uow() as work:
        session_account = work.accounts.by_institution("G20582")
    assert session_account is not None
    portal.people["closed"] = session_account
    answer = portal.client.post(
        "/v1/password",
        json={"current_password": "whatever", "new_password": NEW_PASSWORD},
        headers=portal.token("closed"),
    )
    assert answer.status_code == 403


# --- the audit trail --------------------------------------------------------------------


def get_audit(portal: Portal, who: str, **query: Any) -> Any:
    return portal.client.get("/v1/audit", query_string=query, headers=portal.token(who))


def test_the_audit_trail_is_scoped_to_the_reader(portal: Portal) -> None:
    post_letters(portal, "kbh", {"institutions": ["G20580"]})
    post_letters(portal, "frb", {"institutions": ["F14700"]})

    everything = get_audit(portal, "admin")
    assert everything.status_code == 200
    assert {r["municipality_code"] for r in everything.get_json()} >= {101, 147, None}

    kbh = get_audit(portal, "kbh").get_json()
    assert kbh
    assert {r["municipality_code"] for r in kbh} == {101}
    issued = [r for r in kbh if r["action"] == "credentials_issued"]
    assert [r["detail"]["institution_number"] for r in issued] == ["G20580"]
    assert issued[0]["actor_account_id"] == portal.people["kbh"].account_id
    assert issued[0]["at"] == "2026-12-03T09:30:00+00:00"

    own = get_audit(portal, "kbh", account=portal.people["kbh_institution"].account_id)
    assert own.status_code == 200
    assert {r["account_id"] for r in own.get_json()} == {
        portal.people["kbh_institution"].account_id
    }

    institution_own = get_audit(portal, "kbh_institution").get_json()
    assert {r["account_id"] for r in institution_own} == {
        portal.people["kbh_institution"].account_id
    }
    assert len(get_audit(portal, "admin", limit=1).get_json()) == 1


@pytest.mark.parametrize(
    ("who", "account"),
    [
        ("kbh", "frb_institution"),
        ("kbh", "admin"),
        ("kbh_institution", "frb_institution"),
        ("dst", None),
    ],
)
def test_the_audit_trail_refuses_others_records(
    portal: Portal, who: str, account: str | None
) -> None:
    query = {"account": portal.people[account].account_id} if account else {}
    answer = get_audit(portal, who, **query)
    assert answer.status_code == 403
    assert "errors" not in answer.get_json()


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 501}, {"since": "yesterday"}])
def test_a_malformed_audit_query_is_422(portal: Portal, query: dict[str, Any]) -> None:
    assert get_audit(portal, "admin", **query).status_code == 422


# --- users ------------------------------------------------------------------------------


def test_an_admin_creates_a_user_and_sees_its_password_once(portal: Portal) -> None:
    body = {
        "username": "aarhus.dagtilbud",
        "role": "municipality",
        "municipality_code": 751,
        "display_name": "Aarhus Kommune, Børn og Unge",
    }
    answer = portal.client.post("/v1/users", json=body, headers=portal.token("admin"))

    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    created = answer.get_json()
    assert created["role"] == "municipality"
    assert created["municipality_code"] == 751
    with portal.deps.uow() as work:
        stored = work.accounts.get(created["account_id"])
    assert stored is not None
    assert stored.password_hash is not None
    assert portal.deps.hasher.verify(stored.password_hash, created["password"])
    [event] = [
        e
        for e in portal.outbox()
        if e["type"] == account_contract.CREATED
        and json.loads(e["payload"])["subject"] == created["account_id"]
    ]
    assert created["password"] not in event["payload"]

    again = portal.client.post("/v1/users", json=body, headers=portal.token("admin"))
    assert again.status_code == 409
    assert (
        portal.client.post("/v1/users", json=body, headers=portal.token("kbh")).status_code == 403
    )


@pytest.mark.parametrize(
    "body",
    [
        {"username": "x.user", "role": "institution"},
        {"username": "x.user", "role": "municipality"},
        {"username": "G20599", "role": "dst"},
        {"username": "x.user", "role": "dst", "password": "chosen by me please"},
    ],
)
def test_a_user_that_does_not_fit_is_422(portal: Portal, body: dict[str, Any]) -> None:
    answer = portal.client.post("/v1/users", json=body, headers=portal.token("admin"))
    assert answer.status_code == 422


# --- the OpenAPI document ---------------------------------------------------------------


def test_the_operations_are_documented_as_valid_openapi(portal: Portal) -> None:
    document = portal.client.get("/openapi.json").get_json()
    errors = [e.message for e in OpenAPIV31SpecValidator(document).iter_errors()]
    assert not errors
    paths = document["paths"]
    assert set(paths) >= {
        "/v1/letters",
        "/v1/letters.css",
        "/v1/municipalities/{code}/institutions",
        "/v1/password",
        "/v1/audit",
        "/v1/users",
    }
    letters = paths["/v1/letters"]["post"]
    assert set(letters["responses"]["200"]["content"]) == {"text/csv", "text/html"}
    assert letters["security"] == [{BEARER_SCHEME: []}]
    assert {"401", "403", "406", "409", "422"} <= set(letters["responses"])
