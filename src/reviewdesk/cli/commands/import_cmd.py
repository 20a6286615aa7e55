"""``reviewdesk import FILE...``"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reviewdesk.cli import render
from reviewdesk.cli.commands.common import workspace
from reviewdesk.cli.progress_bar import TextProgress
from reviewdesk.importers import registry, reviewdesk_jsonl
from reviewdesk.services import imports, restore


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="import trace files (format detected from content)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument(
        "--format",
        choices=[*registry.importer_names(), reviewdesk_jsonl.NAME],
        help="skip detection and read as this format",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        progress = TextProgress()
        # reviewdesk's own JSONL export holds cases and labels, not spans: it is restored by
        # services.restore; everything else goes to the trace importers.
        if args.format == reviewdesk_jsonl.NAME:
            exported = list(args.files)
        elif args.format is None:
            exported = [path for path in args.files if restore.is_case_export(path)]
        else:
            exported = []
        traces = [path for path in args.files if path not in exported]
        summaries = []
        if exported:
            summaries += restore.restore_files(ws, exported, progress=progress).files
        if traces:
            summaries += imports.import_files(ws, traces, format_name=args.format, progress=progress).files
        progress.finish()
    finally:
        ws.close()
    status = 0
    for summary in summaries:
        print(render.import_summary(summary))
        if isinstance(summary, restore.RestoreSummary) and not summary.already_imported:
            kept = summary.labels_kept
            print(f"  labels: {summary.labels_restored} restored, {kept} kept (already labeled differently here)")
        for message in summary.errors[:20]:
            print(f"  skipped: {message}", file=sys.stderr)
        if summary.skipped > 20:
            print(f"  … and {summary.skipped - 20} more", file=sys.stderr)
        if summary.failed:
            print(f"reviewdesk: error: {summary.failed}", file=sys.stderr)
        if not summary.ok:
            status = 1
    return status
