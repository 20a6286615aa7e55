"""``reviewdesk show CASE_ID``: one case as text, or its normalized JSON."""

from __future__ import annotations

import argparse
from typing import Any

from reviewdesk.cli import render
from reviewdesk.cli.commands.common import workspace
from reviewdesk.services import cases


def register(sub: Any) -> None:
    p = sub.add_parser("show", help="show one case")
    p.add_argument("case", metavar="CASE_ID", help="case id, trace id, or an unambiguous prefix")
    p.add_argument("--json", action="store_true", help="print the normalized case as JSON")
    p.add_argument("--spans", action="store_true", help="also list the raw spans")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        case = cases.get_case(ws, args.case)
        if args.json:
            print(case.model_dump_json(indent=2))
            return 0
        print(render.case_text(case))
        if args.spans:
            print(render.span_table(cases.get_spans(ws, case.case_id)))
    finally:
        ws.close()
    return 0
