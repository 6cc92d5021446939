"""A search service in memory, answering with documents recorded from the
real search API (``samples/``), so page tests run without any server; and
auth, profiles and ingest in memory for the pages behind login."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from dagtilbud_contracts.municipalities import MUNICIPALITIES
from dagtilbud_contracts.vocabulary import INDICATORS, open_places_fresh
from web.adapters.boundaries import load_boundaries_geojson
from web.config import DEFAULT_REFERENCE_DIR
from web.domain.maps import Boundaries
from web.service_layer.accounts_gateway import (
    CREATABLE_ROLES,
    AccountNotAllowed,
    AccountRefused,
    AuthUnavailable,
    LettersRefused,
    LoginRefused,
    LoginThrottled,
    OneTimeSecrets,
    PasswordRefused,
    SessionEnded,
    Tokens,
    UnknownMunicipality,
    UsernameTaken,
)
from web.service_layer.context import LazyBoundaries
from web.service_layer.gateway import (
    Document,
    NotFound,
    QueryParams,
    SearchRejected,
    SearchUnavailable,
)
from web.service_layer.imports_gateway import (
    KINDS,
    ImportNotAllowed,
    ImportNotFound,
    ImportRefused,
    ImportsUnavailable,
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


class RecordingPageCache:
    """A page cache that keeps nothing (every page rendered fresh) and
    remembers which pages it was told to forget."""

    def __init__(self) -> None:
        self.forgotten: list[str] = []

    def get(self, key: str) -> bytes | None:
        return None

    def put(self, key: str, page: bytes) -> None:
        return None

    def forget(self, page: str) -> None:
        self.forgotten.append(page)

    def close(self) -> None:
        return None


# --- auth and profiles, for the pages behind login ---------------------------------------

FAKE_PASSWORD = "hestene spiser hø om vinteren"  # noqa: S105 - the fakes' test password
FAKE_LOGIN_URL = "http://127.0.0.1:8000/log-ind"
# auth's reasons, as its API gives them.
NOT_YOURS = {
    "en": "Unknown, or not an institution you may issue letters for.",
    "da": "Ukendt, eller ikke en institution, du må udstede breve til.",
}
CLOSED = {"en": "The institution has closed.", "da": "Institutionen er lukket."}
TAKEN = {"en": "The username is taken.", "da": "Brugernavnet er optaget."}
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._@-]{3,100}$")
INSTITUTION_NUMBER_LIKE = re.compile(r"^[A-Za-z0-9]{6}$")
LETTERS_HEADER = ("Institutionsnummer", "Institution", "Kommune", "Adgangskode", "Log ind på")
_DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def _slug(text: str) -> str:
    """A municipality's name as auth puts it in a letters file's name."""
    plain = (
        unicodedata.normalize("NFKD", text.casefold().translate(_DANISH_LETTERS))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "kommune"


class FakeAccountsGateway:
    """auth in memory: accounts with passwords and claims, tokens that are
    counters, a throttle after ``free_failures`` failed logins of a username
    (each then told to wait ``retry_after_s``), refresh tokens used up once,
    and auth's password policy in short (15 characters at least, not the
    username). ``down`` makes every call fail as an unreachable auth does.

    For the municipality's and the admin's pages: G20580, G20581 and the
    closed C75100 (its account disabled) in Aarhus (751), G10433 in
    København (101), the users kommune751, admin and dst; credential letters
    (all or nothing, refused with auth's reasons per institution), new users
    with one-time passwords and an audit trail of both (``audit_records``,
    newest first). Letters and new users are dated ``today``."""

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
        self.add(
            "C75100", role="institution", institution="C75100", municipality=751, status="disabled"
        )
        self.add("G10433", role="institution", institution="G10433", municipality=101)
        self.add("dst", role="dst")
        self.audit_records: list[dict[str, Any]] = []
        self.today = FakeClock.START
        self.login_url = FAKE_LOGIN_URL
        self._generated = 0

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
        if (
            account is None
            or account["password"] != password
            or account.get("status", "active") != "active"
        ):
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

    # --- who is logged in, letters, users, the audit trail ------------------------------

    def _actor(self, access_token: str) -> dict[str, Any]:
        """The stored account the token speaks for (SessionEnded: none)."""
        username = self.access.get(access_token)
        account = self.accounts.get(username or "")
        if account is None:
            raise SessionEnded()
        return account

    def me(self, access_token: str) -> dict[str, Any]:
        self._check("me", None)
        account = self._actor(access_token)
        return {
            "account_id": account["sub"],
            "username": account["username"],
            "role": account.get("role"),
            "institution_number": account.get("institution"),
            "municipality_code": account.get("municipality"),
            "display_name": account.get("display_name"),
            "status": account.get("status", "active"),
        }

    def _institutions_of(self, code: int) -> list[dict[str, Any]]:
        return sorted(
            (
                a
                for a in self.accounts.values()
                if a.get("role") == "institution" and a.get("municipality") == code
            ),
            key=lambda a: str(a.get("institution")),
        )

    def municipality_institutions(self, access_token: str, code: int) -> dict[str, Any]:
        self._check("municipality_institutions", code)
        if code < 0:
            raise UnknownMunicipality(code)
        actor = self._actor(access_token)
        if not (
            actor.get("role") == "admin"
            or (actor.get("role") == "municipality" and actor.get("municipality") == code)
        ):
            raise AccountNotAllowed()
        return {
            "municipality_code": code,
            "institutions": [
                {
                    "account_id": a["sub"],
                    "institution_number": a["institution"],
                    "name": a.get("display_name"),
                    "municipality_code": code,
                    "status": a.get("status", "active"),
                    "password_issued": a.get("password_changed_at") is not None,
                    "password_changed_at": a.get("password_changed_at"),
                    "can_log_in": a.get("status", "active") == "active",
                }
                for a in self._institutions_of(code)
            ],
        }

    def _new_password(self) -> str:
        self._generated += 1
        return f"solsikke-{self._generated:04d}-hestehave"

    def _record(
        self, action: str, account: Mapping[str, Any], actor: Mapping[str, Any], **detail: Any
    ) -> None:
        self.audit_records.insert(
            0,
            {
                "at": f"{self.today.isoformat()}T08:00:00+00:00",
                "action": action,
                "account_id": account["sub"],
                "actor_account_id": actor["sub"],
                "municipality_code": account.get("municipality"),
                "client_address": None,
                "detail": detail,
            },
        )

    def issue_letters(
        self,
        access_token: str,
        numbers: Sequence[str] | None,
        all: bool = False,
        municipality: int | None = None,
    ) -> OneTimeSecrets:
        self._check("issue_letters", None if numbers is None else tuple(numbers))
        actor = self._actor(access_token)
        role = actor.get("role")
        if role not in ("municipality", "admin"):
            raise AccountNotAllowed()
        if (numbers is None) == (not all) or (numbers is not None and municipality is not None):
            raise LettersRefused(
                422,
                "The request body is not valid (invalid: institutions). See errors.",
                "Forespørgslens indhold er ikke gyldigt (ugyldig: institutions). Se errors.",
                [
                    {
                        "field": "institutions",
                        "en": "The request body is not valid (invalid: institutions). See errors.",
                        "da": "Forespørgslens indhold er ikke gyldigt (ugyldig: institutions). "
                        "Se errors.",
                        "detail": "Give either `institutions` or `all: true`.",
                    }
                ],
            )
        if numbers is None:
            code = actor.get("municipality") if role == "municipality" else None
            if municipality is not None and code is not None and municipality != code:
                raise AccountNotAllowed()
            code = municipality if municipality is not None else code
            if code is None:
                raise self._letters_field(
                    "municipality",
                    "Name the municipality whose institutions get letters.",
                    "Angiv kommunen, hvis institutioner skal have breve.",
                )
            targets = [
                a for a in self._institutions_of(code) if a.get("status", "active") != "disabled"
            ]
            if not targets:
                raise self._letters_field(
                    "all",
                    "The municipality has no open institutions.",
                    "Kommunen har ingen åbne institutioner.",
                )
        else:
            wanted = list(dict.fromkeys(n.strip().upper() for n in numbers))
            refused, closed, targets = [], [], []
            for number in wanted:
                target = self.accounts.get(number.lower())
                if (
                    target is None
                    or target.get("role") != "institution"
                    or (
                        role == "municipality"
                        and target.get("municipality") != actor.get("municipality")
                    )
                ):
                    refused.append(number)
                elif target.get("status", "active") == "disabled":
                    closed.append(number)
                else:
                    targets.append(target)
            if refused:
                raise LettersRefused(
                    403,
                    "No letters were issued: some institutions cannot be given letters by you.",
                    "Denne konto må ikke gøre det.",
                    institutions=dict.fromkeys(refused, NOT_YOURS),
                )
            if closed:
                raise LettersRefused(
                    409,
                    "No letters were issued: some institutions have closed.",
                    "Forespørgslen kunne ikke gennemføres.",
                    institutions=dict.fromkeys(closed, CLOSED),
                )
        letters = []
        for target in targets:
            password = self._new_password()
            target["password"] = password
            target["password_changed_at"] = f"{self.today.isoformat()}T08:00:00+00:00"
            key = target["username"].lower()
            for token, owner in list(self.sessions.items()):
                if owner == key:
                    del self.sessions[token]
            number = target["institution"]
            self._record("credentials_issued", target, actor, institution_number=number)
            code = target.get("municipality")
            letters.append(
                OneTimeSecrets(
                    institution_number=number,
                    institution_name=target.get("display_name") or target["username"],
                    municipality_name=MUNICIPALITIES.get(code, str(code)) if code else "",
                    password=password,
                    login_url=self.login_url,
                )
            )
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(LETTERS_HEADER)
        writer.writerows([list(letter.values()) for letter in letters])
        names = {letter["municipality_name"] for letter in letters}
        where = _slug(names.pop()) if len(names) == 1 else "flere-kommuner"
        return OneTimeSecrets(
            letters=letters,
            filename=f"adgangsbreve-{where}-{self.today.isoformat()}.csv",
            csv="\ufeff" + out.getvalue(),
        )

    @staticmethod
    def _letters_field(field: str, en: str, da: str) -> LettersRefused:
        return LettersRefused(422, en, da, [{"field": field, "en": en, "da": da}])

    def create_user(
        self,
        access_token: str,
        role: str,
        username: str,
        municipality_code: int | None = None,
        display_name: str | None = None,
    ) -> OneTimeSecrets:
        self._check("create_user", username)
        actor = self._actor(access_token)
        if actor.get("role") != "admin":
            raise AccountNotAllowed()
        username = username.strip()

        def refused(field: str, en: str, da: str) -> AccountRefused:
            return AccountRefused(422, en, da, [{"field": field, "en": en, "da": da}])

        if role not in CREATABLE_ROLES:
            raise refused(
                "role",
                "The role must be municipality, dst or admin.",
                "Rollen skal være municipality, dst eller admin.",
            )
        if not USERNAME_PATTERN.match(username) or INSTITUTION_NUMBER_LIKE.match(username):
            raise refused(
                "username",
                "A username is 3-100 letters, digits and . _ @ -, and not six letters and "
                "digits (those are institution numbers).",
                "Et brugernavn er 3-100 bogstaver, tal og . _ @ -, og ikke seks bogstaver og "
                "tal (det er institutionsnumre).",
            )
        if municipality_code is not None and municipality_code not in MUNICIPALITIES:
            raise refused("municipality_code", "No such municipality.", "Kommunen findes ikke.")
        if (role == "municipality") != (municipality_code is not None):
            raise refused(
                "municipality_code",
                "A municipality user names its municipality; dst and admin users name none.",
                "En kommunebruger har en kommune; dst- og admin-brugere har ingen.",
            )
        if username.lower() in self.accounts:
            raise UsernameTaken(409, TAKEN["en"], TAKEN["da"], [{"field": "username", **TAKEN}])
        password = self._new_password()
        claims: dict[str, Any] = {"role": role, "display_name": display_name}
        if municipality_code is not None:
            claims["municipality"] = municipality_code
        self.add(username, password, **claims)
        account = self.accounts[username.lower()]
        self._record("account_created", account, actor, role=role)
        return OneTimeSecrets(
            account_id=account["sub"],
            username=username,
            role=role,
            municipality_code=municipality_code,
            display_name=display_name,
            status="active",
            password=password,
        )

    def audit(
        self, access_token: str, account: str | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        self._check("audit", account)
        actor = self._actor(access_token)
        limit = 100 if limit is None else limit
        if not 1 <= limit <= 500:
            en = "The request has invalid parameters: limit."
            da = "Forespørgslen har ugyldige parametre: limit."
            raise AccountRefused(422, en, da, [{"field": "limit", "en": en, "da": da}])
        role = actor.get("role")
        records = self.audit_records
        if role == "municipality":
            records = [r for r in records if r["municipality_code"] == actor.get("municipality")]
        elif role == "institution":
            if account is not None and account != actor["sub"]:
                raise AccountNotAllowed()
            records = [r for r in records if r["account_id"] == actor["sub"]]
        elif role != "admin":
            raise AccountNotAllowed()
        if account is not None:
            records = [r for r in records if r["account_id"] == account]
        return {"records": copy.deepcopy(records[:limit])}


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
        # The day completeness counts ages and stale open places from.
        self.today = FakeClock.START
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
                    "newest_edit_age_days": _age_days(stored["updated_at"], self.today),
                    "open_places_stale": any(
                        not open_places_fresh(date.fromisoformat(report["reported_on"]), self.today)
                        for report in stored.get("open_places") or []
                        if report.get("reported_on")
                    ),
                }
            )
        return {"municipality_code": code, "institutions": institutions}


def _age_days(saved_at: str | None, today: date) -> int | None:
    if not saved_at:
        return None
    return (today - datetime.fromisoformat(saved_at).date()).days


# --- ingest, for the upload pages ---------------------------------------------------------

SAMPLE_SIZE = 5  # ingest's samples per kind of change in a report
REGISTER_COLUMNS = ("id", "navn", "kommunekode")
STATISTICS_COLUMNS = ("kommunekode", "aar")
INSTITUTION_NUMBER = re.compile(r"^[A-Z0-9]{6}$")
MISSING_FIGURES = ("", "..", "-")


def _problem(
    code: str,
    message_da: str,
    message_en: str,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
    severity: str = "error",
) -> dict[str, Any]:
    return {
        "severity": severity,
        "code": code,
        "row": row,
        "column": column,
        "value": value,
        "message_da": message_da,
        "message_en": message_en,
    }


def _da_pct(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


class _Read:
    """A file as the fake ingest read it."""

    def __init__(self, kind: str | None, fmt: str | None) -> None:
        self.kind, self.format = kind, fmt
        self.rows = 0
        self.problems: list[dict[str, Any]] = []
        self.institutions: dict[str, dict[str, Any]] = {}  # the file's active ones
        self.figures: dict[tuple[int, str, int], float] = {}


class FakeImportsGateway:
    """ingest in memory, for dst and admin accounts (tokens read by
    ``accounts``, a FakeAccountsGateway; no token 401, another role 403).

    It reads the portal's own files: a register (comma-separated, columns
    ``id``, ``navn``, ``kommunekode``, and ``aktiv`` where "nej" means
    closed) and statistics (semicolon-separated, ``kommunekode``, ``aar``
    and the indicator columns, decimal comma or point, ``..`` for none).
    Anything else, or a bad value, is rejected with each problem in Danish
    and English, as ingest's report says them. An upload is queued; each
    ``get_import`` of it moves it on (``steps`` calls: queued, running with
    half the rows done, then its end), and what it changes takes effect in
    upload order. A valid file gives ingest's report: a dry run the
    changes (``diff``) and, for a register, ``closures`` per municipality;
    closing more than ``max_closure_pct`` of the active institutions or the
    last of a municipality needs ``confirm_closures`` equal to the number
    the dry run gave, and another number is refused. The same content as
    the newest version of its kind is a ``duplicate``. Larger than
    ``max_upload_bytes`` (413), an unknown ``kind`` or a negative
    confirmation (422) is refused at once. ``register`` is the current
    register ({number: {"name", "municipality_code"}}, empty at first);
    ``down`` makes every call fail as an unreachable ingest does."""

    def __init__(
        self,
        accounts: FakeAccountsGateway | None = None,
        *,
        steps: int = 2,
        max_upload_bytes: int = 50 * 1024 * 1024,
        max_closure_pct: float = 5.0,
    ) -> None:
        self.accounts = accounts or FakeAccountsGateway()
        self.steps = max(0, steps)
        self.max_upload_bytes = max_upload_bytes
        self.max_closure_pct = max_closure_pct
        self.register: dict[str, dict[str, Any]] = {}
        self.figures: dict[tuple[int, str, int], float] = {}
        self.versions: dict[str, list[str]] = {"register": [], "statistics": []}
        self.down = False
        self.calls: list[tuple[str, Any]] = []
        self.imports: dict[str, dict[str, Any]] = {}  # by id, oldest first
        self._outcomes: dict[str, tuple[str, dict[str, Any], int]] = {}
        self._polls: dict[str, int] = {}
        self.created_at = f"{FakeClock.START.isoformat()}T08:00:00+00:00"

    def _check(self, action: str, argument: Any, access_token: str) -> None:
        self.calls.append((action, argument))
        if self.down:
            raise ImportsUnavailable(action)
        principal = self.accounts.principal(access_token)
        if principal is None:
            raise ImportNotAllowed(401)
        if principal.get("role") not in ("dst", "admin"):
            raise ImportNotAllowed(403)

    # --- the API --------------------------------------------------------------------------

    def upload(
        self,
        access_token: str,
        filename: str,
        content: bytes,
        kind: str | None = None,
        dry_run: bool = False,
        confirm_closures: int | None = None,
    ) -> Document:
        self._check("upload", filename, access_token)
        if len(content) > self.max_upload_bytes:
            limit = self.max_upload_bytes
            mb = f"{limit / (1024 * 1024):g}"
            raise ImportRefused(
                413,
                f"The file is larger than the limit of {limit:,} bytes ({mb} MB).",
                f"Filen er større end grænsen på {f'{limit:,}'.replace(',', '.')} byte "
                f"({mb.replace('.', ',')} MB).",
                limit_bytes=limit,
            )
        errors: dict[str, list[str]] = {}
        if kind is not None and kind not in KINDS:
            errors["kind"] = [f"Must be one of: {', '.join(KINDS)}."]
        if confirm_closures is not None and not 0 <= confirm_closures <= 1_000_000:
            errors["confirm_closures"] = ["Must be greater than or equal to 0."]
        if errors:
            raise ImportRefused(
                422,
                "The upload was refused: a field is not valid.",
                "Uploaden blev afvist: et felt er ugyldigt.",
                errors={"multipart": errors},
            )
        import_id = str(uuid.uuid4())
        run: dict[str, Any] = {
            "id": import_id,
            "filename": (filename or "upload")[:255],
            "status": "queued",
            "dry_run": dry_run,
            "confirm_closures": confirm_closures,
            "channel": "http",
            "format": None,
            "kind": None,
            "size_bytes": len(content),
            "content_sha256": hashlib.sha256(content).hexdigest(),
            "progress": {"rows_done": 0, "rows_total": None},
            "created_at": self.created_at,
            "finished_at": None,
            "file_purged_at": None,
            "report": None,
        }
        self.imports[import_id] = run
        self._outcomes[import_id] = self._run(run, content, kind)
        self._polls[import_id] = 0
        if self.steps == 0:
            self._advance(import_id)
        return copy.deepcopy(run)

    def get_import(self, access_token: str, import_id: str) -> Document:
        self._check("get_import", import_id, access_token)
        if import_id not in self.imports:
            raise ImportNotFound(import_id)
        self._advance(import_id)
        return copy.deepcopy(self.imports[import_id])

    def list_imports(self, access_token: str, page: int = 1, page_size: int = 50) -> Document:
        self._check("list_imports", (page, page_size), access_token)
        page, page_size = max(1, page), max(1, min(page_size, 200))
        newest_first = list(reversed(self.imports.values()))
        start = (page - 1) * page_size
        return {
            "items": copy.deepcopy(newest_first[start : start + page_size]),
            "total": len(newest_first),
            "page": page,
            "page_size": page_size,
            "pages": max(1, -(-len(newest_first) // page_size)),
        }

    def finish_all(self) -> None:
        """Every queued import to its end, as if the worker had caught up."""
        for import_id in self.imports:
            while self.imports[import_id]["status"] in ("queued", "running"):
                self._advance(import_id)

    # --- the worker -------------------------------------------------------------------------

    def _advance(self, import_id: str) -> None:
        run = self.imports[import_id]
        if run["finished_at"] is not None:
            return
        self._polls[import_id] += 1
        status, report, rows = self._outcomes[import_id]
        if self._polls[import_id] < self.steps:
            run["status"] = "running"
            run["progress"] = {"rows_done": rows // 2, "rows_total": rows}
            return
        run.update(
            status=status,
            report=report,
            finished_at=self.created_at,
            progress={"rows_done": rows, "rows_total": rows},
            format=report.get("format"),
            kind=report.get("kind"),
        )

    def _run(
        self, run: dict[str, Any], content: bytes, kind: str | None
    ) -> tuple[str, dict[str, Any], int]:
        """How the import ends, decided (and applied) in upload order."""
        sha = run["content_sha256"]
        if not run["dry_run"]:
            for versions in self.versions.values():
                if versions and versions[-1] == sha:
                    label = f"{next(k for k, v in self.versions.items() if v is versions)}:"
                    label += str(len(versions))
                    return "duplicate", self._duplicate(label), 0
        read = self._read(content, kind)
        if read.kind is None or any(p["severity"] == "error" for p in read.problems):
            return "rejected", self._rejected(read, read.problems), read.rows
        if read.kind == "register":
            diff, closures, problem = self._register_plan(read, run)
        else:
            diff, closures = self._statistics_diff(read), None
            problem = self._statistics_confirmation(run["confirm_closures"])
        if problem is not None and not run["dry_run"]:
            report = self._rejected(read, [problem, *read.problems])
            if closures is not None:
                report["closures"] = closures
            report["summary_da"] = (
                f"Filen er afvist: {problem['message_da']}. "
                "Intet er gemt, og intet er offentliggjort."
            )
            report["summary_en"] = (
                f"The file was rejected: {problem['message_en']}. Nothing was stored or published."
            )
            return "rejected", report, read.rows
        version = None
        if not run["dry_run"]:
            self.versions[read.kind].append(sha)
            version = f"{read.kind}:{len(self.versions[read.kind])}"
            if read.kind == "register":
                self.register = copy.deepcopy(read.institutions)
            else:
                self.figures.update(read.figures)
        return "accepted", self._success(read, diff, closures, version, problem), read.rows

    @staticmethod
    def _duplicate(label: str) -> dict[str, Any]:
        return {
            "outcome": "duplicate",
            "dataset_version": label,
            "summary_da": f"Filen er allerede indlæst som version {label}; intet er ændret.",
            "summary_en": f"This file was already imported as version {label}; nothing changed.",
            "problems": [],
        }

    @staticmethod
    def _rejected(read: _Read, problems: list[dict[str, Any]]) -> dict[str, Any]:
        errors = sum(1 for p in problems if p["severity"] == "error")
        return {
            "outcome": "rejected",
            "format": read.format,
            "kind": read.kind,
            "rows_read": read.rows,
            "skipped": {},
            "errors": errors,
            "warnings": len(problems) - errors,
            "problems": problems,
            "summary_da": f"Filen er afvist: {errors} fejl. Intet er gemt, og intet er "
            "offentliggjort.",
            "summary_en": f"The file was rejected: {errors} errors. Nothing was stored or "
            "published.",
        }

    @staticmethod
    def _success(
        read: _Read,
        diff: dict[str, Any],
        closures: dict[str, Any] | None,
        version: str | None,
        warning: dict[str, Any] | None,
    ) -> dict[str, Any]:
        problems = [warning, *read.problems] if warning else list(read.problems)
        errors = sum(1 for p in problems if p["severity"] == "error")
        if version is None:
            da = "Prøvekørsel: filen er gyldig. Intet er gemt, og intet er offentliggjort."
            en = "Dry run: the file is valid. Nothing was stored or published."
            if warning is not None:
                da += f" En rigtig indlæsning vil blive afvist: {warning['message_da']}."
                en += f" A real import would be refused: {warning['message_en']}."
        else:
            da = f"Filen er indlæst som version {version}."
            en = f"The file was imported as version {version}."
        report: dict[str, Any] = {
            "outcome": "dry_run" if version is None else "accepted",
            "format": read.format,
            "kind": read.kind,
            "rows_read": read.rows,
            "skipped": {},
            "errors": errors,
            "warnings": len(problems) - errors,
            "problems": problems,
            "diff": diff,
            "dataset_version": version,
            "summary_da": da,
            "summary_en": en,
        }
        if closures is not None:
            report["closures"] = closures
        return report

    # --- reading ----------------------------------------------------------------------------

    def _read(self, content: bytes, kind: str | None) -> _Read:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            read = _Read(None, None)
            read.problems.append(
                _problem(
                    "encoding",
                    "Filen er ikke en tekstfil i UTF-8; gem den som CSV (UTF-8) og prøv igen",
                    "The file is not UTF-8 text; save it as CSV (UTF-8) and try again",
                )
            )
            return read
        lines = text.splitlines()
        if not lines or not lines[0].strip():
            read = _Read(None, None)
            read.problems.append(_problem("empty", "Filen er tom", "The file is empty"))
            return read
        delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        header = [cell.strip().lower() for cell in rows[0]]
        wants_register = kind in ("register", "portal_register", "stil_register")
        wants_statistics = kind is not None and not wants_register
        if all(c in header for c in REGISTER_COLUMNS) and not wants_statistics:
            return self._read_register(header, rows[1:])
        if all(c in header for c in STATISTICS_COLUMNS) and not wants_register:
            return self._read_statistics(header, rows[1:])
        read = _Read(None, None)
        read.problems.append(
            _problem(
                "unknown_format",
                "Filens kolonner passer ikke til noget kendt format (register eller statistik)",
                "The file's columns match no known format (register or statistics)",
                row=1,
                value=";".join(rows[0])[:200],
            )
        )
        return read

    @staticmethod
    def _municipality(
        read: _Read, line: int, cells: Mapping[str, str], column: str = "kommunekode"
    ) -> int | None:
        value = cells.get(column, "").strip()
        if value.isdigit() and int(value) in MUNICIPALITIES:
            return int(value)
        read.problems.append(
            _problem(
                "unknown_municipality",
                f"Kommunekoden «{value}» findes ikke",
                f"There is no municipality with code “{value}”",
                row=line,
                column=column,
                value=value,
            )
        )
        return None

    def _read_register(self, header: list[str], rows: list[list[str]]) -> _Read:
        read = _Read("register", "portal_register")
        for line, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            read.rows += 1
            cells = dict(zip(header, row, strict=False))
            number = cells.get("id", "").strip().upper()
            name = cells.get("navn", "").strip()
            if not INSTITUTION_NUMBER.match(number):
                read.problems.append(
                    _problem(
                        "invalid_number",
                        f"«{number}» er ikke et institutionsnummer (seks bogstaver og tal)",
                        f"“{number}” is not an institution number (six letters and digits)",
                        row=line,
                        column="id",
                        value=number,
                    )
                )
            if not name:
                read.problems.append(
                    _problem(
                        "missing_name",
                        "Institutionen har intet navn",
                        "The institution has no name",
                        row=line,
                        column="navn",
                        value="",
                    )
                )
            code = self._municipality(read, line, cells)
            if cells.get("aktiv", "").strip().lower() == "nej" or code is None or not name:
                continue
            read.institutions[number] = {"name": name, "municipality_code": code}
        return read

    def _read_statistics(self, header: list[str], rows: list[list[str]]) -> _Read:
        read = _Read("statistics", "portal_statistics")
        indicators = [i for i in INDICATORS if i in header]
        for line, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            read.rows += 1
            cells = dict(zip(header, row, strict=False))
            code = self._municipality(read, line, cells)
            year_text = cells.get("aar", "").strip()
            if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
                read.problems.append(
                    _problem(
                        "invalid_year",
                        f"Året «{year_text}» er ikke et år mellem 2000 og 2100",
                        f"The year “{year_text}” is not a year between 2000 and 2100",
                        row=line,
                        column="aar",
                        value=year_text,
                    )
                )
                continue
            for indicator in indicators:
                text = cells.get(indicator, "").strip()
                if text in MISSING_FIGURES:
                    continue
                try:
                    value = float(text.replace(",", "."))
                except ValueError:
                    read.problems.append(
                        _problem(
                            "invalid_number",
                            f"«{text}» er ikke et tal",
                            f"“{text}” is not a number",
                            row=line,
                            column=indicator,
                            value=text,
                        )
                    )
                    continue
                if code is not None:
                    read.figures[(code, indicator, int(year_text))] = value
        return read

    # --- what a file changes ----------------------------------------------------------------

    def _register_plan(
        self, read: _Read, run: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
        current, new = self.register, read.institutions
        added = [n for n in new if n not in current]
        changed = [n for n in new if n in current and new[n] != current[n]]
        closed = sorted(n for n in current if n not in new)
        diff: dict[str, Any] = {"unchanged": len(new) - len(added) - len(changed)}
        for label, numbers, source in (
            ("added", added, new),
            ("changed", changed, new),
            ("closed", closed, current),
        ):
            diff[label] = len(numbers)
            diff[f"{label}_samples"] = [
                {"institution_number": n, "name": source[n]["name"]} for n in numbers[:SAMPLE_SIZE]
            ]
        per: dict[int, dict[str, int]] = {}
        for label, numbers, source in (
            ("added", added, new),
            ("changed", changed, new),
            ("closed", closed, current),
        ):
            for n in numbers:
                counts = per.setdefault(
                    source[n]["municipality_code"], {"added": 0, "changed": 0, "closed": 0}
                )
                counts[label] += 1
        diff["by_municipality"] = [
            {"municipality_code": code, **counts} for code, counts in sorted(per.items())
        ]
        before: dict[int, int] = {}
        for known in current.values():
            before[known["municipality_code"]] = before.get(known["municipality_code"], 0) + 1
        after: dict[int, int] = {}
        for kept in new.values():
            after[kept["municipality_code"]] = after.get(kept["municipality_code"], 0) + 1
        emptied = sorted(code for code in before if not after.get(code))
        by_municipality: dict[int, list[str]] = {}
        for number in closed:
            by_municipality.setdefault(current[number]["municipality_code"], []).append(number)
        active, closing = len(current), len(closed)
        share = 100.0 * closing / active if active else 0.0
        too_many = closing * 100 > self.max_closure_pct * active
        needs = too_many or bool(emptied)
        confirmed = run["confirm_closures"]
        closures = {
            "count": closing,
            "active_before": active,
            "share_pct": round(share, 2),
            "limit_pct": self.max_closure_pct,
            "confirmation_required": needs,
            "confirmed": confirmed,
            "municipalities": [
                {
                    "municipality_code": code,
                    "municipality_name": MUNICIPALITIES.get(code, str(code)),
                    "count": len(by_municipality.get(code, [])),
                    "left_without_active_institutions": code in emptied,
                    "institutions": [
                        {"institution_number": n, "name": current[n]["name"]}
                        for n in by_municipality.get(code, [])
                    ],
                }
                for code in sorted(set(by_municipality) | set(emptied))
            ],
        }
        severity = "warning" if run["dry_run"] else "error"
        if confirmed is not None:
            problem = None if confirmed == closing else self._mismatch(confirmed, closing, severity)
        elif needs:
            why_da, why_en = [], []
            if too_many:
                limit = self.max_closure_pct
                why_da.append(
                    f"den lukker {closing} af {active} aktive institutioner "
                    f"({_da_pct(share)} %, grænsen er {_da_pct(limit)} %)"
                )
                why_en.append(
                    f"it closes {closing} of {active} active institutions "
                    f"({share:.1f} %, the limit is {limit:.1f} %)"
                )
            if emptied:
                places = ", ".join(f"{MUNICIPALITIES.get(c, str(c))} ({c})" for c in emptied)
                why_da.append(f"kommuner står uden aktive institutioner: {places}")
                why_en.append(f"municipalities are left without active institutions: {places}")
            problem = _problem(
                "mass_closure",
                "Registerfilen afvises, fordi " + " og ".join(why_da) + ". Et register skal "
                "være komplet; er filen afkortet eller filtreret? Er lukningerne rigtige, så "
                f"send filen igen med confirm_closures={closing}",
                "The register file is refused because " + " and ".join(why_en) + ". A "
                "register must be complete; is the file cut short or filtered? If the "
                f"closures are right, send the file again with confirm_closures={closing}",
                value=str(closing),
                severity=severity,
            )
        else:
            problem = None
        return diff, closures, problem

    def _statistics_confirmation(self, confirmed: int | None) -> dict[str, Any] | None:
        if confirmed in (None, 0):
            return None
        assert confirmed is not None
        return self._mismatch(confirmed, 0, "error")

    @staticmethod
    def _mismatch(confirmed: int, closing: int, severity: str) -> dict[str, Any]:
        return _problem(
            "closure_count_mismatch",
            f"confirm_closures={confirmed} passer ikke: filen lukker {closing} institutioner. "
            f"Er det rigtigt, så send den igen med confirm_closures={closing}",
            f"confirm_closures={confirmed} does not match: the file closes {closing} "
            f"institutions. If that is right, send it again with confirm_closures={closing}",
            column="confirm_closures",
            value=str(confirmed),
            severity=severity,
        )

    def _statistics_diff(self, read: _Read) -> dict[str, Any]:
        changed = [
            (key, value) for key, value in read.figures.items() if self.figures.get(key) != value
        ]
        return {
            "changed_figures": len(changed),
            "removed_figures": 0,
            "unchanged_figures": len(read.figures) - len(changed),
            "municipalities": len({key[0] for key, _ in changed}),
            "changed_samples": [
                {"municipality_code": code, "indicator": indicator, "year": year, "value": value}
                for (code, indicator, year), value in changed[:SAMPLE_SIZE]
            ],
            "removed_samples": [],
            "by_municipality": [
                {
                    "municipality_code": code,
                    "changed": sum(1 for (c, _, _), _ in changed if c == code),
                    "removed": 0,
                    "years": sorted({y for (c, _, y), _ in changed if c == code}),
                }
                for code in sorted({key[0] for key, _ in changed})
            ],
        }
