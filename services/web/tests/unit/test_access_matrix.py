"""Every page behind login × every kind of visitor, in one table.

The table names each registered page; a page added without a row here fails
``test_every_page_behind_login_is_in_the_table``, so none can ship without
its access decided. Who may open a page is judged from the verified token
and the backing service's answer (the profile's municipality), never from
the address alone: an institution changing the number in the URL, or a
municipality user changing the code, gets 403, and a POST by someone not
allowed changes nothing anywhere.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from web.api.routing import ROUTES, self_service_modules
from web.testing.fakes import FakeAccountsGateway, FakeImportsGateway, FakeProfilesGateway
from web.testing.sessions import csrf_token, log_in

self_service_modules()  # the pages declare their routes when imported

# Who visits: username (None: signed out).
VISITORS = {
    "signed_out": None,
    "own_institution": "G20580",
    "other_institution": "G20581",  # same municipality, another institution
    "own_municipality": "kommune751",
    "other_municipality": "kommune101",
    "dst": "dst",
    "admin": "admin",
}
EVERYONE = frozenset(VISITORS) - {"signed_out"}
INSTITUTION_EDITORS = frozenset({"own_institution", "own_municipality", "admin"})
MUNICIPALITY = frozenset({"own_municipality", "admin"})
IMPORTERS = frozenset({"dst", "admin"})
ADMINS = frozenset({"admin"})

UNKNOWN_IMPORT = "00000000-0000-4000-8000-000000000000"
# endpoint -> (an address of it, who may open it). The institution is
# G20580 and the municipality Aarhus (751), both "own".
PAGES: dict[str, tuple[str, frozenset[str]]] = {
    "account_home": ("/selvbetjening", EVERYONE),
    "change_password": ("/selvbetjening/adgangskode", EVERYONE),
    "institution_home": ("/selvbetjening/institution/G20580", INSTITUTION_EDITORS),
    "institution_section": (
        "/selvbetjening/institution/G20580/rediger/aabningstider",
        INSTITUTION_EDITORS,
    ),
    "institution_preview": (
        "/selvbetjening/institution/G20580/forhaandsvisning",
        INSTITUTION_EDITORS,
    ),
    "institution_history": ("/selvbetjening/institution/G20580/historik", INSTITUTION_EDITORS),
    "municipality_home": ("/selvbetjening/kommune/751", MUNICIPALITY),
    "municipality_choice": ("/selvbetjening/kommuner", ADMINS),
    "dagpleje_districts": ("/selvbetjening/kommune/751/dagpleje", MUNICIPALITY),
    "dagpleje_district": ("/selvbetjening/kommune/751/dagpleje/D75100", MUNICIPALITY),
    "letters": ("/selvbetjening/kommune/751/adgangsbreve", MUNICIPALITY),
    "imports": ("/selvbetjening/indlaesninger", IMPORTERS),
    "import_dry_run": ("/selvbetjening/indlaesninger/proevekoersel", IMPORTERS),
    "import_run": ("/selvbetjening/indlaesninger/koer", IMPORTERS),
    "import_detail": (
        "/selvbetjening/indlaesninger/00000000-0000-4000-8000-000000000000",
        IMPORTERS,
    ),
    "import_progress": (
        "/selvbetjening/indlaesninger/00000000-0000-4000-8000-000000000000/status",
        IMPORTERS,
    ),
    "users": ("/selvbetjening/brugere", ADMINS),
}
# Open to anyone: logging in and out are tested in test_signing_in.
OPEN = {"login", "logout"}
# What a POST changes, by the fakes' names for their calls.
WRITES = {
    "edit_profile",
    "report_dagpleje",
    "issue_letters",
    "create_user",
    "upload",
    "change_password",
}


@pytest.fixture(autouse=True)
def other_municipality_user(accounts: FakeAccountsGateway) -> None:
    accounts.add("kommune101", role="municipality", municipality=101)


def test_every_page_behind_login_is_in_the_table() -> None:
    registered = {route.endpoint for route in ROUTES}
    assert registered - OPEN == set(PAGES)


def _visit(client: FlaskClient, visitor: str) -> None:
    username = VISITORS[visitor]
    if username is not None:
        log_in(client, username)


@pytest.mark.parametrize("language", ["", "/en"])
@pytest.mark.parametrize("visitor", sorted(VISITORS))
def test_who_may_open_each_page(client: FlaskClient, visitor: str, language: str) -> None:
    """One login per visitor, then every page: what each answered, against
    what the table says it may."""
    _visit(client, visitor)
    wrong = []
    for endpoint, (path, allowed) in sorted(PAGES.items()):
        answer = client.get(language + path)
        location = answer.headers.get("Location", "")
        if visitor == "signed_out":
            ok = answer.status_code == 302 and location.startswith(f"{language}/log-ind?next=")
        elif visitor in allowed:
            # The page, a redirect onwards (to the role's own start page, or
            # a POST-only address back to its form) or the backing service's
            # 404 for a made-up import; never a refusal or the login page.
            ok = answer.status_code in (200, 302, 303, 404) and "/log-ind" not in location
        else:
            ok = answer.status_code == 403
        stored = answer.headers.get("Cache-Control") == "no-store"
        if not ok or not (stored or answer.status_code in (302, 303)):
            wrong.append(f"{endpoint}: {answer.status_code} {location}".strip())
    assert wrong == []


POSTS = sorted(
    {route.endpoint for route in ROUTES if "POST" in route.methods} - OPEN - {"change_password"}
)


# Each area's own tests post its forms as the allowed; here, everyone else.
REFUSED_POSTS = [
    (endpoint, visitor)
    for endpoint in POSTS
    for visitor in sorted(VISITORS)
    if visitor not in PAGES[endpoint][1]
]


@pytest.mark.parametrize(("endpoint", "visitor"), REFUSED_POSTS)
def test_a_post_by_someone_not_allowed_changes_nothing(
    client: FlaskClient,
    accounts: FakeAccountsGateway,
    profiles: FakeProfilesGateway,
    imports: FakeImportsGateway,
    endpoint: str,
    visitor: str,
) -> None:
    path = PAGES[endpoint][0]
    _visit(client, visitor)
    # A valid CSRF token of this session, so only the access check can refuse.
    token = (
        csrf_token(client.get("/selvbetjening/adgangskode").text)
        if VISITORS[visitor]
        else csrf_token(client.get("/log-ind").text)
    )
    before = {name: len(fake.calls) for name, fake in _fakes(accounts, profiles, imports)}
    answer = client.post(
        path,
        data={
            "csrf_token": token,
            "etag": '"0"',
            "description": "Overtaget",
            "opens_0_0": "06:00",
            "closes_0_0": "17:00",
            "childminder_count": "3",
            "numbers": "G20580",
            "alle": "true",
            "username": "ny.bruger",
            "role": "municipality",
            "municipality_code": "751",
        },
    )
    assert answer.status_code in (302, 403)
    if visitor == "signed_out":
        assert "/log-ind" in answer.headers["Location"]
    for name, fake in _fakes(accounts, profiles, imports):
        written = [call for call, _ in fake.calls[before[name] :] if call in WRITES]
        assert written == [], f"{name} was asked to {written}"


def _fakes(
    accounts: FakeAccountsGateway, profiles: FakeProfilesGateway, imports: FakeImportsGateway
) -> list[tuple[str, FakeAccountsGateway | FakeProfilesGateway | FakeImportsGateway]]:
    return [("auth", accounts), ("profiles", profiles), ("ingest", imports)]
