"""An institution's own information (its profile) as one aggregate: what it
holds, how an edit changes it, and what is published after each change.

The content is kept in the event's field names, so what is stored, served and
published is one shape. Version 0 is a profile nothing has been reported for
yet; every accepted change makes the next version, which is also the event's
``aggregateversion`` and the API's ETag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Final

from dagtilbud_contracts.vocabulary import open_places_fresh

# What an institution (or its municipality) edits through the profile.
PROFILE_FIELDS: Final = (
    "description",
    "tags",
    "languages",
    "accessibility",
    "contact",
    "opening_hours",
    "closing_days",
    "meal_scheme",
    "open_places",
)
# What a municipality reports for a dagpleje district: the district's own
# section and its opening hours (which live in the profile's opening_hours).
DAGPLEJE_FIELDS: Final = ("dagpleje", "opening_hours")
CONTENT_FIELDS: Final = (*PROFILE_FIELDS, "dagpleje")

EMPTY_CONTACT: Final = {"leader_name": None, "phone": None, "email": None, "website": None}

# The sections a profile's completeness counts, and the fields each covers.
SECTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "description": ("description", "tags", "languages", "accessibility"),
    "contact": ("contact",),
    "opening_hours": ("opening_hours",),
    "closing_days": ("closing_days",),
    "meal_scheme": ("meal_scheme",),
    "open_places": ("open_places",),
    "dagpleje": ("dagpleje",),
}
DAGPLEJE_SECTION: Final = "dagpleje"


def empty_content() -> dict[str, Any]:
    return {
        "description": None,
        "tags": [],
        "languages": [],
        "accessibility": None,
        "contact": dict(EMPTY_CONTACT),
        "opening_hours": [],
        "closing_days": [],
        "meal_scheme": None,
        "open_places": [],
        "dagpleje": None,
    }


def sections_of(fields: Iterable[str]) -> set[str]:
    """The sections the given content fields belong to."""
    names = set(fields)
    return {section for section, covered in SECTIONS.items() if names & set(covered)}


def sections_for_kind(is_dagpleje: bool) -> tuple[str, ...]:
    """The sections an institution of its kind is expected to fill in; only a
    dagpleje district has the dagpleje section."""
    return tuple(s for s in SECTIONS if is_dagpleje or s != DAGPLEJE_SECTION)


@dataclass(frozen=True)
class Profile:
    number: str
    version: int = 0
    content: Mapping[str, Any] = field(default_factory=empty_content)
    updated_at: datetime | None = None
    updated_by: str | None = None
    # When each section was last saved (section -> time): what completeness counts.
    sections_saved_at: Mapping[str, datetime] = field(default_factory=dict)

    def changed_fields(self, changes: Mapping[str, Any]) -> list[str]:
        """The fields ``changes`` would give another value, in content order."""
        return [
            name
            for name in CONTENT_FIELDS
            if name in changes and changes[name] != self.content[name]
        ]

    def edited(
        self, changes: Mapping[str, Any], at: datetime, by: str, sent: Iterable[str]
    ) -> Profile:
        """The next version with ``changes`` applied; every section of the
        ``sent`` fields counts as saved at ``at`` (a resent open-places report
        is a new report)."""
        # Shallow: stored content and changes are fresh JSON values nobody mutates.
        content = {**self.content, **changes}
        saved = dict(self.sections_saved_at)
        for section in sections_of(sent):
            saved[section] = at
        return replace(
            self,
            version=self.version + 1,
            content=content,
            updated_at=at,
            updated_by=by,
            sections_saved_at=saved,
        )

    def event_payload(self) -> dict[str, Any]:
        """The ``dk.dagtilbud.profile.updated.v1`` payload: the whole profile."""
        if self.updated_at is None or self.updated_by is None:
            raise ValueError("a profile nothing was reported for is not published")
        return {
            "institution_number": self.number,
            **self.content,
            "updated_at": self.updated_at.isoformat(),
            "updated_by": self.updated_by,
        }


def stamp_open_places(places: Iterable[Mapping[str, Any]], today: date) -> list[dict[str, Any]]:
    """An open-places report as received, each age group reported today (the
    day is the service's, never the sender's)."""
    stamped = [{**place, "reported_on": today.isoformat()} for place in places]
    return sorted(stamped, key=lambda place: place["age_group"])


def open_places_stale(content: Mapping[str, Any], today: date) -> bool:
    """Whether any reported age group's report is older than the freshness rule allows."""
    return any(
        not open_places_fresh(date.fromisoformat(place["reported_on"]), today)
        for place in content.get("open_places") or []
    )


@dataclass(frozen=True)
class ProfileChange:
    """One accepted change, as the history shows it."""

    number: str
    version: int
    at: datetime
    account_id: str
    role: str
    fields: tuple[str, ...]
    correlation_id: str | None = None
