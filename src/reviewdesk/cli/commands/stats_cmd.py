"""``reviewdesk stats``: workspace totals."""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli import render
from reviewdesk.cli.commands.common import workspace
from reviewdesk.services import cases


def register(sub: Any) -> None:
    p = sub.add_parser("stats", help="workspace totals")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        stats = cases.stats(ws)
    finally:
        ws.close()
    if args.json:
        print(json.dumps(render.stats_json(stats), indent=2))
    else:
        print(f"workspace: {ws.location}")
        print(render.stats_text(stats))
    return 0
