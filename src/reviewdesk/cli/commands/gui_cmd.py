"""``reviewdesk gui [--workspace PATH] [--read-only]``: open the review window.

Qt is imported inside ``run`` only, so the rest of the CLI starts fast and works without a display.
"""

from __future__ import annotations

import argparse
from typing import Any

from reviewdesk import paths


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help="open the review window (the default when no command is given)")
    # A separate dest: the subparser's default would otherwise overwrite the global --workspace.
    p.add_argument(
        "--workspace",
        dest="gui_workspace",
        type=paths.workspace_location,
        metavar="PATH",
        help="workspace file or postgresql:// URL to open",
    )
    # What a desktop launcher passes (Exec=... gui %f): the double-clicked workspace, if any.
    p.add_argument(
        "file", nargs="?", type=paths.workspace_location, metavar="FILE", help="workspace file to open (as --workspace)"
    )
    p.add_argument(
        "--read-only",
        dest="read_only",
        action="store_true",
        help="open the workspace without write access: read, search, export, insights (for risk owners)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    workspace = getattr(args, "gui_workspace", None) or getattr(args, "file", None) or args.workspace
    return open_gui(workspace, read_only=getattr(args, "read_only", False))


def open_gui(workspace: paths.WorkspaceLocation | None, *, read_only: bool = False) -> int:
    """The one place the CLI reaches into ``reviewdesk.ui`` (allowed by the import contracts)."""
    from reviewdesk.ui.app import run_gui

    return run_gui(workspace, read_only=read_only)
