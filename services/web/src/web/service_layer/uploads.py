"""What the upload pages need to keep a file between its dry run and its
real run: the store's protocol and what it gives back."""

from __future__ import annotations

from typing import NamedTuple, Protocol


class StoredUpload(NamedTuple):
    filename: str
    kind: str | None
    content: bytes


class UploadTooLarge(Exception):
    def __init__(self, limit_bytes: int) -> None:
        super().__init__(str(limit_bytes))
        self.limit_bytes = limit_bytes


class UploadStore(Protocol):
    max_bytes: int

    def put(self, account_id: str, filename: str, kind: str | None, content: bytes) -> str: ...

    def take(self, account_id: str, token: str) -> StoredUpload | None: ...

    def drop(self, account_id: str, token: str) -> None: ...
