"""The in-memory auth and profiles the coming login and editing pages are
tested on: they answer and refuse as the real services do."""

from __future__ import annotations

import pytest

from web.service_layer.accounts_gateway import (
    AccountNotAllowed,
    AccountRefused,
    AccountsGateway,
    AuthUnavailable,
    LettersRefused,
    LoginRefused,
    LoginThrottled,
    PasswordRefused,
    SessionEnded,
    UnknownMunicipality,
    UsernameTaken,
)
from web.service_layer.profiles_gateway import (
    EditRejected,
    NotAllowed,
    NotFound,
    ProfilesGateway,
    ProfilesUnavailable,
    ReadOnly,
    StaleEdit,
)
from web.testing.fakes import FAKE_PASSWORD, FakeAccountsGateway, FakeProfilesGateway

NEW_PASSWORD = "sommerfugle over engen ved åen"


def test_the_fakes_are_the_gateways() -> None:
    accounts: AccountsGateway = FakeAccountsGateway()
    profiles: ProfilesGateway = FakeProfilesGateway()
    assert accounts is not None
    assert profiles is not None


def test_login_refresh_logout() -> None:
    auth = FakeAccountsGateway()
    tokens = auth.login("G20580", FAKE_PASSWORD)
    assert auth.principal(tokens.access_token) is not None
    following = auth.refresh(tokens.refresh_token)
    with pytest.raises(SessionEnded):
        auth.refresh(tokens.refresh_token)
    auth.logout(following.access_token, following.refresh_token)
    assert auth.principal(following.access_token) is None


def test_wrong_logins_are_refused_alike_then_throttled() -> None:
    auth = FakeAccountsGateway(free_failures=2, retry_after_s=8)
    with pytest.raises(LoginRefused):
        auth.login("G20580", "wrong")
    with pytest.raises(LoginRefused):
        auth.login("G99999", FAKE_PASSWORD)
    with pytest.raises(LoginRefused):
        auth.login("G20580", "wrong")
    with pytest.raises(LoginThrottled) as throttled:
        auth.login("G20580", FAKE_PASSWORD)
    assert throttled.value.retry_after_s == 8
    auth.down = True
    with pytest.raises(AuthUnavailable):
        auth.login("G20581", FAKE_PASSWORD)


def test_password_change() -> None:
    auth = FakeAccountsGateway()
    tokens = auth.login("G20580", FAKE_PASSWORD)
    with pytest.raises(PasswordRefused) as refused:
        auth.change_password(tokens.access_token, FAKE_PASSWORD, "G20580 kort")
    assert {p["problem"] for p in refused.value.problems} == {"too_short", "contains_username"}
    assert all(p["en"] and p["da"] for p in refused.value.problems)
    with pytest.raises(PasswordRefused):
        auth.change_password(tokens.access_token, "wrong", NEW_PASSWORD)
    auth.change_password(tokens.access_token, FAKE_PASSWORD, NEW_PASSWORD, tokens.refresh_token)
    assert auth.login("G20580", NEW_PASSWORD).expires_in_s == 900


def logged_in(username: str) -> tuple[FakeProfilesGateway, str]:
    auth = FakeAccountsGateway()
    return FakeProfilesGateway(auth), auth.login(username, FAKE_PASSWORD).access_token


def test_edits_move_the_version_and_stale_ones_are_refused() -> None:
    profiles, token = logged_in("G20580")
    document, etag = profiles.profile("G20580")
    assert (document["version"], etag) == (0, '"0"')
    document, etag = profiles.edit_profile(
        token, "G20580", {"description": "Tæt på skoven."}, etag, whole=False
    )
    assert (document["version"], etag) == (1, '"1"')
    with pytest.raises(StaleEdit) as stale:
        profiles.edit_profile(token, "G20580", {"description": "Igen."}, '"0"', whole=False)
    assert stale.value.current_etag == '"1"'
    history = profiles.history(token, "G20580")
    assert [c["fields"] for c in history["changes"]] == [["description"]]


def test_bad_fields_are_explained_in_both_languages() -> None:
    profiles, token = logged_in("G20580")
    changes = {
        "contact": {"website": "http://example.dk"},
        "opening_hours": [{"weekday": 0, "opens": "04:00", "closes": "16:00"}],
        "childminder_name": "Hanne",
    }
    with pytest.raises(EditRejected) as rejected:
        profiles.edit_profile(token, "G20580", changes, '"0"', whole=False)
    errors = rejected.value.errors
    assert errors["contact"]["website"][0]["da"] == "Brug en https-adresse."
    assert errors["opening_hours"]["0"]["opens"][0]["en"].startswith("Opening hours")
    assert errors["childminder_name"] == [{"en": "Unknown field.", "da": "Ukendt felt."}]
    assert profiles.profile("G20580")[1] == '"0"'


def test_refusals() -> None:
    profiles, token = logged_in("G20580")
    with pytest.raises(NotAllowed) as other:
        profiles.edit_profile(token, "G20581", {"description": "x"}, '"0"', whole=False)
    assert other.value.status == 403
    with pytest.raises(NotAllowed) as nobody:
        profiles.edit_profile("expired", "G20580", {"description": "x"}, '"0"', whole=False)
    assert nobody.value.must_log_in
    with pytest.raises(NotFound):
        profiles.profile("NOPE00")
    kommune, kommune_token = logged_in("kommune751")
    with pytest.raises(ReadOnly):
        kommune.edit_profile(kommune_token, "C75100", {"description": "x"}, '"0"', whole=False)
    kommune.down = True
    with pytest.raises(ProfilesUnavailable):
        kommune.profile("G20580")


def test_a_municipality_reports_dagpleje_and_sees_completeness() -> None:
    profiles, token = logged_in("kommune751")
    [district] = profiles.dagpleje_districts(751)["districts"]
    _, etag = profiles.dagpleje_district(751, district["institution_number"])
    report = {"dagpleje": {"childminder_count": 12}, "opening_hours": []}
    document, etag = profiles.report_dagpleje(token, 751, "D75100", report, etag, whole=True)
    assert (document["dagpleje"], etag) == ({"childminder_count": 12}, '"1"')
    overview = profiles.completeness(token, 751)
    numbers = [item["institution_number"] for item in overview["institutions"]]
    assert "C75100" not in numbers
    assert "G20580" in numbers
    institution, institution_token = logged_in("G20580")
    with pytest.raises(NotAllowed):
        institution.completeness(institution_token, 751)


def signed_in(auth: FakeAccountsGateway, username: str) -> str:
    return auth.login(username, FAKE_PASSWORD).access_token


def test_me_and_a_closed_institution() -> None:
    auth = FakeAccountsGateway()
    token = signed_in(auth, "G20580")
    me = auth.me(token)
    assert (me["username"], me["role"], me["status"]) == ("G20580", "institution", "active")
    assert (me["institution_number"], me["municipality_code"]) == ("G20580", 751)
    auth.accounts["g20580"]["status"] = "disabled"
    assert auth.me(token)["status"] == "disabled"
    with pytest.raises(LoginRefused):
        auth.login("C75100", FAKE_PASSWORD)  # closed: its account is disabled
    del auth.accounts["g20580"]
    with pytest.raises(SessionEnded):
        auth.me(token)


def test_a_municipality_sees_its_own_institution_accounts() -> None:
    auth = FakeAccountsGateway()
    kommune = signed_in(auth, "kommune751")
    rows = auth.municipality_institutions(kommune, 751)["institutions"]
    assert [r["institution_number"] for r in rows] == ["C75100", "G20580", "G20581"]
    assert [r["can_log_in"] for r in rows] == [False, True, True]
    with pytest.raises(AccountNotAllowed):
        auth.municipality_institutions(kommune, 101)
    admin = signed_in(auth, "admin")
    [other] = auth.municipality_institutions(admin, 101)["institutions"]
    assert other["institution_number"] == "G10433"
    with pytest.raises(UnknownMunicipality):
        auth.municipality_institutions(admin, -1)


def test_letters_give_passwords_that_log_in_and_never_show_in_a_repr() -> None:
    auth = FakeAccountsGateway()
    kommune = signed_in(auth, "kommune751")
    before = auth.login("G20580", FAKE_PASSWORD)
    issued = auth.issue_letters(kommune, ["g20580", "G20581"])
    letters = issued["letters"]
    assert [letter["institution_number"] for letter in letters] == ["G20580", "G20581"]
    assert letters[0]["municipality_name"] == "Aarhus"
    assert issued["filename"] == "adgangsbreve-aarhus-2026-04-20.csv"
    assert issued["csv"].startswith("\ufeffInstitutionsnummer;")
    for letter in letters:
        assert letter["password"] in issued["csv"]
        assert letter["password"] not in repr(issued)
        assert letter["password"] not in str(letters)
    assert auth.login("G20580", letters[0]["password"]).expires_in_s == 900
    with pytest.raises(SessionEnded):
        auth.refresh(before.refresh_token)
    assert auth.audit(kommune)["records"][0]["action"] == "credentials_issued"
    everyone = auth.issue_letters(kommune, None, all=True)
    assert [letter["institution_number"] for letter in everyone["letters"]] == [
        "G20580",
        "G20581",
    ]


def test_letters_refused_name_the_institutions_and_issue_none() -> None:
    auth = FakeAccountsGateway()
    kommune = signed_in(auth, "kommune751")
    with pytest.raises(LettersRefused) as elsewhere:
        auth.issue_letters(kommune, ["G20580", "G10433", "ZZ9999"])
    assert elsewhere.value.status == 403
    assert set(elsewhere.value.institutions) == {"G10433", "ZZ9999"}
    assert elsewhere.value.institutions["G10433"]["da"].startswith("Ukendt")
    with pytest.raises(LettersRefused) as closed:
        auth.issue_letters(kommune, ["G20580", "C75100"])
    assert (closed.value.status, list(closed.value.institutions)) == (409, ["C75100"])
    assert auth.login("G20580", FAKE_PASSWORD)  # nothing was issued
    with pytest.raises(LettersRefused) as unnamed:
        auth.issue_letters(signed_in(auth, "admin"), None, all=True)
    assert [p["field"] for p in unnamed.value.problems] == ["municipality"]
    with pytest.raises(AccountNotAllowed):
        auth.issue_letters(kommune, None, all=True, municipality=101)
    for who in ("G20580", "dst"):
        with pytest.raises(AccountNotAllowed):
            auth.issue_letters(signed_in(auth, who), ["G20580"])


def test_an_admin_creates_users() -> None:
    auth = FakeAccountsGateway()
    admin = signed_in(auth, "admin")
    created = auth.create_user(admin, "municipality", "kbh.dagtilbud", municipality_code=101)
    assert (created["role"], created["municipality_code"], created["status"]) == (
        "municipality",
        101,
        "active",
    )
    assert created["password"] not in repr(created)
    token = auth.login("kbh.dagtilbud", created["password"]).access_token
    assert auth.me(token)["municipality_code"] == 101
    with pytest.raises(UsernameTaken) as taken:
        auth.create_user(admin, "dst", "KBH.dagtilbud")
    assert taken.value.problems[0]["da"] == "Brugernavnet er optaget."
    with pytest.raises(AccountRefused) as scope:
        auth.create_user(admin, "dst", "dst.ny", municipality_code=101)
    assert scope.value.problems[0]["field"] == "municipality_code"
    with pytest.raises(AccountRefused) as number_like:
        auth.create_user(admin, "dst", "G20599")
    assert number_like.value.problems[0]["field"] == "username"
    with pytest.raises(AccountNotAllowed):
        auth.create_user(token, "dst", "dst.ny")
    records = auth.audit(admin)["records"]
    assert records[0]["action"] == "account_created"
    with pytest.raises(AccountNotAllowed):
        auth.audit(signed_in(auth, "dst"))
