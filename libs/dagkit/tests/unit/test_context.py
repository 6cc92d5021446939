"""dagkit.web.current_context: the one typed way a view reaches what its
service's bootstrap composed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from dagkit.web import create_service_app, current_context, install_context


@dataclass
class NotesContext:
    limit: int


@dataclass
class OtherContext:
    limit: int


@pytest.fixture
def app() -> Flask:
    app, _ = create_service_app("notes", {}, title="Notes")
    return app


def test_the_installed_context_is_returned(app: Flask) -> None:
    context = NotesContext(limit=5)
    install_context(app, context)
    with app.app_context():
        assert current_context(NotesContext) is context
    assert current_context(NotesContext, app) is context


def test_a_view_gets_the_context(app: Flask) -> None:
    install_context(app, NotesContext(limit=7))

    @app.get("/limit")
    def limit() -> dict[str, int]:
        return {"limit": current_context(NotesContext).limit}

    assert app.test_client().get("/limit").get_json() == {"limit": 7}


def test_a_context_of_another_type_is_refused(app: Flask) -> None:
    install_context(app, OtherContext(limit=5))
    with pytest.raises(TypeError, match="OtherContext, not a NotesContext"):
        current_context(NotesContext, app)
