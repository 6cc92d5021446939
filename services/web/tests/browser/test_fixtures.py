"""The browser tests' own machinery: search answers from the loaded read
model, the web service is up and serves the built assets, Chromium opens it,
a request off the machine is stopped, screenshots are saved."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from web.testing.browser import ROOT, BrowserGuard, Server

pytestmark = pytest.mark.browser

STATIC = ROOT / "services" / "web" / "src" / "web" / "static"


def test_search_answers_from_the_whole_register(search_server: Server) -> None:
    status, body = search_server.get("/v1/search?q=8000&radius_km=2")
    assert status == 200, body[:500]
    assert json.loads(body)["total"] > 0
    status, body = search_server.get("/v1/municipalities")
    assert status == 200, body[:500]
    assert len(json.loads(body)["municipalities"]) == 98


def test_web_is_up(web_server: Server) -> None:
    status, body = web_server.get("/healthz")
    assert status == 200, body[:500]


def test_chromium_opens_the_web_service_and_its_assets(page: Page) -> None:
    response = page.goto("/healthz")
    assert response is not None
    assert response.status == 200
    for path in ("/static/dist/portal.css", "/static/js/portal.js"):
        response = page.goto(path)
        assert response is not None, path
        assert response.status == 200, path


def test_the_stylesheet_and_the_script_stay_small() -> None:
    css = (STATIC / "dist" / "portal.css").read_bytes()
    js = (STATIC / "js" / "portal.js").read_bytes()
    assert len(gzip.compress(css, 9)) <= 40_000
    assert len(js) <= 3_000


def test_a_request_off_the_machine_is_stopped(page: Page, browser_guard: BrowserGuard) -> None:
    # A page without the portal's CSP (which would refuse it first) asks for
    # an image from elsewhere.
    page.set_content('<img alt="" src="https://example.org/pixel.png">')
    page.wait_for_load_state("load")
    assert browser_guard.offsite == ["GET https://example.org/pixel.png"]
    browser_guard.offsite.clear()  # seen here; any other fails the test


def test_the_guard_sees_what_the_csp_refuses(page: Page, browser_guard: BrowserGuard) -> None:
    page.goto("/healthz")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("() => fetch('https://example.org/').catch(() => null)")
    assert browser_guard.csp_violations, "the web service's CSP let a fetch elsewhere through"
    browser_guard.csp_violations.clear()  # seen here; any other fails the test


def test_screenshots_land_in_artifacts(
    page: Page, screenshot: Callable[[Page, str], list[Path]]
) -> None:
    page.goto("/healthz")
    saved = screenshot(page, "fixture-healthz")
    assert [p.name for p in saved] == ["fixture-healthz-desktop.png", "fixture-healthz-phone.png"]
    assert all(p.stat().st_size > 0 for p in saved)
