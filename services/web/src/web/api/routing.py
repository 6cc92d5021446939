"""The pages behind login, registered in both languages like the parents'
pages but never cached: each module declares its routes with ``behind_login``
and ``pages_blueprint`` adds them to the Danish and the English blueprint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Route:
    rule: str
    endpoint: str
    view: Callable[..., Any]
    methods: tuple[str, ...]


ROUTES: list[Route] = []


def behind_login(
    rule: str, endpoint: str, methods: tuple[str, ...] = ("GET",)
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a page behind login at ``rule`` (under /selvbetjening, or the
    login and logout addresses), as ``<language>.<endpoint>``."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(Route(rule, endpoint, view, methods))
        return view

    return register


def self_service_modules() -> None:
    """Import the modules that declare the pages behind login (once)."""
    from web.api import account, imports_pages, institution_pages, municipality_pages  # noqa: F401
