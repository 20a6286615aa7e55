"""``reviewdesk assign``, ``assignments`` and ``progress``: hand out review work and follow it.

``assign --reviewers rev1,rev2,rev3 --overlap 2`` gives each chosen case (the filters of
``reviewdesk cases``, optionally ``--sample N`` of them, ``--sample-by`` a stratum) to 2 distinct
reviewers, balanced across them, the same for the same ``--seed``. Cases that already have
reviewers are left alone unless ``--reassign``. A reviewer is done with a case once their own
label of it has a verdict.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.services import assignment


def register(sub: Any) -> None:
    p = sub.add_parser("assign", help="give cases to reviewers (overlap, sample, seed)", description=__doc__)
    p.add_argument("--reviewers", required=True, metavar="R1,R2,…", help="comma-separated reviewer names")
    p.add_argument("--overlap", type=int, default=1, help="distinct reviewers per case (default 1)")
    p.add_argument("--sample", type=int, metavar="N", help="assign only N of the matching cases")
    p.add_argument("--sample-by", choices=assignment.SAMPLE_BY, help="draw the sample evenly across these strata")
    p.add_argument("--order", choices=["random", "worst-first"], default="random", help="which cases come first")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same assignment")
    p.add_argument("--reassign", action="store_true", help="replace the reviewers of cases already assigned")
    p.add_argument("--json", action="store_true")
    add_filters(p)
    p.set_defaults(run=run_assign)

    p = sub.add_parser("assignments", help="list assigned cases")
    p.add_argument("--reviewer", metavar="NAME")
    p.add_argument("--json", action="store_true", help="print JSON lines")
    p.set_defaults(run=run_assignments)

    p = sub.add_parser("progress", help="assigned / done / pending per reviewer, and per case")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run_progress)


def run_assign(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        result = assignment.assign(
            ws,
            args.reviewers.split(","),
            overlap=args.overlap,
            flt=case_filter(args),
            sample=args.sample,
            sample_by=args.sample_by,
            order=args.order,
            seed=args.seed,
            reassign=args.reassign,
        )
    finally:
        ws.close()
    if args.json:
        print(
            json.dumps(
                {
                    "cases": result.cases,
                    "per_reviewer": result.per_reviewer,
                    "already_assigned": result.already_assigned,
                }
            )
        )
        return 0
    print(f"assigned {result.cases} case(s): " + ", ".join(f"{who} {n}" for who, n in result.per_reviewer.items()))
    if result.already_assigned:
        print(f"{result.already_assigned} case(s) already had reviewers and were left alone (--reassign to replace)")
    return 0


def run_assignments(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        rows = assignment.list_assignments(ws, reviewer=args.reviewer)
    finally:
        ws.close()
    for row in rows:
        if args.json:
            data = {
                "case_id": row.case_id,
                "reviewer": row.reviewer,
                "assigned_at": row.assigned_at.isoformat(),
                "done": row.done,
            }
            print(json.dumps(data))
        else:
            print(f"{row.case_id}  {row.reviewer:<20} {'done' if row.done else 'pending'}")
    return 0


def run_progress(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        result = assignment.progress(ws)
    finally:
        ws.close()
    if args.json:
        data = {
            "reviewers": {
                r.reviewer: {"assigned": r.assigned, "done": r.done, "pending": r.pending} for r in result.reviewers
            },
            "cases": {
                c.case_id: {"reviewers": list(c.reviewers), "done": list(c.done), "done_count": len(c.done)}
                for c in result.cases
            },
        }
        print(json.dumps(data, sort_keys=True))
        return 0
    print(f"{'reviewer':<20} {'assigned':>8} {'done':>6} {'pending':>8}")
    for r in result.reviewers:
        print(f"{r.reviewer:<20} {r.assigned:>8} {r.done:>6} {r.pending:>8}")
    complete = sum(1 for c in result.cases if len(c.done) == len(c.reviewers))
    print(f"cases: {len(result.cases)} assigned, {complete} done by all their reviewers")
    return 0
