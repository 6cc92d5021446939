"""A municipality's pages behind login, on the fakes: who may see them, the
overview's sorting and filters, the dagpleje form, credential letters."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from web.service_layer.accounts_gateway import AuthUnavailable
from web.service_layer.profiles_gateway import EditRejected
from web.testing.fakes import (
    FakeAccountsGateway,
    FakeProfilesGateway,
    FakeSearchGateway,
    RecordingPageCache,
)
from web.testing.sessions import csrf_token, log_in

from .conftest import page_text

HOME = "/selvbetjening/kommune/751"
CHOICE = "/selvbetjening/kommuner"
DISTRICTS = "/selvbetjening/kommune/751/dagpleje"
DISTRICT = "/selvbetjening/kommune/751/dagpleje/D75100"
LETTERS = "/selvbetjening/kommune/751/adgangsbreve"
MUNICIPALITY_PAGES = (HOME, DISTRICTS, DISTRICT, LETTERS)


@pytest.fixture(autouse=True)
def _other_municipality(accounts: FakeAccountsGateway) -> None:
    accounts.add("kommune101", role="municipality", municipality=101)


def _signed_in(client: FlaskClient, username: str | None, language: str = "") -> None:
    if username is not None:
        log_in(client, username, language=language)


# ------------------------------------------------------------------ who may see what
@pytest.mark.parametrize("path", MUNICIPALITY_PAGES)
@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("G20580", 403),
        ("kommune101", 403),
        ("dst", 403),
        ("kommune751", 200),
        ("admin", 200),
    ],
)
def test_every_page_for_every_role(
    client: FlaskClient, path: str, username: str, status: int
) -> None:
    _signed_in(client, username)
    answer = client.get(path)
    assert answer.status_code == status
    if status == 200:
        assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("username", "status"), [("admin", 200), ("kommune751", 403), ("G20580", 403), ("dst", 403)]
)
def test_the_choice_of_municipality_is_for_admins(
    client: FlaskClient, search: FakeSearchGateway, username: str, status: int
) -> None:
    _signed_in(client, username)
    answer = client.get(CHOICE)
    assert answer.status_code == status
    if status == 200:
        links = re.findall(r'href="/selvbetjening/kommune/(\d+)"', answer.text)
        assert len(links) == 98
        assert "751" in links
        assert ("municipalities", None) in search.calls


@pytest.mark.parametrize("path", [*MUNICIPALITY_PAGES, CHOICE])
def test_signed_out_goes_to_the_login_page(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/log-ind?next=")


def test_an_unknown_municipality_is_not_found_for_an_admin(client: FlaskClient) -> None:
    log_in(client, "admin")
    assert client.get("/selvbetjening/kommune/999").status_code == 404


@pytest.mark.parametrize(
    ("language", "heading"),
    [("", "Institutionerne i Aarhus"), ("/en", "The institutions of Aarhus")],
)
def test_the_overview_in_both_languages(client: FlaskClient, language: str, heading: str) -> None:
    log_in(client, "kommune751", language=language)
    answer = client.get(language + HOME)
    assert answer.status_code == 200
    assert f"<h1>{heading}</h1>" in answer.text
    # Each row links to editing the institution; the page to dagpleje and letters.
    assert f'href="{language}/selvbetjening/institution/G20580"' in answer.text
    assert f'href="{language}{DISTRICTS}"' in answer.text
    assert f'href="{language}{LETTERS}"' in answer.text


# ------------------------------------------------------------------ the overview
@pytest.fixture
def rich_completeness(profiles: FakeProfilesGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """profiles' answer with ages and stale open places (the fake gives none)."""
    profiles.add("G20582", kind="vuggestue")
    original = profiles.completeness
    shape = {
        "G20580": {
            "share_filled": 0.9,
            "newest_edit_at": "2026-04-18T08:00:00+00:00",
            "newest_edit_age_days": 2,
            "open_places_stale": True,
            "missing": ["open_places"],
        },
        "G20581": {
            "share_filled": 0.3,
            "newest_edit_at": "2026-02-01T08:00:00+00:00",
            "newest_edit_age_days": 78,
        },
    }

    def completeness(access_token: str, code: int) -> dict[str, Any]:
        answer = original(access_token, code)
        for item in answer["institutions"]:
            item.update(shape.get(item["institution_number"], {}))
        return answer

    monkeypatch.setattr(profiles, "completeness", completeness)


def _order(html: str) -> list[str]:
    return re.findall(r'<tr id="institution-([A-Z0-9]+)"', html)


@pytest.mark.usefixtures("rich_completeness")
@pytest.mark.parametrize(
    ("query", "expected", "sorted_by"),
    [
        ("", ["D75100", "G20580", "G20581", "G20582"], ("navn", "ascending")),
        (
            "?sortering=navn&retning=ned",
            ["G20582", "G20581", "G20580", "D75100"],
            ("navn", "descending"),
        ),
        (
            "?sortering=udfyldt&retning=ned",
            ["G20580", "G20581", "D75100", "G20582"],
            ("udfyldt", "descending"),
        ),
        ("?sortering=senest", ["D75100", "G20582", "G20581", "G20580"], ("senest", "ascending")),
        (
            "?sortering=senest&retning=ned",
            ["G20580", "G20581", "D75100", "G20582"],
            ("senest", "descending"),
        ),
    ],
)
def test_sorting(
    client: FlaskClient, query: str, expected: list[str], sorted_by: tuple[str, str]
) -> None:
    log_in(client, "kommune751")
    answer = client.get(HOME + query)
    assert answer.status_code == 200
    assert _order(answer.text) == expected
    key, direction = sorted_by
    header = re.search(
        rf'aria-sort="([a-z]+)">\s*<a class="sort-link" id="sort-{key}" href="([^"]+)"',
        answer.text,
    )
    assert header is not None
    assert header.group(1) == direction
    # Sorting again by the same column turns it round.
    assert ("retning=ned" if direction == "ascending" else "retning=op") in header.group(2)


@pytest.mark.usefixtures("rich_completeness")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?uden_aabningstider=1", ["D75100", "G20581", "G20582"]),
        ("?gamle_ledige_pladser=1", ["G20580"]),
        ("?aldrig_opdateret=1", ["D75100", "G20582"]),
        ("?type=vuggestue", ["G20582"]),
        ("?aldrig_opdateret=1&type=dagpleje", ["D75100"]),
    ],
)
def test_filters(client: FlaskClient, query: str, expected: list[str]) -> None:
    log_in(client, "kommune751")
    answer = client.get(HOME + query)
    assert _order(answer.text) == expected
    assert f"Viser {len(expected)} af 4 institutioner." in page_text(answer.text)
    # The filters stay set, and the sort links keep them.
    flag = query[1:].split("=")[0]
    kept = rf'name="{flag}" value="1" checked|value="(vuggestue|dagpleje)" selected'
    assert re.search(kept, answer.text)
    assert f"{flag}=" in re.search(r'id="sort-udfyldt" href="([^"]+)"', answer.text).group(1)  # type: ignore[union-attr]


@pytest.mark.usefixtures("rich_completeness")
def test_a_filter_that_leaves_nothing_says_so(client: FlaskClient) -> None:
    log_in(client, "kommune751")
    answer = client.get(HOME + "?gamle_ledige_pladser=1&type=dagpleje")
    assert _order(answer.text) == []
    assert "Ingen institutioner passer til filtrene." in page_text(answer.text)


@pytest.mark.usefixtures("rich_completeness")
def test_the_overview_shows_completeness_freshness_and_accounts(client: FlaskClient) -> None:
    log_in(client, "kommune751")
    text = page_text(client.get(HOME).text)
    assert "90 %" in text
    assert "For 2 dage siden" in text
    assert "Aldrig opdateret" in text
    assert "Ledige pladser er over 30 dage gamle" in text
    assert "Aktiv" in text
    assert "Intet adgangsbrev endnu" in text
    assert "Ingen konto" in text


def test_an_unknown_sort_falls_back_and_says_so(client: FlaskClient) -> None:
    log_in(client, "kommune751")
    answer = client.get(HOME + "?sortering=alder")
    assert answer.status_code == 400
    assert "Ukendt sortering eller filter" in page_text(answer.text)
    assert _order(answer.text)


# ------------------------------------------------------------------ dagpleje
def _district_form(client: FlaskClient, language: str = "", **typed: Any) -> dict[str, Any]:
    page = client.get(language + DISTRICT)
    etag = re.search(r'name="etag" value="([^"]*)"', page.text)
    assert etag is not None
    data: dict[str, Any] = {
        "csrf_token": csrf_token(page.text),
        "etag": etag.group(1).replace("&#34;", '"'),
        "childminder_count": "",
        "children_per_childminder": "",
        "postcodes": "",
        "substitute_care": "",
        "substitute_care_note": "",
    }
    data.update(typed)
    return data


def test_the_dagpleje_list(client: FlaskClient) -> None:
    log_in(client, "kommune751")
    answer = client.get(DISTRICTS)
    assert f'href="{DISTRICT}"' in answer.text


def test_the_dagpleje_form_saves(
    client: FlaskClient, profiles: FakeProfilesGateway, page_cache: RecordingPageCache
) -> None:
    forgotten = page_cache.forgotten
    log_in(client, "kommune751")
    data = _district_form(
        client,
        childminder_count="14",
        children_per_childminder="4",
        playgroup_weekdays=["1", "3"],
        postcodes="8000, 8200 8210",
        substitute_care="gaestehus",
        substitute_care_note="Gæstehuset ligger ved legestuen.",
        **{
            "opens-0-0": "06:30",
            "closes-0-0": "16:00",
            "opens-4-0": "06:30",
            "closes-4-0": "15:00",
        },
    )
    answer = client.post(DISTRICT, data=data)
    assert answer.status_code == 303
    assert answer.headers["Location"] == DISTRICT + "?gemt=1"
    assert forgotten == ["/institution/D75100"]
    stored = profiles.institutions["D75100"]
    assert stored["dagpleje"] == {
        "childminder_count": 14,
        "children_per_childminder": 4,
        "playgroup_weekdays": [1, 3],
        "postcodes": ["8000", "8200", "8210"],
        "substitute_care": "gaestehus",
        "substitute_care_note": "Gæstehuset ligger ved legestuen.",
    }
    assert stored["opening_hours"] == [
        {"weekday": 0, "opens": "06:30", "closes": "16:00"},
        {"weekday": 4, "opens": "06:30", "closes": "15:00"},
    ]
    assert profiles.calls[-1] == ("report_dagpleje", (751, "D75100"))
    shown = client.get(answer.headers["Location"])
    assert "Oplysningerne er gemt." in page_text(shown.text)
    assert 'value="8000, 8200, 8210"' in shown.text
    # Nothing to type a childminder's name or address in.
    assert not re.search(r'name="[^"]*(navn|name|adresse|address)[^"]*"', shown.text)


OWN_CHECKS = [
    (
        {"childminder_count": "mange"},
        "childminder_count",
        "Skriv antallet af dagplejere som et helt tal.",
        "Enter the number of childminders as a whole number.",
    ),
    (
        {"childminder_count": "0"},
        "childminder_count",
        "Antallet af dagplejere skal være mellem 1 og 1000.",
        "The number of childminders must be between 1 and 1000.",
    ),
    (
        {"children_per_childminder": "to"},
        "children_per_childminder",
        "Skriv antallet af børn pr. dagplejer som et helt tal.",
        "Enter the number of children per childminder as a whole number.",
    ),
    (
        {"children_per_childminder": "6"},
        "children_per_childminder",
        "Antallet af børn pr. dagplejer skal være mellem 1 og 5.",
        "The number of children per childminder must be between 1 and 5.",
    ),
    (
        {"playgroup_weekdays": ["9"]},
        "playgroup_weekdays",
        "Vælg ugedage fra listen.",
        "Choose weekdays from the list.",
    ),
    (
        {"postcodes": "8000, 800"},
        "postcodes",
        "Et postnummer har fire cifre, fx 8000.",
        "A postcode has four digits, e.g. 8000.",
    ),
    (
        {"postcodes": " ".join(str(1000 + i) for i in range(51))},
        "postcodes",
        "Skriv højst 50 postnumre.",
        "Enter at most 50 postcodes.",
    ),
    (
        {"substitute_care": "bedstemor"},
        "substitute_care",
        "Vælg en af mulighederne.",
        "Choose one of the options.",
    ),
    (
        {"substitute_care_note": "x" * 501},
        "substitute_care_note",
        "Skriv højst 500 tegn.",
        "Enter at most 500 characters.",
    ),
    (
        {"substitute_care_note": "ok\x07"},
        "substitute_care_note",
        "Teksten indeholder tegn, der ikke kan gemmes.",
        "The text contains characters that cannot be saved.",
    ),
    (
        {"opens-2-0": "7.30", "closes-2-0": "16:00"},
        "opens-2-0",
        "Skriv tiden som TT:MM, fx 07:30.",
        "Write the time as HH:MM, e.g. 07:30.",
    ),
    (
        {"opens-2-0": "07:30"},
        "closes-2-0",
        "Skriv både hvornår der åbnes, og hvornår der lukkes.",
        "Enter both when it opens and when it closes.",
    ),
    (
        {"opens-2-0": "16:00", "closes-2-0": "07:00"},
        "closes-2-0",
        "Lukketiden skal ligge efter åbningstiden.",
        "The closing time must be after the opening time.",
    ),
]


@pytest.mark.parametrize(("typed", "field", "danish", "english"), OWN_CHECKS)
@pytest.mark.parametrize("language", ["", "/en"])
def test_every_own_check_in_both_languages(
    client: FlaskClient,
    profiles: FakeProfilesGateway,
    typed: dict[str, Any],
    field: str,
    danish: str,
    english: str,
    language: str,
) -> None:
    log_in(client, "kommune751", language=language)
    data = _district_form(client, language, **typed)
    answer = client.post(language + DISTRICT, data=data)
    assert answer.status_code == 400
    message = english if language else danish
    assert message in page_text(answer.text)
    # In the summary, linked to the field, and next to the field.
    assert f'href="#field-{field}"' in answer.text
    assert f'id="error-{field}"' in answer.text
    assert f'id="field-{field}"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    # What was typed stays; nothing was sent.
    assert not any(call[0] == "report_dagpleje" for call in profiles.calls)
    for name, value in typed.items():
        if isinstance(value, str) and name not in ("substitute_care", "substitute_care_note"):
            assert f'value="{value}"' in answer.text


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("", "Åbningstiden ligger mellem 05:00 og 20:00."),
        ("/en", "Opening hours are between 05:00 and 20:00."),
    ],
)
def test_profiles_reasons_land_on_their_fields(
    client: FlaskClient, profiles: FakeProfilesGateway, language: str, reason: str
) -> None:
    log_in(client, "kommune751", language=language)
    data = _district_form(
        client,
        language,
        **{
            "opens-0-0": "07:00",
            "closes-0-0": "16:00",
            "opens-3-1": "04:30",
            "closes-3-1": "21:00",
        },
    )
    answer = client.post(language + DISTRICT, data=data)
    assert answer.status_code == 422
    # The second interval sent is Thursday's second one: both its ends.
    for field in ("opens-3-1", "closes-3-1"):
        error = re.search(
            rf'<span class="form-error-message" id="error-{field}">(.*?)</span>\s*<input',
            answer.text,
            re.S,
        )
        assert error is not None
        assert reason in page_text(error.group(1))
        assert f'href="#field-{field}"' in answer.text
    assert 'id="error-opens-0-0"' not in answer.text
    assert profiles.institutions["D75100"]["version"] == 0


def test_profiles_reasons_on_the_dagpleje_fields(
    client: FlaskClient, profiles: FakeProfilesGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise EditRejected(
            {
                "dagpleje": {
                    "postcodes": {
                        "0": [
                            {
                                "en": "String does not match expected pattern.",
                                "da": "Teksten har ikke den rigtige form.",
                            }
                        ]
                    },
                    "playgroup_weekdays": [
                        {"en": "a weekday appears twice", "da": "En ugedag står der to gange."}
                    ],
                },
                "_schema": ["Nothing to change: name at least one field."],
            }
        )

    monkeypatch.setattr(profiles, "report_dagpleje", refuse)
    log_in(client, "kommune751")
    answer = client.post(DISTRICT, data=_district_form(client, postcodes="8000"))
    assert answer.status_code == 422
    text = page_text(answer.text)
    assert "Postnumre: Teksten har ikke den rigtige form." in text
    assert "Legestue: En ugedag står der to gange." in text
    assert 'href="#field-form"' in answer.text


def test_a_stale_edit_overwrites_nothing_and_keeps_what_was_typed(
    client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "kommune751")
    data = _district_form(client, childminder_count="20", postcodes="8000")
    # Someone else saves meanwhile.
    admin = profiles.accounts.login("admin", "hestene spiser hø om vinteren").access_token
    profiles.report_dagpleje(
        admin,
        751,
        "D75100",
        {
            "dagpleje": {
                "childminder_count": 7,
                "children_per_childminder": 3,
                "playgroup_weekdays": [],
                "substitute_care": None,
            }
        },
        '"0"',
        whole=False,
    )
    answer = client.post(DISTRICT, data=data)
    assert answer.status_code == 409
    text = page_text(answer.text)
    assert "Nogen har gemt ændringer, mens du skrev" in text
    other = answer.text[answer.text.index('id="other-version"') :]
    assert "<dd>7</dd>" in other[: other.index("</section>")]
    assert 'value="20"' in answer.text
    assert 'value="8000"' in answer.text
    assert profiles.institutions["D75100"]["dagpleje"]["childminder_count"] == 7
    # Saving again, now on the version there is, is the user's choice.
    assert 'name="etag" value="&#34;1&#34;"' in answer.text


def test_profiles_away_keeps_what_was_typed(
    client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "kommune751")
    data = _district_form(client, childminder_count="20")
    profiles.down = True
    answer = client.post(DISTRICT, data=data)
    assert answer.status_code == 503
    assert 'id="service-unavailable"' in answer.text
    assert 'value="20"' in answer.text


def test_a_district_of_another_municipality_is_not_found(client: FlaskClient) -> None:
    log_in(client, "admin")
    assert client.get("/selvbetjening/kommune/101/dagpleje/D75100").status_code == 404


# ------------------------------------------------------------------ CSRF
def test_a_form_without_its_token_is_refused_and_changes_nothing(
    client: FlaskClient, profiles: FakeProfilesGateway, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "kommune751")
    data = _district_form(client, childminder_count="20")
    del data["csrf_token"]
    assert client.post(DISTRICT, data=data).status_code == 400
    assert profiles.institutions["D75100"]["version"] == 0
    answer = client.post(LETTERS, data={"institution": ["G20580"], "svar": "udskriv"})
    assert answer.status_code == 400
    assert not any(call[0] == "issue_letters" for call in accounts.calls)
    assert accounts.audit_records == []


# ------------------------------------------------------------------ credential letters
def _letters(client: FlaskClient, **data: Any) -> Any:
    page = client.get(LETTERS)
    return client.post(LETTERS, data={"csrf_token": csrf_token(page.text), **data})


def _passwords(html: str) -> list[str]:
    return re.findall(r'<span class="secret">(solsikke-[^<]+)</span>', html)


def test_the_letters_form_lists_the_accounts_and_warns(client: FlaskClient) -> None:
    log_in(client, "kommune751")
    answer = client.get(LETTERS)
    assert answer.status_code == 200
    assert 'name="institution" value="G20580"' in answer.text
    assert 'name="institution" value="G20581"' in answer.text
    # A closed institution is listed, but cannot be chosen.
    assert "C75100" in answer.text
    assert 'value="C75100"' not in answer.text
    assert "holder institutionens gamle adgangskode op med at virke" in page_text(answer.text)
    assert 'name="alle" value="true"' in answer.text


def test_letters_for_the_chosen_ones_only(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "kommune751")
    answer = _letters(client, institution=["G20581"], svar="udskriv")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    sections = re.findall(
        r'<section class="letter page-break" id="letter-([A-Z0-9]+)"', answer.text
    )
    assert sections == ["G20581"]
    [password] = _passwords(answer.text)
    assert accounts.accounts["g20581"]["password"] == password
    assert accounts.accounts["g20580"]["password"] != password
    assert "http://localhost/log-ind" in answer.text
    # The print button's script is a file of the site's (the CSP allows no inline script).
    assert re.search(r'<script src="[^"]*/js/print\.js[^"]*" defer>', answer.text)
    assert "<script>" not in answer.text


def test_letters_for_all(client: FlaskClient, accounts: FakeAccountsGateway) -> None:
    log_in(client, "kommune751")
    answer = _letters(client, alle="true")
    assert answer.status_code == 200
    sections = re.findall(
        r'<section class="letter page-break" id="letter-([A-Z0-9]+)"', answer.text
    )
    assert sections == ["G20580", "G20581"]
    assert len(set(_passwords(answer.text))) == 2
    assert ("issue_letters", None) in accounts.calls


def test_an_admin_issues_for_all_of_the_municipality(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "admin")
    answer = _letters(client, alle="true")
    assert answer.status_code == 200
    assert len(_passwords(answer.text)) == 2


def test_the_letters_as_a_file_log_in(client: FlaskClient, accounts: FakeAccountsGateway) -> None:
    log_in(client, "kommune751")
    answer = _letters(client, institution=["G20580", "G20581"], svar="csv")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.mimetype == "text/csv"
    disposition = answer.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="adgangsbreve-751-2026-04-20.csv"'
    assert answer.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))
    assert [row["institution_number"] for row in table] == ["G20580", "G20581"]
    assert table[0].keys() == {"institution_number", "name", "username", "password", "login_url"}
    for row in table:
        assert row["login_url"] == "http://localhost/log-ind"
        accounts.login(row["username"], row["password"])  # raises if the password is wrong


def test_all_as_a_file(client: FlaskClient) -> None:
    log_in(client, "kommune751")
    answer = _letters(client, alle="csv")
    assert answer.mimetype == "text/csv"
    assert len(list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))) == 3


def test_passwords_are_shown_once_and_never_logged(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    log_in(client, "kommune751")
    with caplog.at_level("DEBUG"):
        [password] = _passwords(_letters(client, institution=["G20580"], svar="udskriv").text)
    assert password not in caplog.text
    again = client.get(LETTERS)
    assert password not in again.text
    assert not _passwords(again.text)


def test_nothing_chosen_says_so(client: FlaskClient, accounts: FakeAccountsGateway) -> None:
    log_in(client, "kommune751")
    answer = _letters(client, svar="udskriv")
    assert answer.status_code == 400
    assert 'href="#field-institution"' in answer.text
    assert "Vælg mindst én institution" in page_text(answer.text)
    assert not any(call[0] == "issue_letters" for call in accounts.calls)


def test_another_municipalitys_institution_is_refused_here(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "admin")
    answer = _letters(client, institution=["G10433"], svar="udskriv")
    assert answer.status_code == 400
    assert not any(call[0] == "issue_letters" for call in accounts.calls)


def test_refused_letters_name_the_institutions_and_issue_nothing(
    client: FlaskClient, accounts: FakeAccountsGateway
) -> None:
    log_in(client, "kommune751")
    before = accounts.accounts["g20580"]["password"]
    answer = _letters(client, institution=["G20580", "C75100"], svar="udskriv")
    assert answer.status_code == 409
    text = page_text(answer.text)
    assert "Der er ikke udstedt nogen breve" in text
    assert "C75100" in text
    assert "Institutionen er lukket." in text
    assert accounts.accounts["g20580"]["password"] == before
    assert not _passwords(answer.text)
    assert 'value="G20580" checked' in answer.text


def test_auth_away_keeps_the_choice(
    client: FlaskClient, accounts: FakeAccountsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    def away(*args: Any, **kwargs: Any) -> Any:
        raise AuthUnavailable("issue_letters")

    monkeypatch.setattr(accounts, "issue_letters", away)
    log_in(client, "kommune751")
    answer = _letters(client, institution=["G20581"], svar="csv")
    assert answer.status_code == 503
    assert 'id="service-unavailable"' in answer.text
    assert 'value="G20581" checked' in answer.text
    assert 'value="G20580" checked' not in answer.text


def test_the_print_page_in_english(client: FlaskClient) -> None:
    log_in(client, "kommune751", language="/en")
    page = client.get("/en" + LETTERS)
    answer = client.post(
        "/en" + LETTERS,
        data={"csrf_token": csrf_token(page.text), "institution": ["G20580"], "svar": "udskriv"},
    )
    assert answer.status_code == 200
    assert "http://localhost/en/log-ind" in answer.text
    assert "Letters to print" in page_text(answer.text)
