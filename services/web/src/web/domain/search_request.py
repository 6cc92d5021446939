"""What a parent asks on the front page, and how it becomes a search query."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

RADIUS_CHOICES_KM = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
DEFAULT_RADIUS_KM = 5.0
SORTS = ("distance", "name", "normering")
PAGE_SIZE = 20
# The organic shares offered as "at least" choices; any whole percent is valid.
ORGANIC_CHOICES_PCT = (25, 50, 75, 90)
# Comma lists in search's API; repeated keys on the front page (checkboxes).
MULTI_VALUED = ("age_group", "kind", "ownership", "tag")
# Repeated keys in both.
REPEATED = ("language",)
SINGLE_VALUED = ("name", "meal", "open_before", "open_after", "open_places", "cursor")


@dataclass(frozen=True)
class SearchRequest:
    q: str | None = None
    lat: float | None = None
    lon: float | None = None
    name: str | None = None
    age_group: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    ownership: tuple[str, ...] = ()
    meal: str | None = None
    open_before: str | None = None
    open_after: str | None = None
    tag: tuple[str, ...] = ()
    # Only institutions with fresh open places for this age group (0-2, 3-5).
    open_places: str | None = None
    # Languages spoken besides Danish (ISO 639-1).
    language: tuple[str, ...] = ()
    # Organic share of the food, at least this many percent.
    organic_min: int | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    sort: str = "distance"
    cursor: str | None = None
    shortlist: tuple[str, ...] = field(default=())

    @property
    def has_place(self) -> bool:
        return bool(self.q) or (self.lat is not None and self.lon is not None)

    @property
    def filters_active(self) -> int:
        return sum(
            bool(x)
            for x in (
                self.age_group,
                self.kind,
                self.ownership,
                self.meal,
                self.open_before,
                self.open_after,
                self.tag,
                self.name,
                self.open_places,
                self.language,
                self.organic_min is not None,
            )
        )

    def _place_and_filters(self, *, join_lists: bool) -> dict[str, Any]:
        params: dict[str, Any] = {}
        # A typed place wins over a position the browser gave earlier.
        if self.q:
            params["q"] = self.q
        elif self.lat is not None and self.lon is not None:
            params["lat"] = f"{self.lat:.5f}"
            params["lon"] = f"{self.lon:.5f}"
        for key in MULTI_VALUED:
            values: tuple[str, ...] = getattr(self, key)
            if key == "age_group" and join_lists and len(set(values)) > 1:
                # Search takes one age group; both ticked means either, and
                # every institution takes at least one, so none is sent.
                continue
            if values:
                params[key] = ",".join(values) if join_lists else list(values)
        for key in REPEATED:
            repeated: tuple[str, ...] = getattr(self, key)
            if repeated:
                params[key] = list(repeated)
        if self.organic_min is not None:
            params["organic_min"] = str(self.organic_min)
        for key in SINGLE_VALUED:
            value = getattr(self, key)
            if value:
                params[key] = value
        return params

    def search_params(self) -> dict[str, str | list[str]]:
        """The search API's parameters (comma lists for the multi-valued
        filters, the languages as repeated keys)."""
        params = self._place_and_filters(join_lists=True)
        params["radius_km"] = f"{self.radius_km:g}"
        params["sort"] = self.sort
        params["limit"] = str(PAGE_SIZE)
        return params

    def page_params(self, **changes: object) -> dict[str, str | list[str]]:
        """This request as the front page's own URL parameters, with ``changes``
        (checkboxes repeat their key; defaults are left out of the address)."""
        request = replace(self, **changes)  # type: ignore[arg-type]
        params = request._place_and_filters(join_lists=False)
        if request.radius_km != DEFAULT_RADIUS_KM:
            params["radius_km"] = f"{request.radius_km:g}"
        if request.sort != "distance":
            params["sort"] = request.sort
        if request.shortlist:
            params["liste"] = ",".join(request.shortlist)
        return params
