"""Builds dagtilbud_kommune_statistik_2017_2023.csv, the demo's statistics in
the portal's own wide format (one row per municipality and year), from
normering_kommune_2017_2023.csv and dagtilbud_kommune_noegletal_2023.csv.

    python data/derive_statistics.py

Only reshaping: normering as published; for 2023 the share of pedagogically
educated staff is pædagoger + pædagogiske assistenter + anden pædagogisk
uddannelse (pctPaedagog + pctPaedAssistent + pctAndenPaedUdd) and the number
of children is those at the count date (boernVedNedslag 0-2 + 3-5 + dagpleje).
A cell that is empty in the source stays empty.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
COLUMNS = [
    "kommunekode",
    "kommune",
    "aar",
    "normering_0_2",
    "normering_3_5",
    "normering_dagpleje",
    "andel_paedagogisk_uddannet_pct",
    "antal_boern",
    "kilde",
]
PASNINGSTILBUD = {
    "daginstitution_0_2": "normering_0_2",
    "daginstitution_3_5": "normering_3_5",
    "dagpleje": "normering_dagpleje",
}
SOURCE = "Uddannelsesstatistik.dk (Børne- og Undervisningsministeriet)"


def _sum(row: dict[str, str], names: list[str], digits: int) -> str:
    if any(row[name] == "" for name in names):
        return ""
    total = sum(float(row[name]) for name in names)
    return f"{total:.{digits}f}" if digits else str(int(total))


def main() -> None:
    rows: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    with (HERE / "normering_kommune_2017_2023.csv").open(encoding="utf-8") as fh:
        for src in csv.DictReader(fh):
            row = rows[(src["kommunekode"], src["aar"])]
            row.update(kommunekode=src["kommunekode"], kommune=src["kommune"], aar=src["aar"])
            row[PASNINGSTILBUD[src["pasningstilbud"]]] = src["boern_pr_voksen"]
    with (HERE / "dagtilbud_kommune_noegletal_2023.csv").open(encoding="utf-8") as fh:
        for src in csv.DictReader(fh):
            row = rows[(src["kommunekode"], src["aar"])]
            row["andel_paedagogisk_uddannet_pct"] = _sum(
                src, ["pctPaedagog", "pctPaedAssistent", "pctAndenPaedUdd"], 1
            )
            row["antal_boern"] = _sum(
                src, ["boernVedNedslag02", "boernVedNedslag35", "boernVedNedslagDagpleje"], 0
            )
    out = HERE / "dagtilbud_kommune_statistik_2017_2023.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, delimiter=";")
        writer.writeheader()
        for key in sorted(rows, key=lambda k: (int(k[0]), int(k[1]))):
            writer.writerow({**{c: "" for c in COLUMNS}, **rows[key], "kilde": SOURCE})


if __name__ == "__main__":
    main()
