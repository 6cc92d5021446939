"""Open data: every active institution with its register facts and its
municipality's latest figures, as CSV for spreadsheets and as JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dagtilbud_contracts.municipalities import MUNICIPALITIES
from dagtilbud_contracts.vocabulary import COUNT_INDICATORS, INDICATORS
from search.adapters import repository
from search.adapters.orm import institutions
from search.service_layer.documents import latest_figures

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
FIGURE_COLUMNS = tuple(column for i in INDICATORS for column in (i, f"{i}_year"))
COLUMNS = FACT_COLUMNS + FIGURE_COLUMNS

CSV_FILENAME = "dagtilbud.csv"
# Spreadsheets run a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500

ExportInstitutionSchema = Schema.from_dict(
    {
        "number": fields.String(required=True, metadata={"example": "G18062"}),
        "name": fields.String(required=True),
        "kind": fields.String(required=True),
        "ownership": fields.String(required=True),
        "municipality_code": fields.Integer(required=True),
        "municipality_name": fields.String(required=True),
        "address": fields.String(required=True, metadata={"description": "Street and number"}),
        "postcode": fields.String(required=True, metadata={"example": "0800"}),
        "city": fields.String(required=True),
        "lat": fields.Float(required=True, allow_none=True),
        "lon": fields.Float(required=True, allow_none=True),
        "accepts_0_2": fields.Boolean(required=True),
        "accepts_3_5": fields.Boolean(required=True),
        **{
            column: (
                fields.Integer(
                    required=True,
                    allow_none=True,
                    metadata={"description": "The year of the figure beside it"},
                )
                if column.endswith("_year")
                else fields.Float(
                    required=True,
                    allow_none=True,
                    metadata={"description": "The municipality's latest figure; null: missing"},
                )
            )
            for column in FIGURE_COLUMNS
        },
    },
    name="ExportInstitution",
)


class ExportSchema(Schema):
    generated_at = fields.AwareDateTime(required=True)
    count = fields.Integer(required=True)
    institutions = fields.List(fields.Nested(ExportInstitutionSchema), required=True)


def _engine() -> Engine:
    engine: Engine = current_app.extensions["search.engine"]
    return engine


def _records(session: Session) -> Iterator[dict[str, Any]]:
    """One flat record per active institution, read in batches."""
    municipal = repository.municipal_figures(session)
    latest = {code: latest_figures(row["figures"]) for code, row in municipal.items()}
    names = {code: row["name"] for code, row in municipal.items()}
    query = (
        select(institutions)
        .where(institutions.c.status == "active")
        .order_by(institutions.c.number)
        .execution_options(yield_per=ROWS_PER_CHUNK)
    )
    for row in session.execute(query).mappings():
        yield _record(row, names, latest.get(row["municipality_code"], {}))


def _record(
    row: Mapping[Any, Any],
    names: Mapping[int, str],
    latest: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    code = row["municipality_code"]
    address = row["register"]["address"]
    record = {
        "number": row["number"],
        "name": row["name"],
        "kind": row["kind"],
        "ownership": row["ownership"],
        "municipality_code": code,
        "municipality_name": names.get(code) or MUNICIPALITIES.get(code),
        "address": address["street"],
        "postcode": row["postcode"],
        "city": address["city"],
        "lat": row["lat"],
        "lon": row["lon"],
        "accepts_0_2": row["accepts_0_2"],
        "accepts_3_5": row["accepts_3_5"],
    }
    for indicator in INDICATORS:
        figure = latest.get(indicator)
        record[indicator] = None if figure is None else figure["value"]
        record[f"{indicator}_year"] = None if figure is None else figure["year"]
    return record


def csv_cell(column: str, value: Any) -> Any:
    """A value as the CSV writer should see it: numbers stay numbers (decimal
    point), and text that a spreadsheet would run as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if column in COUNT_INDICATORS and float(value).is_integer():
            return int(value)
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_chunks(engine: Engine) -> Iterator[str]:
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
    with Session(engine) as session:
        for n, record in enumerate(_records(session), start=1):
            writer.writerow([csv_cell(column, record[column]) for column in COLUMNS])
            if n % ROWS_PER_CHUNK == 0:
                yield drain()
    yield drain()


@blp.route("/export.csv")
class ExportCsv(MethodView):
    @blp.response(
        200,
        # A schema given as a dict only documents: the view returns its own Response.
        schema={"type": "string", "contentMediaType": "text/csv"},
        content_type="text/csv",
        description="UTF-8 with byte order mark, semicolon separated, one header row, "
        "decimal point in numbers. Text starting with =, +, -, @, tab or carriage return "
        "is prefixed with ' so a spreadsheet does not run it as a formula. Columns: "
        + ", ".join(COLUMNS)
        + ".",
    )
    def get(self) -> Response:
        """All active institutions as CSV (for Excel)"""
        return Response(
            csv_chunks(_engine()),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={CSV_FILENAME}"},
        )


@blp.route("/export.json")
class ExportJson(MethodView):
    @blp.response(200, ExportSchema)
    def get(self) -> dict[str, Any]:
        """All active institutions as JSON, the same fields as the CSV"""
        with Session(_engine()) as session:
            records = list(_records(session))
        return {
            "generated_at": datetime.now(UTC),
            "count": len(records),
            "institutions": records,
        }
