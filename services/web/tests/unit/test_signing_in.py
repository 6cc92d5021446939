"""Logging in and out, sessions, CSRF and changing a password, on the fakes."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from web.testing.fakes import FAKE_PASSWORD, FakeAccountsGateway
from web.testing.sessions import csrf_token, log_in

from .conftest import page_text

NEW_PASSWORD = "ti grønne frøer hopper over åen"


def _post_login(client: FlaskClient, username: str, password: str, language: str = "") -> str:
    page = client.get(f"{language}/log-ind")
    answer = client.post(
        f"{language}/log-ind",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )
    return answer  # type: ignore[return-value]


def _cookie(client: FlaskClient) -> str | None:
    for name in ("__Host-dagtilbud-session", "dagtilbud-session"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            return cookie.value
    return None


# ------------------------------------------------------------------ login page
@pytest.mark.parametrize(
    ("language", "heading", "label"),
    [
        ("", "Log ind", "Institutionsnummer eller brugernavn"),
        ("/en", "Log in", "Institution number or username"),
    ],
)
def test_login_page_in_both_languages(
    client: FlaskClient, language: str, heading: str, label: str
) -> None:
    page = client.get(f"{language}/log-ind")
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.text
    assert label in page.text
    assert 'autocomplete="current-password"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert 'name="robots" content="noindex"' in page.text


@pytest.mark.parametrize(
    ("language", "missing_username", "missing_password"),
    [
        ("", "Skriv institutionsnummer eller brugernavn.", "Skriv din adgangskode."),
        ("/en", "Enter your institution number or username.", "Enter your password."),
    ],
)
def test_empty_login_names_each_field(
    client: FlaskClient, language: str, missing_username: str, missing_password: str
) -> None:
    answer = _post_login(client, "", "", language)
    assert answer.status_code == 400
    text = page_text(answer.text)
    assert missing_username in text
    assert missing_password in text
    # The summary links each problem to its field.
    assert 'href="#field-username"' in answer.text
    assert 'id="field-username"' in answer.text
    assert 'aria-invalid="true"' in answer.text


def test_a_failed_login_says_the_same_whatever_was_wrong(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    wrong_password = _post_login(client, "G20580", "not the password")
    unknown_user = _post_login(client, "X99999", FAKE_PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401

    def notice(html: str) -> str:
        start = html.index('id="login-refused"')
        return html[start : html.index("</div>", start)]

    assert notice(wrong_password.text) == notice(unknown_user.text)
    assert "forkert" in page_text(wrong_password.text)
    # The username stays typed, the password never comes back.
    assert 'value="G20580"' in wrong_password.text
    assert "not the password" not in wrong_password.text
    assert _cookie(client) is None or client.get("/selvbetjening").status_code == 302


def test_a_throttled_login_asks_to_wait_politely(client: FlaskClient) -> None:
    for _ in range(5):
        _post_login(client, "G20580", "wrong")
    answer = _post_login(client, "G20580", FAKE_PASSWORD)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "30"
    assert "Prøv igen om 1 minut." in page_text(answer.text)


def test_login_while_auth_is_away_keeps_the_username(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    page = client.get("/log-ind")
    accounts.down = True
    answer = client.post(
        "/log-ind",
        data={"username": "G20580", "password": FAKE_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert answer.status_code == 503
    assert "Log ind er ikke muligt lige nu" in page_text(answer.text)
    assert 'value="G20580"' in answer.text
    assert FAKE_PASSWORD not in answer.text


def test_a_login_without_its_csrf_token_is_refused(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    client.get("/log-ind")
    answer = client.post("/log-ind", data={"username": "G20580", "password": FAKE_PASSWORD})
    assert answer.status_code == 400
    assert "Formularen er udløbet" in page_text(answer.text)
    assert ("login", "G20580") not in accounts.calls
    forged = client.post(
        "/log-ind",
        data={"username": "G20580", "password": FAKE_PASSWORD, "csrf_token": "forged"},
    )
    assert forged.status_code == 400
    assert ("login", "G20580") not in accounts.calls


# ------------------------------------------------------------------ sessions
@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("G20580", "/selvbetjening/institution/G20580"),
        ("kommune751", "/selvbetjening/kommune/751"),
        ("admin", "/selvbetjening"),
    ],
)
def test_each_role_starts_on_its_own_page(client: FlaskClient, username: str, home: str) -> None:
    answer = _post_login(client, username, FAKE_PASSWORD)
    assert answer.status_code == 302
    assert answer.headers["Location"] == home


def test_the_session_cookie_is_host_only_secure_and_renewed_at_login(
    client: FlaskClient,
) -> None:
    page = client.get("/log-ind")
    before = _cookie(client)
    assert before is not None  # the form's CSRF token lives in the session
    answer = client.post(
        "/log-ind",
        data={"username": "G20580", "password": FAKE_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    set_cookie = answer.headers["Set-Cookie"]
    assert set_cookie.startswith("__Host-dagtilbud-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in set_cookie
    assert "Domain" not in set_cookie
    assert "Expires" not in set_cookie
    after = _cookie(client)
    assert after is not None
    assert after != before


def test_parents_pages_never_open_a_session(client: FlaskClient) -> None:
    answer = client.get("/om-data")
    assert "Set-Cookie" not in answer.headers


def test_a_page_behind_login_sends_the_signed_out_to_login_and_back(client: FlaskClient) -> None:
    answer = client.get("/selvbetjening/adgangskode")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/log-ind?next=/selvbetjening/adgangskode"
    page = client.get(answer.headers["Location"])
    back = client.post(
        answer.headers["Location"],
        data={"username": "G20580", "password": FAKE_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert back.headers["Location"] == "/selvbetjening/adgangskode"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/kommune/101",
        "/log-ind",
        "javascript:alert(1)",
    ],
)
def test_login_never_sends_anyone_off_the_pages_behind_login(
    client: FlaskClient, target: str
) -> None:
    page = client.get("/log-ind", query_string={"next": target})
    answer = client.post(
        "/log-ind",
        query_string={"next": target},
        data={"username": "G20580", "password": FAKE_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert answer.headers["Location"] == "/selvbetjening/institution/G20580"


def test_logout_ends_the_session_here_and_at_auth(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "G20580")
    page = client.get("/selvbetjening/adgangskode")
    assert page.status_code == 200
    refresh_tokens = set(accounts.sessions)
    without_token = client.post("/log-ud")
    assert without_token.status_code == 400  # CSRF: a link elsewhere cannot log anyone out
    assert client.get("/selvbetjening/adgangskode").status_code == 200
    answer = client.post("/log-ud", data={"csrf_token": csrf_token(page.text)})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/log-ind?logget-ud=1"
    assert not refresh_tokens & set(accounts.sessions)  # auth ended the login
    assert client.get("/selvbetjening/adgangskode").status_code == 302
    assert "Du er logget ud." in page_text(client.get("/log-ind?logget-ud=1").text)


def test_logout_while_auth_is_away_still_logs_out_here(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "G20580")
    page = client.get("/selvbetjening/adgangskode")
    accounts.down = True
    client.post("/log-ud", data={"csrf_token": csrf_token(page.text)})
    accounts.down = False
    assert client.get("/selvbetjening/adgangskode").status_code == 302


def test_a_disabled_account_loses_its_session(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "G20580")
    assert client.get("/selvbetjening/adgangskode").status_code == 200
    accounts.accounts["g20580"]["status"] = "disabled"
    answer = client.get("/selvbetjening/adgangskode")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/log-ind")


def test_an_expiring_access_token_is_renewed_without_the_user_noticing(
    app: Flask, client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "G20580")
    with client.session_transaction("/selvbetjening") as session:
        session["access_expires_at"] = 0  # as if fifteen minutes had passed
        first = session["access_token"]
    assert client.get("/selvbetjening/adgangskode").status_code == 200
    with client.session_transaction("/selvbetjening") as session:
        assert session["access_token"] != first
    assert ("refresh", None) in accounts.calls


def test_a_session_whose_refresh_auth_refuses_ends(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "G20580")
    accounts.sessions.clear()  # e.g. the password changed elsewhere
    with client.session_transaction("/selvbetjening") as session:
        session["access_expires_at"] = 0
    assert client.get("/selvbetjening/adgangskode").status_code == 302


def test_a_role_cannot_open_another_roles_pages(client: FlaskClient) -> None:
    log_in(client, "G20580")
    assert client.get("/selvbetjening/kommune/751").status_code == 403
    assert client.get("/selvbetjening/indlaesninger").status_code == 403
    assert client.get("/selvbetjening/brugere").status_code == 403


def test_pages_behind_login_say_so_when_auth_is_away(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "G20580")
    with client.session_transaction("/selvbetjening") as session:
        session["access_expires_at"] = 0
    accounts.down = True
    answer = client.get("/selvbetjening/adgangskode")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert "midlertidigt utilgængelig" in page_text(answer.text)
    accounts.down = False
    assert client.get("/selvbetjening/adgangskode").status_code == 200  # the session stayed


# ------------------------------------------------------------------ password
def _change(
    client: FlaskClient, current: str, new: str, repeat: str | None = None, language: str = ""
) -> object:
    page = client.get(f"{language}/selvbetjening/adgangskode")
    return client.post(
        f"{language}/selvbetjening/adgangskode",
        data={
            "current_password": current,
            "new_password": new,
            "repeat_password": new if repeat is None else repeat,
            "csrf_token": csrf_token(page.text),
        },
    )


def test_a_password_change_logs_in_with_the_new_one(
    client: FlaskClient, app: Flask, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "G20580")
    answer = _change(client, FAKE_PASSWORD, NEW_PASSWORD)
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "Din adgangskode er skiftet." in page_text(answer.text)  # type: ignore[attr-defined]
    assert NEW_PASSWORD not in answer.text  # type: ignore[attr-defined]
    other = app.test_client()
    log_in(other, "G20580", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("language", "current", "new", "repeat", "field", "message"),
    [
        (
            "",
            "wrong",
            NEW_PASSWORD,
            None,
            "current_password",
            "Den nuværende adgangskode er forkert.",
        ),
        ("/en", "wrong", NEW_PASSWORD, None, "current_password", "The current password is wrong."),
        (
            "",
            FAKE_PASSWORD,
            NEW_PASSWORD,
            "something else",
            "repeat_password",
            "De to nye adgangskoder er ikke ens.",
        ),
        (
            "/en",
            FAKE_PASSWORD,
            NEW_PASSWORD,
            "something else",
            "repeat_password",
            "The two new passwords are not the same.",
        ),
        ("", FAKE_PASSWORD, "", "", "new_password", "Skriv en ny adgangskode."),
        ("/en", FAKE_PASSWORD, "", "", "new_password", "Enter a new password."),
        ("", "", NEW_PASSWORD, None, "current_password", "Skriv din nuværende adgangskode."),
        ("/en", "", NEW_PASSWORD, None, "current_password", "Enter your current password."),
    ],
)
def test_password_change_refusals_in_both_languages(
    client: FlaskClient,
    accounts: FakeAccountsGateway,
    language: str,
    current: str,
    new: str,
    repeat: str | None,
    field: str,
    message: str,
) -> None:
    log_in(client, "G20580")
    answer = _change(client, current, new, repeat, language)
    assert answer.status_code in (400, 422)  # type: ignore[attr-defined]
    text = page_text(answer.text)  # type: ignore[attr-defined]
    assert message in text
    assert f'href="#field-{field}"' in answer.text  # type: ignore[attr-defined]
    assert accounts.accounts["g20580"]["password"] == FAKE_PASSWORD


def test_password_policy_refusals_come_from_auth_in_both_languages(client: FlaskClient) -> None:
    log_in(client, "G20580")
    danish = page_text(_change(client, FAKE_PASSWORD, "kort").text)  # type: ignore[attr-defined]
    english = page_text(_change(client, FAKE_PASSWORD, "kort", language="/en").text)  # type: ignore[attr-defined]
    assert danish != english
    assert "15" in danish
    assert "15" in english
