"""The web app on an in-memory search and no page cache: every page, both
languages, without any server."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from web.adapters.upload_store import MemoryUploadStore
from web.app import create_app
from web.config import load_settings
from web.service_layer.context import WebContext
from web.testing.fakes import (
    SHIPPED_BOUNDARIES,
    FakeAccountsGateway,
    FakeClock,
    FakeImportsGateway,
    FakeProfilesGateway,
    FakeSearchGateway,
    RecordingPageCache,
)
from web.testing.sessions import fake_verifier, use_memory_sessions


@pytest.fixture
def search() -> FakeSearchGateway:
    return FakeSearchGateway()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def accounts() -> FakeAccountsGateway:
    return FakeAccountsGateway()


@pytest.fixture
def profiles(accounts: FakeAccountsGateway) -> FakeProfilesGateway:
    return FakeProfilesGateway(accounts)


@pytest.fixture
def imports(accounts: FakeAccountsGateway) -> FakeImportsGateway:
    return FakeImportsGateway(accounts)


@pytest.fixture
def page_cache() -> RecordingPageCache:
    return RecordingPageCache()


@pytest.fixture
def uploads() -> MemoryUploadStore:
    return MemoryUploadStore()


@pytest.fixture
def app(
    search: FakeSearchGateway,
    clock: FakeClock,
    accounts: FakeAccountsGateway,
    profiles: FakeProfilesGateway,
    imports: FakeImportsGateway,
    uploads: MemoryUploadStore,
    page_cache: RecordingPageCache,
    tmp_path: Path,
) -> Flask:
    settings = load_settings(
        {"LOG_LEVEL": "WARNING", "DATA_DIR": str(tmp_path), "WEB_ACCOUNT_CHECK_SECONDS": "0"}
    )
    ctx = WebContext(
        search=search,
        page_cache=page_cache,
        boundaries=SHIPPED_BOUNDARIES,
        today=clock,
        accounts=accounts,
        profiles=profiles,
        imports=imports,
        verify_token=fake_verifier(accounts),
        uploads=uploads,
    )
    app = create_app(settings, ctx=ctx)
    app.config["TESTING"] = True
    use_memory_sessions(app)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def page_text(html: str) -> str:
    """The visible words of a page, whitespace collapsed (for 'says X' asserts)."""
    import re
    from html import unescape

    without_tags = re.sub(r"<[^>]+>", " ", html)
    return " ".join(unescape(without_tags).split())


def link_of(html: str, marker: str) -> str:
    """The address of the first link written as ``<a {marker} href="...">``, unescaped."""
    from html import unescape

    prefix = f'{marker} href="'
    start = html.index(prefix) + len(prefix)
    return unescape(html[start : html.index('"', start)])


TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "web" / "templates"


def render(source: str, **context: object) -> str:
    """A template snippet rendered as the app configures Jinja: autoescape on,
    block tags trimmed (for the chart and map macros)."""
    from jinja2 import Environment, FileSystemLoader

    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    return env.from_string(source).render(**context)


def parse(html: str) -> ET.Element:
    """A macro's output must be well-formed XML, not just tolerable HTML."""
    return ET.fromstring(f"<root>{html}</root>")
