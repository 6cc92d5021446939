"""An institution's own pages on the fakes: the overview, every section's
form, who may open them, what happens when someone else saved meanwhile or
profiles is away, the preview and the history."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from web.testing.fakes import FakeAccountsGateway, FakeProfilesGateway, RecordingPageCache
from web.testing.sessions import csrf_token, log_in

from .conftest import page_text

HOME = "/selvbetjening/institution/{number}"
SECTION = "/selvbetjening/institution/{number}/rediger/{section}"


def _edits(profiles: FakeProfilesGateway) -> list[Any]:
    return [call for call in profiles.calls if call[0] == "edit_profile"]


def _open(
    client: FlaskClient, section: str, number: str = "G20580", language: str = ""
) -> tuple[str, str]:
    """A section's form: its page and the ETag it carries."""
    page = client.get(language + SECTION.format(number=number, section=section))
    assert page.status_code == 200, page.status_code
    start = page.text.index('name="etag" value="') + len('name="etag" value="')
    etag = page.text[start : page.text.index('"', start + 6)].replace("&#34;", '"')
    return page.text, etag


def _post(
    client: FlaskClient,
    section: str,
    data: dict[str, Any],
    number: str = "G20580",
    language: str = "",
    etag: str | None = None,
) -> Any:
    html, read_etag = _open(client, section, number, language)
    form = {"csrf_token": csrf_token(html), "etag": read_etag if etag is None else etag, **data}
    return client.post(language + SECTION.format(number=number, section=section), data=form)


# -------------------------------------------------------------------- overview


def test_the_overview_shows_every_section_with_edit_links(client: FlaskClient) -> None:
    log_in(client, "G20580")
    page = client.get(HOME.format(number="G20580"))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page_text(page.text)
    for title in (
        "Beskrivelse og pædagogisk fokus",
        "Kontakt",
        "Åbningstider",
        "Lukkedage",
        "Madordning",
        "Ledige pladser",
        "Sprog",
        "Tilgængelighed",
    ):
        assert title in text
    for section in ("beskrivelse", "kontakt", "aabningstider", "lukkedage", "madordning"):
        assert f'href="/selvbetjening/institution/G20580/rediger/{section}"' in page.text
    assert 'href="/selvbetjening/institution/G20580/forhaandsvisning"' in page.text
    assert 'href="/selvbetjening/institution/G20580/historik"' in page.text
    assert "Ikke udfyldt endnu." in text
    assert 'id="on-behalf"' not in page.text


def test_the_overview_in_english(client: FlaskClient) -> None:
    log_in(client, "G20580", language="/en")
    page = client.get("/en" + HOME.format(number="G20580"))
    assert page.status_code == 200
    assert 'href="/en/selvbetjening/institution/G20580/rediger/kontakt"' in page.text
    assert "Opening hours" in page_text(page.text)


def test_not_signed_in_goes_to_login(client: FlaskClient) -> None:
    answer = client.get(HOME.format(number="G20580"))
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/log-ind")


def test_an_unknown_institution_is_404(client: FlaskClient) -> None:
    log_in(client, "admin")
    assert client.get(HOME.format(number="X99999")).status_code == 404
    assert client.get(HOME.format(number="not-a-number")).status_code == 404
    assert client.get(SECTION.format(number="G20580", section="nothing")).status_code == 404


# --------------------------------------------------------------- each section

SAVES = [
    (
        "beskrivelse",
        {"description": "Vi er ude hver dag.", "tags": ["musik", "natur_og_udeliv"]},
        {"description": "Vi er ude hver dag.", "tags": ["natur_og_udeliv", "musik"]},
    ),
    (
        "kontakt",
        {
            "leader_name": "Mette Vestergaard",
            "phone": "87 13 42 17",
            "email": "leder@boernely.dk",
            "website": "https://boernely.dk",
        },
        {
            "contact": {
                "leader_name": "Mette Vestergaard",
                "phone": "87 13 42 17",
                "email": "leder@boernely.dk",
                "website": "https://boernely.dk",
            }
        },
    ),
    (
        "aabningstider",
        {"opens-0": "06:30", "closes-0": "17:00", "opens-4": "6.30", "closes-4": "16:00"},
        {
            "opening_hours": [
                {"weekday": 0, "opens": "06:30", "closes": "17:00"},
                {"weekday": 4, "opens": "06:30", "closes": "16:00"},
            ]
        },
    ),
    (
        "lukkedage",
        {
            "closing-0-date": "2026-07-20",
            "closing-0-until": "2026-07-31",
            "closing-0-reason": "Sommerlukning",
            "closing-1-date": "24.12.2026",
        },
        {
            "closing_days": [
                {"date": "2026-07-20", "until": "2026-07-31", "reason": "Sommerlukning"},
                {"date": "2026-12-24", "until": None, "reason": None},
            ]
        },
    ),
    (
        "madordning",
        {
            "offered": "yes",
            "kind": "frokost",
            "price_per_month_dkk": "869",
            "organic_share_pct": "60",
            "kitchen": "eget_koekken",
            "diets": ["halal", "vegetar"],
        },
        {
            "meal_scheme": {
                "offered": True,
                "kind": "frokost",
                "diets": ["vegetar", "halal"],
                "price_per_month_dkk": 869.0,
                "kitchen": "eget_koekken",
                "organic_share_pct": 60,
            }
        },
    ),
    (
        "ledige-pladser",
        {"status-0-2": "waiting_list", "status-3-5": "yes", "from_month-3-5": "2026-08"},
        {
            "open_places": [
                {"age_group": "0-2", "status": "waiting_list", "from_month": None},
                {"age_group": "3-5", "status": "yes", "from_month": "2026-08"},
            ]
        },
    ),
    ("sprog", {"languages": ["ar", "en"]}, {"languages": ["en", "ar"]}),
    (
        "tilgaengelighed",
        {"accessibility": "Niveaufri adgang."},
        {"accessibility": "Niveaufri adgang."},
    ),
]


@pytest.mark.parametrize(("section", "data", "saved"), SAVES, ids=[s[0] for s in SAVES])
def test_every_section_saves(
    client: FlaskClient,
    profiles: FakeProfilesGateway,
    page_cache: RecordingPageCache,
    section: str,
    data: dict[str, Any],
    saved: dict[str, Any],
) -> None:
    log_in(client, "G20580")
    answer = _post(client, section, data)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/selvbetjening/institution/G20580?gemt={section}"
    stored = profiles.institutions["G20580"]
    for field, value in saved.items():
        assert stored[field] == value
    assert stored["version"] == 1
    # Only this section is sent, as a PATCH.
    assert page_cache.forgotten == ["/institution/G20580"]
    overview = client.get(answer.headers["Location"])
    assert 'id="saved-notice"' in overview.text
    assert "inden for få sekunder" in page_text(overview.text)
    assert 'href="/institution/G20580"' in overview.text
    assert "Sidst gemt" in page_text(overview.text)
    # The form shows what was saved.
    _html, etag = _open(client, section)
    assert etag == '"1"'


def test_a_section_saves_in_english_too(client: FlaskClient, profiles: FakeProfilesGateway) -> None:
    log_in(client, "G20580", language="/en")
    answer = _post(client, "sprog", {"languages": ["de"]}, language="/en")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/en/selvbetjening/institution/G20580?gemt=sprog"
    assert profiles.institutions["G20580"]["languages"] == ["de"]
    overview = client.get(answer.headers["Location"])
    assert "within seconds" in page_text(overview.text)


def test_emptying_a_section_clears_it(client: FlaskClient, profiles: FakeProfilesGateway) -> None:
    profiles.institutions["G20580"]["accessibility"] = "Trapper."
    log_in(client, "G20580")
    assert _post(client, "tilgaengelighed", {"accessibility": "  "}).status_code == 303
    assert profiles.institutions["G20580"]["accessibility"] is None


def test_the_closing_days_form_offers_empty_rows_without_script(client: FlaskClient) -> None:
    log_in(client, "G20580")
    html, _ = _open(client, "lukkedage")
    for row in range(3):
        assert f'id="field-closing-{row}-date"' in html
    assert 'src="/static/js/profile-form.js' in html
    assert 'for="field-closing-0-reason"' in html


def test_the_opening_hours_form_is_a_fieldset_per_weekday(client: FlaskClient) -> None:
    log_in(client, "G20580")
    html, _ = _open(client, "aabningstider")
    assert html.count('<fieldset class="opening-day"') == 7
    assert "<legend" in html
    assert "Søndag" in html


# ------------------------------------------------------------ own validation

OWN_MESSAGES = [
    (
        "aabningstider",
        {"opens-0": "08:0x", "closes-0": "16:00"},
        "opens-0",
        "Skriv et klokkeslæt som TT:MM, fx 07:30.",
        "Enter a time as HH:MM, e.g. 07:30.",
    ),
    (
        "aabningstider",
        {"opens-1": "16:00", "closes-1": "08:00"},
        "closes-1",
        "Lukketiden skal ligge efter åbningstiden.",
        "The closing time must be after the opening time.",
    ),
    (
        "aabningstider",
        {"opens-2": "08:00"},
        "closes-2",
        "Skriv både hvornår der åbner, og hvornår der lukker, eller lad begge felter stå tomme.",
        "Enter both when it opens and when it closes, or leave both fields empty.",
    ),
    (
        "aabningstider",
        {"opens-3-2": "13:00", "closes-3-2": "15:00"},
        "opens-3-2",
        "Udfyld dagens første tidsrum før det andet.",
        "Fill in the day's first period before the second.",
    ),
    (
        "aabningstider",
        {"opens-4": "07:00", "closes-4": "12:00", "opens-4-2": "11:00", "closes-4-2": "15:00"},
        "opens-4-2",
        "Det andet tidsrum skal begynde, når det første er slut.",
        "The second period must begin after the first has ended.",
    ),
    (
        "lukkedage",
        {"closing-0-date": "30.02.2026"},
        "closing-0-date",
        "Skriv en dato, fx 24.12.2026.",
        "Enter a date, e.g. 24.12.2026.",
    ),
    (
        "lukkedage",
        {"closing-0-reason": "Juleaften"},
        "closing-0-date",
        "Skriv hvilken dag der er lukket.",
        "Enter the day that is closed.",
    ),
    (
        "lukkedage",
        {"closing-0-date": "2026-07-20", "closing-0-until": "2026-07-01"},
        "closing-0-until",
        "Til og med-datoen må ikke ligge før den første lukkedag.",
        "The last day must not be before the first closing day.",
    ),
    (
        "lukkedage",
        {"closing-0-date": "2026-07-20", "closing-0-reason": "x" * 201},
        "closing-0-reason",
        "Skriv højst 200 tegn.",
        "Write at most 200 characters.",
    ),
    (
        "kontakt",
        {"phone": "12 34"},
        "phone",
        "Skriv et dansk telefonnummer med 8 cifre, fx 87 13 42 17.",
        "Enter a Danish phone number of 8 digits, e.g. 87 13 42 17.",
    ),
    (
        "kontakt",
        {"email": "leder"},
        "email",
        "Skriv en e-mailadresse, fx leder@institution.dk.",
        "Enter an email address, e.g. leder@institution.dk.",
    ),
    (
        "kontakt",
        {"website": "min side"},
        "website",
        "Skriv en webadresse, fx https://institution.dk.",
        "Enter a web address, e.g. https://institution.dk.",
    ),
    (
        "madordning",
        {"kind": "frokost"},
        "offered",
        "Vælg, om institutionen har en madordning.",
        "Choose whether the institution has a meal scheme.",
    ),
    (
        "madordning",
        {"offered": "yes"},
        "kind",
        "Vælg, hvilke måltider madordningen omfatter.",
        "Choose which meals the meal scheme includes.",
    ),
    (
        "madordning",
        {"offered": "yes", "kind": "frokost", "price_per_month_dkk": "gratis"},
        "price_per_month_dkk",
        "Skriv et beløb mellem 0 og 10.000 kr., fx 869.",
        "Enter an amount between 0 and 10,000 kr., e.g. 869.",
    ),
    (
        "madordning",
        {"offered": "yes", "kind": "frokost", "organic_share_pct": "120"},
        "organic_share_pct",
        "Skriv et helt tal mellem 0 og 100.",
        "Enter a whole number between 0 and 100.",
    ),
    (
        "ledige-pladser",
        {"status-3-5": "yes", "from_month-3-5": "august"},
        "from_month-3-5",
        "Skriv en måned som åååå-mm, fx 2026-08.",
        "Enter a month as yyyy-mm, e.g. 2026-08.",
    ),
    (
        "ledige-pladser",
        {"from_month-0-2": "2026-08"},
        "status-0-2",
        "Vælg, om der er ledige pladser, eller slet måneden.",
        "Choose whether there are open places, or delete the month.",
    ),
    (
        "sprog",
        {"languages": ["en", "klingon"]},
        "languages",
        "Vælg blandt mulighederne.",
        "Choose from the options.",
    ),
    (
        "beskrivelse",
        {"description": "x" * 4001},
        "description",
        "Skriv højst 4000 tegn.",
        "Write at most 4000 characters.",
    ),
    (
        "tilgaengelighed",
        {"accessibility": "x" * 501},
        "accessibility",
        "Skriv højst 500 tegn.",
        "Write at most 500 characters.",
    ),
]


@pytest.mark.parametrize("language", ["", "/en"])
@pytest.mark.parametrize(
    ("section", "data", "field", "danish", "english"),
    OWN_MESSAGES,
    ids=[f"{m[0]}-{m[2]}-{i}" for i, m in enumerate(OWN_MESSAGES)],
)
def test_own_validation_messages_in_both_languages(
    client: FlaskClient,
    profiles: FakeProfilesGateway,
    page_cache: RecordingPageCache,
    language: str,
    section: str,
    data: dict[str, Any],
    field: str,
    danish: str,
    english: str,
) -> None:
    log_in(client, "G20580", language=language)
    answer = _post(client, section, data, language=language)
    assert answer.status_code == 400
    message = english if language else danish
    html = answer.text
    # In the summary, linked to the field, and next to the field.
    assert f'href="#field-{field}"' in html
    assert f'id="error-{field}"' in html
    error = html[html.index(f'id="error-{field}"') :]
    assert message in page_text(error[: error.index("</span>", error.index("</span>") + 1)])
    start = html.index('id="error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert message in page_text(summary)
    assert 'aria-invalid="true"' in html
    # Nothing saved, nothing forgotten, what was typed stays.
    assert _edits(profiles) == []
    assert page_cache.forgotten == []
    for value in data.values():
        if isinstance(value, str) and value and len(value) < 100:
            assert value in page_text(html) or f'value="{value}"' in html


# ----------------------------------------------------------- profiles' reasons

REJECTED = [
    (
        "kontakt",
        {"website": "http://boernely.dk"},
        "website",
        "Brug en https-adresse.",
        "Use an https address.",
    ),
    (
        "aabningstider",
        {"opens-2": "04:30", "closes-2": "16:00"},
        "opens-2",
        "Åbningstiden ligger mellem 05:00 og 20:00.",
        "Opening hours are between 05:00 and 20:00.",
    ),
    (
        "aabningstider",
        {"opens-0": "07:00", "closes-0": "16:00", "opens-6": "08:00", "closes-6": "21:00"},
        "closes-6",
        "Åbningstiden ligger mellem 05:00 og 20:00.",
        "Opening hours are between 05:00 and 20:00.",
    ),
]


@pytest.mark.parametrize("language", ["", "/en"])
@pytest.mark.parametrize(("section", "data", "field", "danish", "english"), REJECTED)
def test_profiles_reasons_are_shown_per_field_in_both_languages(
    client: FlaskClient,
    profiles: FakeProfilesGateway,
    page_cache: RecordingPageCache,
    language: str,
    section: str,
    data: dict[str, Any],
    field: str,
    danish: str,
    english: str,
) -> None:
    log_in(client, "G20580", language=language)
    answer = _post(client, section, data, language=language)
    assert answer.status_code == 422
    message = english if language else danish
    other = danish if language else english
    assert f'href="#field-{field}"' in answer.text
    error = answer.text[answer.text.index(f'id="error-{field}"') :]
    assert message in error[:300]
    assert other not in answer.text
    assert profiles.institutions["G20580"]["version"] == 0
    assert page_cache.forgotten == []
    for value in data.values():
        assert f'value="{value}"' in answer.text


# ------------------------------------------------------------------------ CSRF


@pytest.mark.parametrize("section", [s[0] for s in SAVES])
def test_a_section_post_without_its_csrf_token_is_refused(
    client: FlaskClient, profiles: FakeProfilesGateway, section: str
) -> None:
    log_in(client, "G20580")
    _, etag = _open(client, section)
    data = dict(next(s[1] for s in SAVES if s[0] == section))
    answer = client.post(
        SECTION.format(number="G20580", section=section), data={"etag": etag, **data}
    )
    assert answer.status_code == 400
    assert _edits(profiles) == []
    assert profiles.institutions["G20580"]["version"] == 0


# ---------------------------------------------------------------- stale edits


def test_a_stale_edit_shows_the_other_version_and_saves_nothing(
    app: Flask, client: FlaskClient, profiles: FakeProfilesGateway, page_cache: RecordingPageCache
) -> None:
    log_in(client, "G20580")
    html, etag = _open(client, "kontakt")
    # Meanwhile the municipality saves the same section.
    other = app.test_client()
    log_in(other, "kommune751")
    assert _post(other, "kontakt", {"leader_name": "Kommunens Bud"}).status_code == 303
    page_cache.forgotten.clear()

    answer = client.post(
        SECTION.format(number="G20580", section="kontakt"),
        data={"csrf_token": csrf_token(html), "etag": etag, "leader_name": "Mette Vestergaard"},
    )
    assert answer.status_code == 409
    text = page_text(answer.text)
    assert "Nogen andre gemte institutionens oplysninger" in text
    comparison = answer.text[answer.text.index('id="stale-comparison"') :]
    assert "Kommunens Bud" in comparison
    assert "Mette Vestergaard" in comparison
    # The form holds what the user typed and the new version's ETag.
    assert 'value="Mette Vestergaard"' in answer.text
    assert 'name="etag" value="&#34;1&#34;"' in answer.text
    assert profiles.institutions["G20580"]["contact"]["leader_name"] == "Kommunens Bud"
    assert page_cache.forgotten == []

    # Saving again is a deliberate choice, and then it is saved.
    again = client.post(
        SECTION.format(number="G20580", section="kontakt"),
        data={"csrf_token": csrf_token(html), "etag": '"1"', "leader_name": "Mette Vestergaard"},
    )
    assert again.status_code == 303
    assert profiles.institutions["G20580"]["contact"]["leader_name"] == "Mette Vestergaard"


def test_a_stale_edit_in_english(
    app: Flask, client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "G20580", language="/en")
    html, etag = _open(client, "sprog", language="/en")
    profiles.institutions["G20580"]["version"] = 3
    answer = client.post(
        "/en" + SECTION.format(number="G20580", section="sprog"),
        data={"csrf_token": csrf_token(html), "etag": etag, "languages": ["de"]},
    )
    assert answer.status_code == 409
    assert "Someone else saved" in page_text(answer.text)
    assert profiles.institutions["G20580"]["languages"] == []


# -------------------------------------------------------------------- tenancy


def test_an_institution_cannot_open_or_save_another_ones_pages(
    client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "G20580")
    html, etag = _open(client, "kontakt")
    for path in (
        HOME.format(number="G20581"),
        SECTION.format(number="G20581", section="kontakt"),
        "/selvbetjening/institution/G20581/forhaandsvisning",
        "/selvbetjening/institution/G20581/historik",
    ):
        assert client.get(path).status_code == 403, path
    answer = client.post(
        SECTION.format(number="G20581", section="kontakt"),
        data={"csrf_token": csrf_token(html), "etag": etag, "leader_name": "Indtrænger"},
    )
    assert answer.status_code == 403
    assert _edits(profiles) == []
    assert profiles.institutions["G20581"]["version"] == 0


def test_the_municipality_edits_its_institutions_on_their_behalf(
    client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "kommune751")
    page = client.get(HOME.format(number="G20580"))
    assert page.status_code == 200
    assert "Du redigerer på vegne af Institution G20580 (G20580)." in page_text(page.text)
    assert _post(client, "sprog", {"languages": ["en"]}).status_code == 303
    assert profiles.institutions["G20580"]["languages"] == ["en"]


def test_another_municipality_gets_403(
    client: FlaskClient, accounts: FakeAccountsGateway, profiles: FakeProfilesGateway
) -> None:
    accounts.add("kommune101", role="municipality", municipality=101)
    log_in(client, "kommune101")
    assert client.get(HOME.format(number="G20580")).status_code == 403
    assert client.get(SECTION.format(number="G20580", section="sprog")).status_code == 403
    logout_page = client.get("/selvbetjening/adgangskode")
    answer = client.post(
        SECTION.format(number="G20580", section="sprog"),
        data={"csrf_token": csrf_token(logout_page.text), "etag": '"0"', "languages": ["en"]},
    )
    assert answer.status_code == 403
    assert _edits(profiles) == []


def test_an_admin_may_edit_any_institution(
    client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "admin")
    assert "på vegne af" in page_text(client.get(HOME.format(number="G20581")).text)
    assert _post(client, "sprog", {"languages": ["sv"]}, number="G20581").status_code == 303
    assert profiles.institutions["G20581"]["languages"] == ["sv"]


def test_dst_gets_403(client: FlaskClient) -> None:
    log_in(client, "dst")
    assert client.get(HOME.format(number="G20580")).status_code == 403
    assert client.get(SECTION.format(number="G20580", section="kontakt")).status_code == 403


# ------------------------------------------------------------------- read only


def test_a_closed_institution_is_read_only(
    client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "kommune751")
    overview = client.get(HOME.format(number="C75100"))
    assert overview.status_code == 200
    assert 'id="read-only-notice"' in overview.text
    assert "/rediger/" not in overview.text
    section = client.get(SECTION.format(number="C75100", section="kontakt"))
    assert section.status_code == 200
    assert 'id="read-only-notice"' in section.text
    assert 'id="section-form"' not in section.text
    answer = client.post(
        SECTION.format(number="C75100", section="kontakt"),
        data={"csrf_token": csrf_token(overview.text), "etag": '"0"', "leader_name": "X"},
    )
    assert answer.status_code == 409
    assert "kan ikke ændres" in page_text(answer.text)
    assert _edits(profiles) == []


# --------------------------------------------------------------- profiles away


def test_profiles_away_keeps_what_was_typed(
    client: FlaskClient, profiles: FakeProfilesGateway, page_cache: RecordingPageCache
) -> None:
    log_in(client, "G20580")
    html, etag = _open(client, "kontakt")
    profiles.down = True
    answer = client.post(
        SECTION.format(number="G20580", section="kontakt"),
        data={"csrf_token": csrf_token(html), "etag": etag, "leader_name": "Mette Vestergaard"},
    )
    assert answer.status_code == 503
    assert 'id="service-unavailable"' in answer.text
    assert 'value="Mette Vestergaard"' in answer.text
    assert page_cache.forgotten == []


def test_profiles_away_during_the_save_keeps_what_was_typed(
    client: FlaskClient, profiles: FakeProfilesGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in(client, "G20580")
    html, etag = _open(client, "tilgaengelighed")

    def away(*args: Any, **kwargs: Any) -> Any:
        from web.service_layer.profiles_gateway import ProfilesUnavailable

        raise ProfilesUnavailable("edit")

    monkeypatch.setattr(profiles, "edit_profile", away)
    answer = client.post(
        SECTION.format(number="G20580", section="tilgaengelighed"),
        data={"csrf_token": csrf_token(html), "etag": etag, "accessibility": "Rampe ved døren."},
    )
    assert answer.status_code == 503
    assert "Rampe ved døren." in answer.text
    assert 'id="institution-name"' in answer.text


def test_an_overview_with_profiles_away_is_the_polite_page(
    client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "G20580")
    profiles.down = True
    assert client.get(HOME.format(number="G20580")).status_code == 503


# ------------------------------------------------------------ preview, history


def test_the_preview_shows_a_just_saved_change(
    client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "G20580")
    assert _post(client, "beskrivelse", {"description": "Helt ny tekst."}).status_code == 303
    page = client.get("/selvbetjening/institution/G20580/forhaandsvisning")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert 'id="preview-banner"' in page.text
    assert "Helt ny tekst." in page.text
    # The rest is the parents' page: register facts and the municipality's figures.
    assert "Fakta fra dagtilbudsregisteret" in page_text(page.text)


def test_the_preview_of_an_institution_search_does_not_know(client: FlaskClient) -> None:
    log_in(client, "kommune751")
    page = client.get("/selvbetjening/institution/C75100/forhaandsvisning")
    assert page.status_code == 200
    assert 'id="preview-missing"' in page.text


def test_the_history_lists_changes_with_paging(
    client: FlaskClient, profiles: FakeProfilesGateway
) -> None:
    log_in(client, "G20580")
    empty = client.get("/selvbetjening/institution/G20580/historik")
    assert empty.status_code == 200
    assert 'id="history-empty"' in empty.text
    for n in range(22):
        assert _post(client, "tilgaengelighed", {"accessibility": f"Tekst {n}"}).status_code == 303
    page = client.get("/selvbetjening/institution/G20580/historik")
    assert page.text.count('class="history-change"') == 20
    assert "Dig" in page_text(page.text)
    assert "Tilgængelighed" in page_text(page.text)
    assert 'href="/selvbetjening/institution/G20580/historik?foer=3"' in page.text
    older = client.get("/selvbetjening/institution/G20580/historik?foer=3")
    assert older.text.count('class="history-change"') == 2
    assert 'id="history-newest"' in older.text
    english = client.get("/en/selvbetjening/institution/G20580/historik")
    assert "You" in page_text(english.text)


@pytest.mark.parametrize(
    ("refusal", "status"),
    [("login", 302), ("forbidden", 403), ("read_only", 409)],
)
def test_what_profiles_refuses_at_the_save(
    client: FlaskClient,
    profiles: FakeProfilesGateway,
    page_cache: RecordingPageCache,
    monkeypatch: pytest.MonkeyPatch,
    refusal: str,
    status: int,
) -> None:
    from web.service_layer.profiles_gateway import NotAllowed, ReadOnly

    log_in(client, "G20580")
    html, etag = _open(client, "tilgaengelighed")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        if refusal == "read_only":
            raise ReadOnly("G20580")
        raise NotAllowed(401 if refusal == "login" else 403)

    monkeypatch.setattr(profiles, "edit_profile", refuse)
    answer = client.post(
        SECTION.format(number="G20580", section="tilgaengelighed"),
        data={"csrf_token": csrf_token(html), "etag": etag, "accessibility": "Rampe."},
    )
    assert answer.status_code == status
    if refusal == "login":
        assert answer.headers["Location"].startswith("/log-ind?next=")
    if refusal == "read_only":
        assert 'id="read-only-notice"' in answer.text
    assert page_cache.forgotten == []
