"""``reviewdesk claim``: reviewers pull the next unassigned case from a pool, reserved for a while.

``claim add [filters] [--overlap N] [--limit N]`` (an engineer) puts cases in the pool, each with N
places; ``claim next`` reserves the next free place for you and prints its case id (asking again
while you hold one gives it back); labeling the case with a verdict finishes it; ``claim release
CASE`` gives it back; ``claim reservation MINUTES`` sets how long a reservation lasts before the
case goes to the next reviewer (default 30); ``claim status`` counts free, reserved and done places.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.services import claims


def register(sub: Any) -> None:
    p = sub.add_parser(
        "claim",
        help="pull the next unassigned case from the claim pool",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="claim_action", required=True)
    add = actions.add_parser("add", help="put the matching cases in the claim pool")
    add.add_argument("--overlap", type=int, default=1, help="reviewers per case (default 1)")
    add.add_argument("--limit", type=int, metavar="N", help="at most N cases, in queue order")
    add_filters(add)
    add.set_defaults(run=run_add)
    nxt = actions.add_parser("next", help="reserve the next case for you and print its id")
    nxt.add_argument("--json", action="store_true")
    nxt.set_defaults(run=run_next)
    rel = actions.add_parser("release", help="give a reserved case back to the pool")
    rel.add_argument("case", metavar="CASE_ID")
    rel.set_defaults(run=run_release)
    res = actions.add_parser("reservation", help="how long a reservation lasts (minutes)")
    res.add_argument("minutes", type=float, nargs="?")
    res.set_defaults(run=run_reservation)
    status = actions.add_parser("status", help="free, reserved and done places of the pool")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=run_status)


def run_add(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        added = claims.add_to_pool(ws, case_filter(args), overlap=args.overlap, limit=args.limit)
    finally:
        ws.close()
    print(f"added {added} case(s) to the claim pool, {args.overlap} place(s) each")
    return 0


def run_next(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        claim = claims.claim_next(ws)
    finally:
        ws.close()
    if claim is None:
        print("no case left to claim in the pool")
        return 0
    if args.json:
        print(
            json.dumps(
                {"case_id": claim.case_id, "reviewer": claim.reviewer, "expires_at": claim.expires_at.isoformat()}
            )
        )
    else:
        print(f"{claim.case_id}\treserved for {claim.reviewer} until {claim.expires_at:%Y-%m-%d %H:%M:%S} UTC")
    return 0


def run_release(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        held = claims.release(ws, args.case)
    finally:
        ws.close()
    print(f"{args.case}: given back to the pool" if held else f"{args.case}: you held no reservation of it")
    return 0


def run_reservation(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        if args.minutes is not None:
            claims.set_reservation(ws, args.minutes * 60)
        lasting = claims.reservation(ws)
    finally:
        ws.close()
    print(f"a claimed case stays reserved for {lasting.total_seconds() / 60:g} minute(s)")
    return 0


def run_status(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        found = claims.counts(ws)
    finally:
        ws.close()
    if args.json:
        print(json.dumps(_as_dict(found)))
    else:
        print(
            f"{found.cases} case(s), {found.places} place(s): {found.free} free, {found.reserved} reserved,"
            f" {found.done} done"
        )
    return 0


def _as_dict(found: claims.PoolCounts) -> dict[str, int]:
    return {
        "cases": found.cases,
        "places": found.places,
        "free": found.free,
        "reserved": found.reserved,
        "done": found.done,
    }
