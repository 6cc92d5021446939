"""Headers every page carries: security, compression, caching of static files."""

from __future__ import annotations

import gzip

import pytest
from flask import Flask
from flask.testing import FlaskClient

from web.adapters.page_cache import NoPageCache
from web.app import STATIC, create_app
from web.config import load_settings
from web.service_layer.context import WebContext
from web.testing.fakes import SHIPPED_BOUNDARIES, FakeSearchGateway


@pytest.mark.parametrize(
    "path", ["/", "/?q=8000", "/institution/G20580", "/kommuner", "/om-data", "/nowhere"]
)
def test_security_headers_on_every_page(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    # Plain HTTP (local runs): no HSTS, which would pin a browser to https.
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_behind_tls(search: FakeSearchGateway) -> None:
    settings = load_settings({"LOG_LEVEL": "WARNING", "WEB_BEHIND_TLS": "true"})
    app: Flask = create_app(
        settings,
        ctx=WebContext(search=search, page_cache=NoPageCache(), boundaries=SHIPPED_BOUNDARIES),
    )
    response = app.test_client().get("/om-data", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_are_served_compressed(client: FlaskClient) -> None:
    response = client.get("/?q=8000", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.get_data()).decode()
    assert 'id="results"' in html


def test_static_files_are_addressed_by_content_and_cached_long(client: FlaskClient) -> None:
    html = client.get("/om-data").get_data(as_text=True)
    start = html.index('src="/static/js/portal.js?v=') + len('src="')
    address = html[start : html.index('"', start)]
    response = client.get(address)
    response.close()
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_operations_endpoints_stay_json(client: FlaskClient) -> None:
    assert client.get("/healthz").is_json
    response = client.get("/openapi.json/nowhere")
    assert response.status_code == 404


def test_pages_answer_only_get(client: FlaskClient) -> None:
    response = client.post("/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_search_results_page_with_its_css_and_js_is_under_100_kb_gzip(
    client: FlaskClient,
) -> None:
    html = client.get("/?q=8000").get_data()
    assets = [
        (STATIC / "dist" / "portal.css").read_bytes(),
        (STATIC / "js" / "portal.js").read_bytes(),
    ]
    total = sum(len(gzip.compress(part, 6)) for part in [html, *assets])
    assert total < 100 * 1024, f"{total / 1024:.1f} KB gzip"
    # The stylesheet is the design system's subset, not all of it.
    assert len(assets[0]) > 10_000
