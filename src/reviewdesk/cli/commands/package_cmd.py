"""``reviewdesk package create|merge``: offline review packages.

``package create --reviewer rev1 [filters] -o rev1.rdpkg`` writes one self-contained file with
that reviewer's assigned cases (or the filtered ones), their raw spans, the label schema, the
blind setting, the reviewer's name and this workspace's id — content as stored (already
redacted), nothing else. It opens like a workspace: ``reviewdesk --workspace rev1.rdpkg label …``
records the package's reviewer. ``package merge rev1.rdpkg rev2.rdpkg …`` brings the events back:
idempotent, order-independent, one transaction per package; a package from another workspace,
tampered with, truncated or of a newer format is refused and nothing changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.services import packages


def register(sub: Any) -> None:
    p = sub.add_parser("package", help="offline review packages (create, merge)", description=__doc__)
    actions = p.add_subparsers(dest="package_action", required=True)
    create = actions.add_parser("create", help="write a reviewer's package")
    create.add_argument("--reviewer", required=True)
    create.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.rdpkg")
    add_filters(create)
    create.set_defaults(run=run_create)
    merge = actions.add_parser("merge", help="merge packages' labels back into this workspace")
    merge.add_argument("packages", nargs="+", type=Path, metavar="FILE.rdpkg")
    merge.add_argument("--json", action="store_true", help="print one JSON object per package")
    merge.set_defaults(run=run_merge)


def run_create(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        info = packages.create_package(ws, args.reviewer, args.output, case_filter(args))
    finally:
        ws.close()
    print(f"wrote {info.path}: {info.cases} case(s) for {info.reviewer} ({info.events} earlier label event(s))")
    return 0


def run_merge(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        results = packages.merge_packages(ws, list(args.packages))
    finally:
        ws.close()
    failed = False
    for path, result in zip(args.packages, results, strict=True):
        if isinstance(result, packages.PackageError):
            failed = True
            if args.json:
                print(json.dumps({"package": str(path), "refused": str(result)}))
            print(f"reviewdesk: error: {result}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(result.to_json(), sort_keys=True))
        else:
            print(result.summary())
    return 1 if failed else 0
