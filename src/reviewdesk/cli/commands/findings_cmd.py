"""``reviewdesk findings --format md|csv [-o OUT]``: failed cases by root cause × workflow.

For the weekly operating review: count, share of failures, failure rate, tokens and cost
affected, and three example case ids per root cause and workflow, as Markdown (ready to paste
into an issue tracker) or CSV. The list filters (``--release``, ``--workflow``, …) narrow the
cases first; without ``-o`` the report goes to standard output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.files import write_text_atomically
from reviewdesk.services import findings
from reviewdesk.services.labels import current_taxonomy


def register(sub: Any) -> None:
    p = sub.add_parser(
        "findings",
        help="failed cases by root cause × workflow (Markdown or CSV)",
        description=(__doc__ or "").replace("``", ""),
    )
    p.add_argument("--format", choices=["md", "csv"], default="md", help="output format (default: md)")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    add_filters(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        report = findings.build_findings(ws, case_filter(args))
        titles = {rc.id: f"{rc.title}: {rc.description}" for rc in current_taxonomy(ws).root_causes}
    finally:
        ws.close()
    text = findings.render_csv(report, titles) if args.format == "csv" else findings.render_markdown(report, titles)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_text_atomically(args.output, text)
        print(f"wrote {len(report.findings)} finding(s) from {report.failed_cases} failed case(s) to {args.output}")
    return 0
