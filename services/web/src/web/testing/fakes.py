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
from web.service_layer.accounts_gateway import (
    AccountNotAllowed,
    AuthUnavailable,
    LoginRefused,
    LoginThrottled,
    PasswordRefused,
    SessionEnded,
    Tokens,
)
from web.service_layer.context import LazyBoundaries
from web.service_layer.gateway import (
    Document,
    NotFound,
    QueryParams,
    SearchRejected,
    SearchUnavailable,
)
from web.service_layer.profiles_gateway import (
    Changes,
    EditRejected,
    NotAllowed,
    ProfilesUnavailable,
    ReadOnly,
    StaleEdit,
)
from web.service_layer.profiles_gateway import NotFound as ProfileNotFound

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


# --- auth and profiles, for the pages behind login ---------------------------------------

FAKE_PASSWORD = "hestene spiser hø om vinteren"  # noqa: S105 - the fakes' test password


class FakeAccountsGateway:
    """auth in memory: accounts with passwords and claims, tokens that are
    counters, a throttle after ``free_failures`` failed logins of a username
    (each then told to wait ``retry_after_s``), refresh tokens used up once,
    and auth's password policy in short (15 characters at least, not the
    username). ``down`` makes every call fail as an unreachable auth does."""

    def __init__(self, free_failures: int = 5, retry_after_s: int = 30) -> None:
        self.accounts: dict[str, dict[str, Any]] = {}
        self.free_failures = free_failures
        self.retry_after_s = retry_after_s
        self.failures: dict[str, int] = {}
        self.sessions: dict[str, str] = {}  # refresh token -> username
        self.access: dict[str, str] = {}  # access token -> username
        self.down = False
        self.calls: list[tuple[str, Any]] = []
        self._issued = 0
        for number, municipality in (("G20580", 751), ("G20581", 751)):
            self.add(number, role="institution", institution=number, municipality=municipality)
        self.add("kommune751", role="municipality", municipality=751)
        self.add("admin", role="admin")

    def add(self, username: str, password: str = FAKE_PASSWORD, **claims: Any) -> None:
        """An account; ``claims``: role, institution, municipality."""
        self.accounts[username.lower()] = {
            "username": username,
            "password": password,
            "sub": f"00000000-0000-4000-8000-{len(self.accounts) + 1:012d}",
            **claims,
        }

    def principal(self, access_token: str | None) -> dict[str, Any] | None:
        """What a service's verifier would read from the access token."""
        username = self.access.get(access_token or "")
        if username is None:
            return None
        account = self.accounts[username]
        return {k: v for k, v in account.items() if k not in ("password", "username")}

    def _check(self, action: str, argument: Any) -> None:
        self.calls.append((action, argument))
        if self.down:
            raise AuthUnavailable(action)

    def _issue(self, username: str) -> Tokens:
        self._issued += 1
        tokens = Tokens(f"access-{self._issued}", f"refresh-{self._issued}", 900)
        self.sessions[tokens.refresh_token] = username
        self.access[tokens.access_token] = username
        return tokens

    def login(self, username: str, password: str) -> Tokens:
        self._check("login", username)
        key = username.lower()
        if self.failures.get(key, 0) >= self.free_failures:
            raise LoginThrottled(self.retry_after_s)
        account = self.accounts.get(key)
        if account is None or account["password"] != password:
            self.failures[key] = self.failures.get(key, 0) + 1
            raise LoginRefused()
        self.failures.pop(key, None)
        return self._issue(key)

    def refresh(self, refresh_token: str) -> Tokens:
        self._check("refresh", None)
        username = self.sessions.pop(refresh_token, None)
        if username is None:
            raise SessionEnded()
        return self._issue(username)

    def logout(self, access_token: str | None, refresh_token: str) -> None:
        self._check("logout", None)
        self.sessions.pop(refresh_token, None)
        self.access.pop(access_token or "", None)

    def change_password(
        self,
        access_token: str,
        current: str,
        new: str,
        refresh_token: str | None = None,
    ) -> None:
        self._check("change_password", None)
        username = self.access.get(access_token)
        if username is None:
            raise SessionEnded()
        account = self.accounts.get(username)
        if account is None:
            raise AccountNotAllowed()
        if account["password"] != current:
            raise PasswordRefused(
                [
                    {
                        "field": "current_password",
                        "en": "The current password is wrong.",
                        "da": "Den nuværende adgangskode er forkert.",
                    }
                ]
            )
        problems = []
        if len(new) < 15:
            problems.append(
                {
                    "field": "new_password",
                    "problem": "too_short",
                    "en": "Use at least 15 characters.",
                    "da": "Brug mindst 15 tegn.",
                }
            )
        if account["username"].lower() in new.lower():
            problems.append(
                {
                    "field": "new_password",
                    "problem": "contains_username",
                    "en": "The password must not contain the username.",
                    "da": "Adgangskoden må ikke indeholde brugernavnet.",
                }
            )
        if problems:
            raise PasswordRefused(problems)
        account["password"] = new
        # Every other session ends; the one named stays.
        for token, owner in list(self.sessions.items()):
            if owner == username and token != refresh_token:
                del self.sessions[token]


PROFILE_FIELDS = (
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
DAGPLEJE_FIELDS = ("dagpleje", "opening_hours")
UNKNOWN_FIELD = {"en": "Unknown field.", "da": "Ukendt felt."}
NOT_HTTPS = {"en": "Use an https address.", "da": "Brug en https-adresse."}
OUTSIDE_THE_DAY = {
    "en": "Opening hours are between 05:00 and 20:00.",
    "da": "Åbningstiden ligger mellem 05:00 og 20:00.",
}


def _empty(field: str) -> Any:
    return (
        []
        if field in ("tags", "languages", "opening_hours", "closing_days")
        or (field == "open_places")
        else None
    )


class FakeProfilesGateway:
    """profiles in memory: G20580 and G20581 (Aarhus, 751), the closed
    C75100 and the dagpleje district D75100; each profile with its version
    as ETag (``"0"`` until first edited), a stale ETag refused (412) and an
    unknown field, a website without https or opening hours outside
    05:00-20:00 refused with reasons in English and Danish (422). Access
    tokens are read by ``accounts`` (a FakeAccountsGateway): an institution
    edits itself, a municipality user its municipality's, an admin all.
    ``down`` makes every call fail as an unreachable profiles does."""

    def __init__(self, accounts: FakeAccountsGateway | None = None) -> None:
        self.accounts = accounts or FakeAccountsGateway()
        # When every edit is saved: FakeClock's day, at eight in the morning.
        self.saved_at = f"{FakeClock.START.isoformat()}T08:00:00+00:00"
        self.down = False
        self.calls: list[tuple[str, Any]] = []
        self.institutions: dict[str, dict[str, Any]] = {}
        self.history_lines: dict[str, list[dict[str, Any]]] = {}
        for number, kind, closed in (
            ("G20580", "aldersintegreret", False),
            ("G20581", "boernehave", False),
            ("C75100", "vuggestue", True),
            ("D75100", "dagpleje", False),
        ):
            self.add(number, kind=kind, closed=closed)

    def add(
        self,
        number: str,
        kind: str = "aldersintegreret",
        municipality: int = 751,
        closed: bool = False,
    ) -> None:
        """An institution of the register with nothing reported yet (version 0)."""
        content = {field: _empty(field) for field in PROFILE_FIELDS}
        if kind == "dagpleje":
            content["dagpleje"] = None
        self.institutions[number] = {
            "institution_number": number,
            "name": f"Institution {number}",
            "kind": kind,
            "municipality_code": municipality,
            "version": 0,
            "read_only": closed,
            **content,
            "updated_at": None,
            "sections_saved_at": {},
        }
        self.history_lines[number] = []

    def _check(self, action: str, argument: Any) -> None:
        self.calls.append((action, argument))
        if self.down:
            raise ProfilesUnavailable(action)

    def _editor(self, access_token: str, number: str | None, code: int | None) -> dict[str, Any]:
        principal = self.accounts.principal(access_token)
        if principal is None:
            raise NotAllowed(401)
        role = principal.get("role")
        institution = self.institutions.get(number or "")
        municipality = code if institution is None else institution["municipality_code"]
        allowed = (
            role == "admin"
            or (role == "municipality" and principal.get("municipality") == municipality)
            or (
                role == "institution"
                and number is not None
                and principal.get("institution") == number
            )
        )
        if not allowed:
            raise NotAllowed(403)
        return principal

    def _stored(self, number: str) -> dict[str, Any]:
        if number not in self.institutions:
            raise ProfileNotFound(number)
        return self.institutions[number]

    @staticmethod
    def _reasons(changes: Changes, fields: Sequence[str]) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        for field in changes:
            if field not in fields:
                errors[field] = [UNKNOWN_FIELD]
        website = (changes.get("contact") or {}).get("website") if "contact" in fields else None
        if isinstance(website, str) and not website.startswith("https://"):
            errors["contact"] = {"website": [NOT_HTTPS]}
        for i, interval in enumerate(changes.get("opening_hours") or []):
            for end in ("opens", "closes"):
                if not "05:00" <= str(interval.get(end, "")) <= "20:00":
                    errors.setdefault("opening_hours", {}).setdefault(str(i), {})[end] = [
                        OUTSIDE_THE_DAY
                    ]
        return errors

    def _edit(
        self,
        principal: dict[str, Any],
        stored: dict[str, Any],
        changes: Changes,
        etag: str,
        whole: bool,
        fields: Sequence[str],
    ) -> tuple[Document, str]:
        if stored["read_only"]:
            raise ReadOnly(stored["institution_number"])
        current = f'"{stored["version"]}"'
        if not changes:
            raise EditRejected({"_schema": ["Nothing to change: name at least one field."]})
        if etag != current:
            raise StaleEdit(current)
        errors = self._reasons(changes, fields)
        if errors:
            raise EditRejected(errors)
        new = {field: _empty(field) for field in fields} if whole else {}
        new.update(copy.deepcopy(dict(changes)))
        changed = [field for field in fields if field in new and new[field] != stored.get(field)]
        if changed:
            stored.update(new)
            stored["version"] += 1
            stored["updated_at"] = self.saved_at
            stored["sections_saved_at"].update(dict.fromkeys(changed, self.saved_at))
            self.history_lines[stored["institution_number"]].insert(
                0,
                {
                    "version": stored["version"],
                    "account_id": principal["sub"],
                    "role": principal.get("role"),
                    "fields": changed,
                },
            )
        return copy.deepcopy(stored), f'"{stored["version"]}"'

    def profile(self, number: str) -> tuple[Document, str]:
        self._check("profile", number)
        stored = self._stored(number)
        return copy.deepcopy(stored), f'"{stored["version"]}"'

    def edit_profile(
        self, access_token: str, number: str, changes: Changes, etag: str, whole: bool
    ) -> tuple[Document, str]:
        self._check("edit_profile", number)
        stored = self._stored(number)
        principal = self._editor(access_token, number, None)
        return self._edit(principal, stored, changes, etag, whole, PROFILE_FIELDS)

    def history(
        self, access_token: str, number: str, limit: int | None = None, before: int | None = None
    ) -> Document:
        self._check("history", number)
        self._stored(number)
        self._editor(access_token, number, None)
        limit = limit or 20
        lines = [
            line
            for line in self.history_lines[number]
            if before is None or line["version"] < before
        ][:limit]
        oldest = lines[-1]["version"] if lines else None
        return {
            "institution_number": number,
            "changes": copy.deepcopy(lines),
            "next_before": oldest if len(lines) == limit and oldest and oldest > 1 else None,
        }

    def _districts(self, code: int) -> list[dict[str, Any]]:
        return [
            stored
            for stored in self.institutions.values()
            if stored["kind"] == "dagpleje" and stored["municipality_code"] == code
        ]

    @staticmethod
    def _district_document(stored: dict[str, Any]) -> Document:
        keys = ("institution_number", "name", "municipality_code", "version", "read_only")
        document = {key: stored[key] for key in keys}
        document.update(
            dagpleje=copy.deepcopy(stored.get("dagpleje")),
            opening_hours=copy.deepcopy(stored.get("opening_hours") or []),
            updated_at=stored["updated_at"],
        )
        return document

    def dagpleje_districts(self, code: int) -> Document:
        self._check("dagpleje_districts", code)
        return {
            "municipality_code": code,
            "districts": [
                self._district_document(d) for d in self._districts(code) if not d["read_only"]
            ],
        }

    def dagpleje_district(self, code: int, number: str) -> tuple[Document, str]:
        self._check("dagpleje_district", (code, number))
        stored = self._district(code, number)
        return self._district_document(stored), f'"{stored["version"]}"'

    def _district(self, code: int, number: str) -> dict[str, Any]:
        stored = self.institutions.get(number)
        if stored is None or stored not in self._districts(code):
            raise ProfileNotFound(number)
        return stored

    def report_dagpleje(
        self,
        access_token: str,
        code: int,
        number: str,
        changes: Changes,
        etag: str,
        whole: bool,
    ) -> tuple[Document, str]:
        self._check("report_dagpleje", (code, number))
        principal = self._editor(access_token, None, code)
        if principal.get("role") == "institution":
            raise NotAllowed(403)
        stored = self._district(code, number)
        _, version = self._edit(principal, stored, changes, etag, whole, DAGPLEJE_FIELDS)
        return self._district_document(stored), version

    def completeness(self, access_token: str, code: int) -> Document:
        self._check("completeness", code)
        principal = self._editor(access_token, None, code)
        if principal.get("role") == "institution":
            raise NotAllowed(403)
        institutions = []
        for stored in self.institutions.values():
            if stored["municipality_code"] != code or stored["read_only"]:
                continue
            filled = [f for f in PROFILE_FIELDS if stored.get(f) not in (None, [], {})]
            missing = [f for f in PROFILE_FIELDS if f not in filled]
            institutions.append(
                {
                    "institution_number": stored["institution_number"],
                    "name": stored["name"],
                    "kind": stored["kind"],
                    "share_filled": round(len(filled) / len(PROFILE_FIELDS), 3),
                    "filled": filled,
                    "missing": missing,
                    "newest_edit_at": stored["updated_at"],
                    "newest_edit_age_days": None,
                    "open_places_stale": False,
                }
            )
        return {"municipality_code": code, "institutions": institutions}
