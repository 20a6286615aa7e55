"""``reviewdesk report -o report.html [filters]``: the insights report as one self-contained HTML file.

For risk owners: failure rate and root causes per workflow, release, model, tenant and language
with 95% intervals and n, the latest release against the one before it (``--compare A B`` picks
two), weekly trends, cost and latency per task, retrieval source health, reviewer activity and
representative examples, with the scope (which traces, which dates, how many labeled). The file
has no scripts and loads nothing from the network; it opens in any browser and prints cleanly.
The list filters (``--workflow``, ``--release``, …) narrow the cases first.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.domain.errors import UsageError


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="write the insights report (self-contained HTML)", description=__doc__)
    p.add_argument("-o", "--output", type=Path, required=True, help="HTML file to write (replaced whole)")
    p.add_argument(
        "--compare",
        nargs=2,
        metavar=("BASELINE", "CANDIDATE"),
        help="the two releases to compare (default: the latest against the one before it)",
    )
    p.add_argument(
        "--segment",
        choices=["tenant", "model", "release", "language"],
        default="tenant",
        help="how cost and latency are split within each workflow (default: tenant)",
    )
    add_filters(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: scipy and jinja2 are only needed by this command, not at every CLI start.
    from reviewdesk.services import insights, report

    ws = workspace(args)
    try:
        figures = insights.compute_insights(ws, case_filter(args), segment=args.segment)
    finally:
        ws.close()
    comparison = None
    if args.compare:
        missing = [r for r in args.compare if r not in figures.releases]
        if missing:
            known = ", ".join(figures.releases) or "none"
            raise UsageError(f"unknown release(s) {', '.join(missing)} in scope; releases: {known}")
        comparison = figures.compare(args.compare[0], args.compare[1])
    path = report.write_report(args.output, figures, comparison=comparison)
    scope = figures.scope
    print(
        f"wrote {path}: {scope.cases} case(s), {scope.labeled} labeled, "
        f"failure rate {report.rate_caption(figures.overall.failure)}"
    )
    return 0
