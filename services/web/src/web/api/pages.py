"""The parents' pages. Each view validates its parameters, calls one use case
and renders one template; the same views serve Danish at / and English at /en/."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, abort, make_response, redirect, render_template, request
from werkzeug.datastructures import MultiDict

from dagtilbud_contracts.vocabulary import INSTITUTION_NUMBER_PATTERN
from web.api import labels
from web.api.caching import cached_page
from web.api.i18n import ENGLISH_PREFIX, page_url
from web.api.routing import ROUTES, self_service_modules
from web.api.schemas import LIST_FIELDS, NationalPageSchema, SearchPageSchema, load_query
from web.bootstrap import context
from web.domain import shortlist as sl
from web.domain.search_request import ORGANIC_CHOICES_PCT, RADIUS_CHOICES_KM, SearchRequest
from web.domain.text import danish_sort_key
from web.service_layer import pages
from web.service_layer.gateway import NotFound, SearchUnavailable

_NUMBER = re.compile(INSTITUTION_NUMBER_PATTERN)
_SEARCH_SCHEMA = SearchPageSchema()
_NATIONAL_SCHEMA = NationalPageSchema()


def _render(template: str, status: int = 200, **values: Any) -> Response:
    return make_response(render_template(template, labels=labels, **values), status)


def _shortlist() -> sl.ParsedNumbers:
    return sl.parse_numbers(request.args.getlist("liste"))


def front() -> Response:
    values, errors = load_query(_SEARCH_SCHEMA, request.args, LIST_FIELDS)
    shortlist = _shortlist()
    search_request = SearchRequest(
        q=values["q"],
        lat=values["lat"] if values["lon"] is not None else None,
        lon=values["lon"] if values["lat"] is not None else None,
        name=values["name"],
        age_group=tuple(values["age_group"]),
        kind=tuple(values["kind"]),
        ownership=tuple(values["ownership"]),
        meal=values["meal"],
        open_before=values["open_before"],
        open_after=values["open_after"],
        tag=tuple(values["tag"]),
        open_places=values["open_places"],
        language=tuple(values["language"]),
        organic_min=values["organic_min"],
        radius_km=values["radius_km"],
        sort=values["sort"],
        cursor=values["cursor"],
        shortlist=shortlist.numbers,
    )
    ctx = context()
    unavailable = False
    try:
        page = pages.search_page(ctx.search, ctx.boundaries, search_request, ctx.today())
    except SearchUnavailable:
        # The form stays, with what the parent chose, and says why no results.
        page, unavailable = pages.SearchPage(search_request), True
    status = 503 if unavailable else 400 if errors else (422 if page.rejected else 200)

    def link(**changes: Any) -> str:
        return page_url("front", **search_request.page_params(**changes))

    def shortlist_add(number: str) -> str:
        return link(shortlist=sl.with_number(shortlist.numbers, number)) + f"#result-{number}"

    def shortlist_remove(number: str) -> str:
        return link(shortlist=sl.without_number(shortlist.numbers, number)) + f"#result-{number}"

    # The institution page leads back to this search, with the list as it is then.
    search_query = urlencode(search_request.page_params(shortlist=()), doseq=True)

    def institution_link(number: str) -> str:
        return _institution_url(number, shortlist.numbers, search_query)

    return _render(
        "pages/search.html",
        status,
        page=page,
        errors=errors,
        shortlist=shortlist,
        radius_choices=RADIUS_CHOICES_KM,
        link=link,
        shortlist_add=shortlist_add,
        shortlist_remove=shortlist_remove,
        institution_link=institution_link,
        unavailable=unavailable,
        tag_options=_tag_options(page, search_request),
        language_options=_language_options(),
        organic_choices=_organic_choices(search_request),
    )


def _tag_options(page: pages.SearchPage, search_request: SearchRequest) -> dict[str, str]:
    """Focus tags found among the results, and the ones already chosen."""
    found = (page.results or {}).get("facets", {}).get("tag", {})
    named = {tag: labels.focus_tag(tag) for tag in set(found) | set(search_request.tag)}
    return dict(sorted(named.items(), key=lambda item: danish_sort_key(item[1])))


def _language_options() -> list[tuple[str, str]]:
    """Every language a profile can name, in the reader's alphabetical order."""
    named = [(code, str(label)) for code, label in labels.LANGUAGES.items()]
    return sorted(named, key=lambda option: danish_sort_key(option[1]))


def _organic_choices(search_request: SearchRequest) -> list[int]:
    """The offered shares, and the one chosen if it is another (from a link)."""
    chosen = {search_request.organic_min} if search_request.organic_min is not None else set()
    return sorted(set(ORGANIC_CHOICES_PCT) | chosen)


def _institution_url(number: str, shortlist: tuple[str, ...], search_query: str = "") -> str:
    values = {"liste": sl.as_parameter(shortlist) or None, "soeg": search_query or None}
    return page_url("institution", number=number, **{k: v for k, v in values.items() if v})


def institution(number: str) -> Response:
    canonical = number.upper()
    if not _NUMBER.match(canonical):
        abort(404)
    if canonical != number:
        return redirect(page_url("institution", number=canonical, **request.args), 301)  # type: ignore[return-value]
    try:
        ctx = context()
        page = pages.institution_page(ctx.search, canonical, ctx.today())
    except NotFound:
        abort(404)
    numbers = _shortlist().numbers
    search_query = _search_query(request.args.get("soeg", ""))
    return _render(
        "pages/institution.html",
        page=page,
        shortlist=numbers,
        shortlist_add=_institution_url(canonical, sl.with_number(numbers, canonical), search_query),
        shortlist_remove=_institution_url(
            canonical, sl.without_number(numbers, canonical), search_query
        ),
        back_to_search=_front_url(search_query, numbers),
        has_search=bool(search_query),
    )


def _search_query(raw: str) -> str:
    """The search a parent came from, re-validated: only the front page's own
    parameters travel, so the link back can lead nowhere else."""
    if len(raw) > 1000:
        return ""
    args = MultiDict(parse_qsl(raw))
    _, errors = load_query(_SEARCH_SCHEMA, args, LIST_FIELDS)
    kept = [
        (key, value)
        for key, value in args.items(multi=True)
        if key in _SEARCH_SCHEMA.fields and key not in errors and key != "liste"
    ]
    return urlencode(kept)


def _front_url(search_query: str, numbers: tuple[str, ...]) -> str:
    args = parse_qsl(search_query)
    if numbers:
        args.append(("liste", sl.as_parameter(numbers)))
    query = urlencode(args)
    return page_url("front") + ("?" + query if query else "")


def compare() -> Response:
    raw = request.args.getlist("ids")
    parsed = sl.parse_numbers(raw, limit=sl.COMPARE_MAX)
    # One stable address per comparison: ids=a,b,c.
    if len(raw) > 1 and not parsed.rejected and not parsed.truncated:
        return redirect(  # type: ignore[return-value]
            page_url("compare", ids=sl.as_parameter(parsed.numbers)), 301
        )
    problems = []
    if parsed.rejected:
        problems.append("rejected")
    if parsed.truncated:
        problems.append("too_many")
    if len(parsed.numbers) < sl.COMPARE_MIN:
        problems.append("too_few")
    if problems:
        return _render("pages/compare.html", 400, page=None, parsed=parsed, problems=problems)
    try:
        ctx = context()
        page = pages.compare_page(ctx.search, parsed.numbers, ctx.today())
    except NotFound:
        return _render("pages/compare.html", 404, page=None, parsed=parsed, problems=["not_found"])
    return _render("pages/compare.html", page=page, parsed=parsed, problems=[])


def shortlist() -> Response:
    parsed = sl.parse_numbers(request.args.getlist("ids") + request.args.getlist("liste"))
    page = pages.shortlist_page(context().search, parsed.numbers)
    return _render(
        "pages/shortlist.html", 400 if parsed.rejected else 200, page=page, parsed=parsed
    )


def municipality(code: str) -> Response:
    if not code.isdigit() or len(code) > 4 or not 0 < int(code) < 1000:
        abort(404)
    if code != str(int(code)):
        # 0101 (DAWA's spelling) and 101 are one municipality; 101 is the address.
        return redirect(page_url("municipality", code=str(int(code))), 301)  # type: ignore[return-value]
    try:
        page = pages.municipality_page(context().search, int(code))
    except NotFound:
        abort(404)
    return _render("pages/municipality.html", page=page)


def municipalities() -> Response:
    values, errors = load_query(_NATIONAL_SCHEMA, request.args)
    ctx = context()
    page = pages.national_page(
        ctx.search,
        ctx.boundaries,
        values["indikator"],
        values["sortering"],
        values["retning"] == "ned",
        danish_sort_key,
    )
    return _render(
        "pages/municipalities.html",
        400 if errors else 200,
        page=page,
        errors=errors,
        municipality_link=lambda code: page_url("municipality", code=code),
    )


def about() -> Response:
    return _render("pages/about.html")


PAGES = (
    ("/", "front", front),
    ("/institution/<number>", "institution", institution),
    ("/sammenlign", "compare", compare),
    ("/liste", "shortlist", shortlist),
    ("/kommune/<code>", "municipality", municipality),
    ("/kommuner", "municipalities", municipalities),
    ("/om-data", "about", about),
)


def pages_blueprint(language: str) -> Blueprint:
    """The pages in one language: Danish at /, English at /en/."""
    blueprint = Blueprint(
        language, __name__, url_prefix=ENGLISH_PREFIX if language == "en" else None
    )
    for rule, endpoint, view in PAGES:
        blueprint.add_url_rule(rule, endpoint, cached_page(view), methods=["GET"])
    self_service_modules()
    for route in ROUTES:
        blueprint.add_url_rule(route.rule, route.endpoint, route.view, methods=list(route.methods))
    return blueprint
