"""The running system for a test module; a failing test shows what each of
its processes wrote."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.system.harness import PROCFILE_GUNICORN, System, start_system
from tests.system.portal import Portal, start_portal
from web.testing.browser import AXE_JS, BrowserGuard, page_opener, shared_chromium

# The tail of each process's output a failing test shows.
SHOWN_OUTPUT_CHARS = 20_000


@pytest.fixture(scope="module")
def system(
    request: pytest.FixtureRequest, postgres_url: str, kafka_bootstrap: str, redis_url: str
) -> Iterator[System]:
    """The system for the module's tests; a module may set ``PROFILES_GUNICORN``
    (profiles' gunicorn options; the Procfile's otherwise)."""
    options = getattr(request.module, "PROFILES_GUNICORN", PROCFILE_GUNICORN)
    with start_system(
        postgres_url, kafka_bootstrap, redis_url, profiles_gunicorn=options
    ) as running:
        yield running


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    running = getattr(item, "funcargs", {}).get("system")
    if report.failed and isinstance(running, System):
        for name, text in running.logs().items():
            report.sections.append((f"{name} output", text[-SHOWN_OUTPUT_CHARS:] or "(nothing)"))
    return report


# ------------------------------------------------ the whole portal, in a browser
# (tests/system/portal.py; the journeys in test_browser_journeys.py)
_PORTAL_GUARD = pytest.StashKey[BrowserGuard]()
PORTAL_ACTION_TIMEOUT_MS = 10_000

OpenPage = Callable[..., Page]


@pytest.fixture(scope="module")
def portal(postgres_url: str, kafka_bootstrap: str, redis_url: str) -> Iterator[Portal]:
    """Every service of the portal as processes, seeded with the shipped
    register and statistics, with a municipality user and a DST user; stopped
    after the module, so the crash tests that follow have the cores."""
    with start_portal(postgres_url, kafka_bootstrap, redis_url) as running:
        yield running


@pytest.hookimpl(wrapper=True, specname="pytest_runtest_makereport")
def pytest_runtest_makereport_portal(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    running = getattr(item, "funcargs", {}).get("portal")
    if report.failed and isinstance(running, Portal):
        for name, text in running.logs().items():
            report.sections.append((f"{name} output", text[-SHOWN_OUTPUT_CHARS:] or "(nothing)"))
    return report


@pytest.fixture(scope="session")
def portal_chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, shared with every browser test of this run."""
    with shared_chromium() as browser:
        yield browser


@pytest.fixture
def portal_guard(request: pytest.FixtureRequest) -> BrowserGuard:
    """This test's guard: every context ``open_page`` opens reports to it."""
    guard = BrowserGuard()
    request.node.stash[_PORTAL_GUARD] = guard
    return guard


@pytest.hookimpl(wrapper=True, specname="pytest_runtest_call")
def pytest_runtest_call_portal_guard(item: pytest.Item) -> Iterator[None]:
    """Fails a test whose pages tried to leave the machine, threw an
    uncaught error or broke the Content Security Policy."""
    result = yield
    guard = item.stash.get(_PORTAL_GUARD, None)
    if guard is not None and guard.problems():
        pytest.fail("\n".join(guard.problems()), pytrace=False)
    return result


@pytest.fixture
def open_page(
    portal_chromium: Browser, portal: Portal, portal_guard: BrowserGuard
) -> Iterator[OpenPage]:
    """``open_page(**options)``: a page in a fresh browser context (its own
    cookies: one person) on the portal's web service (relative URLs go to
    it), at desktop size, in Danish; options are Playwright's context options."""
    with page_opener(
        portal_chromium, portal.web_url, portal_guard, PORTAL_ACTION_TIMEOUT_MS
    ) as make:
        yield make


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run services/web/assets/build (make venv)")
    return AXE_JS.read_text(encoding="utf-8")
