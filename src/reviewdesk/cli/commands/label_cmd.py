"""``reviewdesk label CASE_ID``: record a label without the GUI.

Writes one label event through ``services.labels.record_label`` — the same event, validation and
transaction as the review window — so labels from scripts, from the CLI and from the GUI are one
log. Only the options given are changed; the rest of the current label stays. Unknown root
causes or scores are refused with the list of valid ones (exit 1), before anything is written.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli.commands.common import workspace
from reviewdesk.domain.errors import LabelError
from reviewdesk.domain.labels import VERDICTS, LabelChange
from reviewdesk.services import cases, labels


def _score(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name.strip(), int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"score {name.strip()!r} needs a whole number, got {value!r}") from None


def register(sub: Any) -> None:
    p = sub.add_parser(
        "label",
        help="label a case (verdict, root causes, scores, corrected output)",
        description=(__doc__ or "").replace("``", ""),
    )
    p.add_argument("case", metavar="CASE_ID", help="case id, trace id, or an unambiguous prefix")
    p.add_argument("--verdict", choices=VERDICTS)
    p.add_argument(
        "--root-cause",
        dest="root_causes",
        action="append",
        metavar="ID",
        help="root-cause id (repeat for several); replaces the current root causes",
    )
    p.add_argument("--no-root-causes", action="store_true", help="clear the root causes")
    p.add_argument(
        "--score", dest="scores", action="append", type=_score, metavar="NAME=VALUE", help="a score (repeatable)"
    )
    p.add_argument("--expected", metavar="TEXT", help="the corrected (expected) output")
    p.add_argument("--comment", metavar="TEXT")
    escalate = p.add_mutually_exclusive_group()
    escalate.add_argument("--escalate", dest="escalate", action="store_const", const=True, help="flag for escalation")
    escalate.add_argument("--no-escalate", dest="escalate", action="store_const", const=False, help="clear the flag")
    p.add_argument(
        "--reviewer", metavar="NAME", help="who is labeling (default: a review package's reviewer, else the login name)"
    )
    p.add_argument("--json", action="store_true", help="print the resulting label as JSON")
    p.set_defaults(run=run)


def change_from(args: argparse.Namespace, current_scores: dict[str, int] | None = None) -> LabelChange:
    """The label change the options describe: only the fields given are set.

    ``--score`` sets the scores named and keeps the case's other scores (``current_scores``),
    because a label event replaces the whole score map.
    """
    fields: dict[str, Any] = {}
    if args.verdict is not None:
        fields["verdict"] = args.verdict
    if args.no_root_causes:
        if args.root_causes:
            raise LabelError("give --root-cause or --no-root-causes, not both")
        fields["root_causes"] = []
    elif args.root_causes:
        # Keep the order given, drop repeats: the label shows them in the reviewer's order.
        fields["root_causes"] = list(dict.fromkeys(args.root_causes))
    if args.scores:
        fields["scores"] = {**(current_scores or {}), **dict(args.scores)}
    if args.expected is not None:
        fields["corrected_output"] = args.expected
    if args.comment is not None:
        fields["comment"] = args.comment
    if args.escalate is not None:
        fields["escalate"] = args.escalate
    if not fields:
        raise LabelError(
            "nothing to record: give at least one of --verdict, --root-cause, --score, --expected, --comment"
        )
    return LabelChange(**fields)


def run(args: argparse.Namespace) -> int:
    change_from(args)  # refuse an empty or contradictory change before opening the workspace
    ws = workspace(args)
    try:
        case = cases.get_case(ws, args.case)
        reviewer = args.reviewer or labels.workspace_reviewer(ws)
        own = labels.case_labels(ws, case.case_id).by_reviewer.get(reviewer)
        change = change_from(args, own.scores if own else None)
        label, _ = labels.record_label(ws, case.case_id, change, reviewer=reviewer)
    finally:
        ws.close()
    if args.json:
        print(json.dumps(label.model_dump(mode="json"), ensure_ascii=False, sort_keys=True))
    else:
        causes = ", ".join(label.root_causes) or "-"
        scores = ", ".join(f"{k}={v}" for k, v in sorted(label.scores.items())) or "-"
        verdict = label.verdict or "-"
        print(f"labeled {case.case_id}: verdict {verdict}; root causes {causes}; scores {scores}; by {label.reviewer}")
    return 0
