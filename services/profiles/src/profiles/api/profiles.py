"""An institution's own information over HTTP: read by anyone, edited by the
institution, its municipality or an admin (each edit naming the version it
was made on), and its history for those who may edit it."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from flask.views import MethodView
from flask_smorest import Blueprint
from webargs.flaskparser import abort

from dagkit.problems import ProblemSchema, limit_body
from dagkit.tokens import BEARER_SCHEME, requires
from dagtilbud_contracts.vocabulary import open_places_fresh
from profiles.api.answers import (
    ETAG_HEADERS,
    NOTHING_TO_CHANGE,
    etag_headers,
    expected_version,
    refusals,
)
from profiles.api.schemas import (
    HistoryOutput,
    HistoryQuery,
    ProfileInput,
    ProfileOutput,
    ProfilePatch,
)
from profiles.api.security import EDITOR_ROLES, current_editor
from profiles.bootstrap import context
from profiles.domain.profile import PROFILE_FIELDS, ProfileChange
from profiles.service_layer import profiles as use_cases
from profiles.service_layer.profiles import ProfileView

# A whole profile with a year of closing days and the longest texts is ~60 KB.
MAX_BODY_BYTES: Final = 128 * 1024

blp = Blueprint(
    "profiles",
    __name__,
    url_prefix="/v1",
    description="What an institution reports about itself: read, edit, history",
)
limit_body(blp, MAX_BODY_BYTES)
_secured = blp.doc(security=[{BEARER_SCHEME: []}])
EDIT_REFUSALS: Final = (400, 401, 403, 404, 409, 412, 413, 422, 428, 503)
READ_REFUSALS: Final = (401, 403, 404, 422, 503)


def refusal_docs(blueprint: Blueprint, codes: tuple[int, ...]) -> Any:
    """Documents the Problem answers a view may give."""

    def document(view: Any) -> Any:
        for code in codes:
            view = blueprint.alt_response(code, schema=ProblemSchema, description="Refused")(view)
        return view

    return document


_edit_refusals = refusal_docs(blp, EDIT_REFUSALS)


def open_places_shown(places: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    return [
        {**place, "fresh": open_places_fresh(date.fromisoformat(place["reported_on"]), today)}
        for place in places
    ]


def profile_document(view: ProfileView, today: date) -> dict[str, Any]:
    profile, institution = view.profile, view.institution
    content = dict(profile.content)
    return {
        "institution_number": institution.number,
        "name": institution.name,
        "kind": institution.kind,
        "municipality_code": institution.municipality_code,
        "version": profile.version,
        "read_only": institution.closed,
        **content,
        "open_places": open_places_shown(content.get("open_places") or [], today),
        "updated_at": profile.updated_at,
        "sections_saved_at": dict(profile.sections_saved_at),
    }


def answer(view: ProfileView) -> tuple[dict[str, Any], int, dict[str, str]]:
    return profile_document(view, context().today()), 200, etag_headers(view.profile.version)


@blp.route("/institutions/<string:number>/profile")
class ProfileResource(MethodView):
    @blp.response(200, ProfileOutput, headers=ETAG_HEADERS)
    @blp.alt_response(404, schema=ProblemSchema, description="No such institution")
    def get(self, number: str) -> Any:
        """An institution's own information (public)."""
        with refusals():
            return answer(use_cases.read_profile(context(), number.upper()))

    @_secured
    @requires(*EDITOR_ROLES)
    @blp.arguments(ProfileInput)
    @blp.response(200, ProfileOutput, headers=ETAG_HEADERS)
    @_edit_refusals
    def put(self, body: dict[str, Any], number: str) -> Any:
        """Replace the whole profile. Send the ETag you read in If-Match; a
        stale one is 412 and changes nothing. Each open-places item sent is
        reported today."""
        return _edit(number, body)

    @_secured
    @requires(*EDITOR_ROLES)
    @blp.arguments(ProfilePatch(partial=PROFILE_FIELDS))
    @blp.response(200, ProfileOutput, headers=ETAG_HEADERS)
    @_edit_refusals
    def patch(self, body: dict[str, Any], number: str) -> Any:
        """Replace the fields sent (each one whole), keep the rest. If-Match as for PUT."""
        return _edit(number, body)


def _edit(number: str, body: dict[str, Any]) -> Any:
    if not body:
        abort(422, messages={"json": {"_schema": [NOTHING_TO_CHANGE]}})
    version = expected_version()
    with refusals():
        saved = use_cases.edit_profile(context(), current_editor(), number.upper(), body, version)
        return answer(saved)


def change_document(change: ProfileChange) -> dict[str, Any]:
    return {
        "version": change.version,
        "at": change.at,
        "account_id": change.account_id,
        "role": change.role,
        "fields_changed": list(change.fields),
        "correlation_id": change.correlation_id,
    }


def history_document(number: str, changes: list[ProfileChange], limit: int) -> dict[str, Any]:
    oldest = changes[-1].version if changes else None
    return {
        "institution_number": number,
        "changes": [change_document(c) for c in changes],
        "next_before": oldest if len(changes) == limit and oldest and oldest > 1 else None,
    }


@blp.route("/institutions/<string:number>/profile/history")
class HistoryResource(MethodView):
    @_secured
    @requires(*EDITOR_ROLES)
    @blp.arguments(HistoryQuery, location="query")
    @blp.response(200, HistoryOutput)
    @refusal_docs(blp, READ_REFUSALS)
    def get(self, query: dict[str, Any], number: str) -> Any:
        """Who changed which fields when, newest first (the institution, its
        municipality and admins)."""
        number = number.upper()
        with refusals():
            changes = use_cases.history(
                context(), current_editor(), number, query["limit"], query["before"]
            )
        return history_document(number, changes, query["limit"])
