"""``reviewdesk import FILE...``"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reviewdesk.cli import render
from reviewdesk.cli.commands.common import workspace
from reviewdesk.cli.progress_bar import TextProgress
from reviewdesk.importers import registry
from reviewdesk.services import imports


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="import trace files (format detected from content)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=registry.importer_names(), help="skip detection and read as this format")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        progress = TextProgress()
        result = imports.import_files(ws, args.files, format_name=args.format, progress=progress)
        progress.finish()
    finally:
        ws.close()
    status = 0
    for summary in result.files:
        print(render.import_summary(summary))
        for message in summary.errors[:20]:
            print(f"  skipped: {message}", file=sys.stderr)
        if summary.skipped > 20:
            print(f"  … and {summary.skipped - 20} more", file=sys.stderr)
        if summary.failed:
            print(f"reviewdesk: error: {summary.failed}", file=sys.stderr)
        if not summary.ok:
            status = 1
    return status
