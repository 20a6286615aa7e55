"""``reviewdesk`` command line entry point.

Exit codes: 0 success, 1 bad input or data error, 2 usage error — with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from reviewdesk import __version__, paths
from reviewdesk.cli import render
from reviewdesk.cli.progress_bar import TextProgress
from reviewdesk.domain.case import Case
from reviewdesk.domain.errors import ReviewdeskError, UsageError
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.exporters import registry as export_registry
from reviewdesk.importers import registry as import_registry
from reviewdesk.services import cases as case_service
from reviewdesk.services import exports as export_service
from reviewdesk.services import imports as import_service
from reviewdesk.services.workspace import Workspace, open_workspace


def _add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument("--workflow")
    group.add_argument("--release")
    group.add_argument("--model")
    group.add_argument("--tenant")
    group.add_argument("--status", choices=["ok", "error"])
    group.add_argument("--review", choices=["unreviewed", "labeled", "flagged"])
    group.add_argument("--verdict", choices=["pass", "fail", "unsure"])
    group.add_argument("--root-cause")
    group.add_argument("--search", help="substring of the user request or the output")


def _filter(args: argparse.Namespace) -> CaseFilter:
    return CaseFilter(
        workflow=args.workflow,
        release=args.release,
        model=args.model,
        tenant=args.tenant,
        status=args.status,
        review=args.review,
        verdict=args.verdict,
        root_cause=args.root_cause,
        text=args.search,
        sort=getattr(args, "sort", "started"),
        descending=getattr(args, "desc", False),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewdesk",
        description="Review and label the behaviour of LLM applications offline.",
    )
    parser.add_argument("--version", action="version", version=f"reviewdesk {__version__}")
    parser.add_argument(
        "--workspace",
        type=Path,
        help="workspace file (default: $REVIEWDESK_WORKSPACE, else default.reviewdesk in the user data directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", help="import trace files (format detected from content)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=import_registry.importer_names(), help="skip detection and read as this format")

    p = sub.add_parser("cases", help="list cases")
    _add_filters(p)
    p.add_argument("--sort", choices=["started", "cost", "latency", "tokens"], default="started")
    p.add_argument("--desc", action="store_true", help="sort descending")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", action="store_true", help="print JSON lines of case summaries")

    p = sub.add_parser("show", help="show one case")
    p.add_argument("case", metavar="CASE_ID", help="case id, trace id, or an unambiguous prefix")
    p.add_argument("--json", action="store_true", help="print the normalized case as JSON")
    p.add_argument("--spans", action="store_true", help="also list the raw spans")

    p = sub.add_parser("export", help="export cases as an eval set")
    p.add_argument("--format", choices=export_registry.exporter_names())
    p.add_argument("-o", "--output", type=Path)
    p.add_argument("--list-formats", action="store_true", help="list export formats and exit")
    _add_filters(p)

    p = sub.add_parser("schema", help="print a JSON Schema")
    p.add_argument("what", choices=["case"])

    p = sub.add_parser("stats", help="workspace totals")
    p.add_argument("--json", action="store_true")

    sub.add_parser("demo", help="import the bundled demo data into the demo workspace and list its cases")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return _run(args)
    except ReviewdeskError as exc:
        print(f"reviewdesk: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("reviewdesk: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    if args.command == "schema":
        print(json.dumps(Case.model_json_schema(), indent=2, ensure_ascii=False))
        return 0
    if args.command == "export" and args.list_formats:
        for exporter in export_registry.EXPORTERS:
            print(f"{exporter.name:<20} {exporter.title}")
        return 0
    if args.command == "demo":
        workspace = open_workspace(args.workspace or paths.demo_workspace())
        return _demo(workspace)
    workspace = open_workspace(args.workspace)
    try:
        if args.command == "import":
            return _import(workspace, args.files, args.format)
        if args.command == "cases":
            return _cases(workspace, args)
        if args.command == "show":
            return _show(workspace, args)
        if args.command == "export":
            return _export(workspace, args)
        if args.command == "stats":
            return _stats(workspace, args)
    finally:
        workspace.close()
    raise UsageError(f"unknown command {args.command}")


def _import(workspace: Workspace, files: list[Path], format_name: str | None) -> int:
    progress = TextProgress()
    result = import_service.import_files(workspace, files, format_name=format_name, progress=progress)
    progress.finish()
    status = 0
    for summary in result.files:
        print(render.import_summary(summary))
        if summary.errors:
            for message in summary.errors[:20]:
                print(f"  skipped: {message}", file=sys.stderr)
            if summary.skipped > 20:
                print(f"  … and {summary.skipped - 20} more", file=sys.stderr)
        if summary.failed:
            print(f"reviewdesk: error: {summary.failed}", file=sys.stderr)
        if not summary.ok:
            status = 1
    return status


def _cases(workspace: Workspace, args: argparse.Namespace) -> int:
    rows = case_service.list_cases(workspace, _filter(args), limit=args.limit)
    if args.json:
        for row in rows:
            print(json.dumps(render.summary_json(row), ensure_ascii=False))
    else:
        print(render.case_table(rows))
    return 0


def _show(workspace: Workspace, args: argparse.Namespace) -> int:
    case = case_service.get_case(workspace, args.case)
    if args.json:
        print(case.model_dump_json(indent=2))
    else:
        print(render.case_text(case))
        if args.spans:
            print(render.span_table(case_service.get_spans(workspace, case.case_id)))
    return 0


def _export(workspace: Workspace, args: argparse.Namespace) -> int:
    if not args.format or not args.output:
        raise UsageError("export needs --format and -o/--output (or --list-formats)")
    result = export_service.export_cases(workspace, args.format, args.output, flt=_filter(args))
    print(f"wrote {result.cases} case(s) to {result.path} ({result.format})")
    return 0


def _stats(workspace: Workspace, args: argparse.Namespace) -> int:
    stats = case_service.stats(workspace)
    if args.json:
        print(json.dumps(render.stats_json(stats), indent=2))
    else:
        print(f"workspace: {workspace.path}")
        print(render.stats_text(stats))
    return 0


def _demo(workspace: Workspace) -> int:
    demo_files = sorted((paths.resources_dir() / "demo").glob("*.jsonl"))
    if not demo_files:
        raise ReviewdeskError(f"no demo data found in {paths.resources_dir() / 'demo'}")
    try:
        result = import_service.import_files(workspace, demo_files)
        for summary in result.files:
            print(render.import_summary(summary))
        print(f"demo workspace: {workspace.path}\n")
        print(render.case_table(case_service.list_cases(workspace)))
        print()
        print(render.stats_text(case_service.stats(workspace)))
        print(f"\nNext: reviewdesk --workspace {workspace.path} show CASE_ID")
    finally:
        workspace.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
