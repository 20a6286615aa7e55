"""``reviewdesk workspace copy SRC DST``: copy a workspace between a file and a PostgreSQL server."""

from __future__ import annotations

import argparse
from typing import Any

from reviewdesk import paths
from reviewdesk.services import workspace_copy


def register(sub: Any) -> None:
    p = sub.add_parser("workspace", help="copy a workspace between engines (file ↔ PostgreSQL)")
    actions = p.add_subparsers(dest="workspace_action", metavar="ACTION", required=True)
    copy = actions.add_parser(
        "copy",
        help="copy every case, span, label, label event, audit line and setting into a new or empty workspace",
        description="SRC and DST are workspace files or postgresql:// URLs; DST must be new or empty."
        " Prints the rows per table and a checksum over labels and label events on both sides.",
    )
    copy.add_argument("source", type=paths.workspace_location, metavar="SRC")
    copy.add_argument("destination", type=paths.workspace_location, metavar="DST")
    copy.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    result = workspace_copy.copy_workspace(args.source, args.destination)
    print(f"copied {result.source} → {result.destination}")
    width = max(len(name) for name in result.counts)
    for table, count in result.counts.items():
        print(f"  {table:<{width}}  {count:>9}  {count:>9}")
    print(f"  checksum of labels and label events: {result.source_checksum}")
    print(f"                       in the copy:    {result.destination_checksum}")
    print("equal" if result.source_checksum == result.destination_checksum else "DIFFERENT")
    return 0
