"""``reviewdesk demo``: the bundled demo data in its own workspace."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from typing import Any

from reviewdesk import paths
from reviewdesk.cli import render
from reviewdesk.cli.commands import gui_cmd, import_cmd
from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.services import cases, imports
from reviewdesk.services.workspace import open_workspace


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="import the bundled demo data into the demo workspace and open the review window")
    p.add_argument("--no-gui", action="store_true", help="only import and list the demo cases (no window)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    names = paths.demo_files()
    if not names:
        raise ReviewdeskError(f"no demo data found in {paths.resource('demo')}")
    location = args.workspace or paths.demo_workspace()
    ws = open_workspace(location)
    try:
        with ExitStack() as stack:
            files = [stack.enter_context(paths.resource_file("demo", name)) for name in names]
            result = imports.import_files(ws, files)
        if import_cmd.print_summaries(result):
            return 1
        print(f"demo workspace: {ws.location}\n")
        if not args.no_gui:
            ws.close()
            return gui_cmd.open_gui(location)
        print(render.case_table(cases.list_cases(ws)))
        print()
        print(render.stats_text(cases.stats(ws)))
        print(f"\nNext: reviewdesk --workspace {ws.location} show CASE_ID")
    finally:
        ws.close()
    return 0
