"""Open data: every active institution with its register facts and its
municipality's latest figures, in Danish alphabetical order of the name (the
institution number breaks ties)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from search.domain.documents import latest_figures, open_data_record
from search.domain.text import collation_key
from search.service_layer.context import SearchContext

# Institutions are read this many at a time, so an export of the whole
# country never holds every register row at once.
READ_BATCH = 500


def export_records(ctx: SearchContext) -> Iterator[dict[str, Any]]:
    """One record per active institution (``open_data_record``), read as the
    caller iterates; one closed meanwhile is left out."""
    with ctx.uow() as uow:
        read_model = uow.read_model
        municipal = read_model.municipal_figures()
        latest = {code: latest_figures(row["figures"]) for code, row in municipal.items()}
        names = {code: row["name"] for code, row in municipal.items()}
        order = sorted(
            read_model.active_names(), key=lambda listed: (collation_key(listed[1]), listed[0])
        )
        for start in range(0, len(order), READ_BATCH):
            numbers = [number for number, _name in order[start : start + READ_BATCH]]
            by_number = {row["number"]: row for row in read_model.active_institutions(numbers)}
            for number in numbers:
                row = by_number.get(number)
                if row is not None:
                    yield open_data_record(row, names, latest.get(row["municipality_code"], {}))
