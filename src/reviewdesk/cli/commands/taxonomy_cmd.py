"""``reviewdesk taxonomy``: the workspace's root causes, scores and review rubric.

Each change makes a new label-schema version. Labels keep the version they were made under and
read under the newest: a renamed root cause maps old labels to its new id, a retired one stays on
the labels that have it (and in filters and exports) but is not offered for new labels.

    reviewdesk taxonomy [show] [--json] [--versions]
    reviewdesk taxonomy add ID [--title T] [--layer L] [--description D] [--after ID]
    reviewdesk taxonomy add NAME --score
    reviewdesk taxonomy rename ID [NEW_ID] [--title T] [--description D] [--layer L]
    reviewdesk taxonomy rename NAME NEW_NAME --score
    reviewdesk taxonomy retire ID [--score]          (restore ID offers a retired cause again)
    reviewdesk taxonomy import FILE                  (JSON as show --json prints it, or TOML)
    reviewdesk taxonomy rubric [--set FILE | --text TEXT | --clear]

An id of the default taxonomy needs no title: ``reviewdesk taxonomy add provider_error`` gives an
older workspace the provider-error cause (rate limit, timeout, 5xx).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reviewdesk.cli.commands.common import workspace
from reviewdesk.cli.render import safe
from reviewdesk.domain.errors import UsageError
from reviewdesk.domain.taxonomy import Taxonomy
from reviewdesk.services import taxonomy as taxonomy_service
from reviewdesk.services.taxonomy import TaxonomyChange, VersionInfo


def register(sub: Any) -> None:
    p = sub.add_parser(
        "taxonomy",
        help="the workspace's root causes, scores and rubric (each change is a new label-schema version)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(run=run, action="show", json=False, versions=False)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="the current taxonomy (the default)")
    show.add_argument("--json", action="store_true", help="as JSON (the form taxonomy import reads)")
    show.add_argument("--versions", action="store_true", help="every label-schema version, and its labels")

    add = actions.add_parser("add", help="add a root cause (or, with --score, a score)")
    add.add_argument("id", help="root-cause id (lower-case, e.g. provider_error) or score name")
    add.add_argument("--score", action="store_true", help="add a score rated 1-5 instead")
    add.add_argument("--title", help="the name reviewers see (default: the default taxonomy's, for its ids)")
    add.add_argument("--layer", help="group in the label panel, e.g. 'Tool use' (default: Other)")
    add.add_argument("--description", help="the definition shown beside the checkboxes")
    add.add_argument("--after", metavar="ID", help="place it after this root cause")

    rename = actions.add_parser("rename", help="new id, title, description or layer (old labels map to it)")
    rename.add_argument("id")
    rename.add_argument("new_id", nargs="?", help="the new id; labels made with the old one read as this one")
    rename.add_argument("--score", action="store_true", help="rename a score (ID NEW_NAME)")
    rename.add_argument("--title")
    rename.add_argument("--description")
    rename.add_argument("--layer")

    retire = actions.add_parser("retire", help="stop offering a root cause or score (old labels keep it)")
    retire.add_argument("id")
    retire.add_argument("--score", action="store_true")
    restore = actions.add_parser("restore", help="offer a retired root cause again")
    restore.add_argument("id")

    imp = actions.add_parser("import", help="the taxonomy a file describes becomes the next version")
    imp.add_argument("file", type=Path, help="JSON (as show --json prints it) or .toml")

    rubric = actions.add_parser("rubric", help="print or set the review rubric shown beside the label form")
    group = rubric.add_mutually_exclusive_group()
    group.add_argument("--set", dest="set_file", metavar="FILE", help="read the rubric from FILE (- for stdin)")
    group.add_argument("--text", help="the rubric itself")
    group.add_argument("--clear", action="store_true", help="remove the rubric")


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        if args.action == "rubric":
            return _rubric(ws, args)
        change = _edit(ws, args)
        if change is not None:
            print(f"label schema v{change.taxonomy.version}: {safe(change.summary)}")
            if change.relabeled_cases:
                print(f"{change.relabeled_cases} case(s) read under the new ids")
            return 0
        taxonomy = taxonomy_service.current(ws)
        history = taxonomy_service.versions(ws) if args.versions else []
        rubric = taxonomy_service.rubric(ws)
    finally:
        ws.close()
    if args.json:
        out = taxonomy.to_json()
        if args.versions:
            out["versions"] = [
                {"version": v.taxonomy.version, "created_at": v.created_at.isoformat(), "label_events": v.label_events}
                for v in history
            ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(_text(taxonomy, history, rubric))
    return 0


def _edit(ws: Any, args: argparse.Namespace) -> TaxonomyChange | None:
    service = taxonomy_service
    if args.action == "add":
        if args.score:
            return service.add_score(ws, args.id)
        return service.add_root_cause(
            ws, args.id, title=args.title, layer=args.layer, description=args.description, after=args.after
        )
    if args.action == "rename":
        if args.score:
            if not args.new_id:
                raise UsageError("taxonomy rename NAME NEW_NAME --score: give the score's new name")
            return service.rename_score(ws, args.id, args.new_id)
        if args.new_id is None and args.title is None and args.description is None and args.layer is None:
            raise UsageError("taxonomy rename ID: give a NEW_ID, --title, --description or --layer")
        return service.rename_root_cause(
            ws, args.id, new_id=args.new_id, title=args.title, description=args.description, layer=args.layer
        )
    if args.action == "retire":
        return service.retire_score(ws, args.id) if args.score else service.retire_root_cause(ws, args.id)
    if args.action == "restore":
        return service.restore_root_cause(ws, args.id)
    if args.action == "import":
        return service.import_taxonomy(ws, args.file)
    return None


def _rubric(ws: Any, args: argparse.Namespace) -> int:
    if args.clear:
        taxonomy_service.set_rubric(ws, "")
        print("rubric removed")
        return 0
    text: str | None = args.text
    if args.set_file is not None:
        if args.set_file == "-":
            text = sys.stdin.read()
        else:
            path = Path(args.set_file)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"{path}: cannot read the rubric ({exc})") from None
    if text is not None:
        stored = taxonomy_service.set_rubric(ws, text)
        print(f"rubric set ({len(stored):,} characters)" if stored else "rubric removed (the text was empty)")
        return 0
    rubric = taxonomy_service.rubric(ws)
    print(safe(rubric) if rubric else "no rubric (reviewdesk taxonomy rubric --set FILE)")
    return 0


def _text(taxonomy: Taxonomy, history: list[VersionInfo], rubric: str) -> str:
    active, retired = taxonomy.active, taxonomy.retired
    lines = [
        f"label schema v{taxonomy.version}: {len(active)} root causes offered"
        + (f", {len(retired)} retired" if retired else "")
        + f"; {len(taxonomy.active_scores)} scores (1-5)"
    ]
    width = max((len(rc.id) for rc in taxonomy.root_causes), default=0)
    layer = None
    for number, rc in enumerate(active, 1):
        if rc.layer != layer:
            layer = rc.layer
            lines.append(safe(layer))
        formerly = f"  (formerly {', '.join(rc.formerly)})" if rc.formerly else ""
        lines.append(f"  {number:>2}  {safe(rc.id).ljust(width)}  {safe(rc.title)}: {safe(rc.description)}{formerly}")
    if retired:
        lines.append("retired (kept on old labels and in filters, not offered for new labels):")
        lines.extend(f"      {safe(rc.id).ljust(width)}  {safe(rc.title)}" for rc in retired)
    scores = ", ".join(
        s.name + (f" (formerly {', '.join(s.formerly)})" if s.formerly else "")
        for s in taxonomy.scores
        if not s.retired
    )
    lines.append(f"scores: {safe(scores) or 'none'}")
    if taxonomy.retired_scores:
        lines.append(f"retired scores: {safe(', '.join(taxonomy.retired_scores))}")
    lines.append(
        f"rubric: {len(rubric):,} characters (reviewdesk taxonomy rubric)"
        if rubric
        else "rubric: none (reviewdesk taxonomy rubric --set FILE)"
    )
    if history:
        lines.append("versions:")
        for info in history:
            when = info.created_at.strftime("%Y-%m-%d %H:%M UTC")
            lines.append(f"  v{info.taxonomy.version}  {when}  {info.label_events} label event(s)")
    return "\n".join(lines)
