"""Options shared by several commands."""

from __future__ import annotations

import argparse
import sys

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services.workspace import Workspace, open_workspace


def add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument("--workflow")
    group.add_argument("--release")
    group.add_argument("--model")
    group.add_argument("--tenant")
    group.add_argument("--status", choices=["ok", "error"])
    group.add_argument("--review", choices=["unreviewed", "labeled", "flagged"])
    group.add_argument("--verdict", choices=["pass", "fail", "unsure"])
    group.add_argument("--root-cause")
    group.add_argument(
        "--resolution",
        choices=["single", "consensus", "disputed", "adjudicated"],
        help="how the case's label was reached",
    )
    group.add_argument(
        "--resolved-only", action="store_true", help="only cases with a decided label (single, consensus, adjudicated)"
    )
    group.add_argument(
        "--search",
        help="full-text search: every word, as a prefix, in the request, output, documents, tool calls and ids",
    )


def case_filter(args: argparse.Namespace) -> CaseFilter:
    return CaseFilter(
        workflow=args.workflow,
        release=args.release,
        model=args.model,
        tenant=args.tenant,
        status=args.status,
        review=args.review,
        verdict=args.verdict,
        root_cause=args.root_cause,
        resolution=getattr(args, "resolution", None),
        resolved_only=getattr(args, "resolved_only", False),
        text=args.search,
        sort=getattr(args, "sort", "started"),
        descending=getattr(args, "desc", False),
    )


def workspace(args: argparse.Namespace) -> Workspace:
    """The workspace of ``--workspace``, ``$REVIEWDESK_WORKSPACE`` or the default location."""
    ws = open_workspace(args.workspace)
    if ws.read_only:
        print(f"reviewdesk: note: {ws.location} opened read-only ({ws.read_only_reason})", file=sys.stderr)
    return ws
