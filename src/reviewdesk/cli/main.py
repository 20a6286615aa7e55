"""``reviewdesk`` command line entry point.

Exit codes: 0 success, 1 bad input or data error, 2 usage error — with the reason on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from reviewdesk import __version__, paths
from reviewdesk.cli.commands import COMMANDS
from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.inert import terminal_safe


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewdesk",
        description="Review and label the behaviour of LLM applications offline.",
    )
    parser.add_argument("--version", action="version", version=f"reviewdesk {__version__}")
    parser.add_argument(
        "--workspace",
        type=paths.workspace_location,
        help="workspace file or postgresql:// URL (default: $REVIEWDESK_WORKSPACE, else default.reviewdesk in the"
        " user data directory)",
    )
    parser.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="install the launcher, icons and file types for the current user (XDG desktops) and exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    _workspace_after_command(sub)
    return parser


def _workspace_after_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`reviewdesk import F --workspace X` as well as `reviewdesk --workspace X import F`, at every
    level (`reviewdesk taxonomy add ID --workspace X`).

    SUPPRESS: given only before the command, the subcommand must not reset it to None.
    """
    for subparser in sub.choices.values():
        if "--workspace" not in subparser._option_string_actions:
            subparser.add_argument(
                "--workspace",
                type=paths.workspace_location,
                default=argparse.SUPPRESS,
                help="workspace file or postgresql:// URL",
            )
        for action in subparser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _workspace_after_command(action)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.install_desktop_entry:
            from reviewdesk import desktop

            for path in desktop.install():
                print(path)
            return 0
        if args.command is None:
            # No command: open the window, as a desktop launcher or a double-click would.
            from reviewdesk.cli.commands import gui_cmd

            return gui_cmd.run(args)
        return int(args.run(args))
    except ReviewdeskError as exc:
        # The message names files and records, which are someone else's text: escaped like every
        # other line the CLI prints, so a file name cannot retitle or clear the terminal.
        print(f"reviewdesk: error: {terminal_safe(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("reviewdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `reviewdesk cases | head`: the reader left. Exit quietly, as CLI tools do; stdout goes
        # to /dev/null so the interpreter's final flush does not raise a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by the pipe


if __name__ == "__main__":
    raise SystemExit(main())
