"""Turning what a parent types (postcode, town, address) into a point.

Every answer has postcode precision: good enough to sort institutions by
distance, and it keeps the service free of calls to an address API. A
postcode's point comes from ``postnumre_punkter.csv``, not from DAWA's
visueltcenter in ``postnumre.csv``: postal districts reach into the sea, so
their visual centre is often offshore, sometimes far out (6950 Ringkøbing at
lon 4.07). The derived point is on land, at the medoid of the postcode's
daycare units where it has any (families live there), otherwise at the
visual centre moved onto land; data/derive_postcode_points.py says how.

Rules:

* A query ending in a four-digit postcode, optionally followed by the town
  ("8000", "8000 Aarhus C", "Vestergade 12, 8000 Aarhus C"), is placed by the
  postcode. A town after it must agree with the postcode's name (every word a
  prefix of a word of the name, after folding: "8000 Århus" agrees, "2300
  København V" does not), otherwise the query is refused with both readings
  as suggestions.
* A town alone, or as the last comma-separated part of an address, is placed
  when its folded form equals a postal name ("Vanloese" is Vanløse), or failing
  that, when its loose form (ø = oe = o) equals exactly one ("Vanlose").
  Some names cover many postcodes (København K has 232 street-level codes):
  the lowest postcode is the answer and the rest are its alternatives.
* Anything else is refused with suggestions: towns whose names start with or
  contain what was typed, and postcodes starting with or numerically nearest
  to the digits typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Protocol

from search.domain.text import fold, loose

PRECISION_POSTCODE = "postcode"

# The last four-digit number, standing alone or after "DK-", with nothing but a
# town (no digits) after it: "8000", "Vestergade 12, 8000 Aarhus C".
_TRAILING_POSTCODE = re.compile(
    r"(?:^|[\s,])(?:DK-?)?(?P<postcode>\d{4})(?:[\s,]+(?P<town>\D*))?$", re.IGNORECASE
)
_DIGITS_ONLY = re.compile(r"(?:DK-?\s*)?(\d+)", re.IGNORECASE)
# What people add after the town in a full postal address.
_COUNTRY_SUFFIX = re.compile(r"[\s,]+(?:Danmark|Denmark|DK)\.?$", re.IGNORECASE)
# Shown back to the user inside messages; a pasted essay is cut short.
_ECHO_LIMIT = 60


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float


@dataclass(frozen=True)
class Place:
    postcode: str
    name: str
    point: GeoPoint
    municipality_codes: tuple[int, ...]


@dataclass(frozen=True)
class Geocoded:
    query: str
    place: Place
    # Only "postcode": the point is the postcode's centre, not the address.
    precision: str
    # Other postcodes with the same name when a town name was given.
    alternatives: tuple[Place, ...] = ()


class GeocodeError(ValueError):
    """The query cannot be placed; ``suggestions`` are what it may have meant."""

    def __init__(
        self, query: str, suggestions: list[Place], *, reason_da: str, reason_en: str
    ) -> None:
        super().__init__(reason_en)
        self.query = query
        self.suggestions = suggestions
        self.reason_da = reason_da
        self.reason_en = reason_en


class Geocoder(Protocol):
    def geocode(self, q: str) -> Geocoded: ...

    def suggest(self, q: str, limit: int = 5) -> list[Place]: ...


@dataclass(frozen=True)
class _Name:
    """One postal name and every postcode that carries it, lowest first."""

    folded: str
    words: tuple[str, ...]
    loose: str
    places: tuple[Place, ...]


class PostcodeGeocoder:
    """Geocodes against the national list of postcodes, in memory (see
    ``search.adapters.reference_files`` for reading it from the shipped files)."""

    def __init__(self, places: Iterable[Place]) -> None:
        ordered = sorted(places, key=lambda p: p.postcode)
        self._by_postcode = {p.postcode: p for p in ordered}
        grouped: dict[str, list[Place]] = {}
        for place in ordered:
            grouped.setdefault(fold(place.name), []).append(place)
        self._by_name = {
            key: _Name(key, tuple(key.split()), loose(group[0].name), tuple(group))
            for key, group in grouped.items()
        }
        by_loose: dict[str, list[_Name]] = {}
        for name in self._by_name.values():
            by_loose.setdefault(name.loose, []).append(name)
        # Only a loose spelling that points at one name can place a query.
        self._by_loose = {key: names[0] for key, names in by_loose.items() if len(names) == 1}

    def __len__(self) -> int:
        return len(self._by_postcode)

    def get(self, postcode: str) -> Place | None:
        return self._by_postcode.get(postcode)

    def geocode(self, q: str) -> Geocoded:
        text = _clean(q)
        echo = _echo(text)
        if not text:
            raise GeocodeError(
                q,
                [],
                reason_da="Skriv et postnummer, et bynavn eller en adresse.",
                reason_en="Enter a postcode, a town or an address.",
            )

        trailing = _trailing_postcode(text)
        if trailing is not None:
            postcode, town = trailing
            place = self._by_postcode.get(postcode)
            if place is None:
                raise GeocodeError(
                    q,
                    self.suggest(text),
                    reason_da=f"Postnummeret {postcode} findes ikke.",
                    reason_en=f"There is no postcode {postcode}.",
                )
            if not town or _agrees(town, self._by_name[fold(place.name)]):
                return Geocoded(q, place, PRECISION_POSTCODE)
            others = [p for p in self._town_suggestions(town, 4) if p.name != place.name]
            raise GeocodeError(
                q,
                [place, *others],
                reason_da=f"Postnummeret {postcode} hører til {place.name}, ikke {_echo(town)}.",
                reason_en=f"Postcode {postcode} belongs to {place.name}, not {_echo(town)}.",
            )

        town = text.rsplit(",", 1)[-1].strip()
        if town and not any(ch.isdigit() for ch in town):
            found = self._by_name.get(fold(town)) or self._by_loose.get(loose(town))
            if found is not None:
                first, *rest = found.places
                return Geocoded(q, first, PRECISION_POSTCODE, alternatives=tuple(rest))

        suggestions = self.suggest(text)
        if len({p.name for p in suggestions}) > 1 and not _DIGITS_ONLY.fullmatch(text):
            raise GeocodeError(
                q,
                suggestions,
                reason_da=f"«{echo}» passer på flere byer. Vælg en eller skriv postnummeret.",
                reason_en=f"“{echo}” matches several towns. Pick one or enter the postcode.",
            )
        raise GeocodeError(
            q,
            suggestions,
            reason_da=f"Vi kan ikke finde «{echo}». Skriv et postnummer på fire cifre eller et "
            "bynavn.",
            reason_en=f"Cannot place “{echo}”. Enter a four-digit postcode or a town name.",
        )

    def suggest(self, q: str, limit: int = 5) -> list[Place]:
        """Places the query may mean, best first: towns by name (one place per
        name, its lowest postcode), then postcodes by the digits typed."""
        if limit <= 0:
            return []
        text = _clean(q)
        trailing = _trailing_postcode(text)
        digits_only = _DIGITS_ONLY.fullmatch(text)
        if trailing is not None:
            postcode, town = trailing
        elif digits_only:
            postcode, town = digits_only.group(1), ""
        else:
            postcode, town = "", text.rsplit(",", 1)[-1].strip()

        result: list[Place] = []
        if town and not any(ch.isdigit() for ch in town):
            result.extend(self._town_suggestions(town, limit))
        if postcode:
            seen = {p.postcode for p in result}
            numeric = (p for p in self._postcode_suggestions(postcode) if p.postcode not in seen)
            result.extend(islice(numeric, max(limit - len(result), 0)))
        return result[:limit]

    def _town_suggestions(self, town: str, limit: int) -> list[Place]:
        folded = fold(town)
        if not folded:
            return []
        loosened = loose(town)
        ranked: list[tuple[int, str, Place]] = []
        for name in self._by_name.values():
            if name.folded == folded:
                rank = 0
            elif name.loose == loosened:
                rank = 1
            elif name.folded.startswith(folded):
                rank = 2
            elif _agrees(town, name):
                rank = 3
            elif all(t in name.folded for t in folded.split()):
                rank = 4
            elif all(any(w.startswith(t) for w in name.loose.split()) for t in loosened.split()):
                rank = 5
            else:
                continue
            first = name.places[0]
            ranked.append((rank, first.postcode, first))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [place for _, _, place in ranked[:limit]]

    def _postcode_suggestions(self, digits: str) -> Iterable[Place]:
        """Postcodes starting with ``digits``, or else the numerically nearest."""
        prefix = digits[:4]
        starting = [p for code, p in self._by_postcode.items() if code.startswith(prefix)]
        if starting:
            return starting
        target = int(prefix.ljust(4, "0"))
        return sorted(
            self._by_postcode.values(), key=lambda p: (abs(int(p.postcode) - target), p.postcode)
        )


def _clean(q: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", q).split()).strip(" ,")
    return _COUNTRY_SUFFIX.sub("", text).strip(" ,")


def _echo(text: str) -> str:
    return text if len(text) <= _ECHO_LIMIT else text[: _ECHO_LIMIT - 1] + "…"


def _trailing_postcode(text: str) -> tuple[str, str] | None:
    """(postcode, town) when the text ends in a postcode and perhaps a town."""
    match = _TRAILING_POSTCODE.search(text)
    if match is None:
        return None
    return match.group("postcode"), (match.group("town") or "").strip(" ,.")


def _agrees(town: str, name: _Name) -> bool:
    """Every word typed is the start of a word of the name: "Aarhus" and "Århus
    C" agree with "Aarhus C"; a lone "v" does not agree with "København S"."""
    return all(any(w.startswith(t) for w in name.words) for t in fold(town).split())
