"""The search client over real HTTP: each way search can answer or fail
becomes the one error the pages know how to explain."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from web.adapters.search_client import HttpSearchGateway
from web.service_layer.gateway import NotFound, SearchRejected, SearchUnavailable

ANSWERS: dict[str, tuple[int, object, float]] = {
    "/v1/institutions/G20580": (200, {"institution_number": "G20580"}, 0),
    "/v1/institutions/NOPE00": (404, {"code": 404}, 0),
    "/v1/search": (
        422,
        {"code": 422, "message": "Cannot place", "suggestions": [{"name": "Aarhus C"}]},
        0,
    ),
    "/v1/municipalities": (500, {"code": 500}, 0),
    "/v1/statistics/national": (200, "not an object", 0),
    "/v1/municipalities/751": (200, {"code": 751}, 3.0),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        status, body, delay = ANSWERS.get(path, (404, {}, 0))
        time.sleep(delay)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def gateway() -> Iterator[HttpSearchGateway]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = HttpSearchGateway(f"http://127.0.0.1:{server.server_address[1]}", timeout_s=0.5)
    yield client
    client.close()
    server.shutdown()
    server.server_close()


def test_a_document(gateway: HttpSearchGateway) -> None:
    assert gateway.institution("G20580") == {"institution_number": "G20580"}


def test_not_found(gateway: HttpSearchGateway) -> None:
    with pytest.raises(NotFound):
        gateway.institution("NOPE00")


def test_a_refusal_keeps_search_problem(gateway: HttpSearchGateway) -> None:
    with pytest.raises(SearchRejected) as refused:
        gateway.search({"q": "Atlantis"})
    assert refused.value.suggestions == [{"name": "Aarhus C"}]


def test_server_error_and_garbage_are_unavailable(gateway: HttpSearchGateway) -> None:
    with pytest.raises(SearchUnavailable):
        gateway.municipalities()
    with pytest.raises(SearchUnavailable):
        gateway.national()


def test_a_slow_search_is_given_up_on_at_the_timeout(gateway: HttpSearchGateway) -> None:
    started = time.perf_counter()
    with pytest.raises(SearchUnavailable):
        gateway.municipality(751)
    assert time.perf_counter() - started < 2.5


def test_nothing_listening_is_unavailable() -> None:
    client = HttpSearchGateway("http://127.0.0.1:1", timeout_s=0.5)
    with pytest.raises(SearchUnavailable):
        client.institution("G20580")
    client.close()
