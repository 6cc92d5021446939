"""What the pages behind login need of profiles, and how it can fail.

Documents are passed on as the JSON profiles describes in its OpenAPI
document; an ETag is passed back unchanged in If-Match with the edit made on
it. ``whole`` chooses between replacing the whole profile (PUT) and
replacing only the fields sent (PATCH).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

Document = dict[str, Any]
Changes = Mapping[str, Any]


class ProfilesError(Exception):
    """Something profiles refused or could not do."""


class EditRejected(ProfilesError):
    """The edit is invalid (422) and nothing changed: ``errors`` is the tree
    of reasons per field, each reason ``{"en": ..., "da": ...}``."""

    def __init__(self, errors: Mapping[str, Any], problem: Mapping[str, Any] | None = None) -> None:
        super().__init__("edit rejected")
        self.errors = dict(errors)
        self.problem = dict(problem or {})


class StaleEdit(ProfilesError):
    """Someone saved a change since the page read it (412): nothing changed;
    ``current_etag`` is the version there is now."""

    def __init__(self, current_etag: str | None) -> None:
        super().__init__(f"stale; current {current_etag}")
        self.current_etag = current_etag


class NotAllowed(ProfilesError):
    """No valid access token (401) or not one that may do this (403)."""

    def __init__(self, status: int) -> None:
        super().__init__(str(status))
        self.status = status

    @property
    def must_log_in(self) -> bool:
        return self.status == 401


class NotFound(ProfilesError):
    """No such institution, municipality or district (404)."""


class ReadOnly(ProfilesError):
    """The institution is closed: its information cannot be changed (409)."""


class ProfilesUnavailable(ProfilesError):
    """profiles did not answer in time, answered with a server error, or with
    something that is not its API."""


class ProfilesGateway(Protocol):
    def profile(self, number: str) -> tuple[Document, str]: ...

    def edit_profile(
        self, access_token: str, number: str, changes: Changes, etag: str, whole: bool
    ) -> tuple[Document, str]: ...

    def history(
        self, access_token: str, number: str, limit: int | None = None, before: int | None = None
    ) -> Document: ...

    def dagpleje_districts(self, code: int) -> Document: ...

    def dagpleje_district(self, code: int, number: str) -> tuple[Document, str]: ...

    def report_dagpleje(
        self,
        access_token: str,
        code: int,
        number: str,
        changes: Changes,
        etag: str,
        whole: bool,
    ) -> tuple[Document, str]: ...

    def completeness(self, access_token: str, code: int) -> Document: ...
