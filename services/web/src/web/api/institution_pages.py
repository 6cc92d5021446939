"""An institution's own pages: edit each section of its profile, preview its
public page, read its change history.

Who may open them is decided by profiles' own document: the institution
itself, a user of the municipality profiles names, or an admin. An edit is
sent for one section only (PATCH) with the ETag the form was read at, so a
change saved by someone else meanwhile is never overwritten unseen: the page
shows both versions and lets the user choose to save theirs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import abort, redirect, request
from flask_babel import format_date, format_time
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from dagtilbud_contracts.vocabulary import (
    AGE_GROUPS,
    DIETS,
    FOCUS_TAGS,
    INSTITUTION_NUMBER_PATTERN,
    KITCHENS,
    LANGUAGES,
    MEAL_KINDS,
    OPEN_PLACE_STATUSES,
)
from web.api import labels
from web.api.account import render_page
from web.api.i18n import page_url
from web.api.routing import behind_login
from web.api.session import account, in_english, login_url, requires_login
from web.bootstrap import context
from web.domain import profile_form as pf
from web.domain.opening_hours import coming_closing_days, weekly_table
from web.domain.text import danish_sort_key
from web.service_layer import pages
from web.service_layer.gateway import Document, SearchGateway
from web.service_layer.gateway import NotFound as SearchNotFound
from web.service_layer.pages import reported_languages, reported_open_places
from web.service_layer.profiles_gateway import (
    EditRejected,
    NotAllowed,
    NotFound,
    ProfilesUnavailable,
    ReadOnly,
    StaleEdit,
)

_NUMBER = re.compile(INSTITUTION_NUMBER_PATTERN)
ROLES = ("institution", "municipality", "admin")
HISTORY_PAGE = 20
# What the public page shows of a profile (search's document carries the same keys).
PUBLIC_PROFILE_KEYS = (
    "description",
    "tags",
    "contact",
    "opening_hours",
    "closing_days",
    "meal_scheme",
    "open_places",
    "languages",
    "accessibility",
    "dagpleje",
    "updated_at",
)
ETAG_MAX = 100

SECTION_TITLES = {
    "beskrivelse": _l("Beskrivelse og pædagogisk fokus"),
    "kontakt": _l("Kontakt"),
    "aabningstider": _l("Åbningstider"),
    "lukkedage": _l("Lukkedage"),
    "madordning": _l("Madordning"),
    "ledige-pladser": _l("Ledige pladser"),
    "sprog": _l("Sprog"),
    "tilgaengelighed": _l("Tilgængelighed"),
}

MESSAGES = {
    pf.TOO_LONG: _l("Skriv højst %(limit)d tegn."),
    pf.UNKNOWN_CHOICE: _l("Vælg blandt mulighederne."),
    pf.NOT_A_TIME: _l("Skriv et klokkeslæt som TT:MM, fx 07:30."),
    pf.TIME_MISSING: _l(
        "Skriv både hvornår der åbner, og hvornår der lukker, eller lad begge felter stå tomme."
    ),
    pf.CLOSES_BEFORE_OPENS: _l("Lukketiden skal ligge efter åbningstiden."),
    pf.SECOND_WITHOUT_FIRST: _l("Udfyld dagens første tidsrum før det andet."),
    pf.SECOND_BEFORE_FIRST: _l("Det andet tidsrum skal begynde, når det første er slut."),
    pf.NOT_A_DATE: _l("Skriv en dato, fx 24.12.2026."),
    pf.DATE_MISSING: _l("Skriv hvilken dag der er lukket."),
    pf.UNTIL_BEFORE_DATE: _l("Til og med-datoen må ikke ligge før den første lukkedag."),
    pf.NOT_A_PHONE: _l("Skriv et dansk telefonnummer med 8 cifre, fx 87 13 42 17."),
    pf.NOT_AN_EMAIL: _l("Skriv en e-mailadresse, fx leder@institution.dk."),
    pf.NOT_A_WEBSITE: _l("Skriv en webadresse, fx https://institution.dk."),
    pf.CHOOSE_OFFERED: _l("Vælg, om institutionen har en madordning."),
    pf.CHOOSE_KIND: _l("Vælg, hvilke måltider madordningen omfatter."),
    pf.NOT_A_PRICE: _l("Skriv et beløb mellem 0 og 10.000 kr., fx 869."),
    pf.NOT_A_SHARE: _l("Skriv et helt tal mellem 0 og 100."),
    pf.NOT_A_MONTH: _l("Skriv en måned som åååå-mm, fx 2026-08."),
    pf.CHOOSE_STATUS: _l("Vælg, om der er ledige pladser, eller slet måneden."),
}

MEAL_OFFERED = {"yes": _l("Ja"), "no": _l("Nej, børnene har madpakke med")}
KITCHEN_CHOICES = {
    "eget_koekken": _l("I institutionens eget køkken"),
    "leverandoer": _l("Hos en leverandør"),
}
PLACE_STATUS_CHOICES = {
    "yes": _l("Ja, der er ledige pladser"),
    "no": _l("Nej, ingen ledige pladser"),
    "waiting_list": _l("Venteliste"),
}
HISTORY_FIELDS = {
    "description": _l("Beskrivelse"),
    "tags": _l("Pædagogisk fokus"),
    "contact": _l("Kontakt"),
    "opening_hours": _l("Åbningstider"),
    "closing_days": _l("Lukkedage"),
    "meal_scheme": _l("Madordning"),
    "open_places": _l("Ledige pladser"),
    "languages": _l("Sprog"),
    "accessibility": _l("Tilgængelighed"),
    "dagpleje": _l("Dagpleje"),
}


# ------------------------------------------------------------------ access


def _editable(number: str) -> tuple[Document, str]:
    """profiles' document and ETag, for an account that may edit it: an
    unknown number is 404, someone else's institution 403."""
    if not _NUMBER.match(number):
        abort(404)
    try:
        profile, etag = context().profiles.profile(number)
    except NotFound:
        abort(404)
    _check_tenancy(number, profile)
    return profile, etag


def _check_tenancy(number: str, profile: Mapping[str, Any]) -> None:
    # The municipality is the one profiles says, never one from the page.
    if not account().may_edit_institution(number, profile.get("municipality_code")):
        abort(403)


def _on_behalf(profile: Mapping[str, Any] | None) -> bool:
    return account().role in ("municipality", "admin") and profile is not None


# -------------------------------------------------------------------- home


@behind_login("/selvbetjening/institution/<number>", "institution_home")
@requires_login(*ROLES)
def institution_home(number: str) -> Response:
    profile, _ = _editable(number)
    today = context().today()
    saved = request.args.get("gemt")
    return render_page(
        "pages/institution/home.html",
        profile=profile,
        number=number,
        on_behalf=_on_behalf(profile),
        sections=pf.SECTIONS,
        titles=SECTION_TITLES,
        saved_at={slug: _when(_saved_at(profile, slug)) for slug in pf.SECTIONS},
        saved_section=saved if saved in pf.SECTIONS else None,
        hours=weekly_table(profile.get("opening_hours") or []),
        closing_days=coming_closing_days(profile.get("closing_days") or [], today, limit=366),
        open_places=reported_open_places(profile, today),
        languages=reported_languages(profile),
        tag_names=[labels.focus_tag(t) for t in profile.get("tags") or [] if isinstance(t, str)],
    )


def _saved_at(profile: Mapping[str, Any], section: str) -> datetime | None:
    """When a section was last saved: the newest of its fields'."""
    times = profile.get("sections_saved_at") or {}
    found = [_moment(times.get(name)) for name in pf.SECTIONS[section]]
    moments = [moment for moment in found if moment is not None]
    return max(moments) if moments else None


def _when(moment: datetime | None) -> str | None:
    """A moment in Danish time to the minute: 7. april 2026 10.00."""
    if moment is None:
        return None
    return f"{format_date(moment, 'long')} {format_time(moment, 'short')}"


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


# ---------------------------------------------------------------- sections


@behind_login(
    "/selvbetjening/institution/<number>/rediger/<section>",
    "institution_section",
    methods=("GET", "POST"),
)
@requires_login(*ROLES)
def institution_section(number: str, section: str) -> Response:
    if section not in pf.SECTIONS:
        abort(404)
    if request.method == "GET":
        profile, etag = _editable(number)
        return _section_page(number, section, profile, pf.form_values(section, profile), etag, 200)
    return _save_section(number, section)


def _save_section(number: str, section: str) -> Response:
    ctx = context()
    values = pf.read_form(section, request.form.to_dict(flat=False))
    sent_etag = (request.form.get("etag") or "")[:ETAG_MAX]
    if not _NUMBER.match(number):
        abort(404)
    try:
        profile, etag = ctx.profiles.profile(number)
    except NotFound:
        abort(404)
    except ProfilesUnavailable:
        # Who may edit cannot be checked now; the page shows only what was typed.
        return _section_page(number, section, None, values, sent_etag, 503, notice="unavailable")
    _check_tenancy(number, profile)
    if profile.get("read_only"):
        return _section_page(number, section, profile, values, sent_etag, 409)
    parsed = pf.parse(section, values, profile.get("kind"))
    if not parsed.ok:
        errors = {name: [_message(p) for p in found] for name, found in parsed.problems.items()}
        return _section_page(number, section, profile, values, sent_etag, 400, errors=errors)
    try:
        ctx.profiles.edit_profile(
            account().access_token, number, parsed.changes, sent_etag, whole=False
        )
    except EditRejected as rejected:
        fallback = pf.field_names(section, values, profile.get("kind"))[0]
        errors = pf.profile_errors(section, rejected.errors, parsed.origins, _say, fallback)
        return _section_page(number, section, profile, values, sent_etag, 422, errors=errors)
    except StaleEdit as stale:
        return _stale(number, section, profile, etag, values, stale)
    except ReadOnly:
        profile = {**profile, "read_only": True}
        return _section_page(number, section, profile, values, sent_etag, 409)
    except NotAllowed as refused:
        if refused.must_log_in:
            return redirect(login_url(next_path=request.path))
        abort(403)
    except NotFound:
        abort(404)
    except ProfilesUnavailable:
        return _section_page(number, section, profile, values, sent_etag, 503, notice="unavailable")
    ctx.page_cache.forget(f"/institution/{number}")
    return redirect(page_url("institution_home", number=number, gemt=section), 303)


def _stale(
    number: str,
    section: str,
    profile: Document,
    etag: str,
    values: pf.FormValues,
    stale: StaleEdit,
) -> Response:
    """Someone saved since the form was read: nothing is overwritten. The
    page shows their version beside what was typed, and the form carries the
    new ETag, so saving again is a deliberate choice."""
    try:
        profile, etag = context().profiles.profile(number)
    except (ProfilesUnavailable, NotFound):
        etag = stale.current_etag or etag
    theirs = pf.form_values(section, profile)
    kind = profile.get("kind")
    names = pf.field_names(section, {**theirs, **values}, kind)
    field_labels = _field_labels(section, {**theirs, **values}, kind)
    rows = [
        (
            field_labels.get(name, name),
            _shown(name, theirs.get(name)),
            _shown(name, values.get(name)),
        )
        for name in names
        if theirs.get(name) or values.get(name)
    ]
    other = {
        "saved_at": _when(_saved_at(profile, section) or _moment(profile.get("updated_at"))),
        "rows": rows,
    }
    return _section_page(number, section, profile, values, etag, 409, other=other)


def _message(problem: pf.Problem) -> str:
    message = MESSAGES[problem.code]
    if problem.limit is not None:
        return str(message) % {"limit": problem.limit}
    return str(message)


def _say(reason: Any) -> str:
    """A reason from profiles in the page's language."""
    if isinstance(reason, Mapping):
        first, second = ("en", "da") if in_english() else ("da", "en")
        return str(reason.get(first) or reason.get(second) or "")
    return str(reason)


def _section_page(
    number: str,
    section: str,
    profile: Document | None,
    values: pf.FormValues,
    etag: str,
    status: int,
    errors: dict[str, list[str]] | None = None,
    notice: str | None = None,
    other: dict[str, Any] | None = None,
) -> Response:
    kind = profile.get("kind") if profile else None
    errors = errors or {}
    names = pf.field_names(section, values, kind)
    # The summary in the page's order.
    ordered = {name: errors[name] for name in names if name in errors}
    ordered.update({name: found for name, found in errors.items() if name not in ordered})
    legacy_tags = [
        labels.focus_tag(tag)
        for tag in (profile or {}).get("tags") or []
        if isinstance(tag, str) and tag not in FOCUS_TAGS
    ]
    return render_page(
        "pages/institution/section.html",
        status,
        number=number,
        section=section,
        title=SECTION_TITLES[section],
        profile=profile,
        read_only=bool(profile and profile.get("read_only")),
        on_behalf=_on_behalf(profile),
        values=values,
        errors=ordered,
        field_labels=_field_labels(section, values, kind),
        etag=etag,
        notice=notice,
        other=other,
        closing_rows=range(max(pf.closing_rows(values), 1)),
        age_groups=pf.age_groups_of(kind),
        weekdays=list(enumerate(labels.WEEKDAYS)),
        tag_options=_sorted_options({t: labels.FOCUS_TAGS[t] for t in FOCUS_TAGS}),
        language_options=_sorted_options({c: labels.LANGUAGES[c] for c in LANGUAGES}),
        meal_kinds=[(k, labels.MEALS[k]) for k in MEAL_KINDS],
        diets=[(d, labels.MEALS[d]) for d in DIETS],
        kitchens=[(k, KITCHEN_CHOICES[k]) for k in KITCHENS],
        offered_choices=list(MEAL_OFFERED.items()),
        place_statuses=[(s, PLACE_STATUS_CHOICES[s]) for s in OPEN_PLACE_STATUSES],
        legacy_tags=legacy_tags,
    )


def _sorted_options(named: Mapping[str, Any]) -> list[tuple[str, str]]:
    options = [(key, str(label)) for key, label in named.items()]
    return sorted(options, key=lambda option: danish_sort_key(option[1]))


def _field_labels(section: str, values: Mapping[str, Any], kind: str | None) -> dict[str, str]:
    """Each field's name as the error summary and the comparison say it."""
    if section == "beskrivelse":
        return {"description": str(_l("Beskrivelse")), "tags": str(_l("Pædagogisk fokus"))}
    if section == "kontakt":
        return {
            "leader_name": str(_l("Leder")),
            "phone": str(_l("Telefon")),
            "email": str(_l("E-mail")),
            "website": str(_l("Hjemmeside")),
        }
    if section == "aabningstider":
        found: dict[str, str] = {}
        for day, name in enumerate(labels.WEEKDAYS):
            found[pf.hours_field("opens", day)] = str(_l("%(day)s: åbner", day=name))
            found[pf.hours_field("closes", day)] = str(_l("%(day)s: lukker", day=name))
            found[pf.hours_field("opens", day, True)] = str(
                _l("%(day)s, andet tidsrum: åbner", day=name)
            )
            found[pf.hours_field("closes", day, True)] = str(
                _l("%(day)s, andet tidsrum: lukker", day=name)
            )
        return found
    if section == "lukkedage":
        found = {}
        for row in range(pf.closing_rows(values)):
            found[pf.closing_field(row, "date")] = str(_l("Lukkedag %(row)d: dato", row=row + 1))
            found[pf.closing_field(row, "until")] = str(
                _l("Lukkedag %(row)d: til og med", row=row + 1)
            )
            found[pf.closing_field(row, "reason")] = str(_l("Lukkedag %(row)d: årsag", row=row + 1))
        return found
    if section == "madordning":
        return {
            "offered": str(_l("Har institutionen en madordning?")),
            "kind": str(_l("Måltider")),
            "price_per_month_dkk": str(_l("Forældrebetaling pr. måned")),
            "organic_share_pct": str(_l("Økologisk andel")),
            "kitchen": str(_l("Hvor maden laves")),
            "diets": str(_l("Kost, der tages hensyn til")),
        }
    if section == "ledige-pladser":
        found = {}
        for group in AGE_GROUPS:
            name = labels.AGE_GROUPS_SHORT[group]
            found[pf.places_field("status", group)] = str(
                _l("%(group)s: ledige pladser", group=name)
            )
            found[pf.places_field("from_month", group)] = str(
                _l("%(group)s: fra måned", group=name)
            )
        return found
    if section == "sprog":
        return {"languages": str(_l("Sprog ud over dansk"))}
    return {"accessibility": str(_l("Tilgængelighed"))}


def _shown(name: str, value: Any) -> str:
    """A form value as words (a comparison of two versions)."""
    if isinstance(value, list):
        vocabulary: Mapping[str, Any] = {
            "tags": labels.FOCUS_TAGS,
            "languages": labels.LANGUAGES,
            "diets": labels.MEALS,
        }.get(name, {})
        return ", ".join(str(vocabulary.get(v, v)) for v in value)
    text = str(value or "")
    if name == "offered":
        return str(MEAL_OFFERED.get(text, text))
    if name == "kind":
        return str(labels.MEALS.get(text, text))
    if name == "kitchen":
        return str(KITCHEN_CHOICES.get(text, text))
    if name.startswith("status-"):
        return str(PLACE_STATUS_CHOICES.get(text, text))
    return text


# ----------------------------------------------------------------- preview


class _Overlaid:
    """search's document of the institution with profiles' current profile in
    it: a change saved a moment ago shows before search has it."""

    def __init__(self, search: SearchGateway, profile: Mapping[str, Any]) -> None:
        self._search, self._profile = search, profile

    def institution(self, number: str) -> Document:
        document = self._search.institution(number)
        published = document.get("profile") or {}
        fresh = {key: self._profile.get(key) for key in PUBLIC_PROFILE_KEYS}
        document["profile"] = {**published, **fresh}
        return document


@behind_login("/selvbetjening/institution/<number>/forhaandsvisning", "institution_preview")
@requires_login(*ROLES)
def institution_preview(number: str) -> Response:
    profile, _ = _editable(number)
    ctx = context()
    gateway: Any = _Overlaid(ctx.search, profile)
    try:
        page = pages.institution_page(gateway, number, ctx.today())
    except SearchNotFound:
        return render_page(
            "pages/institution/preview_missing.html",
            profile=profile,
            number=number,
            on_behalf=_on_behalf(profile),
        )
    return render_page(
        "pages/institution/preview.html",
        page=page,
        number=number,
        on_behalf=_on_behalf(profile),
        shortlist=(),
        shortlist_add=page_url("institution", number=number),
        shortlist_remove=page_url("institution", number=number),
        back_to_search=page_url("institution_home", number=number),
        has_search=False,
    )


# ----------------------------------------------------------------- history


@behind_login("/selvbetjening/institution/<number>/historik", "institution_history")
@requires_login(*ROLES)
def institution_history(number: str) -> Response:
    profile, _ = _editable(number)
    raw_before = request.args.get("foer", "")
    before = int(raw_before) if raw_before.isdigit() and 0 < int(raw_before) < 2**31 else None
    try:
        history = context().profiles.history(
            account().access_token, number, limit=HISTORY_PAGE, before=before
        )
    except NotAllowed as refused:
        if refused.must_log_in:
            return redirect(login_url(next_path=request.full_path.rstrip("?")))
        abort(403)
    except NotFound:
        abort(404)
    me = account().account_id
    changes = [
        {
            "at": _when(_moment(change.get("at"))),
            "version": change.get("version"),
            "mine": change.get("account_id") == me,
            "role": labels.ROLES.get(change.get("role") or "", change.get("role") or ""),
            "fields": [
                str(HISTORY_FIELDS.get(f, f))
                for f in change.get("fields") or []
                if isinstance(f, str)
            ],
        }
        for change in history.get("changes") or []
    ]
    next_before = history.get("next_before")
    return render_page(
        "pages/institution/history.html",
        profile=profile,
        number=number,
        on_behalf=_on_behalf(profile),
        changes=changes,
        older=page_url("institution_history", number=number, foer=next_before)
        if isinstance(next_before, int)
        else None,
        newest=page_url("institution_history", number=number) if before is not None else None,
    )
