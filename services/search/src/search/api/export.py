"""Open data: every active institution with its register facts and its
municipality's latest figures, as CSV for spreadsheets and as JSON.

The figures are the municipality's, not the institution's (Danmarks
Statistik publishes normering and child counts per municipality), and are
named so: ``municipality_normering_0_2`` in the CSV, ``municipality_figures``
in the JSON. Institution-level figures, once DST delivers them, get names of
their own beside them (``institution_...``, ``institution_figures``).

Both exports are streamed in chunks, in Danish alphabetical order of the
name (the institution number breaks ties), and carry
``Access-Control-Allow-Origin: *`` so any web page may fetch them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from dagtilbud_contracts.vocabulary import COUNT_INDICATORS, INDICATORS, NORMERING_INDICATORS
from search.api.schemas import MunicipalFiguresSchema
from search.bootstrap import context
from search.service_layer.export import export_records

blp = Blueprint(
    "export",
    __name__,
    url_prefix="/v1",
    description="Open data: all active institutions with facts and municipal figures",
)

FACT_COLUMNS = (
    "number",
    "name",
    "kind",
    "ownership",
    "municipality_code",
    "municipality_name",
    "address",
    "postcode",
    "city",
    "lat",
    "lon",
    "accepts_0_2",
    "accepts_3_5",
)
MUNICIPAL_PREFIX = "municipality_"
FIGURE_COLUMNS = tuple(
    column
    for indicator in INDICATORS
    for column in (
        f"{MUNICIPAL_PREFIX}{indicator}",
        f"{MUNICIPAL_PREFIX}{indicator}_year",
        *((f"{MUNICIPAL_PREFIX}{indicator}_series",) if indicator in NORMERING_INDICATORS else ()),
    )
)
COLUMNS = FACT_COLUMNS + FIGURE_COLUMNS
COUNT_COLUMNS = tuple(f"{MUNICIPAL_PREFIX}{indicator}" for indicator in COUNT_INDICATORS)

CSV_FILENAME = "dagtilbud.csv"
# Spreadsheets run a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}


class ExportInstitutionSchema(Schema):
    number = fields.String(required=True, metadata={"example": "G18062"})
    name = fields.String(required=True)
    kind = fields.String(required=True)
    ownership = fields.String(required=True)
    municipality_code = fields.Integer(required=True)
    municipality_name = fields.String(required=True)
    address = fields.String(required=True, metadata={"description": "Street and number"})
    postcode = fields.String(required=True, metadata={"example": "0800"})
    city = fields.String(required=True)
    lat = fields.Float(required=True, allow_none=True)
    lon = fields.Float(required=True, allow_none=True)
    accepts_0_2 = fields.Boolean(required=True)
    accepts_3_5 = fields.Boolean(required=True)
    municipality_figures = fields.Nested(
        MunicipalFiguresSchema,
        required=True,
        metadata={
            "description": "The latest figure per indicator of the institution's "
            "MUNICIPALITY (all institutions of a municipality carry the same), with its "
            "year and source; not a figure of the institution itself"
        },
    )


class ExportSchema(Schema):
    generated_at = fields.AwareDateTime(required=True)
    institutions = fields.List(
        fields.Nested(ExportInstitutionSchema),
        required=True,
        metadata={"description": "In Danish alphabetical order of name"},
    )
    count = fields.Integer(required=True, metadata={"description": "How many institutions"})


@blp.after_request
def _open_to_every_origin(response: Response) -> Response:
    # Open data without credentials: a page on any site may read it.
    response.headers.update(CORS_HEADERS)
    return response


def csv_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as the CSV's flat columns."""
    row = {column: record[column] for column in FACT_COLUMNS}
    for indicator, figure in record["municipality_figures"].items():
        row[f"{MUNICIPAL_PREFIX}{indicator}"] = None if figure is None else figure["value"]
        row[f"{MUNICIPAL_PREFIX}{indicator}_year"] = None if figure is None else figure["year"]
        if indicator in NORMERING_INDICATORS:
            series = None if figure is None else figure["series"]
            row[f"{MUNICIPAL_PREFIX}{indicator}_series"] = series
    return row


def csv_cell(column: str, value: Any) -> Any:
    """A value as the CSV writer should see it: numbers stay numbers (decimal
    point), and text that a spreadsheet would run as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if column in COUNT_COLUMNS and float(value).is_integer():
            return int(value)
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_chunks(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def drain() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    # The byte order mark makes Excel read the file as UTF-8 (æøå).
    yield "\ufeff"
    writer.writerow(COLUMNS)
    for n, record in enumerate(records, start=1):
        row = csv_row(record)
        writer.writerow([csv_cell(column, row[column]) for column in COLUMNS])
        if n % ROWS_PER_CHUNK == 0:
            yield drain()
    yield drain()


def json_chunks(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The ExportSchema document, written as it is read: the count comes last,
    once it is known (JSON object members have no order)."""
    generated_at = datetime.now(UTC).isoformat()
    yield f'{{"generated_at":{json.dumps(generated_at)},"institutions":['
    count = 0
    chunk: list[str] = []
    for record in records:
        chunk.append(("," if count else "") + json.dumps(record, ensure_ascii=False))
        count += 1
        if len(chunk) == ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + f'],"count":{count}}}'


@blp.route("/export.csv")
class ExportCsv(MethodView):
    @blp.response(
        200,
        # A schema given as a dict only documents: the view returns its own Response.
        schema={"type": "string", "contentMediaType": "text/csv"},
        content_type="text/csv",
        description="UTF-8 with byte order mark, semicolon separated, one header row, "
        "decimal point in numbers, rows in Danish alphabetical order of name. Text starting "
        "with =, +, -, @, tab or carriage return is prefixed with ' so a spreadsheet does not "
        "run it as a formula. The municipality_* figure columns are the latest figures of "
        "the institution's municipality (the same on every row of a municipality), each "
        "beside its year; not figures of the institution. Columns: " + ", ".join(COLUMNS) + ".",
    )
    def get(self) -> Response:
        """All active institutions as CSV (for Excel)"""
        return Response(
            csv_chunks(export_records(context())),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={CSV_FILENAME}"},
        )


@blp.route("/export.json")
class ExportJson(MethodView):
    @blp.response(200, ExportSchema)
    def get(self) -> Response:
        """All active institutions as JSON, the same facts as the CSV, with each
        municipal figure's source"""
        return Response(json_chunks(export_records(context())), mimetype="application/json")
