"""Command line: ``ingest import FILE [--kind K] [--dry-run] [--confirm-closures N]``
and ``ingest purge-files``.

Imports run in this process with a progress bar, through the same path as
uploads; the exit status is 0 when the file was accepted (or already
imported), 1 when it was rejected.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dagkit.logging import configure_logging
from ingest.bootstrap import build_context
from ingest.config import SERVICE, load_settings
from ingest.domain.imports import ImportRun
from ingest.service_layer import importing, retention
from ingest.service_layer.context import IngestContext

SHOWN_PROBLEMS = 20
SHOWN_CLOSURES = 10  # per municipality; --json has them all


def _count(text: str) -> int:
    value = int(text)
    if not 0 <= value <= importing.MAX_CONFIRM_CLOSURES:
        raise argparse.ArgumentTypeError(f"must be 0 to {importing.MAX_CONFIRM_CLOSURES}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ingest", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("import", help="import a register or statistics file")
    run.add_argument("file", type=Path)
    run.add_argument("--kind", choices=importing.KNOWN_KIND_HINTS)
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="check the file and show the changes; store and publish nothing",
    )
    run.add_argument(
        "--confirm-closures",
        type=_count,
        metavar="N",
        help="the number of institutions the dry run said the register file closes; needed "
        "when it closes more than INGEST_MAX_CLOSURE_PCT of them or empties a municipality",
    )
    run.add_argument("--json", action="store_true", help="print the whole report as JSON")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    commands.add_parser(
        "purge-files",
        help="delete uploaded files past their retention (INGEST_KEEP_FILES_DAYS, "
        "INGEST_KEEP_REPLACED_FILES_DAYS); import reports stay",
    )
    return parser


def _print_report(run: ImportRun) -> None:
    report = run.report or {}
    print(f"{run.filename}: {run.status.value} ({run.format or 'unknown format'})")
    for key in ("summary_da", "summary_en"):
        if report.get(key):
            print(f"  {report[key]}")
    if report.get("diff"):
        diff = {k: v for k, v in report["diff"].items() if not k.endswith("_samples")}
        print(f"  changes: {diff}")
    if report.get("skipped"):
        print(f"  skipped rows: {report['skipped']}")
    _print_closures(report.get("closures"))
    problems = report.get("problems", [])
    for problem in problems[:SHOWN_PROBLEMS]:
        where = f"row {problem['row']}" if problem["row"] else "file"
        if problem["column"]:
            where += f", column {problem['column']}"
        value = f" = {problem['value']!r}" if problem["value"] is not None else ""
        print(
            f"  {problem['severity']}: {where}{value}: {problem['message_da']}"
            f" / {problem['message_en']}"
        )
    if len(problems) > SHOWN_PROBLEMS:
        print(f"  ... and {len(problems) - SHOWN_PROBLEMS} more (use --json)")


def _print_closures(closures: dict[str, Any] | None) -> None:
    if not closures or not closures["municipalities"]:
        return
    print(
        f"  closes {closures['count']} of {closures['active_before']} active institutions "
        f"({closures['share_pct']} %, limit {closures['limit_pct']} %):"
    )
    for place in closures["municipalities"]:
        emptied = ", leaves none active" if place["left_without_active_institutions"] else ""
        print(
            f"    {place['municipality_code']} {place['municipality_name']}: "
            f"{place['count']}{emptied}"
        )
        shown = place["institutions"][:SHOWN_CLOSURES]
        for institution in shown:
            print(f"      {institution['institution_number']} {institution['name']}")
        if len(place["institutions"]) > len(shown):
            print(f"      ... and {len(place['institutions']) - len(shown)} more (use --json)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    configure_logging(
        SERVICE, "WARNING" if settings["log_level"] == "INFO" else settings["log_level"]
    )
    ctx = build_context(settings)
    try:
        if args.command == "purge-files":
            purged = retention.purge_files(ctx)
            print(f"purged {purged.files} files ({purged.bytes} bytes)")
            return 0
        return _import(ctx, args)
    finally:
        ctx.close()


def _import(ctx: IngestContext, args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    # The bar appears once the file is stored and being read.
    bar: tqdm[Any] | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(
                total=None,
                unit=" rows",
                disable=args.quiet or not sys.stderr.isatty(),
                desc=args.file.name,
            )
        bar.total = max(total, done)
        bar.update(done - bar.n)

    try:
        run = importing.import_file(
            ctx,
            args.file,
            kind=args.kind,
            dry_run=args.dry_run,
            channel="cli",
            requested_by="cli",
            confirm_closures=args.confirm_closures,
            progress=progress,
        )
    except importing.UploadTooLarge as exc:
        print(f"{args.file}: larger than the limit of {exc.limit} bytes", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps(run.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        _print_report(run)
    return 1 if run.rejected_or_failed else 0


if __name__ == "__main__":
    sys.exit(main())
