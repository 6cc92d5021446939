"""A search service in memory, answering with documents recorded from the
real search API (``samples/``), so page tests run without any server."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from web.adapters.boundaries import load_boundaries_geojson
from web.config import DEFAULT_REFERENCE_DIR
from web.domain.maps import Boundaries
from web.service_layer.context import LazyBoundaries
from web.service_layer.gateway import (
    Document,
    NotFound,
    QueryParams,
    SearchRejected,
    SearchUnavailable,
)

SAMPLES = Path(__file__).parent / "samples"

# The repository's municipal boundaries, simplified once for the whole test run.
SHIPPED_BOUNDARIES = LazyBoundaries(
    lambda: Boundaries.from_geojson(load_boundaries_geojson(DEFAULT_REFERENCE_DIR))
)


@cache
def _sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def sample(name: str) -> dict[str, Any]:
    """A fresh copy of a recorded answer (tests may change it)."""
    return copy.deepcopy(_sample(name))


class FakeClock:
    """Today, as a test wants it: starts on ``today`` and moves only when told."""

    # Thirteen days after the recorded profile reported its open places.
    START = date(2026, 4, 20)

    def __init__(self, today: date = START) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today

    def set(self, today: date) -> None:
        self.today = today

    def advance(self, days: int) -> None:
        self.today += timedelta(days=days)


class FakeSearchGateway:
    """Answers like search for Aarhus C (8000): institutions G20580 and
    G20581, municipality 751, every municipality's latest figures. G20580 is
    the recorded institution with everything a profile can report; the other
    hits are built from it with their own register facts and no profile.
    ``down`` makes every call fail as an unreachable search does."""

    def __init__(self) -> None:
        self.down = False
        self.calls: list[tuple[str, Any]] = []
        self.institutions: dict[str, Document] = {}
        base = sample("institution")
        for hit in sample("search")["hits"]:
            document = copy.deepcopy(base)
            document.update(
                {k: hit[k] for k in ("institution_number", "name", "kind", "ownership", "address")}
            )
            document.update({"location": hit["location"], "accepts_0_2": hit["accepts_0_2"]})
            document["accepts_3_5"] = hit["accepts_3_5"]
            document["profile"] = None
            self.institutions[hit["institution_number"]] = document
        self.institutions[base["institution_number"]] = base

    def _call(self, name: str, argument: Any) -> None:
        self.calls.append((name, argument))
        if self.down:
            raise SearchUnavailable(name)

    def search(self, params: QueryParams) -> Document:
        self._call("search", dict(params))
        q = params.get("q")
        if q is not None and q not in ("8000", "Aarhus C", "Aarhus"):
            raise SearchRejected(
                {
                    "code": 422,
                    "message": f"Cannot place “{q}”. Enter a four-digit postcode or a town name.",
                    "message_da": f"Vi kan ikke finde «{q}». Skriv et postnummer på fire cifre "
                    "eller et bynavn.",
                    "suggestions": [
                        {"postcode": "8000", "name": "Aarhus C", "lat": 56.15174, "lon": 10.19743}
                    ],
                }
            )
        if params.get("cursor") == "stale":
            raise SearchRejected(
                {
                    "code": 422,
                    "message": "The request has invalid parameters: cursor. See errors.",
                    "errors": {"query": {"cursor": ["not a cursor of this search"]}},
                }
            )
        answer = sample("search")
        kinds = str(params.get("kind") or "")
        if kinds:
            answer["hits"] = [h for h in answer["hits"] if h["kind"] in kinds.split(",")]
            answer["total"] = len(answer["hits"])
        languages = params.get("language") or []
        if languages:
            wanted = {languages} if isinstance(languages, str) else set(languages)
            answer["hits"] = [h for h in answer["hits"] if wanted <= set(h["languages"])]
            answer["total"] = len(answer["hits"])
        age_group = params.get("open_places")
        if age_group:
            answer["hits"] = [
                h
                for h in answer["hits"]
                if any(
                    p["age_group"] == age_group and p["status"] == "yes" and p["fresh"]
                    for p in h["open_places"]
                )
            ]
            answer["total"] = len(answer["hits"])
        if params.get("cursor"):
            answer["hits"] = answer["hits"][10:]
            answer["next_cursor"] = None
        return answer

    def institution(self, number: str) -> Document:
        self._call("institution", number)
        if number not in self.institutions:
            raise NotFound(number)
        return copy.deepcopy(self.institutions[number])

    def compare(self, numbers: Sequence[str]) -> Document:
        self._call("compare", tuple(numbers))
        answer = sample("compare")
        missing = [n for n in numbers if n not in self.institutions]
        if missing:
            raise NotFound(missing[0])
        answer["institutions"] = [self.institutions[n] for n in numbers]
        for item in answer["indicators"]:
            template = item["values"][0]
            item["values"] = [dict(template, institution_number=n) for n in numbers]
        return answer

    def municipality(self, code: int) -> Document:
        self._call("municipality", code)
        answer = sample("municipality")
        if code != answer["code"]:
            raise NotFound(str(code))
        return answer

    def municipalities(self) -> Document:
        self._call("municipalities", None)
        return sample("municipalities")

    def national(self) -> Document:
        self._call("national", None)
        return sample("national")
