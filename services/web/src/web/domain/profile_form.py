"""An institution's profile as the edit forms hold it, and back.

One section of the profile is edited at a time. Its form is a flat mapping of
field names to what was typed (a string, or a list for a group of
checkboxes); ``form_values`` fills it from profiles' document, ``parse``
checks what was typed and turns it into the JSON profiles expects for a
PATCH, and ``profile_errors`` puts profiles' own reasons (a tree by field,
list position and field) onto the form's field names. Problems found here
are codes; the pages say them in the reader's language.

Nothing here knows Flask or HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from dagtilbud_contracts.vocabulary import (
    AGE_GROUPS,
    DIETS,
    FOCUS_TAGS,
    KITCHENS,
    LANGUAGES,
    MEAL_KINDS,
    OPEN_PLACE_STATUSES,
)

# The address of each section's edit page, and the profile fields it saves.
SECTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "beskrivelse": ("description", "tags"),
    "kontakt": ("contact",),
    "aabningstider": ("opening_hours",),
    "lukkedage": ("closing_days",),
    "madordning": ("meal_scheme",),
    "ledige-pladser": ("open_places",),
    "sprog": ("languages",),
    "tilgaengelighed": ("accessibility",),
}

# profiles' limits (its OpenAPI document), checked here first so the reader
# gets the message beside the field without a round trip.
DESCRIPTION_MAX: Final = 4000
ACCESSIBILITY_MAX: Final = 500
LEADER_NAME_MAX: Final = 200
EMAIL_MAX: Final = 254
WEBSITE_MAX: Final = 500
REASON_MAX: Final = 200
PRICE_MAX: Final = 10000
WEEKDAYS: Final = range(7)
CONTACT_FIELDS: Final = ("leader_name", "phone", "email", "website")
MEAL_FIELDS: Final = (
    "offered",
    "kind",
    "price_per_month_dkk",
    "organic_share_pct",
    "kitchen",
    "diets",
)
LIST_FIELDS: Final = frozenset({"tags", "languages", "diets"})
# Empty closing-day rows a form offers beyond those reported (the page works
# without the script that adds more), and the most rows a form may send.
EMPTY_CLOSING_ROWS: Final = 3
MAX_CLOSING_ROWS: Final = 400

# Problems found in what was typed.
TOO_LONG: Final = "too_long"
UNKNOWN_CHOICE: Final = "unknown_choice"
NOT_A_TIME: Final = "not_a_time"
TIME_MISSING: Final = "time_missing"
CLOSES_BEFORE_OPENS: Final = "closes_before_opens"
SECOND_WITHOUT_FIRST: Final = "second_without_first"
SECOND_BEFORE_FIRST: Final = "second_before_first"
NOT_A_DATE: Final = "not_a_date"
DATE_MISSING: Final = "date_missing"
UNTIL_BEFORE_DATE: Final = "until_before_date"
NOT_A_PHONE: Final = "not_a_phone"
NOT_AN_EMAIL: Final = "not_an_email"
NOT_A_WEBSITE: Final = "not_a_website"
CHOOSE_OFFERED: Final = "choose_offered"
CHOOSE_KIND: Final = "choose_kind"
NOT_A_PRICE: Final = "not_a_price"
NOT_A_SHARE: Final = "not_a_share"
NOT_A_MONTH: Final = "not_a_month"
CHOOSE_STATUS: Final = "choose_status"

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$|^(\d{2})(\d{2})$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DANISH_DAY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DANISH_MONTH = re.compile(r"^(\d{1,2})[./-](\d{4})$")
# profiles' pattern for a contact phone: eight digits, +45 in front if any.
_PHONE = re.compile(r"^(\+45 ?)?([0-9] ?){7}[0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBSITE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+([/?#]\S*)?$", re.IGNORECASE)
_CLOSING_FIELD = re.compile(r"^closing-(\d{1,3})-(date|until|reason)$")

FormValues = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    code: str
    limit: int | None = None


@dataclass
class Parsed:
    """What a section's form says: the changes for profiles, or the problems
    per field name; and for each list item of the changes, the form field it
    came from (so profiles' reasons by list position land on the right row)."""

    changes: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    origins: dict[tuple[str, int], str] = field(default_factory=dict)

    def add(self, name: str, code: str, limit: int | None = None) -> None:
        self.problems.setdefault(name, []).append(Problem(code, limit))

    @property
    def ok(self) -> bool:
        return not self.problems


# ------------------------------------------------------------------ names


def hours_field(end: str, weekday: int, second: bool = False) -> str:
    """``opens-0`` is Monday's opening, ``closes-0-2`` the end of its second interval."""
    return f"{end}-{weekday}" + ("-2" if second else "")


def closing_field(row: int, name: str) -> str:
    return f"closing-{row}-{name}"


def places_field(name: str, age_group: str) -> str:
    return f"{name}-{age_group}"


def age_groups_of(kind: str | None) -> tuple[str, ...]:
    """The age groups an institution of ``kind`` reports open places for."""
    if kind == "vuggestue":
        return ("0-2",)
    if kind == "boernehave":
        return ("3-5",)
    return AGE_GROUPS


def field_names(section: str, values: Mapping[str, Any], kind: str | None = None) -> list[str]:
    """A section's form fields in page order (the error summary's order)."""
    if section == "beskrivelse":
        return ["description", "tags"]
    if section == "kontakt":
        return list(CONTACT_FIELDS)
    if section == "aabningstider":
        return [
            hours_field(end, day, second)
            for day in WEEKDAYS
            for second in (False, True)
            for end in ("opens", "closes")
        ]
    if section == "lukkedage":
        return [
            closing_field(row, name)
            for row in range(closing_rows(values))
            for name in ("date", "until", "reason")
        ]
    if section == "madordning":
        return list(MEAL_FIELDS)
    if section == "ledige-pladser":
        return [
            places_field(name, group)
            for group in age_groups_of(kind)
            for name in ("status", "from_month")
        ]
    if section == "sprog":
        return ["languages"]
    if section == "tilgaengelighed":
        return ["accessibility"]
    raise KeyError(section)


def closing_rows(values: Mapping[str, Any]) -> int:
    """How many closing-day rows a form has (the highest row sent, plus one)."""
    rows = [
        int(found.group(1)) for name in values if (found := _CLOSING_FIELD.match(name)) is not None
    ]
    return max(rows) + 1 if rows else 0


# ------------------------------------------------------- profile -> form


def form_values(section: str, profile: Mapping[str, Any]) -> FormValues:
    """What a section's form shows before anything is typed."""
    if section == "beskrivelse":
        return {
            "description": profile.get("description") or "",
            # Only the vocabulary can be chosen; the page names older keywords.
            "tags": [t for t in profile.get("tags") or [] if t in FOCUS_TAGS],
        }
    if section == "kontakt":
        contact = profile.get("contact") or {}
        return {name: contact.get(name) or "" for name in CONTACT_FIELDS}
    if section == "aabningstider":
        return _hours_values(profile.get("opening_hours") or [])
    if section == "lukkedage":
        return _closing_values(profile.get("closing_days") or [])
    if section == "madordning":
        return _meal_values(profile.get("meal_scheme"))
    if section == "ledige-pladser":
        values: FormValues = {}
        for group in AGE_GROUPS:
            values[places_field("status", group)] = ""
            values[places_field("from_month", group)] = ""
        for place in profile.get("open_places") or []:
            group = place.get("age_group")
            if group in AGE_GROUPS:
                values[places_field("status", group)] = place.get("status") or ""
                values[places_field("from_month", group)] = place.get("from_month") or ""
        return values
    if section == "sprog":
        return {"languages": [c for c in profile.get("languages") or [] if isinstance(c, str)]}
    if section == "tilgaengelighed":
        return {"accessibility": profile.get("accessibility") or ""}
    raise KeyError(section)


def _hours_values(intervals: Iterable[Mapping[str, Any]]) -> FormValues:
    values: FormValues = {
        hours_field(end, day, second): ""
        for day in WEEKDAYS
        for second in (False, True)
        for end in ("opens", "closes")
    }
    by_day: dict[int, list[tuple[str, str]]] = {day: [] for day in WEEKDAYS}
    for interval in intervals:
        day = interval.get("weekday")
        if isinstance(day, int) and day in by_day:
            by_day[day].append((str(interval.get("opens", "")), str(interval.get("closes", ""))))
    for day, found in by_day.items():
        # profiles keeps at most two intervals a day.
        for second, (opens, closes) in zip((False, True), sorted(found), strict=False):
            values[hours_field("opens", day, second)] = opens
            values[hours_field("closes", day, second)] = closes
    return values


def _closing_values(days: Sequence[Mapping[str, Any]]) -> FormValues:
    values: FormValues = {}
    ordered = sorted(days, key=lambda d: str(d.get("date", "")))
    for row in range(len(ordered) + EMPTY_CLOSING_ROWS):
        day = ordered[row] if row < len(ordered) else {}
        values[closing_field(row, "date")] = day.get("date") or ""
        values[closing_field(row, "until")] = day.get("until") or ""
        values[closing_field(row, "reason")] = day.get("reason") or ""
    return values


def _meal_values(meal: Mapping[str, Any] | None) -> FormValues:
    if not meal:
        return {name: [] if name == "diets" else "" for name in MEAL_FIELDS}
    price = meal.get("price_per_month_dkk")
    share = meal.get("organic_share_pct")
    return {
        "offered": "yes" if meal.get("offered") else "no",
        "kind": meal.get("kind") or "",
        "price_per_month_dkk": _plain_number(price) if price is not None else "",
        "organic_share_pct": str(share) if share is not None else "",
        "kitchen": meal.get("kitchen") or "",
        "diets": [d for d in meal.get("diets") or [] if isinstance(d, str)],
    }


def _plain_number(value: float) -> str:
    """869.0 as 869, 869.5 as 869,5 (the way a Dane types a price)."""
    as_float = float(value)
    if as_float.is_integer():
        return str(int(as_float))
    return f"{as_float:.2f}".rstrip("0").replace(".", ",")


# ---------------------------------------------------------- request -> form


def read_form(section: str, form: Mapping[str, Sequence[str]]) -> FormValues:
    """A section's fields as posted (``request.form.to_dict(flat=False)``):
    text trimmed, checkbox groups as lists, nothing else kept."""

    def one(name: str) -> str:
        sent = form.get(name) or [""]
        return str(sent[0]).replace("\r\n", "\n").strip()

    if section == "lukkedage":
        rows = min(closing_rows(form), MAX_CLOSING_ROWS)
        names = [closing_field(r, n) for r in range(rows) for n in ("date", "until", "reason")]
    else:
        names = field_names(section, {})
    return {
        name: [str(v).strip() for v in form.get(name) or [] if str(v).strip()]
        if name in LIST_FIELDS
        else one(name)
        for name in names
    }


# ------------------------------------------------------------ form -> JSON


def parse(section: str, values: Mapping[str, Any], kind: str | None = None) -> Parsed:
    """What ``values`` change in the profile, or what is wrong with them."""
    parsed = Parsed()
    if section == "beskrivelse":
        parsed.changes["description"] = _text(parsed, values, "description", DESCRIPTION_MAX)
        parsed.changes["tags"] = _choices(parsed, values, "tags", FOCUS_TAGS)
    elif section == "kontakt":
        parsed.changes["contact"] = _contact(parsed, values)
    elif section == "aabningstider":
        parsed.changes["opening_hours"] = _hours(parsed, values)
    elif section == "lukkedage":
        parsed.changes["closing_days"] = _closing_days(parsed, values)
    elif section == "madordning":
        parsed.changes["meal_scheme"] = _meal(parsed, values)
    elif section == "ledige-pladser":
        parsed.changes["open_places"] = _open_places(parsed, values, age_groups_of(kind))
    elif section == "sprog":
        parsed.changes["languages"] = _choices(parsed, values, "languages", LANGUAGES)
    elif section == "tilgaengelighed":
        parsed.changes["accessibility"] = _text(parsed, values, "accessibility", ACCESSIBILITY_MAX)
    else:
        raise KeyError(section)
    if not parsed.ok:
        parsed.changes = {}
    return parsed


def _text(parsed: Parsed, values: Mapping[str, Any], name: str, limit: int) -> str | None:
    text = str(values.get(name) or "").strip()
    if len(text) > limit:
        parsed.add(name, TOO_LONG, limit)
    return text or None


def _choices(
    parsed: Parsed, values: Mapping[str, Any], name: str, vocabulary: Sequence[str]
) -> list[str]:
    chosen = set(values.get(name) or [])
    if chosen - set(vocabulary):
        parsed.add(name, UNKNOWN_CHOICE)
    # The vocabulary's order, so an unchanged choice compares equal.
    return [key for key in vocabulary if key in chosen]


def _contact(parsed: Parsed, values: Mapping[str, Any]) -> dict[str, str | None]:
    contact: dict[str, str | None] = {
        "leader_name": _text(parsed, values, "leader_name", LEADER_NAME_MAX)
    }
    phone = " ".join(str(values.get("phone") or "").replace("-", " ").split())
    if phone and not _PHONE.match(phone):
        parsed.add("phone", NOT_A_PHONE)
    contact["phone"] = phone or None
    email = str(values.get("email") or "").strip()
    if len(email) > EMAIL_MAX:
        parsed.add("email", TOO_LONG, EMAIL_MAX)
    elif email and not _EMAIL.match(email):
        parsed.add("email", NOT_AN_EMAIL)
    contact["email"] = email or None
    website = str(values.get("website") or "").strip()
    if website and _BARE_DOMAIN.match(website):
        # "boernely.dk" is what most people type; the page links with https.
        website = "https://" + website
    if len(website) > WEBSITE_MAX:
        parsed.add("website", TOO_LONG, WEBSITE_MAX)
    elif website and not _WEBSITE.match(website):
        parsed.add("website", NOT_A_WEBSITE)
    contact["website"] = website or None
    return contact


def clock_time(text: str) -> str | None:
    """``8.00``, ``08:00`` or ``0800`` as ``08:00``; None when it is no time of day."""
    found = _TIME.match(text.strip())
    if found is None:
        return None
    hour, minute = (int(g) for g in (found.groups()[:2] if found.group(1) else found.groups()[2:]))
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _interval(
    parsed: Parsed, values: Mapping[str, Any], day: int, second: bool
) -> tuple[str, str] | None:
    names = {end: hours_field(end, day, second) for end in ("opens", "closes")}
    typed = {end: str(values.get(name) or "").strip() for end, name in names.items()}
    if not any(typed.values()):
        return None
    times: dict[str, str] = {}
    for end, text in typed.items():
        if not text:
            parsed.add(names[end], TIME_MISSING)
            continue
        time = clock_time(text)
        if time is None:
            parsed.add(names[end], NOT_A_TIME)
        else:
            times[end] = time
    if len(times) < 2:
        return None
    if times["closes"] <= times["opens"]:
        parsed.add(names["closes"], CLOSES_BEFORE_OPENS)
        return None
    return times["opens"], times["closes"]


def _hours(parsed: Parsed, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    intervals: list[dict[str, Any]] = []
    for day in WEEKDAYS:
        first = _interval(parsed, values, day, False)
        second = _interval(parsed, values, day, True)
        first_typed = any(values.get(hours_field(e, day)) for e in ("opens", "closes"))
        if second is not None and not first_typed:
            parsed.add(hours_field("opens", day, True), SECOND_WITHOUT_FIRST)
            continue
        if first is not None and second is not None and second[0] < first[1]:
            parsed.add(hours_field("opens", day, True), SECOND_BEFORE_FIRST)
            continue
        for is_second, interval in ((False, first), (True, second)):
            if interval is not None:
                parsed.origins[("opening_hours", len(intervals))] = hours_field(
                    "opens", day, is_second
                )
                intervals.append({"weekday": day, "opens": interval[0], "closes": interval[1]})
    return intervals


def calendar_day(text: str) -> date | None:
    """``2026-12-24`` (a date field) or ``24.12.2026`` / ``24-12-2026`` / ``24/12/2026``."""
    text = text.strip()
    iso, danish = _ISO_DAY.match(text), _DANISH_DAY.match(text)
    try:
        if iso is not None:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if danish is not None:
            return date(int(danish.group(3)), int(danish.group(2)), int(danish.group(1)))
    except ValueError:
        return None
    return None


def _closing_days(parsed: Parsed, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    days: list[dict[str, Any]] = []
    for row in range(closing_rows(values)):
        names = {n: closing_field(row, n) for n in ("date", "until", "reason")}
        typed = {n: str(values.get(name) or "").strip() for n, name in names.items()}
        if not any(typed.values()):
            continue
        first = calendar_day(typed["date"]) if typed["date"] else None
        if not typed["date"]:
            parsed.add(names["date"], DATE_MISSING)
        elif first is None:
            parsed.add(names["date"], NOT_A_DATE)
        until = calendar_day(typed["until"]) if typed["until"] else None
        if typed["until"] and until is None:
            parsed.add(names["until"], NOT_A_DATE)
        elif first is not None and until is not None and until < first:
            parsed.add(names["until"], UNTIL_BEFORE_DATE)
        if len(typed["reason"]) > REASON_MAX:
            parsed.add(names["reason"], TOO_LONG, REASON_MAX)
        if first is None:
            continue
        parsed.origins[("closing_days", len(days))] = f"closing-{row}"
        days.append(
            {
                "date": first.isoformat(),
                "until": until.isoformat() if until is not None and until > first else None,
                "reason": typed["reason"] or None,
            }
        )
    return days


def _meal(parsed: Parsed, values: Mapping[str, Any]) -> dict[str, Any] | None:
    offered = str(values.get("offered") or "")
    others = [name for name in MEAL_FIELDS if name != "offered" and values.get(name)]
    if not offered:
        if others:
            parsed.add("offered", CHOOSE_OFFERED)
        # Nothing chosen at all: the meal scheme is not reported.
        return None
    if offered not in ("yes", "no"):
        parsed.add("offered", UNKNOWN_CHOICE)
        return None
    if offered == "no":
        return {
            "offered": False,
            "kind": None,
            "diets": [],
            "price_per_month_dkk": None,
            "kitchen": None,
            "organic_share_pct": None,
        }
    kind = str(values.get("kind") or "")
    if not kind:
        parsed.add("kind", CHOOSE_KIND)
    elif kind not in MEAL_KINDS:
        parsed.add("kind", UNKNOWN_CHOICE)
    kitchen = str(values.get("kitchen") or "")
    if kitchen and kitchen not in KITCHENS:
        parsed.add("kitchen", UNKNOWN_CHOICE)
    return {
        "offered": True,
        "kind": kind or None,
        "diets": _choices(parsed, values, "diets", DIETS),
        "price_per_month_dkk": _price(parsed, str(values.get("price_per_month_dkk") or "")),
        "kitchen": kitchen or None,
        "organic_share_pct": _share(parsed, str(values.get("organic_share_pct") or "")),
    }


def _price(parsed: Parsed, text: str) -> float | None:
    text = re.sub(r"(?i)\s*(kr\.?|dkk)$", "", text.strip()).replace(" ", "")
    if not text:
        return None
    # 1.250,50 (Danish) or 1250.50: a comma is the decimal mark when there is one.
    normal = text.replace(".", "").replace(",", ".") if "," in text else text
    try:
        price = float(normal)
    except ValueError:
        price = -1.0
    if not 0 <= price <= PRICE_MAX:
        parsed.add("price_per_month_dkk", NOT_A_PRICE)
        return None
    return price


def _share(parsed: Parsed, text: str) -> int | None:
    text = text.strip().rstrip("%").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 <= int(text) <= 100:
        parsed.add("organic_share_pct", NOT_A_SHARE)
        return None
    return int(text)


def year_month(text: str) -> str | None:
    """``2026-08`` (a month field), ``08-2026`` or ``8/2026`` as ``2026-08``."""
    text = text.strip()
    iso, danish = _ISO_MONTH.match(text), _DANISH_MONTH.match(text)
    if iso is not None:
        year, month = int(iso.group(1)), int(iso.group(2))
    elif danish is not None:
        year, month = int(danish.group(2)), int(danish.group(1))
    else:
        return None
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None


def _open_places(
    parsed: Parsed, values: Mapping[str, Any], groups: Sequence[str]
) -> list[dict[str, Any]]:
    places: list[dict[str, Any]] = []
    for group in groups:
        status_name, month_name = places_field("status", group), places_field("from_month", group)
        status = str(values.get(status_name) or "")
        typed_month = str(values.get(month_name) or "").strip()
        month = year_month(typed_month) if typed_month else None
        if typed_month and month is None:
            parsed.add(month_name, NOT_A_MONTH)
        if not status:
            if typed_month:
                parsed.add(status_name, CHOOSE_STATUS)
            continue
        if status not in OPEN_PLACE_STATUSES:
            parsed.add(status_name, UNKNOWN_CHOICE)
            continue
        parsed.origins[("open_places", len(places))] = group
        places.append({"age_group": group, "status": status, "from_month": month})
    return places


# ------------------------------------------------- profiles' reasons -> form


def profile_errors(
    section: str,
    tree: Mapping[str, Any],
    origins: Mapping[tuple[str, int], str],
    say: Callable[[Any], str],
    fallback: str,
) -> dict[str, list[str]]:
    """profiles' reasons (``{"contact": {"website": [reason]}}``,
    ``{"opening_hours": {"0": {"opens": [...]}}}``) per form field, each said
    by ``say`` (a reason ``{"en", "da"}`` in the reader's language). A reason
    no field of the form matches lands on ``fallback`` (the section's first
    field), so it is never lost."""
    errors: dict[str, list[str]] = {}
    for path, reasons in _leaves(tree, ()):
        name = _field_of(section, path, origins) or fallback
        for reason in reasons:
            text = say(reason)
            if text and text not in errors.get(name, []):
                errors.setdefault(name, []).append(text)
    return errors


def _is_reason(item: Any) -> bool:
    return isinstance(item, str) or (isinstance(item, Mapping) and ("en" in item or "da" in item))


def _leaves(node: Any, path: tuple[Any, ...]) -> Iterable[tuple[tuple[Any, ...], list[Any]]]:
    if isinstance(node, Mapping) and not _is_reason(node):
        for key, child in node.items():
            step: Any = int(key) if isinstance(key, str) and key.isdigit() else key
            yield from _leaves(child, (*path, step))
    elif isinstance(node, list | tuple):
        reasons = [item for item in node if _is_reason(item)]
        if reasons:
            yield path, reasons
        for index, item in enumerate(node):
            if not _is_reason(item):
                yield from _leaves(item, (*path, index))
    elif _is_reason(node):
        yield path, [node]


def _field_of(
    section: str, path: tuple[Any, ...], origins: Mapping[tuple[str, int], str]
) -> str | None:
    if not path:
        return None
    top, rest = path[0], path[1:]
    if top not in SECTIONS[section]:
        return None
    if top in ("description", "tags", "languages", "accessibility"):
        return str(top)
    if top == "contact":
        return str(rest[0]) if rest and rest[0] in CONTACT_FIELDS else "leader_name"
    if top == "meal_scheme":
        return str(rest[0]) if rest and rest[0] in MEAL_FIELDS else "offered"
    if not rest or not isinstance(rest[0], int):
        return None
    origin = origins.get((top, rest[0]))
    key = rest[1] if len(rest) > 1 else None
    if origin is None:
        return None
    if top == "opening_hours":
        # origin is the interval's opening field: opens-<day>[-2].
        return origin.replace("opens", "closes", 1) if key == "closes" else origin
    if top == "closing_days":
        return f"{origin}-{key if key in ('date', 'until', 'reason') else 'date'}"
    if top == "open_places":
        return places_field("from_month" if key == "from_month" else "status", origin)
    return None
