"""``reviewdesk stale-after``: the workspace's threshold for stale documents.

A retrieved document is stale when it had not been updated for more than this many days when the
case retrieved it, or when another case of the workspace retrieved a newer version of it
(docs/CONTEXT.md). The window's Context pane marks stale documents, and the insights, the report
and the exports count them by this threshold. Default 365 days.

    reviewdesk stale-after             print the threshold
    reviewdesk stale-after 180         set it (audited)
"""

from __future__ import annotations

import argparse
from typing import Any

from reviewdesk.cli.commands.common import workspace
from reviewdesk.services import standing


def register(sub: Any) -> None:
    p = sub.add_parser(
        "stale-after",
        help="print or set the age in days after which a retrieved document counts as stale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(run=run)
    p.add_argument("days", nargs="?", type=int, help=f"days (1 to {standing.MAX_STALE_AFTER_DAYS:,}; default 365)")


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        if args.days is None:
            print(f"stale after {standing.stale_after_days(ws):,} days")
            return 0
        days = standing.set_stale_after_days(ws, args.days)
    finally:
        ws.close()
    print(f"stale after {days:,} days")
    return 0
