"""A municipality's pages: its institutions' completeness, dagpleje per
district, credential letters.

Open to the municipality's own users and to admins (``may_manage_municipality``
against the address's code); everyone else gets 403. A credential letter's
password is shown once, in the answer to the POST that issued it (a print
page or a CSV file), and is kept nowhere: not in the session, not in a cache,
not in a log line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from flask import abort, make_response, redirect, request
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.wrappers import Response

from dagtilbud_contracts.municipalities import MUNICIPALITIES
from dagtilbud_contracts.vocabulary import SUBSTITUTE_CARE_KINDS
from web.api import labels
from web.api.account import render_page
from web.api.i18n import in_page_language, page_url
from web.api.routing import behind_login
from web.api.session import account, login_url, no_store, requires_login
from web.bootstrap import context
from web.domain import completeness, letters
from web.domain.text import danish_sort_key
from web.service_layer.accounts_gateway import (
    AccountNotAllowed,
    AuthUnavailable,
    LettersRefused,
    UnknownMunicipality,
)
from web.service_layer.gateway import SearchUnavailable
from web.service_layer.profiles_gateway import (
    EditRejected,
    NotAllowed,
    NotFound,
    ProfilesUnavailable,
    ReadOnly,
    StaleEdit,
)
from web.service_layer.signing_in import SignedIn

log = logging.getLogger(__name__)

TEMPLATES: Final = "pages/municipality_admin/"

# The sections of a profile, as profiles names them in ``missing``.
SECTIONS: Final = {
    "description": _l("Beskrivelse"),
    "tags": _l("Fokusområder"),
    "languages": _l("Sprog"),
    "accessibility": _l("Tilgængelighed"),
    "contact": _l("Kontakt"),
    "opening_hours": _l("Åbningstider"),
    "closing_days": _l("Lukkedage"),
    "meal_scheme": _l("Madordning"),
    "open_places": _l("Ledige pladser"),
    "dagpleje": _l("Dagpleje"),
}

ACCOUNT_STATUSES: Final = {
    "active": _l("Aktiv"),
    "locked": _l("Låst"),
    "disabled": _l("Lukket"),
}


# --------------------------------------------------------------------- access
def _municipality(code: int) -> tuple[SignedIn, str]:
    """The signed-in account and the municipality's name; 403 for an account
    that may not manage it, 404 for a code that is no municipality."""
    current = account()
    if not current.may_manage_municipality(code):
        abort(403)
    name = MUNICIPALITIES.get(code)
    if name is None:
        abort(404)
    return current, name


def _refused_by_profiles(refused: NotAllowed) -> Response:
    if refused.must_log_in:
        return redirect(login_url(next_path=request.full_path.rstrip("?")))
    abort(403)


def _institution_accounts(current: SignedIn, code: int) -> list[dict[str, Any]]:
    ctx = context()
    try:
        answer = ctx.accounts.municipality_institutions(current.access_token, code)
    except AccountNotAllowed:
        abort(403)
    except UnknownMunicipality:
        abort(404)
    found: list[dict[str, Any]] = list(answer.get("institutions") or [])
    return found


# ------------------------------------------------------- the municipality's page
@behind_login("/selvbetjening/kommune/<int:code>", "municipality_home")
@requires_login("municipality", "admin")
def municipality_home(code: int) -> Response:
    current, name = _municipality(code)
    ctx = context()
    view = completeness.parse_view(request.args, labels.KINDS)
    try:
        listed = ctx.profiles.completeness(current.access_token, code)
    except NotAllowed as refused:
        return _refused_by_profiles(refused)
    except NotFound:
        abort(404)
    institution_accounts = _institution_accounts(current, code)
    everyone = completeness.rows(
        listed.get("institutions") or [], institution_accounts, ctx.today()
    )
    shown = completeness.sort_rows(completeness.filter_rows(everyone, view), view, danish_sort_key)
    return render_page(
        TEMPLATES + "home.html",
        400 if view.invalid else 200,
        code=code,
        municipality_name=name,
        view=view,
        rows=shown,
        total=len(everyone),
        sort_links=_sort_links(code, view),
        reset_url=page_url("municipality_home", code=code),
        sections=SECTIONS,
        account_statuses=ACCOUNT_STATUSES,
        freshness=_freshness,
        filters=completeness,
    )


def _sort_links(code: int, view: completeness.View) -> list[dict[str, Any]]:
    """The sortable columns' headers: each a link that sorts by it (again:
    the other way), with its aria-sort."""
    out = []
    for key, label in (
        ("navn", _l("Institution")),
        ("udfyldt", _l("Udfyldt")),
        ("senest", _l("Senest opdateret")),
    ):
        active = view.sort == key
        direction = "op" if active and view.descending else ("ned" if active else "op")
        out.append(
            {
                "key": key,
                "label": label,
                "active": active,
                "aria_sort": ("descending" if view.descending else "ascending")
                if active
                else "none",
                "url": page_url(
                    "municipality_home",
                    code=code,
                    **view.query(sortering=key, retning=direction),
                ),
            }
        )
    return out


def _freshness(row: completeness.Row) -> str:
    if row.never_updated:
        return str(_l("Aldrig opdateret"))
    if row.age_days == 0:
        return str(_l("I dag"))
    days = row.age_days or 0
    return str(ngettext("For %(num)d dag siden", "For %(num)d dage siden", days))


@behind_login("/selvbetjening/kommuner", "municipality_choice")
@requires_login("admin")
def municipality_choice() -> Response:
    ctx = context()
    try:
        known = [
            (int(m["code"]), str(m["name"]))
            for m in ctx.search.municipalities().get("municipalities", [])
        ]
    except SearchUnavailable:
        # The list of municipalities is the contracts' too: an admin can go on.
        known = list(MUNICIPALITIES.items())
    known.sort(key=lambda item: danish_sort_key(item[1]))
    return render_page(TEMPLATES + "choice.html", municipalities=known)


# --------------------------------------------------------------------- dagpleje
DAGPLEJE_FIELDS: Final = (
    "childminder_count",
    "children_per_childminder",
    "playgroup_weekdays",
    "postcodes",
    "substitute_care",
    "substitute_care_note",
)
WEEKDAYS: Final = range(7)
# profiles takes at most two intervals a day.
SLOTS: Final = range(2)
CLOCK: Final = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
POSTCODE: Final = re.compile(r"^[0-9]{4}$")
CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_POSTCODES: Final = 50
NOTE_MAX: Final = 500
COUNT_RANGE: Final = (1, 1000)
CHILDREN_RANGE: Final = (1, 5)

MESSAGES: Final = {
    "count_number": _l("Skriv antallet af dagplejere som et helt tal."),
    "count_range": _l("Antallet af dagplejere skal være mellem 1 og 1000."),
    "children_number": _l("Skriv antallet af børn pr. dagplejer som et helt tal."),
    "children_range": _l("Antallet af børn pr. dagplejer skal være mellem 1 og 5."),
    "weekday": _l("Vælg ugedage fra listen."),
    "postcode": _l("Et postnummer har fire cifre, fx 8000."),
    "postcodes_many": _l("Skriv højst 50 postnumre."),
    "substitute_care": _l("Vælg en af mulighederne."),
    "note_long": _l("Skriv højst 500 tegn."),
    "note_control": _l("Teksten indeholder tegn, der ikke kan gemmes."),
    "clock": _l("Skriv tiden som TT:MM, fx 07:30."),
    "pair": _l("Skriv både hvornår der åbnes, og hvornår der lukkes."),
    "order": _l("Lukketiden skal ligge efter åbningstiden."),
    "read_only": _l("Distriktet er lukket, så oplysningerne kan ikke ændres."),
}


def _time_field(end: str, day: int, slot: int) -> str:
    return f"{end}-{day}-{slot}"


def _field_labels() -> dict[str, str]:
    names = {
        "childminder_count": str(_l("Antal dagplejere")),
        "children_per_childminder": str(_l("Børn pr. dagplejer")),
        "playgroup_weekdays": str(_l("Legestue")),
        "postcodes": str(_l("Postnumre")),
        "substitute_care": str(_l("Gæstepleje")),
        "substitute_care_note": str(_l("Om gæsteplejen")),
        "form": str(_l("Formularen")),
    }
    for day in WEEKDAYS:
        weekday = str(labels.WEEKDAYS[day])
        for slot in SLOTS:
            for end, word in (("opens", _l("åbner")), ("closes", _l("lukker"))):
                extra = "" if slot == 0 else " " + str(_l("(andet tidsrum)"))
                names[_time_field(end, day, slot)] = f"{weekday}, {word}{extra}"
    return names


def _values_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """A district's saved information as the form's typed values."""
    dagpleje = document.get("dagpleje") or {}
    values: dict[str, Any] = {
        "childminder_count": _text(dagpleje.get("childminder_count")),
        "children_per_childminder": _text(dagpleje.get("children_per_childminder")),
        "playgroup_weekdays": [str(d) for d in dagpleje.get("playgroup_weekdays") or []],
        "postcodes": ", ".join(dagpleje.get("postcodes") or []),
        "substitute_care": dagpleje.get("substitute_care") or "",
        "substitute_care_note": dagpleje.get("substitute_care_note") or "",
    }
    by_day: dict[int, list[Mapping[str, Any]]] = {}
    for interval in sorted(
        document.get("opening_hours") or [], key=lambda i: (i["weekday"], i["opens"])
    ):
        by_day.setdefault(int(interval["weekday"]), []).append(interval)
    for day in WEEKDAYS:
        for slot in SLOTS:
            intervals = by_day.get(day, [])
            interval = intervals[slot] if slot < len(intervals) else {}
            for end in ("opens", "closes"):
                values[_time_field(end, day, slot)] = str(interval.get(end) or "")
    return values


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _typed(form: Mapping[str, Any], getlist: Any) -> dict[str, Any]:
    """What was typed, kept as typed (for the form shown again)."""
    values: dict[str, Any] = {
        name: str(form.get(name, "")).strip()
        for name in DAGPLEJE_FIELDS
        if name != "playgroup_weekdays"
    }
    values["substitute_care_note"] = str(form.get("substitute_care_note", ""))
    values["playgroup_weekdays"] = [str(d) for d in getlist("playgroup_weekdays")]
    for day in WEEKDAYS:
        for slot in SLOTS:
            for end in ("opens", "closes"):
                name = _time_field(end, day, slot)
                values[name] = str(form.get(name, "")).strip()
    return values


def _whole_number(
    text: str,
    bounds: tuple[int, int],
    not_number: str,
    out_of_range: str,
    errors: dict[str, list[str]],
    name: str,
) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        errors.setdefault(name, []).append(str(MESSAGES[not_number]))
        return None
    value = int(text)
    if not bounds[0] <= value <= bounds[1]:
        errors.setdefault(name, []).append(str(MESSAGES[out_of_range]))
        return None
    return value


def parse_dagpleje(
    values: Mapping[str, Any],
) -> tuple[dict[str, Any], list[tuple[int, int]], dict[str, list[str]]]:
    """The changes to send (``dagpleje`` and ``opening_hours``), which form
    slot (weekday, slot) each sent interval came from (to put profiles'
    reasons on the right field), and the form's own errors."""
    errors: dict[str, list[str]] = {}
    count = _whole_number(
        values["childminder_count"],
        COUNT_RANGE,
        "count_number",
        "count_range",
        errors,
        "childminder_count",
    )
    children = _whole_number(
        values["children_per_childminder"],
        CHILDREN_RANGE,
        "children_number",
        "children_range",
        errors,
        "children_per_childminder",
    )
    weekdays: list[int] = []
    for day in values["playgroup_weekdays"]:
        if not (day.isdigit() and int(day) in WEEKDAYS):
            errors.setdefault("playgroup_weekdays", []).append(str(MESSAGES["weekday"]))
            break
        if int(day) not in weekdays:
            weekdays.append(int(day))
    postcodes: list[str] = []
    for postcode in re.split(r"[\s,;]+", values["postcodes"]):
        if not postcode:
            continue
        if not POSTCODE.match(postcode):
            errors.setdefault("postcodes", []).append(str(MESSAGES["postcode"]))
            break
        if postcode not in postcodes:
            postcodes.append(postcode)
    if len(postcodes) > MAX_POSTCODES:
        errors.setdefault("postcodes", []).append(str(MESSAGES["postcodes_many"]))
    care = values["substitute_care"] or None
    if care is not None and care not in SUBSTITUTE_CARE_KINDS:
        errors.setdefault("substitute_care", []).append(str(MESSAGES["substitute_care"]))
    note = values["substitute_care_note"].strip().replace("\r\n", "\n")
    if len(note) > NOTE_MAX:
        errors.setdefault("substitute_care_note", []).append(str(MESSAGES["note_long"]))
    if CONTROL.search(note):
        errors.setdefault("substitute_care_note", []).append(str(MESSAGES["note_control"]))
    intervals: list[dict[str, Any]] = []
    slots: list[tuple[int, int]] = []
    for day in WEEKDAYS:
        for slot in SLOTS:
            opens_name, closes_name = (
                _time_field("opens", day, slot),
                _time_field("closes", day, slot),
            )
            opens, closes = values[opens_name], values[closes_name]
            if not opens and not closes:
                continue
            wrong = False
            for name, text in ((opens_name, opens), (closes_name, closes)):
                if not text:
                    errors.setdefault(name, []).append(str(MESSAGES["pair"]))
                    wrong = True
                elif not CLOCK.match(text):
                    errors.setdefault(name, []).append(str(MESSAGES["clock"]))
                    wrong = True
            if wrong:
                continue
            if closes <= opens:
                errors.setdefault(closes_name, []).append(str(MESSAGES["order"]))
                continue
            intervals.append({"weekday": day, "opens": opens, "closes": closes})
            slots.append((day, slot))
    changes = {
        "dagpleje": {
            "childminder_count": count,
            "children_per_childminder": children,
            "playgroup_weekdays": sorted(weekdays),
            "postcodes": postcodes,
            "substitute_care": care,
            "substitute_care_note": note or None,
        },
        "opening_hours": intervals,
    }
    return changes, slots, errors


def _reasons(node: Any) -> list[str]:
    """Every reason in a branch of profiles' error tree, in the page's language."""
    if isinstance(node, Mapping):
        if "da" in node or "en" in node:
            return [in_page_language(node)]
        return [reason for child in node.values() for reason in _reasons(child)]
    if isinstance(node, list | tuple):
        return [reason for child in node for reason in _reasons(child)]
    return [str(node)]


def profile_errors(
    tree: Mapping[str, Any], slots: Sequence[tuple[int, int]]
) -> dict[str, list[str]]:
    """profiles' 422 reasons on the form's fields: ``dagpleje.<field>`` on that
    field, ``opening_hours.<i>.<end>`` on the weekday and slot interval i came
    from; anything else on the form as a whole."""
    errors: dict[str, list[str]] = {}

    def add(name: str, node: Any) -> None:
        errors.setdefault(name, []).extend(_reasons(node))

    for key, node in tree.items():
        if key == "dagpleje" and isinstance(node, Mapping) and not ("da" in node or "en" in node):
            for name, reasons in node.items():
                add(name if name in DAGPLEJE_FIELDS else "form", reasons)
        elif key == "opening_hours" and isinstance(node, Mapping):
            for index, branch in node.items():
                where = int(index) if str(index).isdigit() else -1
                if 0 <= where < len(slots) and isinstance(branch, Mapping):
                    day, slot = slots[where]
                    for end, reasons in branch.items():
                        name = "closes" if end == "closes" else "opens"
                        add(_time_field(name, day, slot), reasons)
                else:
                    add("form", branch)
        else:
            add("form", node)
    return errors


@behind_login("/selvbetjening/kommune/<int:code>/dagpleje", "dagpleje_districts")
@requires_login("municipality", "admin")
def dagpleje_districts(code: int) -> Response:
    _, name = _municipality(code)
    ctx = context()
    try:
        listed = ctx.profiles.dagpleje_districts(code)
    except NotFound:
        abort(404)
    districts = sorted(
        listed.get("districts") or [], key=lambda d: danish_sort_key(str(d.get("name") or ""))
    )
    return render_page(
        TEMPLATES + "dagpleje_districts.html",
        code=code,
        municipality_name=name,
        districts=districts,
        moment=completeness.moment,
    )


@behind_login(
    "/selvbetjening/kommune/<int:code>/dagpleje/<number>",
    "dagpleje_district",
    methods=("GET", "POST"),
)
@requires_login("municipality", "admin")
def dagpleje_district(code: int, number: str) -> Response:
    current, name = _municipality(code)
    ctx = context()
    if request.method == "GET":
        try:
            document, etag = ctx.profiles.dagpleje_district(code, number)
        except NotFound:
            abort(404)
        return _district_page(
            code,
            name,
            document,
            etag,
            _values_of(document),
            {},
            200,
            notice="saved" if request.args.get("gemt") else None,
        )
    values = _typed(request.form, request.form.getlist)
    etag = str(request.form.get("etag", ""))
    changes, slots, errors = parse_dagpleje(values)
    try:
        document, current_etag = ctx.profiles.dagpleje_district(code, number)
    except NotFound:
        abort(404)
    except ProfilesUnavailable:
        return _district_page(
            code,
            name,
            {"institution_number": number, "name": number},
            etag,
            values,
            errors,
            503,
            notice="unavailable",
        )
    if errors:
        return _district_page(code, name, document, etag, values, errors, 400)
    try:
        ctx.profiles.report_dagpleje(current.access_token, code, number, changes, etag, whole=False)
    except StaleEdit:
        # Someone saved meanwhile: theirs is shown beside what was typed, and
        # saving again (on their version) is the user's choice.
        try:
            other, other_etag = ctx.profiles.dagpleje_district(code, number)
        except ProfilesUnavailable:
            return _district_page(code, name, document, etag, values, {}, 503, notice="unavailable")
        return _district_page(
            code, name, other, other_etag, values, {}, 409, notice="stale", other=other
        )
    except EditRejected as rejected:
        return _district_page(
            code, name, document, etag, values, profile_errors(rejected.errors, slots), 422
        )
    except ReadOnly:
        return _district_page(
            code,
            name,
            document,
            current_etag,
            values,
            {"form": [str(MESSAGES["read_only"])]},
            409,
        )
    except NotAllowed as refused:
        return _refused_by_profiles(refused)
    except NotFound:
        abort(404)
    except ProfilesUnavailable:
        return _district_page(code, name, document, etag, values, {}, 503, notice="unavailable")
    ctx.page_cache.forget(f"/institution/{number}")
    return redirect(page_url("dagpleje_district", code=code, number=number, gemt=1), code=303)


def _district_page(
    code: int,
    municipality_name: str,
    document: Mapping[str, Any],
    etag: str,
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    status: int,
    notice: str | None = None,
    other: Mapping[str, Any] | None = None,
) -> Response:
    response = render_page(
        TEMPLATES + "dagpleje_district.html",
        status,
        code=code,
        municipality_name=municipality_name,
        district=document,
        etag=etag,
        values=values,
        errors=errors,
        field_labels=_field_labels(),
        notice=notice,
        other=other,
        other_values=_values_of(other) if other is not None else None,
        weekdays=list(WEEKDAYS),
        slots=list(SLOTS),
        substitute_care=labels.SUBSTITUTE_CARE,
    )
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


# ------------------------------------------------------------ credential letters
ANSWER_PRINT: Final = "udskriv"
ANSWER_CSV: Final = "csv"
LETTER_MESSAGES: Final = {
    "none_chosen": _l("Vælg mindst én institution, eller udsted breve til alle."),
    "not_ours": _l("Vælg kun blandt kommunens institutioner."),
}


@behind_login("/selvbetjening/kommune/<int:code>/adgangsbreve", "letters", methods=("GET", "POST"))
@requires_login("municipality", "admin")
def letters_page(code: int) -> Response:
    current, name = _municipality(code)
    ctx = context()
    if request.method == "GET":
        return _letters_form(code, name, _institution_accounts(current, code), [], {}, 200)
    chosen = list(dict.fromkeys(n.strip().upper() for n in request.form.getlist("institution")))
    everyone = request.form.get("alle") in ("true", ANSWER_CSV)
    answer = (
        ANSWER_CSV
        if request.form.get("alle") == ANSWER_CSV or request.form.get("svar") == ANSWER_CSV
        else ANSWER_PRINT
    )
    try:
        institutions = _institution_accounts(current, code)
    except AuthUnavailable:
        kept = [{"institution_number": n, "name": n, "status": "active"} for n in chosen]
        return _letters_form(code, name, kept, chosen, {}, 503, notice="unavailable")
    ours = {str(i["institution_number"]) for i in institutions}
    errors: dict[str, list[str]] = {}
    if not everyone:
        if not chosen:
            errors["institution"] = [str(LETTER_MESSAGES["none_chosen"])]
        elif any(n not in ours for n in chosen):
            errors["institution"] = [str(LETTER_MESSAGES["not_ours"])]
    if errors:
        return _letters_form(code, name, institutions, chosen, errors, 400)
    try:
        issued = ctx.accounts.issue_letters(
            current.access_token,
            None if everyone else chosen,
            all=everyone,
            municipality=code if everyone and current.role == "admin" else None,
        )
    except LettersRefused as refused:
        names = {str(i["institution_number"]): i.get("name") for i in institutions}
        return _letters_form(
            code,
            name,
            institutions,
            chosen,
            {},
            409 if refused.institutions else 422,
            notice="refused",
            refused=[
                {"number": n, "name": names.get(n) or n, "reason": in_page_language(why)}
                for n, why in refused.institutions.items()
            ],
            refused_problems=[in_page_language(p) for p in refused.problems]
            or (
                []
                if refused.institutions
                else [in_page_language({"en": refused.message_en, "da": refused.message_da})]
            ),
        )
    except AccountNotAllowed:
        abort(403)
    except AuthUnavailable:
        return _letters_form(code, name, institutions, chosen, {}, 503, notice="unavailable")
    issued_letters = list(issued.get("letters") or [])
    # Counts only: the letters themselves carry the passwords.
    log.info("credential letters issued: municipality %s, %d letters", code, len(issued_letters))
    address = page_url("login", _external=True)
    if answer == ANSWER_CSV:
        response = make_response(letters.letters_csv(issued_letters, address).encode("utf-8"))
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{letters.filename(code, ctx.today())}"'
        )
        return no_store(response)
    return render_page(
        TEMPLATES + "letters_print.html",
        code=code,
        municipality_name=name,
        letters=issued_letters,
        login_address=address,
        issued_on=ctx.today(),
    )


def _letters_form(
    code: int,
    municipality_name: str,
    institutions: Sequence[Mapping[str, Any]],
    chosen: Sequence[str],
    errors: Mapping[str, list[str]],
    status: int,
    notice: str | None = None,
    **more: Any,
) -> Response:
    response = render_page(
        TEMPLATES + "letters.html",
        status,
        code=code,
        municipality_name=municipality_name,
        institutions=sorted(
            institutions,
            key=lambda i: (danish_sort_key(str(i.get("name") or "")), i["institution_number"]),
        ),
        chosen=set(chosen),
        errors=errors,
        notice=notice,
        account_statuses=ACCOUNT_STATUSES,
        answer_print=ANSWER_PRINT,
        answer_csv=ANSWER_CSV,
        moment=completeness.moment,
        **more,
    )
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response
