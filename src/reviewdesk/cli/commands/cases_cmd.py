"""``reviewdesk cases``: list cases as a table or JSON lines."""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli import render
from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.services import cases


def register(sub: Any) -> None:
    p = sub.add_parser("cases", help="list cases")
    add_filters(p)
    p.add_argument("--sort", choices=["started", "cost", "latency", "tokens"], default="started")
    p.add_argument("--desc", action="store_true", help="sort descending")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", action="store_true", help="print JSON lines of case summaries")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        rows = cases.list_cases(ws, case_filter(args), limit=args.limit)
    finally:
        ws.close()
    if args.json:
        for row in rows:
            print(json.dumps(render.summary_json(row), ensure_ascii=False))
    else:
        print(render.case_table(rows))
    return 0
