"""Page cursors are signed for one search; anything else is refused."""

from __future__ import annotations

import math

import pytest

from search.domain.cursors import CursorSigner, InvalidCursor

SECRET = b"k" * 32
SEARCH = "fingerprint-of-a-search"


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("distance", [1234.5, "G18062"]),
        ("name", ["boernehuset solsikken", "G18062"]),
        ("normering", [2.8, 310.0, "G18062"]),
        ("normering", [math.inf, 310.0, "G18062"]),  # no normering sorts last
    ],
)
def test_a_cursor_gives_back_its_key(sort: str, key: list[object]) -> None:
    signer = CursorSigner(SECRET)
    assert signer.decode(SEARCH, sort, signer.encode(SEARCH, key)) == key


def test_a_tampered_cursor_is_refused() -> None:
    signer = CursorSigner(SECRET)
    body, _, signature = signer.encode(SEARCH, [100.0, "A00001"]).partition(".")
    other_body = signer.encode(SEARCH, [0.0, "A00001"]).partition(".")[0]
    with pytest.raises(InvalidCursor, match="not one this service gave out"):
        signer.decode(SEARCH, "distance", f"{other_body}.{signature}")
    forged = signature[:-1] + ("B" if signature.endswith("A") else "A")
    with pytest.raises(InvalidCursor):
        signer.decode(SEARCH, "distance", f"{body}.{forged}")
    with pytest.raises(InvalidCursor):
        signer.decode(SEARCH, "distance", body)  # no signature at all


def test_a_cursor_of_another_search_is_refused() -> None:
    signer = CursorSigner(SECRET)
    cursor = signer.encode(SEARCH, [100.0, "A00001"])
    with pytest.raises(InvalidCursor):
        signer.decode("fingerprint-of-another-search", "distance", cursor)


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    cursor = CursorSigner(b"o" * 32).encode(SEARCH, [100.0, "A00001"])
    with pytest.raises(InvalidCursor):
        CursorSigner(SECRET).decode(SEARCH, "distance", cursor)


def test_a_signed_key_of_another_order_is_refused() -> None:
    signer = CursorSigner(SECRET)
    cursor = signer.encode(SEARCH, ["boernehuset", "A00001"])
    with pytest.raises(InvalidCursor, match="order"):
        signer.decode(SEARCH, "distance", cursor)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        CursorSigner(b"short")
