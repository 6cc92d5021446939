"""What the views answer besides data: the ETag of a version and the
If-Match an edit must carry, and the status and words of each refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, NoReturn

from flask import request
from webargs.flaskparser import abort

from profiles.service_layer.profiles import (
    NotPermitted,
    ReadOnly,
    Refused,
    StaleVersion,
    UnknownInstitution,
)

PRECONDITION_REQUIRED: Final = (
    "Send the ETag of the version you edited in If-Match.",
    "Send ETag'en for den version, du har redigeret, i If-Match.",
)
STALE: Final = (
    "Someone else saved a change since you read it. Read it again and make your change on that.",
    "En anden har gemt en ændring, siden du læste den. Hent den igen, og lav din ændring i den.",
)
CLOSED: Final = (
    "The institution is closed; its information can no longer be changed.",
    "Institutionen er lukket; dens oplysninger kan ikke længere ændres.",
)
NOT_FOUND: Final = (
    "There is no such institution.",
    "Der findes ingen sådan institution.",
)
NOT_A_DISTRICT: Final = (
    "The municipality has no such dagpleje district.",
    "Kommunen har intet sådant dagplejedistrikt.",
)
NOTHING_TO_CHANGE: Final = "Nothing to change: name at least one field."

ETAG_HEADERS: Final = {
    "ETag": {"description": "The version of what is answered", "schema": {"type": "string"}}
}


def etag(version: int) -> str:
    return f'"{version}"'


def etag_headers(version: int) -> dict[str, str]:
    # Editors must always see the current version, never a cached one.
    return {"ETag": etag(version), "Cache-Control": "no-cache"}


def expected_version() -> int:
    """The version the edit was made on, from If-Match: 428 without one (or
    with ``*``, which would overwrite whatever is there), 412 for a tag that
    names no version (a weak one, or several)."""
    header = request.headers.get("If-Match")
    if header is None or request.if_match.star_tag:
        _refuse(428, PRECONDITION_REQUIRED)
    tags = request.if_match.as_set()
    if len(tags) == 1:
        (tag,) = tags
        if tag.isdigit():
            return int(tag)
    _refuse(412, STALE)


def _refuse(code: int, words: tuple[str, str], **extra: Any) -> NoReturn:
    english, danish = words
    abort(code, message=english, message_da=danish, **extra)
    raise AssertionError("abort returned")  # pragma: no cover - abort raises


@contextmanager
def refusals(not_found: tuple[str, str] = NOT_FOUND) -> Iterator[None]:
    """Answer a use case's refusal with its status."""
    try:
        yield
    except Refused as exc:
        abort(422, messages={"json": exc.problems})
    except UnknownInstitution:
        _refuse(404, not_found)
    except NotPermitted:
        # Nothing about whose the institution is.
        abort(403)
    except ReadOnly:
        _refuse(409, CLOSED)
    except StaleVersion as exc:
        _refuse(412, STALE, headers={"ETag": etag(exc.current)})
