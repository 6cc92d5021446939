"""The running system for a test module; a failing test shows what each of
its processes wrote."""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from tests.system.harness import PROCFILE_GUNICORN, System, start_system

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
