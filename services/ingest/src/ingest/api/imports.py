"""Uploads of register and statistics files, and their reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from flask import g
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate
from webargs.flaskparser import abort

from dagkit.tokens import BEARER_SCHEME
from ingest.api.arguments import MULTIPART, NoQuerySchema, ingest_blueprint, uploaded_file
from ingest.api.errors import IngestErrorSchema, TooLargeSchema, too_large
from ingest.api.security import require_uploader
from ingest.bootstrap import context
from ingest.domain.imports import ImportRun
from ingest.service_layer import importing
from ingest.service_layer.importing import UnknownKind, UploadTooLarge

F = TypeVar("F", bound=Callable[..., Any])
# Far beyond any history, and inside every database's integer range.
MAX_OFFSET = 2**31 - 1

blp = ingest_blueprint(
    "imports",
    __name__,
    url_prefix="/v1/imports",
    description="Register and statistics files from Danmarks Statistik and STIL",
)


class UploadSchema(Schema):
    """The multipart body of an upload: the file and its form fields."""

    class Meta:
        unknown = RAISE

    file = uploaded_file(required=True, metadata={"description": "CSV or XLSX file"})
    # Optional fields without a None default: a form cannot send null.
    kind = fields.String(
        validate=validate.OneOf(importing.KNOWN_KIND_HINTS),
        metadata={"description": "Format or DST table, when the columns do not say it"},
    )
    # Only the two spellings the document names: "0", "no" or "off" being taken
    # as false would run for real an import the uploader meant as a dry run.
    dry_run = fields.Boolean(
        load_default=False,
        truthy={"true"},
        falsy={"false"},
        metadata={
            "description": "Validate and show the changes (for a register: exactly what "
            "would close, per municipality), store and publish nothing"
        },
    )
    confirm_closures = fields.Integer(
        validate=validate.Range(min=0, max=importing.MAX_CONFIRM_CLOSURES),
        metadata={
            "description": "The number of institutions the dry run said the register file "
            "closes. Needed when it closes more than the limit's share of the active "
            "institutions (INGEST_MAX_CLOSURE_PCT, 5 %) or leaves a municipality without "
            "any; another number than the file's closures rejects the import"
        },
    )


class UploadQuerySchema(NoQuerySchema):
    body_fields = tuple(UploadSchema().fields)


class UtcDateTime(fields.DateTime):
    """Times are stored in UTC; SQLite hands them back without an offset."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class ProgressSchema(Schema):
    rows_done = fields.Integer()
    rows_total = fields.Integer(allow_none=True)


class ImportSchema(Schema):
    id = fields.String(required=True)
    filename = fields.String()
    status = fields.String(
        metadata={"description": "queued, running, accepted, rejected, duplicate or failed"}
    )
    dry_run = fields.Boolean()
    confirm_closures = fields.Integer(allow_none=True)
    channel = fields.String()
    format = fields.String(allow_none=True)
    kind = fields.String(allow_none=True, attribute="dataset_kind")
    size_bytes = fields.Integer()
    content_sha256 = fields.String()
    progress = fields.Nested(ProgressSchema)
    created_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)
    file_purged_at = UtcDateTime(
        allow_none=True,
        metadata={"description": "When the uploaded file was deleted after its retention"},
    )
    report = fields.Dict(
        allow_none=True,
        metadata={
            "description": "Problems (row, column, value, reason in Danish and English), "
            "skipped rows and the changes; for a register, the closures per municipality"
        },
    )


class ImportListSchema(Schema):
    items = fields.List(fields.Nested(ImportSchema))
    total = fields.Integer()


class PageSchema(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


def _uploaders_only(view: F) -> F:
    """The token check around everything else, and its documentation."""
    documented = blp.doc(security=[{BEARER_SCHEME: []}])(view)
    documented = blp.alt_response(
        401,
        schema=IngestErrorSchema,
        description="No access token, or one that is invalid or expired",
        headers={
            "WWW-Authenticate": {
                "schema": {"type": "string"},
                "description": 'Bearer, with error="invalid_token" when a token was refused',
            }
        },
    )(documented)
    documented = blp.alt_response(
        403, schema=IngestErrorSchema, description="Not a dst or admin account"
    )(documented)
    documented = blp.alt_response(
        503,
        schema=IngestErrorSchema,
        description="The token cannot be verified now: auth's keys cannot be fetched",
        headers={"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
    )(documented)
    return cast(F, require_uploader(documented))


@blp.route("")
class Imports(MethodView):
    @_uploaders_only
    @blp.arguments(UploadQuerySchema, location="query", unknown=RAISE)
    @blp.arguments(UploadSchema, location=MULTIPART, unknown=RAISE)
    @blp.response(202, ImportSchema)
    @blp.alt_response(413, schema=TooLargeSchema, description="The file is larger than the limit")
    def post(self, _query: dict[str, Any], upload: dict[str, Any]) -> ImportRun:
        """Hand over a file; it is checked whole before anything is applied."""
        file = upload["file"]
        try:
            return importing.queue_upload(
                context(),
                file.stream,
                filename=file.filename or "upload",
                kind=upload.get("kind"),
                dry_run=upload["dry_run"],
                confirm_closures=upload.get("confirm_closures"),
                channel="http",
                requested_by=g.get("requested_by"),
                correlation_id=g.get("correlation_id"),
            )
        except UploadTooLarge as exc:
            too_large(exc.limit)
        except UnknownKind as exc:
            abort(422, message=f"Unknown kind {exc}.")
        finally:
            # A large upload sits in a temporary file until closed.
            file.close()

    @_uploaders_only
    @blp.arguments(PageSchema, location="query", unknown=RAISE)
    @blp.response(200, ImportListSchema)
    def get(self, page: dict[str, Any]) -> dict[str, Any]:
        """The history of imports, newest first."""
        runs, total = importing.history(context(), page["limit"], page["offset"])
        return {"items": runs, "total": total}


@blp.route("/<string:import_id>")
class ImportById(MethodView):
    @_uploaders_only
    @blp.arguments(NoQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, ImportSchema)
    @blp.alt_response(404, schema=IngestErrorSchema, description="No such import")
    def get(self, _query: dict[str, Any], import_id: str) -> ImportRun:
        """Status, progress and report of one import."""
        run = importing.get(context(), import_id)
        if run is None:
            abort(404, message="No such import.", message_da="Indlæsningen findes ikke.")
        assert run is not None
        return run
