"""What the upload pages behind login need of ingest, and how it can fail.

An upload is queued (ingest's worker reads it whole, then accepts or rejects
it), so a file whose content is wrong is no error here: its import ends
``rejected`` and its report names each problem (row, column, value, and why
in Danish and English). What is refused at once is the upload itself (too
large, a kind ingest does not know, a confirmation out of range): the page
says why in the user's language. Besides that a page tells apart a user who
may not upload (log in again, or not a dst or admin account), an import that
does not exist and ingest being away.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Protocol

Document = dict[str, Any]

# Where an import ends (``status``); "queued" and "running" are on the way.
FINISHED: Final = ("accepted", "rejected", "duplicate", "failed")
# What ``kind`` may say when a file's columns do not (ingest's KNOWN_KIND_HINTS).
KINDS: Final = (
    "register",
    "statistics",
    "stil_register",
    "portal_register",
    "portal_statistics",
    "dst_folk1e",
    "dst_boern1",
    "dst_boern2",
    "dst_boern8",
    "dst_boern3",
    "FOLK1E",
    "BOERN1",
    "BOERN2",
    "BOERN8",
    "BOERN3",
)


class ImportsError(Exception):
    """Something ingest refused or could not do."""


class ImportRefused(ImportsError):
    """The upload itself was refused (400, 413, 415 or 422), nothing queued:
    ``message_en`` and ``message_da`` say why (the portal's own words in
    both languages where ingest gave no Danish), ``errors`` the fields it names (e.g.
    ``{"multipart": {"kind": [...]}}``), ``limit_bytes`` the largest file
    accepted (413) and ``report`` an import's report where ingest gave one."""

    def __init__(
        self,
        status: int,
        message_en: str,
        message_da: str,
        errors: Mapping[str, Any] | None = None,
        report: Mapping[str, Any] | None = None,
        limit_bytes: int | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.message_en = message_en
        self.message_da = message_da
        self.errors = dict(errors or {})
        self.report = dict(report) if report is not None else None
        self.limit_bytes = limit_bytes


class ImportNotAllowed(ImportsError):
    """401 (no valid access token: log in again) or 403 (not a dst or admin
    account)."""

    def __init__(self, status: int) -> None:
        super().__init__(str(status))
        self.status = status

    @property
    def must_log_in(self) -> bool:
        return self.status == 401


class ImportNotFound(ImportsError):
    """No import with that id (404)."""

    def __init__(self, import_id: str) -> None:
        super().__init__(import_id)
        self.import_id = import_id


class ImportsUnavailable(ImportsError):
    """ingest did not answer in time, answered with a server error (a 503
    when auth's keys cannot be fetched too), or with something that is not
    its API."""


class ImportsGateway(Protocol):
    def upload(
        self,
        access_token: str,
        filename: str,
        content: bytes,
        kind: str | None = None,
        dry_run: bool = False,
        confirm_closures: int | None = None,
    ) -> Document:
        """Hand over a file: the queued import (``id``, ``status`` "queued",
        ``dry_run``, ``filename``, ``size_bytes``, ``progress``...)."""
        ...

    def get_import(self, access_token: str, import_id: str) -> Document:
        """One import: ``status`` (queued, running, accepted, rejected,
        duplicate, failed), ``progress`` (rows_done, rows_total), ``kind``,
        ``format`` and, once it ended, its ``report`` (``outcome``,
        ``summary_da``/``summary_en``, ``problems``, ``diff`` and, for a
        register, ``closures`` per municipality)."""
        ...

    def list_imports(self, access_token: str, page: int = 1, page_size: int = 50) -> Document:
        """The history, newest first: ``items``, ``total``, ``page``,
        ``page_size`` and ``pages``."""
        ...
