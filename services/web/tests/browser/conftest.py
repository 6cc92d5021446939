"""Fixtures of the web service's browser tests: real pages in headless Chromium.

Debian's ``chromium`` (``deploy/local/browser`` installs it; Playwright's
Python package drives it and never downloads a browser of its own) opens the
web service running under gunicorn, which asks the search service, also under
gunicorn, whose read model on the test PostgreSQL holds the whole shipped
register (4,611 units), the statistics of all 98 municipalities and generated
profiles (opening hours, meal schemes, tags) for every third unit. Each test
gets fresh browser contexts; a request that is not for 127.0.0.1 is aborted,
and a test during which one was tried fails, as does one whose page threw an
uncaught error or broke the Content Security Policy (web.testing.browser).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, Page

from dagkit.testing.fixtures import temporary_database
from dagkit.testing.infra import redis_database
from search.testing.events import load_shipped_data
from web.testing.browser import (
    AXE_JS,
    ROOT,
    SCREENSHOTS,
    BrowserGuard,
    Server,
    Violation,
    page_opener,
    run_axe,
    shared_chromium,
    take_screenshots,
)

DATA = ROOT / "data"
# Redis databases of their own (the other tests use 1, the bench 2), emptied
# before and after.
SEARCH_REDIS_DB, WEB_REDIS_DB = 3, 4
ACTION_TIMEOUT_MS = 10_000
_GUARD = pytest.StashKey[BrowserGuard]()

NewPage = Callable[..., Page]


# ------------------------------------------------------------------ servers
@pytest.fixture(scope="session")
def browser_read_model(postgres_url: str) -> Iterator[str]:
    """A fresh search read model: the shipped register, every municipality's
    statistics and generated profiles for every third unit, so each filter
    finds something."""
    with temporary_database(postgres_url, "test_browser") as url:
        load_shipped_data(url)
        yield url


@contextmanager
def _served(
    app: str, redis_url: str, redis_db: int, data_dir: Path, env: dict[str, str]
) -> Iterator[Server]:
    """``app`` under gunicorn on a Redis database of its own, emptied before and after."""
    own_redis = redis_database(redis_url, redis_db)
    client = redis.Redis.from_url(own_redis)
    client.flushdb()
    common = {
        "REDIS_URL": own_redis,
        "REFERENCE_DATA_DIR": str(DATA),
        "DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
    }
    server = Server(app, {**common, **env})
    try:
        yield server
    finally:
        server.close()
        client.flushdb()
        client.close()


@pytest.fixture(scope="session")
def search_server(
    browser_read_model: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """search's HTTP app under gunicorn, on the browser tests' read model."""
    with _served(
        "search.entrypoints.wsgi:app",
        redis_url,
        SEARCH_REDIS_DB,
        tmp_path_factory.mktemp("search-data"),
        {"DATABASE_URL": browser_read_model, "SEARCH_CURSOR_SECRET": secrets.token_hex(32)},
    ) as server:
        yield server


@pytest.fixture(scope="session")
def web_server(
    search_server: Server, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The web service under gunicorn, asking ``search_server``."""
    with _served(
        "web.entrypoints.wsgi:app",
        redis_url,
        WEB_REDIS_DB,
        tmp_path_factory.mktemp("web-data"),
        {"SEARCH_URL": search_server.url, "DATABASE_URL": ""},
    ) as server:
        yield server


# ------------------------------------------------------------------ browser
@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, shared with every browser test of this run."""
    with shared_chromium() as browser:
        yield browser


@pytest.fixture
def browser_guard(request: pytest.FixtureRequest) -> BrowserGuard:
    """This test's guard: every context ``new_page`` opens reports to it."""
    guard = BrowserGuard()
    request.node.stash[_GUARD] = guard
    return guard


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fails a browser test whose pages did what BrowserGuard watches for."""
    result = yield
    guard = item.stash.get(_GUARD, None)
    if guard is not None and guard.problems():
        pytest.fail("\n".join(guard.problems()), pytrace=False)
    return result


@pytest.fixture
def new_page(
    chromium: Browser, web_server: Server, browser_guard: BrowserGuard
) -> Iterator[NewPage]:
    """``new_page(**options)`` opens a page in a fresh browser context on the
    web service (relative URLs go to it), at desktop size, in Danish; the
    options are Playwright's context options, e.g. ``java_script_enabled=False``
    or ``geolocation=...`` with ``permissions=["geolocation"]``."""
    with page_opener(chromium, web_server.url, browser_guard, ACTION_TIMEOUT_MS) as make:
        yield make


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A page with JavaScript on, at desktop size."""
    return new_page()


@pytest.fixture
def page_without_js(new_page: NewPage) -> Page:
    """A page whose browser runs no JavaScript at all."""
    return new_page(java_script_enabled=False)


# -------------------------------------------------------------------- tools
@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run services/web/assets/build (make venv)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source: str) -> Callable[[Page], list[Violation]]:
    """``axe(page)``: the page's WCAG 2.0/2.1 A and AA violations (axe-core);
    [] when there are none."""
    return lambda page: run_axe(page, axe_source)


@pytest.fixture
def screenshot() -> Callable[[Page, str], list[Path]]:
    """``screenshot(page, name)``: the whole page at desktop and phone width,
    as artifacts/screenshots/<name>-desktop.png and <name>-phone.png."""
    return lambda page, name: take_screenshots(page, SCREENSHOTS, name)
