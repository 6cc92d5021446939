"""A test under tests/unit/ cannot reach PostgreSQL, Kafka or Redis: the kit's
pytest plugin fails it before it starts, however it asks."""

from __future__ import annotations

import pytest

from dagkit.testing.fixtures import UNIT_TESTS_USE_FAKES

pytest_plugins = ["pytester"]

# Stands in for the real servers, so a guard that let a test through would
# not start any.
CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def infrastructure():
    return "stand-in"
"""

UNIT_TESTS = """
def test_on_fakes():
    pass

def test_asks_for_it(infrastructure):
    pass

def test_asks_through_another_fixture(pg_database):
    pass

def test_asks_while_running(request):
    request.getfixturevalue("infrastructure")
"""

INTEGRATION_TESTS = """
def test_may_use_it(infrastructure):
    assert infrastructure == "stand-in"
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    # As the portal runs its tests: no __init__.py, and a name like tests.unit
    # already taken by the run around this one.
    pytester.makeini("[pytest]\naddopts = --import-mode=importlib\n")
    (pytester.path / "tests" / "unit").mkdir(parents=True)
    (pytester.path / "tests" / "unit" / "test_fast.py").write_text(UNIT_TESTS)
    (pytester.path / "tests" / "test_slow.py").write_text(INTEGRATION_TESTS)
    return pytester


def test_a_unit_test_that_asks_for_infrastructure_fails(project: pytest.Pytester) -> None:
    result = project.runpytest("tests/unit")
    result.assert_outcomes(passed=1, errors=2, failed=1)
    for name in ["asks_for_it", "asks_through_another_fixture", "asks_while_running"]:
        result.stdout.fnmatch_lines([f"*test_fast.py::test_{name}: {UNIT_TESTS_USE_FAKES}*"])


def test_other_tests_may_use_infrastructure(project: pytest.Pytester) -> None:
    project.runpytest("tests/test_slow.py").assert_outcomes(passed=1)


def test_unit_tests_are_marked(project: pytest.Pytester) -> None:
    result = project.runpytest("-m", "unit", "--strict-markers", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*4/5 tests collected (1 deselected)*"])
