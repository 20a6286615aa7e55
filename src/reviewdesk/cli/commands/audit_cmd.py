"""``reviewdesk audit``: who changed what and when — label changes, imports, exports, purges, settings.

    reviewdesk audit                          the whole trail as text, oldest first
    reviewdesk audit --case CASE_ID           one case's label history
    reviewdesk audit --csv -o audit.csv       as CSV (add --case to limit it to one case)
    reviewdesk audit --labels-only | --operations-only

Label changes come from the append-only label event log, everything else from the append-only
audit log. In the CSV, a cell that a spreadsheet would run as a formula (it starts with =, +, -
or @) gets a leading apostrophe.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.cli import render
from reviewdesk.cli.commands.common import workspace
from reviewdesk.services import audit


def register(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="the audit trail: label changes, imports, exports, purges, settings",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--case", metavar="CASE_ID", help="only this case's label changes")
    p.add_argument("--csv", action="store_true", help="write CSV (to -o FILE, or to standard output)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="file for --csv (replaced whole)")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--labels-only", action="store_true", help="only label changes")
    only.add_argument("--operations-only", action="store_true", help="only imports, exports, purges, settings")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        found = audit.entries(ws, case_ref=args.case, labels=not args.operations_only, operations=not args.labels_only)
    finally:
        ws.close()
    if args.csv and args.output is not None:
        count = audit.write_csv(found, args.output)
        print(f"wrote {count} audit entr{'y' if count == 1 else 'ies'} to {args.output}")
        return 0
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        for row in audit.csv_rows(found):
            writer.writerow([render.safe(cell) for cell in row])
        return 0
    if not found:
        print("no audit entries")
        return 0
    for entry in found:
        where = f" case {entry.case_id}" if entry.case_id and entry.action == "label" else ""
        details = orjson.dumps(entry.details, option=orjson.OPT_SORT_KEYS).decode("utf-8")
        subject = "" if entry.action == "label" else f" {entry.subject}"
        print(
            render.one_line(
                f"{entry.time:%Y-%m-%d %H:%M:%S}  {entry.actor}  {entry.action}{where}{subject}  {details}", 400
            )
        )
    return 0
