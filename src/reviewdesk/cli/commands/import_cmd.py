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
from reviewdesk.services.import_records import ImportResult, describe_file, describe_left_out


def register(sub: Any) -> None:
    p = sub.add_parser(
        "import", help="import trace files, or restore a reviewdesk-jsonl export (format detected from content)"
    )
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
    return print_summaries(result)


def print_summaries(result: ImportResult) -> int:
    """Print what each file did (the same text the window shows); 1 if any file had a problem.

    Members of a folder or archive that were passed over are named last: not an error (a README
    beside the traces), but a reader counting files should see where the others went.
    """
    status = 0
    for summary in result.files:
        line = render.safe(describe_file(summary))
        if summary.failed and render.safe(summary.failed) in line:  # nothing of the file was imported
            print(f"reviewdesk: error: {line}", file=sys.stderr)
        else:
            print(line)
            if summary.failed:
                print(f"reviewdesk: error: {render.safe(summary.failed)}", file=sys.stderr)
        for message in summary.errors[:20]:
            print(f"  skipped: {render.safe(message)}", file=sys.stderr)
        if summary.skipped > 20:
            print(f"  … and {summary.skipped - 20} more", file=sys.stderr)
        if not summary.ok:
            status = 1
    left_out = describe_left_out(result)
    if left_out:
        print(render.safe(left_out))
    return status
