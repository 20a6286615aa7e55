"""``reviewdesk team blind on|off``: the workspace's blind-review setting.

When on, a reviewer is meant to see no other reviewer's label until they have submitted their own
(the setting travels in review packages). ``reviewdesk team blind`` alone prints the setting.
"""

from __future__ import annotations

import argparse
from typing import Any

from reviewdesk.cli.commands.common import workspace
from reviewdesk.services import packages


def register(sub: Any) -> None:
    p = sub.add_parser("team", help="team review settings (blind review)", description=__doc__)
    actions = p.add_subparsers(dest="team_action", required=True)
    blind = actions.add_parser("blind", help="show or set blind review")
    blind.add_argument("state", nargs="?", choices=["on", "off"])
    blind.set_defaults(run=run_blind)


def run_blind(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        if args.state is not None:
            packages.set_blind(ws, args.state == "on")
        state = packages.is_blind(ws)
    finally:
        ws.close()
    print(f"blind review is {'on' if state else 'off'}")
    return 0
