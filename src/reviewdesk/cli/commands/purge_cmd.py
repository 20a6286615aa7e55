"""``reviewdesk purge`` and ``reviewdesk retention``: delete old cases for good, and how old is too old.

    reviewdesk purge --older-than 90d [--keep-labeled]   delete cases whose trace started over 90 days ago
    reviewdesk purge                                     apply the workspace's retention period
    reviewdesk purge --older-than 90d --dry-run          count, delete nothing
    reviewdesk retention --set 90d [--keep-labeled]      store the retention period in the workspace
    reviewdesk retention --off                           keep everything
    reviewdesk retention                                 show it

A purge deletes the cases, their spans, traces, labels and search entries, then rewrites the
file (VACUUM) and empties the write-ahead log, so the deleted content is gone from the disk
file, not only hidden. Ages: 90d, 12w, 36h, 1y (365 days), or a number of days.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli.commands.common import workspace
from reviewdesk.domain.errors import UsageError
from reviewdesk.privacy import RetentionSettings, parse_age
from reviewdesk.services import purge


def register(sub: Any) -> None:
    p = sub.add_parser(
        "purge",
        help="delete cases older than an age, for good (retention)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--older-than", metavar="AGE", help="e.g. 90d, 12w, 36h (default: the workspace's retention)")
    keep = p.add_mutually_exclusive_group()
    keep.add_argument(
        "--keep-labeled", dest="keep_labeled", action="store_const", const=True, help="keep labeled cases"
    )
    keep.add_argument("--no-keep-labeled", dest="keep_labeled", action="store_const", const=False)
    p.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run)

    r = sub.add_parser(
        "retention",
        help="show or set how long the workspace keeps cases",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = r.add_mutually_exclusive_group()
    what.add_argument("--set", metavar="AGE", help="keep cases this long, e.g. 90d")
    what.add_argument("--off", action="store_true", help="keep everything")
    keep = r.add_mutually_exclusive_group()
    keep.add_argument("--keep-labeled", dest="keep_labeled", action="store_const", const=True)
    keep.add_argument("--no-keep-labeled", dest="keep_labeled", action="store_const", const=False)
    r.set_defaults(run=run_retention)


def run(args: argparse.Namespace) -> int:
    older_than = parse_age(args.older_than) if args.older_than else None
    ws = workspace(args)
    try:
        result = purge.purge(ws, older_than=older_than, keep_labeled=args.keep_labeled, dry_run=args.dry_run)
    finally:
        ws.close()
    if args.json:
        print(json.dumps(purge.describe(result), indent=2))
        return 0
    verb = "would delete" if result.dry_run else "deleted"
    print(
        f"{verb} {result.cases} case(s) ({result.spans} span(s)) whose trace started before"
        f" {result.cutoff:%Y-%m-%d %H:%M} UTC"
    )
    if result.kept_labeled:
        print(f"kept {result.kept_labeled} older case(s) because they are labeled")
    if not result.dry_run and result.cases:
        print(f"workspace file: {result.bytes_before:,} → {result.bytes_after:,} bytes")
    return 0


def run_retention(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        current = purge.get_retention(ws)
        if args.set or args.off:
            days = None if args.off else _days(args.set)
            keep = current.keep_labeled if args.keep_labeled is None else args.keep_labeled
            current = purge.set_retention(ws, older_than_days=days, keep_labeled=keep)
        elif args.keep_labeled is not None:
            current = purge.set_retention(ws, older_than_days=current.older_than_days, keep_labeled=args.keep_labeled)
    finally:
        ws.close()
    print(_text(current))
    return 0


def _days(age: str) -> int:
    delta = parse_age(age)
    if delta.total_seconds() % 86400:
        raise UsageError(f"the retention period is kept in whole days; {age!r} is not")
    return int(delta.total_seconds() // 86400)


def _text(settings: RetentionSettings) -> str:
    if settings.older_than_days is None:
        return "retention: keep everything (`reviewdesk purge` needs --older-than)"
    keep = ", except labeled cases" if settings.keep_labeled else ""
    return f"retention: cases older than {settings.older_than_days} day(s) are deleted by `reviewdesk purge`{keep}"
