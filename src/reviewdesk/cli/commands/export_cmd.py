"""``reviewdesk export --format F -o OUT``"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.domain.errors import UsageError
from reviewdesk.exporters import registry
from reviewdesk.services import exports


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export cases as an eval set")
    p.add_argument("--format", choices=registry.exporter_names())
    p.add_argument("-o", "--output", type=Path)
    p.add_argument("--list-formats", action="store_true", help="list export formats and exit")
    add_filters(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.list_formats:
        for exporter in registry.EXPORTERS:
            print(f"{exporter.name:<20} {exporter.title}")
        return 0
    if not args.format or not args.output:
        raise UsageError("export needs --format and -o/--output (or --list-formats)")
    ws = workspace(args)
    try:
        result = exports.export_cases(ws, args.format, args.output, flt=case_filter(args))
    finally:
        ws.close()
    print(f"wrote {result.cases} case(s) to {result.path} ({result.format})")
    return 0
