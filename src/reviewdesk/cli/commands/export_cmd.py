"""``reviewdesk export --format F -o OUT``: labeled cases as an eval set (``--list-formats`` lists F).

Beyond the list filters shared with ``reviewdesk cases``, an export can select on the label
(``--reviewer``, ``--labeled-since``, ``--has-corrected-output``) and draw a stratified sample
(``--sample N --sample-by root-cause|workflow --seed S``) and split it (``--split 80/20[/10]``,
stratified, seeded by ``--seed``). A dataset manifest is written next to the file. The same
workspace and options always write the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.cli.progress_bar import TextProgress
from reviewdesk.domain.errors import UsageError
from reviewdesk.exporters import registry
from reviewdesk.services import exports
from reviewdesk.services.sampling import SampleBy, SampleSpec
from reviewdesk.services.splits import SplitSpec, parse_shares


def _since(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO date or date-time: {text!r} (e.g. 2026-11-01 or 2026-11-01T09:30Z)"
        ) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export cases as an eval set", description=(__doc__ or "").replace("``", ""))
    p.add_argument("--format", choices=registry.exporter_names(), help="export format (see --list-formats)")
    p.add_argument("-o", "--output", type=Path, help="file to write (replaced whole, never half-written)")
    p.add_argument("--list-formats", action="store_true", help="list export formats and exit")
    p.add_argument(
        "--dataset-name", help="dataset name written into each record (Langfuse); default: the output file's stem"
    )
    p.add_argument(
        "--excel-bom", action="store_true", help="csv: start the file with a UTF-8 BOM so Excel reads it as UTF-8"
    )
    add_filters(p)
    labels = p.add_argument_group("label filters")
    labels.add_argument("--reviewer", help="only cases this reviewer labeled (any change)")
    labels.add_argument(
        "--labeled-since", type=_since, metavar="DATE", help="only cases whose label changed at or after DATE (UTC)"
    )
    corrected = labels.add_mutually_exclusive_group()
    corrected.add_argument(
        "--has-corrected-output",
        dest="corrected",
        action="store_const",
        const=True,
        help="only cases with a corrected output",
    )
    corrected.add_argument(
        "--no-corrected-output", dest="corrected", action="store_const", const=False, help="only cases without one"
    )
    sample = p.add_argument_group("stratified sample")
    sample.add_argument("--sample", type=_positive, metavar="N", help="draw up to N cases per stratum")
    sample.add_argument(
        "--sample-by", choices=["root-cause", "workflow"], default="root-cause", help="stratum (default: root-cause)"
    )
    sample.add_argument("--seed", type=int, default=0, help="random seed of the sample (default: 0)")
    splits = p.add_argument_group("train/test split")
    splits.add_argument(
        "--split",
        metavar="SHARES",
        help="split the cases, e.g. 80/20 (train/test) or 70/20/10 (train/test/validation), stratified; "
        "LangSmith and Phoenix get a split field, other formats one file per split",
    )
    splits.add_argument(
        "--split-by", choices=["root-cause", "workflow"], default="root-cause", help="stratum (default: root-cause)"
    )
    p.set_defaults(run=run)


def selection(args: argparse.Namespace) -> exports.ExportSelection:
    """The export selection the command line describes."""
    spec = None
    if args.sample is not None:
        spec = SampleSpec(
            per_stratum=args.sample, by="workflow" if args.sample_by == "workflow" else "root_cause", seed=args.seed
        )
    return exports.ExportSelection(
        flt=case_filter(args),
        reviewer=args.reviewer,
        labeled_since=args.labeled_since,
        has_corrected_output=args.corrected,
        sample=spec,
    )


def split_spec(args: argparse.Namespace) -> SplitSpec | None:
    """The ``--split`` the command line describes (``--seed`` seeds it as it does the sample)."""
    if args.split is None:
        return None
    by: SampleBy = "workflow" if args.split_by == "workflow" else "root_cause"
    return SplitSpec(shares=parse_shares(args.split), by=by, seed=args.seed)


def run(args: argparse.Namespace) -> int:
    if args.list_formats:
        for exporter in registry.EXPORTERS:
            print(f"{exporter.name:<20} {exporter.file_ending:<9} {exporter.title}")
        return 0
    if not args.format or not args.output:
        raise UsageError("export needs --format and -o/--output (or --list-formats)")
    if args.excel_bom and args.format != "csv":
        raise UsageError(f"--excel-bom is for --format csv, not {args.format}")
    ws = workspace(args)
    try:
        progress = TextProgress(unit="cases")
        result = exports.export_cases(
            ws,
            args.format,
            args.output,
            selection=selection(args),
            dataset_name=args.dataset_name,
            excel_bom=args.excel_bom,
            split=split_spec(args),
            progress=progress,
        )
        progress.finish()
    finally:
        ws.close()
    print(f"wrote {result.cases} case(s) to {result.path} ({result.format})")
    if result.summary:
        print(f"  {result.summary}")
    for name, count in result.splits.items():
        where = result.files.get(name, result.path)
        print(f"  {name}: {count} case(s) in {where}")
    if result.manifest is not None:
        print(f"  manifest: {result.manifest}")
    for reason, count in sorted(result.skipped.items()):
        print(f"  skipped {count} case(s): {reason}", file=sys.stderr)
    return 0
