"""What the pages need of the search service, and how it can fail.

The web service holds no domain data: every figure on a page comes from
search's public API. Its answers are passed on as the JSON documents search
describes in its OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

Document = dict[str, Any]
QueryParams = Mapping[str, str | Sequence[str]]


class SearchUnavailable(Exception):
    """search did not answer in time, or answered with a server error."""


class NotFound(Exception):
    """search has no such institution or municipality."""


class SearchRejected(Exception):
    """search refused the request (422): a place it cannot find, a bad filter."""

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(str(problem.get("message", "rejected")))
        self.problem = dict(problem)

    @property
    def suggestions(self) -> list[dict[str, Any]]:
        return list(self.problem.get("suggestions") or [])

    @property
    def errors(self) -> dict[str, Any]:
        errors = self.problem.get("errors") or {}
        return dict(errors.get("query", errors)) if isinstance(errors, dict) else {}


class SearchGateway(Protocol):
    def search(self, params: QueryParams) -> Document: ...

    def institution(self, number: str) -> Document: ...

    def compare(self, numbers: Sequence[str]) -> Document: ...

    def municipality(self, code: int) -> Document: ...

    def municipalities(self) -> Document: ...

    def national(self) -> Document: ...
