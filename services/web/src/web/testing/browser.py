"""Machinery of the web service's browser tests (services/web/tests/browser):
the services under gunicorn, Debian's Chromium through Playwright, a guard
that keeps every request on the machine, axe-core and screenshots.

Playwright comes with the development requirements; only tests import this.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Route,
    ViewportSize,
    sync_playwright,
)

from dagkit.testing.procs import wait_for

# services/web/src/web/testing/browser.py: the repository is five folders up.
ROOT = Path(__file__).resolve().parents[5]
AXE_JS = ROOT / "services" / "web" / "assets" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCAL_HOSTS = {"127.0.0.1"}


# ------------------------------------------------------------------ servers
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """An HTTP app under gunicorn on a free loopback port, started and waited
    for until its /healthz answers. Its output goes to a file that a failed
    start shows."""

    def __init__(self, app: str, env: dict[str, str], workers: int = 2) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the process
            mode="w+", prefix="browser-server-", suffix=".log", delete=False
        )
        self.popen = subprocess.Popen(  # noqa: S603 - the test run's own interpreter
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                app,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            cwd=ROOT,
        )
        try:
            wait_for(
                lambda: self.popen.poll() is not None or self.get("/healthz")[0] == 200,
                timeout=30,
                what=f"{app} on {self.url}",
            )
            if self.popen.poll() is not None:
                raise RuntimeError(f"{app} did not start:\n{self.output()}")
        except BaseException:
            self.close()
            raise

    def get(self, path: str) -> tuple[int, bytes]:
        """Status and body of GET ``path``; status 0 when nothing answers."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:  # noqa: S310
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            return 0, b""

    def output(self) -> str:
        return Path(self.log.name).read_text()

    def close(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


# ------------------------------------------------------------------ browser
def is_local(url: str) -> bool:
    """Whether a request for ``url`` stays on this machine."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


@dataclass
class BrowserGuard:
    """What a test's pages did that fails the test: a request that would
    leave the machine (aborted before it does), an uncaught script error, a
    breach of the Content Security Policy."""

    offsite: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.route(lambda url: not is_local(url), self._abort)
        context.on("request", self._seen)
        context.on("page", self._watch)

    def _abort(self, route: Route) -> None:
        route.abort("blockedbyclient")

    def _seen(self, request: Request) -> None:
        if not is_local(request.url):
            self.offsite.append(f"{request.method} {request.url}")

    def _watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def problems(self) -> list[str]:
        return [
            *(f"a request would have left the machine: {r}" for r in self.offsite),
            *(f"uncaught error in the page: {e}" for e in self.page_errors),
            *(f"CSP violation: {v}" for v in self.csp_violations),
        ]


# -------------------------------------------------------------------- tools
Violation = dict[str, Any]

AXE_RUN = """async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.length,
        first: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
}"""


def run_axe(page: Page, axe_source: str) -> list[Violation]:
    """The page's WCAG 2.0/2.1 A and AA violations found by axe-core: each
    {id, impact, help, nodes: how many, first: the first three targets}.

    The script goes in through the DevTools protocol (``page.evaluate``),
    which the pages' CSP does not apply to; a script tag would be refused
    (no inline scripts). It needs a context with JavaScript on."""
    page.evaluate(axe_source)
    violations: list[Violation] = page.evaluate(AXE_RUN, AXE_TAGS)
    return violations


def take_screenshots(page: Page, folder: Path, name: str) -> list[Path]:
    """The whole page at desktop (1280x900) and phone (390x844) width, as
    ``<name>-desktop.png`` and ``<name>-phone.png`` in ``folder``; the page
    keeps the size it had."""
    folder.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    saved = []
    try:
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            path = folder / f"{name}-{label}.png"
            page.screenshot(path=str(path), full_page=True, animations="disabled")
            saved.append(path)
    finally:
        if before is not None:
            page.set_viewport_size(before)
    return saved


# ------------------------------------------------------------------ browser
_SHARED: dict[str, Any] = {}


@contextmanager
def shared_chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, through Playwright (no browser download),
    one per test process: Playwright's sync API allows one running instance
    per thread, and the parents' browser tests and the portal's journeys
    both hold theirs for the whole session. Closed when its last user is done."""
    if not Path(CHROMIUM).exists():
        raise AssertionError(f"{CHROMIUM} is missing: run deploy/local/browser (make browser)")
    if not _SHARED:
        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except BaseException:
            playwright.stop()
            raise
        _SHARED.update(playwright=playwright, browser=browser, users=0)
    _SHARED["users"] += 1
    try:
        yield _SHARED["browser"]
    finally:
        _SHARED["users"] -= 1
        if _SHARED["users"] == 0:
            try:
                _SHARED["browser"].close()
            finally:
                _SHARED["playwright"].stop()
                _SHARED.clear()


@contextmanager
def page_opener(
    browser: Browser, base_url: str, guard: BrowserGuard, timeout_ms: int
) -> Iterator[Callable[..., Page]]:
    """``open(**options)``: a page in a fresh browser context (its own
    cookies: one person) on ``base_url`` (relative URLs go to it), at desktop
    size, in Danish, watched by ``guard``; the options are Playwright's
    context options. Every context is closed at the end."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        settings: dict[str, Any] = {
            "base_url": base_url,
            "viewport": DESKTOP,
            "locale": "da-DK",
            "timezone_id": "Europe/Copenhagen",
            "service_workers": "block",
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(timeout_ms)
        guard.attach(context)
        contexts.append(context)
        return context.new_page()

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()
