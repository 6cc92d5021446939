"""Web: each page type's server time with a warm page cache, beside a bare
Flask page rendering the same template with the same (constant) data in the
same process, and the gzip size of each page.

The web app runs in-process (its WSGI handling timed around each request)
against the search service under gunicorn on a read model holding the whole
shipped register, every municipality's statistics and generated profiles.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import statistics
import tempfile
import time
from typing import Any

import redis
from flask import Flask, render_template, template_rendered

from dagkit.testing.infra import redis_database
from search.testing.events import load_shipped_data
from tests.bench.kit_roundtrip import fresh_database
from tests.tools.services import ROOT
from web.adapters.page_cache import NoPageCache
from web.app import STATIC, create_app
from web.config import load_settings
from web.service_layer.context import WebContext
from web.testing.browser import Server
from web.testing.fakes import FakeSearchGateway

REQUESTS = 300
WEB_REDIS_DB, SEARCH_REDIS_DB = 2, 5
WARM_P95_TARGET_MS = 50
SEARCH_PAGE_BUDGET_BYTES = 100 * 1024


def _pages(search: Server) -> dict[str, str]:
    _, body = search.get("/v1/search?q=8000&limit=4")
    numbers = [hit["institution_number"] for hit in json.loads(body)["hits"]]
    return {
        "search results": "/?q=8000&kind=boernehave,aldersintegreret",
        "institution": f"/institution/{numbers[0]}",
        "compare": f"/sammenlign?ids={numbers[0]},{numbers[1]},{numbers[2]}",
        "shortlist": f"/liste?ids={','.join(numbers)}",
        "municipality": "/kommune/751",
        "national overview": "/kommuner?indikator=normering_3_5",
        "about the data": "/om-data",
        "search results (English)": "/en/?q=8000",
    }


def _timed(app: Flask, path: str, n: int) -> list[float]:
    client = app.test_client()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        # As a browser asks: compressed, so the time includes compressing.
        response = client.get(path, headers={"Accept-Encoding": "gzip, br"})
        response.get_data()
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return times


def _p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def _bare_app(captured: dict[str, tuple[str, dict[str, Any]]]) -> Flask:
    """The same templates and Jinja set-up, no cache, no search: each route
    renders its page's template with the context captured from the real page."""
    app = create_app(
        load_settings({"LOG_LEVEL": "WARNING"}),
        ctx=WebContext(FakeSearchGateway(), NoPageCache(), lambda: None),  # type: ignore[arg-type, return-value]
    )
    for index, (template, context) in enumerate(captured.values()):

        def view(template: str = template, context: dict[str, Any] = context) -> str:
            return render_template(template, **context)

        app.add_url_rule(f"/bare/{index}", f"bare{index}", view)
    return app


def run() -> dict[str, bool]:
    base_redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1")
    web_redis = redis_database(base_redis, WEB_REDIS_DB)
    search_redis = redis_database(base_redis, SEARCH_REDIS_DB)
    for url in (web_redis, search_redis):
        redis.Redis.from_url(url).flushdb()
    with fresh_database() as url, tempfile.TemporaryDirectory() as data_dir:
        load_shipped_data(url)
        search = Server(
            "search.entrypoints.wsgi:app",
            {
                "DATABASE_URL": url,
                "REDIS_URL": search_redis,
                "REFERENCE_DATA_DIR": str(ROOT / "data"),
                "DATA_DIR": data_dir,
                "SEARCH_CURSOR_SECRET": secrets.token_hex(32),
                "LOG_LEVEL": "WARNING",
            },
        )
        try:
            pages = _pages(search)
            web = create_app(
                load_settings(
                    {
                        "LOG_LEVEL": "WARNING",
                        "SEARCH_URL": search.url,
                        "REDIS_URL": web_redis,
                        "PAGE_CACHE_SECONDS": "600",
                    }
                )
            )
            captured: dict[str, tuple[str, dict[str, Any]]] = {}
            cold: dict[str, float] = {}
            sizes: dict[str, int] = {}

            def capture(
                sender: Flask, template: Any, context: dict[str, Any], **extra: Any
            ) -> None:
                captured[current] = (template.name, dict(context))

            template_rendered.connect(capture, web)
            for current, path in pages.items():
                started = time.perf_counter()
                response = web.test_client().get(path)
                cold[current] = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (path, response.status_code)
                assert response.headers["X-Page-Cache"] == "miss"
                sizes[current] = len(gzip.compress(response.get_data(), 6))
            template_rendered.disconnect(capture, web)
            warm = {name: _timed(web, path, REQUESTS) for name, path in pages.items()}
        finally:
            search.close()
    bare_app = _bare_app(captured)
    bare = {name: _timed(bare_app, f"/bare/{i}", REQUESTS) for i, name in enumerate(captured)}
    assets = sum(
        len(gzip.compress((STATIC / name).read_bytes(), 6))
        for name in ("dist/portal.css", "js/portal.js")
    )
    search_total = sizes["search results"] + assets

    print("== web pages ==")
    print(
        f"{'page type':<26}{'cold ms':>9}{'warm p50':>10}{'warm p95':>10}"
        f"{'bare p50':>10}{'bare p95':>10}{'warm/bare p50':>15}{'gzip KB':>9}"
    )
    worst = 0.0
    for name in pages:
        w50, w95 = _p(warm[name], 0.5), _p(warm[name], 0.95)
        b50, b95 = _p(bare[name], 0.5), _p(bare[name], 0.95)
        worst = max(worst, w95)
        print(
            f"{name:<26}{cold[name]:>9.1f}{w50:>10.2f}{w95:>10.2f}{b50:>10.2f}{b95:>10.2f}"
            f"{w50 / b50:>14.2f}x{sizes[name] / 1024:>9.1f}"
        )
    print(
        f"worst warm p95 {worst:.2f} ms (target < {WARM_P95_TARGET_MS} ms); "
        f"median bare render {statistics.median(_p(t, 0.5) for t in bare.values()):.2f} ms"
    )
    print(
        f"search results page: HTML {sizes['search results'] / 1024:.1f} KB + CSS and JS "
        f"{assets / 1024:.1f} KB = {search_total / 1024:.1f} KB gzip (target < 100 KB)"
    )
    return {
        f"web warm p95 < {WARM_P95_TARGET_MS} ms": worst < WARM_P95_TARGET_MS,
        "search results page < 100 KB gzip": search_total < SEARCH_PAGE_BUDGET_BYTES,
    }


if __name__ == "__main__":
    run()
