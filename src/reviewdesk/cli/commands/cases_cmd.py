"""``reviewdesk cases``: list cases as a table or JSON lines."""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli import render
from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.services import cases, review


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
    total = None
    try:
        flt = case_filter(args)
        rows = cases.list_cases(ws, flt, limit=args.limit)
        if not args.json and args.limit is not None and len(rows) >= args.limit:
            # Cut by --limit: say how many match, counted as the window counts ("of 10,000+").
            total = review.count_text(*cases.count_up_to_cap(ws, flt))
    finally:
        ws.close()
    if args.json:
        for row in rows:
            print(json.dumps(render.summary_json(row), ensure_ascii=False))
    else:
        print(render.case_table(rows, of=total))
    return 0
