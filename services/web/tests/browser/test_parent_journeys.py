"""What a parent does on the portal, in a real browser: search by postcode,
filter, open an institution, build a shortlist, compare; the same without
JavaScript; the national map; "use my position"; and every page type
accessible (axe-core, WCAG 2.1 A/AA) and screenshotted at desktop and phone
width. No request leaves the machine (the fixtures fail a test that tries)."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from web.testing.browser import PHONE, ROOT, Server, Violation

pytestmark = pytest.mark.browser

AARHUS = {"latitude": 56.1572, "longitude": 10.2107}
FILTER_KIND, FILTER_LABEL = "boernehave", "børnehave"


def municipality_names() -> dict[str, str]:
    with (ROOT / "data" / "dagtilbud_kommune_statistik_2017_2023.csv").open(encoding="utf-8") as fh:
        return {row["kommunekode"]: row["kommune"] for row in csv.DictReader(fh, delimiter=";")}


@pytest.fixture(scope="module")
def aarhus_pair(search_server: Server) -> list[str]:
    """Two børnehaver near Aarhus C (8000), by institution number."""
    status, body = search_server.get(f"/v1/search?q=8000&kind={FILTER_KIND}")
    assert status == 200, body[:500]
    numbers = [hit["institution_number"] for hit in json.loads(body)["hits"]]
    assert len(numbers) >= 2, numbers
    return numbers[:2]


# ------------------------------------------------------------------ helpers
def search_by_postcode(page: Page, postcode: str) -> str:
    """From the front page, a search for ``postcode``; returns the result count's text."""
    page.goto("/")
    page.fill("#q", postcode)
    page.click("#search-submit")
    expect(page.locator("#results > li.result").first).to_be_visible()
    return page.locator("#result-count").inner_text()


def tick_filter(page: Page, name: str, value: str, *, javascript: bool) -> None:
    """Ticks a filter box; with JavaScript the form sends itself on the change
    (form[data-autosubmit]), without it the parent presses search."""
    box = page.locator(f'fieldset.filters input[name="{name}"][value="{value}"]')
    if not box.is_visible():  # filters folded away in a <details>
        page.locator("details:has(fieldset.filters) > summary").click()
    autosubmit = javascript and page.locator("#search-form[data-autosubmit]").count() == 1
    if autosubmit:
        with page.expect_navigation():
            box.check()
    else:
        box.check()
        page.click("#search-submit")
    expect(page.locator("#results")).to_be_visible()


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def parent_journey(page: Page, *, javascript: bool) -> None:
    before = search_by_postcode(page, "8000")
    tick_filter(page, "kind", FILTER_KIND, javascript=javascript)
    assert query(page.url).get("kind") == [FILTER_KIND]
    after = page.locator("#result-count").inner_text()
    assert after != before, "the count did not change with the filter"
    results = page.locator("#results > li.result")
    assert results.count() > 0
    for text in results.all_inner_texts():
        assert FILTER_LABEL in text.lower(), f"a result that is no {FILTER_LABEL}: {text!r}"

    # The first result's page, and onto the shortlist from there.
    first = results.first
    first_number = first.get_attribute("data-institution") or ""
    assert first_number
    first_name = first.locator("a.result-name").inner_text().strip()
    first.locator("a.result-name").click()
    assert urlsplit(page.url).path == f"/institution/{first_number}"
    expect(page.locator("h1")).to_have_text(first_name)
    page.locator("a.shortlist-add").first.click()
    assert first_number in ",".join(query(page.url).get("liste", [])), page.url

    # Back to the results (the list travels along), a second one onto it.
    page.click("#back-to-search")
    expect(page.locator("#results > li.result").first).to_be_visible()
    assert query(page.url).get("kind") == [FILTER_KIND], "the search was not kept"
    second = page.locator("#results > li.result:has(a.shortlist-add)").first
    second_number = second.get_attribute("data-institution") or ""
    second_name = second.locator("a.result-name").inner_text().strip()
    assert second_number
    assert second_number != first_number
    second.locator("a.shortlist-add").click()
    liste = ",".join(query(page.url).get("liste", []))
    assert first_number in liste, page.url
    assert second_number in liste, page.url

    # The shortlist offers its shareable link and the comparison of both.
    shortlist = page.locator("#shortlist")
    share = shortlist.locator("a#shortlist-link").get_attribute("href") or ""
    assert urlsplit(share).path == "/liste"
    assert {first_number, second_number} <= set(",".join(query(share)["ids"]).split(","))
    shortlist.locator("a#compare-link").click()
    assert urlsplit(page.url).path == "/sammenlign"
    table = page.locator("table#compare-table")
    expect(table).to_contain_text(first_name)
    expect(table).to_contain_text(second_name)


# ----------------------------------------------------------------- journeys
def test_search_filter_open_shortlist_and_compare(page: Page) -> None:
    parent_journey(page, javascript=True)


def test_the_same_journey_without_javascript(page_without_js: Page) -> None:
    parent_journey(page_without_js, javascript=False)
    # Without JavaScript there is no position button to press.
    page_without_js.goto("/")
    expect(page_without_js.locator("#use-position")).to_be_hidden()


def test_open_places_filter_finds_only_fresh_open_places(page: Page) -> None:
    """Search counts a report of open places for 30 days: with the filter, every
    result says it has open places for the age group, none says stale."""
    search_by_postcode(page, "8000")
    tick_filter(page, "open_places", "3-5", javascript=True)
    assert query(page.url).get("open_places") == ["3-5"]
    results = page.locator("#results > li.result")
    assert results.count() > 0
    places = results.locator(".result-open-places")
    assert places.count() == results.count()
    for text in places.all_inner_texts():
        assert "3-5 år: Ledige pladser" in text, text
        assert "3-5 år: Oplyst for mere end" not in text, text


def test_national_map_leads_to_a_municipality(page: Page) -> None:
    names = municipality_names()
    page.goto("/kommuner")
    page.locator('svg#choropleth a.municipality-area[href$="/kommune/751"]').click()
    assert urlsplit(page.url).path == "/kommune/751"
    expect(page.locator("h1")).to_contain_text(names["751"])


def test_national_map_shows_every_municipality_and_only_those(page: Page) -> None:
    names = municipality_names()
    page.goto("/kommuner")
    linked = page.locator("svg#choropleth a.municipality-area").evaluate_all(
        "areas => areas.map((a) => a.getAttribute('href'))"
    )
    codes = {href.rsplit("/", 1)[-1] for href in linked}
    assert codes - set(names) == set(), "areas on the map that are no municipality"
    assert set(names) - codes == set(), "municipalities missing from the map"
    assert len(linked) == len(names) == 98


def test_use_my_position_searches_around_it(new_page: Callable[..., Page]) -> None:
    page = new_page(geolocation=AARHUS, permissions=["geolocation"])
    page.goto("/")
    button = page.locator("#use-position")
    expect(button).to_be_visible()
    with page.expect_navigation():
        button.click()
    asked = query(page.url)
    assert (asked["lat"], asked["lon"]) == (["56.15720"], ["10.21070"]), page.url
    assert "q" not in asked
    expect(page.locator("#results > li.result").first).to_be_visible()


def test_refused_position_says_so(new_page: Callable[..., Page]) -> None:
    page = new_page()  # no permission: the browser refuses the position
    page.goto("/")
    button = page.locator("#use-position")
    button.click()
    message = button.get_attribute("data-error") or ""
    assert message
    expect(page.locator("#position-error")).to_have_text(message)


def test_next_page_shows_further_results(page: Page) -> None:
    search_by_postcode(page, "8000")
    first_page = page.locator("#results > li.result").evaluate_all(
        "items => items.map((li) => li.dataset.institution)"
    )
    page.click("a#next-page")
    second_page = page.locator("#results > li.result").evaluate_all(
        "items => items.map((li) => li.dataset.institution)"
    )
    assert second_page
    assert not set(first_page) & set(second_page)


def test_language_switch_leads_to_the_english_page(page: Page) -> None:
    search_by_postcode(page, "8000")
    page.click("a#language-switch")
    assert urlsplit(page.url).path.startswith("/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("#results > li.result").first).to_be_visible()
    page.click("a#language-switch")
    assert page.locator("html").get_attribute("lang") == "da"


# ------------------------------------------------- every page type, checked
def page_types(pair: list[str]) -> dict[str, str]:
    ids = ",".join(pair)
    return {
        "front": "/",
        "results": "/?q=8000",
        "institution": f"/institution/{pair[0]}",
        "compare": f"/sammenlign?ids={ids}",
        "shortlist": f"/liste?ids={ids}",
        "municipality": "/kommune/751",
        "municipalities": "/kommuner",
        "about": "/om-data",
        "results-en": "/en/?q=8000",
    }


PAGE_TYPES = list(page_types(["G00000", "G00001"]))


def open_page_type(page: Page, pair: list[str], name: str) -> None:
    response = page.goto(page_types(pair)[name])
    assert response is not None, name
    assert response.status == 200, f"{name}: {response.status}"
    if name.startswith("results"):
        expect(page.locator("#results > li.result").first).to_be_visible()


def readable(violations: list[Violation]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}, {v['nodes']} elements): {v['help']};"
        f" e.g. {', '.join(v['first'])}"
        for v in violations
    )


@pytest.mark.parametrize("name", PAGE_TYPES)
def test_page_type_has_no_accessibility_violations(
    page: Page, aarhus_pair: list[str], axe: Callable[[Page], list[Violation]], name: str
) -> None:
    open_page_type(page, aarhus_pair, name)
    violations = axe(page)
    assert violations == [], f"{name}:\n{readable(violations)}"


@pytest.mark.parametrize("name", PAGE_TYPES)
def test_page_type_screenshots(
    page: Page,
    aarhus_pair: list[str],
    screenshot: Callable[[Page, str], list[Path]],
    name: str,
) -> None:
    open_page_type(page, aarhus_pair, name)
    for path in screenshot(page, name):
        assert path.stat().st_size > 0
    # Nothing wider than a phone's screen but what scrolls in its own box.
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than a phone"


def test_the_results_page_weighs_under_100_kb(page: Page) -> None:
    """HTML, CSS and JavaScript of a results page, each gzip'd, under 100 KB."""
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto("/?q=8000")
    page.wait_for_load_state("networkidle")
    sizes = {
        r.url: len(gzip.compress(r.body(), 6))
        for r in responses
        if r.request.resource_type in ("document", "stylesheet", "script")
    }
    kinds = {r.request.resource_type for r in responses}
    assert {"document", "stylesheet", "script"} <= kinds, sizes
    assert sum(sizes.values()) < 100_000, sizes
