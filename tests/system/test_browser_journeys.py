"""The pages behind login, in headless Chromium, across the whole portal
(tests/system/portal.py): every service as processes on PostgreSQL, Kafka
and Redis, seeded with the shipped register and statistics through ingest.

a) A municipality user issues a credential letter in the browser and the
   institution logs in with the password printed on it.
b) The institution saves its opening hours and open places in the forms, and
   its public page shows them within seconds (profiles -> relay -> Kafka ->
   search's consumer -> search -> web).
c) A Danmarks Statistik user uploads a statistics file, reads the dry run,
   runs it, follows its progress and report, and the new figure reaches the
   public municipality page (ingest's worker -> relay -> search).
d) Every page type behind login has no axe-core violations (WCAG 2.1 A and
   AA), and is photographed at desktop and phone width into
   artifacts/screenshots.

The session's cookie is the production one (``__Host-`` prefixed, Secure):
Chromium treats http://127.0.0.1 as a secure origin and keeps and sends it,
so the web runs with its default WEB_SESSION_COOKIE_SECURE.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton
from playwright.sync_api import Locator, Page, expect

from tests.system.portal import Login, Portal
from web.testing.browser import SCREENSHOTS, Violation, run_axe, take_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# What the ``open_page`` fixture (tests/system/conftest.py) is.
OpenPage = Callable[..., Page]

# An edit reaches the public page within seconds: profiles' relay, search's
# consumer and the page cache's hold on an edited institution's page.
PUBLIC_EDIT_TIMEOUT_S = 10.0
# A finished statistics import drops its municipalities' pages from the page
# cache (the import's page does it when it sees the import done), so the new
# figure shows within seconds although the page was cached before.
PUBLIC_FIGURE_TIMEOUT_S = 10.0
IMPORT_TIMEOUT_MS = 60_000
DANISH = ZoneInfo("Europe/Copenhagen")
# Passwords the letters of this module's journeys gave, by institution number.
LETTERS: dict[str, str] = {}


# ------------------------------------------------------------------ helpers
def log_in(page: Page, login: Login) -> None:
    """Through the login form, as a person would; waits for the page it leads to."""
    page.goto("/log-ind")
    page.get_by_label("Institutionsnummer eller brugernavn").fill(login.username)
    page.get_by_label("Adgangskode").fill(login.password)
    page.get_by_role("button", name="Log ind").click()
    expect(page.locator("#signed-in-as")).to_have_text(login.username)


def institution_login(portal: Portal, number: str) -> Login:
    """The password a journey's letter gave ``number``, else a new letter's."""
    if number not in LETTERS:
        LETTERS[number] = portal.issue_letters([number])[number]
    return Login(number, LETTERS[number])


def choose_letter(page: Page, number: str) -> None:
    """Ticks ``number``'s row in the letters form, with the mouse."""
    page.get_by_label(f"Nyt brev til Browsertest {number}").check()


def next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def until_shown(page: Page, path: str, shows: Callable[[Page], None], timeout_s: float) -> float:
    """Loads ``path`` again and again until ``shows(page)`` stops failing;
    the seconds it took. Fails with the last failure after ``timeout_s``."""
    started = time.monotonic()
    while True:
        page.goto(path)
        try:
            shows(page)
        except AssertionError:
            if time.monotonic() - started > timeout_s:
                raise
            page.wait_for_timeout(200)
        else:
            return time.monotonic() - started


def fieldset(page: Page, legend: str) -> Locator:
    return page.get_by_role("group", name=legend, exact=True)


def statistics_file(folder: Path, name: str, rows: list[str]) -> Path:
    """A statistics file in the portal's format (data/SOURCES.md, ingest's
    docs/formats.md): semicolon-separated, decimal commas."""
    path = folder / name
    header = "kommunekode;kommune;aar;andel_paedagogisk_uddannet_pct;kilde"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


class Scanner:
    """Runs axe-core on pages and photographs them; collects what axe finds."""

    def __init__(self, axe_source: str) -> None:
        self.axe_source = axe_source
        self.found: dict[str, list[Violation]] = {}

    def __call__(self, page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        violations = run_axe(page, self.axe_source)
        if violations:
            self.found[f"{name} ({page.url})"] = violations
        take_screenshots(page, SCREENSHOTS, f"portal-{name}")

    def assert_clean(self) -> None:
        """Fails naming every violation of every page scanned."""
        found = "\n".join(
            f"{page}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']} nodes, e.g. {v['first']}"
            for page, violations in self.found.items()
            for v in violations
        )
        assert not found, f"axe-core found violations:\n{found}"


@pytest.fixture
def scan(axe_source: str) -> Scanner:
    return Scanner(axe_source)


# ---------------------------------------------------------------- journeys
def test_municipality_issues_a_letter_and_the_institution_logs_in_with_it(
    portal: Portal, open_page: OpenPage
) -> None:
    number = portal.own_units[0]
    clerk = open_page()
    log_in(clerk, portal.municipality)
    expect(clerk).to_have_url(re.compile(rf"/selvbetjening/kommune/{portal.municipality_code}$"))

    clerk.get_by_role("link", name="Adgangsbreve til institutionerne").click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text("Adgangsbreve i Aarhus")
    choose_letter(clerk, number)
    clerk.get_by_role("button", name="Udskriv breve").click()

    expect(clerk.get_by_role("heading", level=1)).to_have_text("Adgangsbreve til udskrift")
    expect(clerk.locator("#letters-issued")).to_contain_text("Der er udstedt 1 nyt adgangsbrev.")
    letter = clerk.get_by_role(
        "region", name=f"Adgang til Dagtilbudsportalen for Browsertest {number}"
    )
    expect(letter).to_contain_text(f"Institutionsnummer {number}")
    expect(letter.locator(".letter-address")).to_contain_text("/log-ind")
    password = letter.locator('dt:text-is("Adgangskode") + dd .secret').inner_text().strip()
    assert len(password.replace(" ", "")) >= 16, "a letter's password is 16 symbols"
    LETTERS[number] = password

    institution = open_page()  # another browser: the institution's own
    log_in(institution, Login(number, password))
    expect(institution).to_have_url(re.compile(rf"/selvbetjening/institution/{number}$"))
    expect(institution.get_by_role("heading", level=1)).to_have_text("Institutionens oplysninger")
    expect(institution.locator("#institution-name")).to_contain_text(f"Browsertest {number}")


def test_institution_edits_reach_its_public_page_within_seconds(
    portal: Portal, open_page: OpenPage
) -> None:
    number = portal.own_units[0]
    # Forms behind login work without JavaScript: this editor's browser runs none.
    editor = open_page(java_script_enabled=False)
    log_in(editor, institution_login(portal, number))

    editor.get_by_role("link", name="Ret Åbningstider").click()
    hours = {
        "Mandag": ("06:30", "17:15"),
        "Tirsdag": ("06:30", "17:15"),
        "Fredag": ("06:45", "16:00"),
    }
    for day, (opens, closes) in hours.items():
        fieldset(editor, day).get_by_label("Åbner", exact=True).fill(opens)
        fieldset(editor, day).get_by_label("Lukker", exact=True).fill(closes)
    editor.get_by_role("button", name="Gem").click()
    expect(editor.locator("#saved-notice")).to_contain_text("Åbningstider er gemt.")

    editor.get_by_role("link", name="Ret Ledige pladser").click()
    from_month = next_month(datetime.now(DANISH).date())
    group = fieldset(editor, "0-2 år: ledige pladser")
    group.get_by_label("Ja, der er ledige pladser").check()
    editor.get_by_label("0-2 år: fra måned").fill(from_month.strftime("%Y-%m"))
    editor.get_by_role("button", name="Gem").click()
    expect(editor.locator("#saved-notice")).to_contain_text("Ledige pladser er gemt.")

    month = format_skeleton("yMMMM", from_month, locale="da")

    def shows_the_edit(page: Page) -> None:
        table = page.locator("table.opening-hours")
        for day, (opens, closes) in hours.items():
            expect(table.get_by_role("row", name=day), day).to_contain_text(
                f"{opens}–{closes}", timeout=100
            )
        expect(page.locator('.open-places-item[data-age-group="0-2"]')).to_contain_text(
            f"Ledige pladser fra {month}", timeout=100
        )

    parent = open_page()  # no login: a parent
    took = until_shown(parent, f"/institution/{number}", shows_the_edit, PUBLIC_EDIT_TIMEOUT_S)
    print(f"the edits were on the public page after {took:.1f} s")


def test_statistics_import_from_upload_to_the_municipality_page(
    portal: Portal, open_page: OpenPage, tmp_path: Path
) -> None:
    code = portal.municipality_code
    source = f"Browsertest {portal.run_id}"
    upload = statistics_file(
        tmp_path, "statistik-aarhus.csv", [f"{code};Aarhus;2023;61,3;{source}"]
    )
    parent = open_page()
    parent.goto(f"/kommune/{code}")  # now in the page cache
    expect(parent.get_by_role("heading", level=1)).to_contain_text("Aarhus")
    statistician = open_page()
    log_in(statistician, portal.dst)

    statistician.get_by_role("link", name=re.compile("^Indlæs filer")).click()
    expect(statistician.get_by_role("heading", level=1)).to_have_text("Indlæs filer")
    statistician.get_by_label(re.compile(r"^Fil\b")).set_input_files(upload)
    statistician.get_by_role("button", name="Prøvekør filen").click()

    expect(statistician.get_by_role("heading", level=1)).to_have_text(
        f"Prøvekørsel af {upload.name}", timeout=IMPORT_TIMEOUT_MS
    )
    expect(statistician.get_by_role("heading", name="Resultat af prøvekørslen")).to_be_visible(
        timeout=IMPORT_TIMEOUT_MS
    )
    changes = statistician.locator("#statistics-changes")
    expect(changes.get_by_role("row", name=re.compile("Aarhus"))).to_contain_text("2023")
    expect(changes).to_contain_text("61,3")

    statistician.get_by_role("button", name="Indlæs filen").click()
    expect(statistician.get_by_role("heading", level=1)).to_have_text(
        f"Indlæsning af {upload.name}"
    )
    expect(statistician.get_by_role("progressbar")).to_be_visible()
    expect(statistician.get_by_role("heading", name="Resultat", exact=True)).to_be_visible(
        timeout=IMPORT_TIMEOUT_MS
    )
    expect(statistician.locator("#report-summary")).to_be_visible()
    expect(statistician.locator("#statistics-changes")).to_contain_text("61,3")

    def shows_the_figure(page: Page) -> None:
        section = page.get_by_role("region", name="Pædagogisk uddannet personale")
        expect(section, "the indicator's section").to_contain_text(
            "Seneste tal (2023): 61,3", timeout=100
        )
        expect(section).to_contain_text(f"Kilde: {source}, 2023", timeout=100)

    took = until_shown(parent, f"/kommune/{code}", shows_the_figure, PUBLIC_FIGURE_TIMEOUT_S)
    print(f"the figure was on the public page after {took:.1f} s")


# ------------------------------------------------------------ accessibility
def test_institution_pages_pass_axe(portal: Portal, open_page: OpenPage, scan: Scanner) -> None:
    number = portal.own_units[1]
    page = open_page()
    page.goto("/log-ind")
    scan(page, "login")
    log_in(page, institution_login(portal, number))
    scan(page, "institution-overview")

    page.get_by_role("link", name="Ret Åbningstider").click()
    scan(page, "section-form")
    fieldset(page, "Mandag").get_by_label("Åbner", exact=True).fill("25:99")
    fieldset(page, "Mandag").get_by_label("Lukker", exact=True).fill("07:00")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("alert", name="Der er fejl i formularen")).to_be_visible()
    expect(page).to_have_title(re.compile("^Fejl: "))
    scan(page, "section-form-errors")

    page.goto(f"/selvbetjening/institution/{number}/rediger/beskrivelse")
    page.get_by_label("Beskrivelse", exact=True).fill("Et hus med have, tæt på åen.")
    page.get_by_role("button", name="Gem").click()
    expect(page.locator("#saved-notice")).to_be_visible()
    page.get_by_role("link", name="Se siden, som forældre ser den").click()
    scan(page, "preview")
    page.get_by_role("link", name="Tilbage til institutionens oplysninger").click()
    page.get_by_role("link", name="Ændringer", exact=True).click()
    expect(page.locator("tr.history-change")).not_to_have_count(0)
    scan(page, "history")
    page.get_by_role("link", name="Skift adgangskode").click()
    scan(page, "password-change")
    scan.assert_clean()


def test_municipality_pages_pass_axe(portal: Portal, open_page: OpenPage, scan: Scanner) -> None:
    code = portal.municipality_code
    page = open_page()
    log_in(page, portal.municipality)
    scan(page, "municipality-overview")

    page.get_by_role("link", name=re.compile("^Dagpleje")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dagpleje i Aarhus")
    scan(page, "dagpleje-districts")
    page.locator("#districts-table tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Dagpleje: "))
    scan(page, "dagpleje-district")

    page.goto(f"/selvbetjening/kommune/{code}/adgangsbreve")
    scan(page, "letters")
    choose_letter(page, portal.own_units[2])
    page.get_by_role("button", name="Udskriv breve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adgangsbreve til udskrift")
    scan(page, "letters-print")
    scan.assert_clean()


def test_import_pages_pass_axe(
    portal: Portal, open_page: OpenPage, scan: Scanner, tmp_path: Path
) -> None:
    page = open_page()
    log_in(page, portal.dst)
    scan(page, "account-home")
    page.get_by_role("link", name=re.compile("^Indlæs filer")).click()
    scan(page, "imports")

    # The figure as the shipped statistics has it: a dry run changes nothing.
    upload = statistics_file(
        tmp_path, "proevekoersel.csv", [f"{portal.municipality_code};Aarhus;2023;57,4;Prøve"]
    )
    page.get_by_label(re.compile(r"^Fil\b")).set_input_files(upload)
    page.get_by_role("button", name="Prøvekør filen").click()
    expect(page.get_by_role("heading", name="Resultat af prøvekørslen")).to_be_visible(
        timeout=IMPORT_TIMEOUT_MS
    )
    scan(page, "dry-run")

    page.get_by_role("link", name="Tilbage til indlæsningerne").click()
    page.locator("#import-history tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    scan(page, "import-detail")
    scan.assert_clean()


def test_admin_pages_pass_axe(portal: Portal, open_page: OpenPage, scan: Scanner) -> None:
    page = open_page()
    log_in(page, portal.admin)
    scan(page, "admin-home")
    page.get_by_role("link", name="Brugere i kommuner og Danmarks Statistik").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brugere")
    scan(page, "admin-users")
    scan.assert_clean()
