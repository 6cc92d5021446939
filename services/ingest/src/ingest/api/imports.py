"""Uploads of register and statistics files, and their reports."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from ingest.api.security import require_uploader
from ingest.service_layer import importing
from ingest.service_layer.importing import IngestContext, UnknownKind, UploadTooLarge

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/v1/imports",
    description="Register and statistics files from Danmarks Statistik and STIL",
)


class UploadFilesSchema(Schema):
    file = Upload(required=True, metadata={"description": "CSV or XLSX file"})


class UploadFormSchema(Schema):
    kind = fields.String(
        load_default=None,
        validate=validate.OneOf(importing.KNOWN_KIND_HINTS),
        metadata={"description": "Format or DST table, when the columns do not say it"},
    )
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Validate and show the changes, store and publish nothing"},
    )


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
    channel = fields.String()
    format = fields.String(allow_none=True)
    kind = fields.String(allow_none=True, attribute="dataset_kind")
    size_bytes = fields.Integer()
    content_sha256 = fields.String()
    progress = fields.Nested(ProgressSchema)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    report = fields.Dict(
        allow_none=True,
        metadata={
            "description": "Problems (row, column, value, reason in Danish and English), "
            "skipped rows and the changes"
        },
    )


class ImportListSchema(Schema):
    items = fields.List(fields.Nested(ImportSchema))
    total = fields.Integer()


class PageSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


def _context() -> IngestContext:
    context: IngestContext = current_app.extensions["ingest.context"]
    return context


def _present(run: dict[str, Any]) -> dict[str, Any]:
    return {**run, "progress": {"rows_done": run["rows_done"], "rows_total": run["rows_total"]}}


@blp.route("")
class Imports(MethodView):
    @blp.arguments(UploadFilesSchema, location="files")
    @blp.arguments(UploadFormSchema, location="form")
    @blp.response(202, ImportSchema)
    @blp.alt_response(413, description="The file is larger than the upload limit")
    @require_uploader
    def post(self, files: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
        """Hand over a file; it is checked whole before anything is applied."""
        upload = files["file"]
        try:
            stored = importing.store_upload(_context(), upload.stream)
            import_id = importing.submit(
                _context(),
                stored,
                filename=upload.filename or "upload",
                kind=form["kind"],
                dry_run=form["dry_run"],
                channel="http",
                requested_by=g.get("requested_by"),
                correlation_id=g.get("correlation_id"),
            )
        except UploadTooLarge as exc:
            abort(413, message=f"The file is larger than the limit of {exc.limit} bytes.")
        except UnknownKind as exc:
            abort(422, message=f"Unknown kind {exc}.")
        finally:
            # A large upload sits in a temporary file until closed.
            upload.close()
        run = importing.get(_context(), import_id)
        assert run is not None
        return _present(run)

    @blp.arguments(PageSchema, location="query")
    @blp.response(200, ImportListSchema)
    @require_uploader
    def get(self, page: dict[str, Any]) -> dict[str, Any]:
        """The history of imports, newest first."""
        runs, total = importing.history(_context(), page["limit"], page["offset"])
        return {"items": [_present(r) for r in runs], "total": total}


@blp.route("/<string:import_id>")
class ImportById(MethodView):
    @blp.response(200, ImportSchema)
    @blp.alt_response(404, description="No such import")
    @require_uploader
    def get(self, import_id: str) -> dict[str, Any]:
        """Status, progress and report of one import."""
        run = importing.get(_context(), import_id)
        if run is None:
            abort(404, message="No such import.")
        assert run is not None
        return _present(run)
