"""A municipality's overview of its institutions: how much of each profile is
filled in, how fresh it is, and whether the institution can log in.

Pure: profiles' completeness list and auth's account list go in, the rows a
page shows come out, filtered and sorted as the query asks. Unknown query
values fall back to the defaults and are named, so the page can say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

SORTS: Final = ("navn", "udfyldt", "senest")
DIRECTIONS: Final = ("op", "ned")
DEFAULT_SORT: Final = "navn"
# Filter names in the query (Danish, like the parents' pages).
NO_OPENING_HOURS: Final = "uden_aabningstider"
STALE_OPEN_PLACES: Final = "gamle_ledige_pladser"
NEVER_UPDATED: Final = "aldrig_opdateret"
KIND: Final = "type"
FLAGS: Final = (NO_OPENING_HOURS, STALE_OPEN_PLACES, NEVER_UPDATED)


@dataclass(frozen=True)
class Row:
    """One institution as the overview shows it."""

    number: str
    name: str
    kind: str
    share_filled: float
    missing: tuple[str, ...]
    newest_edit_at: datetime | None
    age_days: int | None
    open_places_stale: bool
    # From auth; None when auth has no account for it.
    account_status: str | None = None
    password_issued: bool | None = None
    password_changed_at: datetime | None = None

    @property
    def never_updated(self) -> bool:
        return self.newest_edit_at is None and self.age_days is None

    @property
    def lacks_opening_hours(self) -> bool:
        return "opening_hours" in self.missing


@dataclass(frozen=True)
class View:
    """What the query asked for: a sort, a direction and the filters."""

    sort: str = DEFAULT_SORT
    descending: bool = False
    flags: frozenset[str] = frozenset()
    kind: str | None = None
    invalid: tuple[str, ...] = field(default=())

    @property
    def filtered(self) -> bool:
        return bool(self.flags) or self.kind is not None

    def query(self, **override: Any) -> dict[str, Any]:
        """The query that shows this view, with ``override`` in place (for
        the column headers' links and the filter form)."""
        values: dict[str, Any] = {
            "sortering": self.sort,
            "retning": "ned" if self.descending else "op",
        }
        for flag in sorted(self.flags):
            values[flag] = "1"
        if self.kind is not None:
            values[KIND] = self.kind
        values.update(override)
        return values


def parse_view(args: Mapping[str, str], kinds: Iterable[str]) -> View:
    """The view a query asks for; unknown values are named in ``invalid`` and
    replaced by the default."""
    invalid: list[str] = []
    sort = args.get("sortering") or DEFAULT_SORT
    if sort not in SORTS:
        invalid.append("sortering")
        sort = DEFAULT_SORT
    direction = args.get("retning") or "op"
    if direction not in DIRECTIONS:
        invalid.append("retning")
        direction = "op"
    flags = frozenset(flag for flag in FLAGS if args.get(flag) in ("1", "on", "true", "ja"))
    kind = args.get(KIND) or None
    if kind is not None and kind not in set(kinds):
        invalid.append(KIND)
        kind = None
    return View(sort, direction == "ned", flags, kind, tuple(invalid))


def moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def rows(
    completeness: Sequence[Mapping[str, Any]],
    institution_accounts: Sequence[Mapping[str, Any]],
    today: date,
) -> list[Row]:
    """profiles' completeness items joined with auth's institution accounts
    (by number). An age profiles did not give is counted from the newest
    edit to ``today``."""
    accounts = {str(a.get("institution_number")): a for a in institution_accounts}
    out = []
    for item in completeness:
        number = str(item["institution_number"])
        at = moment(item.get("newest_edit_at"))
        age = item.get("newest_edit_age_days")
        if age is None and at is not None:
            age = max(0, (today - at.date()).days)
        account = accounts.get(number)
        out.append(
            Row(
                number=number,
                name=str(item.get("name") or number),
                kind=str(item.get("kind") or ""),
                share_filled=float(item.get("share_filled") or 0.0),
                missing=tuple(item.get("missing") or ()),
                newest_edit_at=at,
                age_days=None if age is None else int(age),
                open_places_stale=bool(item.get("open_places_stale")),
                account_status=None if account is None else str(account.get("status")),
                password_issued=None if account is None else bool(account.get("password_issued")),
                password_changed_at=None
                if account is None
                else moment(account.get("password_changed_at")),
            )
        )
    return out


def filter_rows(found: Iterable[Row], view: View) -> list[Row]:
    """The rows that pass every filter the view names (all of them: AND)."""
    kept = []
    for row in found:
        if NO_OPENING_HOURS in view.flags and not row.lacks_opening_hours:
            continue
        if STALE_OPEN_PLACES in view.flags and not row.open_places_stale:
            continue
        if NEVER_UPDATED in view.flags and not row.never_updated:
            continue
        if view.kind is not None and row.kind != view.kind:
            continue
        kept.append(row)
    return kept


def sort_rows(found: Iterable[Row], view: View, name_key: Callable[[str], Any]) -> list[Row]:
    """Sorted by name (``name_key``: Danish order), share filled in or the
    newest edit; ties by name. An institution never updated is the oldest of
    all: first going up, last going down."""
    by_name = sorted(found, key=lambda row: (name_key(row.name), row.number))
    if view.sort == "navn":
        return list(reversed(by_name)) if view.descending else by_name
    if view.sort == "udfyldt":
        return sorted(by_name, key=lambda row: row.share_filled, reverse=view.descending)

    def freshness(row: Row) -> float:
        # Fewer days since the edit is fresher; never updated the least fresh.
        return float("-inf") if row.age_days is None else -float(row.age_days)

    return sorted(by_name, key=freshness, reverse=view.descending)
