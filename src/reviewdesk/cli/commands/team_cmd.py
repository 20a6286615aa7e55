"""``reviewdesk team``: blind review, and the roles of a PostgreSQL workspace.

``reviewdesk team blind on|off``: with blind review on, a reviewer sees no other reviewer's
label, comment, score or evidence on a case until they have given their own verdict (the setting
travels in review packages); ``team adjudicators [NAMES]``: who sees everything anyway (as does
anyone reading the workspace read-only; ``services.visibility``). Either alone prints the
setting; both changes are audited.

``reviewdesk --workspace URL team init`` (a PostgreSQL superuser or the database's owner) creates
the roles reviewdesk_admin, reviewdesk_engineer, reviewdesk_reviewer and reviewdesk_risk and what
the database enforces for them; ``team add-user NAME --role ROLE`` creates or updates a login,
reading its password from standard input (never from the command line); ``team whoami`` prints
the connected user and role. See docs/team-setup.md.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from reviewdesk.cli.commands.common import workspace
from reviewdesk.domain.errors import UsageError
from reviewdesk.services import packages, roles, visibility


def register(sub: Any) -> None:
    p = sub.add_parser(
        "team",
        help="team review: blind review, roles of a PostgreSQL workspace",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="team_action", required=True)
    blind = actions.add_parser("blind", help="show or set blind review")
    blind.add_argument("state", nargs="?", choices=["on", "off"])
    blind.set_defaults(run=run_blind)
    judges = actions.add_parser("adjudicators", help="show or set who sees every label under blind review")
    judges.add_argument("names", nargs="?", metavar="NAMES", help="comma-separated names; 'none' clears the list")
    judges.set_defaults(run=run_adjudicators)
    init = actions.add_parser("init", help="create the reviewdesk roles and what the database enforces for them")
    init.set_defaults(run=run_init)
    add = actions.add_parser("add-user", help="create or update a login with one reviewdesk role")
    add.add_argument("name", help="the login (database user); it is the reviewer name of their labels")
    add.add_argument("--role", required=True, choices=list(roles.ROLES))
    add.add_argument(
        "--no-password",
        action="store_true",
        help="set no password (the login authenticates otherwise: peer, certificate); an existing one is kept",
    )
    add.set_defaults(run=run_add_user)
    who = actions.add_parser("whoami", help="the connected database user and their reviewdesk role")
    who.set_defaults(run=run_whoami)


def run_init(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        done = roles.set_up(ws)
    finally:
        ws.close()
    made = f"created {', '.join(done.created)}" if done.created else "the roles were there already"
    print(f"team roles set up on {done.tables} tables ({made}); add logins with `reviewdesk team add-user`")
    return 0


def read_password(prompt: str = "password: ") -> str:
    """The password from standard input: asked without echo on a terminal, else its first line."""
    if sys.stdin is None:
        raise UsageError("no standard input to read the password from (or give --no-password)")
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("again: ") != first:
            raise UsageError("the two passwords differ; nothing was changed")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def run_add_user(args: argparse.Namespace) -> int:
    password = None if args.no_password else read_password(f"password for {args.name}: ")
    ws = workspace(args)
    try:
        created = roles.add_user(ws, args.name, args.role, password)
    finally:
        ws.close()
    print(f"{'created' if created else 'updated'} login {args.name} with role {args.role}")
    return 0


def run_whoami(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        who = roles.identity(ws)
    finally:
        ws.close()
    print(who.shown or f"{ws.location} is a workspace file: no database roles")
    return 0


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


def run_adjudicators(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        if args.names is not None:
            names = [] if args.names.strip().lower() == "none" else args.names.split(",")
            visibility.set_adjudicators(ws, names)
        found = visibility.adjudicators(ws)
    finally:
        ws.close()
    print(f"adjudicators: {', '.join(found) if found else 'none'}")
    return 0
