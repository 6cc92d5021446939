"""A municipality's part: the dagpleje districts it reports for (read by
anyone, reported by the municipality's users and admins) and how complete
and fresh its institutions' information is."""

from __future__ import annotations

from typing import Any, Final

from flask.views import MethodView
from flask_smorest import Blueprint
from webargs.flaskparser import abort

from dagkit.problems import ProblemSchema, limit_body
from dagkit.tokens import BEARER_SCHEME, Principal, requires, same_municipality
from dagtilbud_contracts.municipalities import MUNICIPALITY_CODES
from profiles.api.answers import (
    ETAG_HEADERS,
    NOT_A_DISTRICT,
    NOTHING_TO_CHANGE,
    etag_headers,
    expected_version,
    refusals,
)
from profiles.api.profiles import EDIT_REFUSALS, READ_REFUSALS, history_document, refusal_docs
from profiles.api.schemas import (
    CompletenessOutput,
    DagplejeListOutput,
    DagplejeOutput,
    DagplejeReportInput,
    DagplejeReportPatch,
    HistoryOutput,
    HistoryQuery,
)
from profiles.api.security import EDITOR_ROLES, MUNICIPALITY_ROLES, current_editor
from profiles.bootstrap import context
from profiles.domain.profile import DAGPLEJE_FIELDS
from profiles.service_layer import profiles as use_cases
from profiles.service_layer.profiles import ProfileView

MAX_BODY_BYTES: Final = 16 * 1024
NO_MUNICIPALITY: Final = ("There is no such municipality.", "Der findes ingen sådan kommune.")

blp = Blueprint(
    "municipalities",
    __name__,
    url_prefix="/v1/municipalities",
    description="Dagpleje districts a municipality reports for, and its completeness overview",
)
limit_body(blp, MAX_BODY_BYTES)
_secured = blp.doc(security=[{BEARER_SCHEME: []}])
_edit_refusals = refusal_docs(blp, EDIT_REFUSALS)


def _municipality(code: int) -> int:
    if code not in MUNICIPALITY_CODES:
        abort(
            404,
            message="There is no such municipality.",
            message_da="Der findes ingen sådan kommune.",
        )
    return code


def _own_municipality(principal: Principal, code: int, **_: object) -> bool:
    return principal.role == "admin" or same_municipality(principal, code)


def district_document(view: ProfileView) -> dict[str, Any]:
    return {
        "institution_number": view.institution.number,
        "name": view.institution.name,
        "municipality_code": view.institution.municipality_code,
        "version": view.profile.version,
        "read_only": view.institution.closed,
        "dagpleje": view.profile.content.get("dagpleje"),
        "opening_hours": view.profile.content.get("opening_hours") or [],
        "updated_at": view.profile.updated_at,
    }


def _answer(view: ProfileView) -> tuple[dict[str, Any], int, dict[str, str]]:
    return district_document(view), 200, etag_headers(view.profile.version)


@blp.route("/<int:code>/dagpleje")
class DistrictsResource(MethodView):
    @blp.response(200, DagplejeListOutput)
    @blp.alt_response(404, schema=ProblemSchema, description="No such municipality")
    def get(self, code: int) -> Any:
        """The municipality's open dagpleje districts and what it reports for each (public)."""
        views = use_cases.dagpleje_districts(context(), _municipality(code))
        return {"municipality_code": code, "districts": [district_document(v) for v in views]}


@blp.route("/<int:code>/dagpleje/<string:number>")
class DistrictResource(MethodView):
    @blp.response(200, DagplejeOutput, headers=ETAG_HEADERS)
    @blp.alt_response(404, schema=ProblemSchema, description="No such district")
    def get(self, code: int, number: str) -> Any:
        """One district's report (public)."""
        with refusals(NOT_A_DISTRICT):
            return _answer(use_cases.read_dagpleje(context(), _municipality(code), number.upper()))

    @_secured
    @requires(*MUNICIPALITY_ROLES, tenancy=_own_municipality)
    @blp.arguments(DagplejeReportInput)
    @blp.response(200, DagplejeOutput, headers=ETAG_HEADERS)
    @_edit_refusals
    def put(self, body: dict[str, Any], code: int, number: str) -> Any:
        """Replace the district's report (the municipality's users and admins);
        If-Match as for a profile. No field for a childminder's name or address exists."""
        return _report(code, number, body)

    @_secured
    @requires(*MUNICIPALITY_ROLES, tenancy=_own_municipality)
    @blp.arguments(DagplejeReportPatch(partial=DAGPLEJE_FIELDS))
    @blp.response(200, DagplejeOutput, headers=ETAG_HEADERS)
    @_edit_refusals
    def patch(self, body: dict[str, Any], code: int, number: str) -> Any:
        """Replace the fields sent, keep the other."""
        return _report(code, number, body)


def _report(code: int, number: str, body: dict[str, Any]) -> Any:
    if not body:
        abort(422, messages={"json": {"_schema": [NOTHING_TO_CHANGE]}})
    version = expected_version()
    with refusals(NOT_A_DISTRICT):
        saved = use_cases.edit_dagpleje(
            context(), current_editor(), _municipality(code), number.upper(), body, version
        )
        return _answer(saved)


@blp.route("/<int:code>/dagpleje/<string:number>/history")
class DistrictHistoryResource(MethodView):
    @_secured
    @requires(*EDITOR_ROLES)
    @blp.arguments(HistoryQuery, location="query")
    @blp.response(200, HistoryOutput)
    @refusal_docs(blp, READ_REFUSALS)
    def get(self, query: dict[str, Any], code: int, number: str) -> Any:
        """The district's history (as its profile's)."""
        number = number.upper()
        with refusals(NOT_A_DISTRICT):
            use_cases.read_dagpleje(context(), _municipality(code), number)
            changes = use_cases.history(
                context(), current_editor(), number, query["limit"], query["before"]
            )
        return history_document(number, changes, query["limit"])


@blp.route("/<int:code>/completeness")
class CompletenessResource(MethodView):
    @_secured
    @requires(*MUNICIPALITY_ROLES, tenancy=_own_municipality)
    @blp.response(200, CompletenessOutput)
    @refusal_docs(blp, (401, 403, 404, 503))
    def get(self, code: int) -> Any:
        """Each open institution of the municipality: the share of sections
        filled in, which are missing, and how old its newest edit is."""
        ctx = context()
        with refusals():
            items = use_cases.completeness(ctx, current_editor(), _municipality(code))
        now = ctx.clock()
        return {
            "municipality_code": code,
            "institutions": [
                {
                    "institution_number": item.institution.number,
                    "name": item.institution.name,
                    "kind": item.institution.kind,
                    "share_filled": round(item.share, 3),
                    "filled": list(item.filled),
                    "missing": list(item.missing),
                    "newest_edit_at": item.profile.updated_at,
                    "newest_edit_age_days": None
                    if item.profile.updated_at is None
                    else (now - item.profile.updated_at).days,
                    "open_places_stale": item.open_places_stale,
                }
                for item in items
            ],
        }
