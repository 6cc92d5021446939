"""Page cursors: the sort key of the last hit shown, signed with a server secret.

A cursor is ``<key>.<signature>``: the key as base64url JSON, and an
HMAC-SHA256 over the search's fingerprint and the key. Only this service (or
another instance with the same secret) can make one, and one made for a
search is refused by any other search. A key is still checked for its shape
after the signature, so a cursor of an older release cannot break a page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Sequence
from typing import Any

SIGNATURE_BYTES = 16  # 128 bits: forging takes 2^128 tries
# What each sort's key holds, in order; "inf" stands for a missing normering.
KEY_SHAPES: dict[str, tuple[str, ...]] = {
    "distance": ("number", "text"),
    "name": ("text", "text"),
    "normering": ("number_or_inf", "number", "text"),
}


class InvalidCursor(ValueError):
    pass


class CursorSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("a cursor secret has at least 32 bytes")
        self._secret = secret

    def _signature(self, fingerprint: str, body: str) -> str:
        mac = hmac.new(self._secret, f"{fingerprint}.{body}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:SIGNATURE_BYTES]).decode().rstrip("=")

    def encode(self, fingerprint: str, key: Sequence[Any]) -> str:
        plain = ["inf" if k == math.inf else k for k in key]  # JSON has no infinity
        raw = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
        body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return f"{body}.{self._signature(fingerprint, body)}"

    def decode(self, fingerprint: str, sort: str, cursor: str) -> list[Any]:
        """The sort key in ``cursor``; InvalidCursor unless this service signed
        it for this very search and it holds a key of ``sort``'s shape."""
        body, dot, signature = cursor.partition(".")
        if not dot or not hmac.compare_digest(
            signature.encode(), self._signature(fingerprint, body).encode()
        ):
            raise InvalidCursor(
                "The cursor is not one this service gave out for this search: "
                "start again without a cursor."
            )
        try:
            key = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, binascii.Error) as exc:
            raise InvalidCursor("The cursor cannot be read.") from exc
        if not _has_shape(key, KEY_SHAPES[sort]):
            raise InvalidCursor("The cursor does not fit this search's order.")
        return [math.inf if k == "inf" else k for k in key]


def _has_shape(key: Any, shape: tuple[str, ...]) -> bool:
    if not isinstance(key, list) or len(key) != len(shape):
        return False
    return all(_is(kind, value) for kind, value in zip(shape, key, strict=True))


def _is(kind: str, value: Any) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "number_or_inf" and value == "inf":
        return True
    # bool is an int to Python, and JSON lets NaN in; neither is a key.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
