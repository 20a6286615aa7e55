"""``reviewdesk adjudicate CASE``: settle a case's label as an adjudicator.

``--take REVIEWER`` takes that reviewer's label whole; ``--verdict`` with ``--root-cause`` (and the
other label options) composes the decision. Either way it is one adjudication event (who decided,
which reviewers' labels it settled) and the case becomes ``adjudicated``: its resolved label is the
decision, whatever its reviewers change later, until a newer adjudication.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli.commands.common import workspace
from reviewdesk.domain.errors import LabelError
from reviewdesk.domain.labels import VERDICTS, Label
from reviewdesk.services import cases, labels


def register(sub: Any) -> None:
    p = sub.add_parser("adjudicate", help="decide a case's label (take one or compose it)", description=__doc__)
    p.add_argument("case", metavar="CASE_ID")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--take", metavar="REVIEWER", help="take this reviewer's label whole")
    how.add_argument("--verdict", choices=VERDICTS)
    p.add_argument("--root-cause", dest="root_causes", action="append", default=[], metavar="ID")
    p.add_argument("--comment", metavar="TEXT")
    p.add_argument("--expected", metavar="TEXT", help="the corrected (expected) output")
    p.add_argument(
        "--adjudicator",
        metavar="NAME",
        help="who decides (default: the login name; on a PostgreSQL team workspace only the connected login)",
    )
    p.add_argument("--json", action="store_true", help="print the resolved label as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.take is not None and (args.root_causes or args.comment is not None or args.expected is not None):
        raise LabelError("--take takes a reviewer's label whole: give no other label options with it")
    ws = workspace(args)
    try:
        case = cases.get_case(ws, args.case)
        current = labels.case_labels(ws, case.case_id)
        reviewers = tuple(sorted(current.by_reviewer))
        if args.take is not None:
            taken = current.by_reviewer.get(args.take)
            if taken is None or taken.verdict is None:
                known = ", ".join(r for r in reviewers if current.by_reviewer[r].verdict) or "none"
                raise LabelError(f"{args.take} has no verdict on case {case.case_id} (reviewers with one: {known})")
            decision = taken
        else:
            decision = Label(
                verdict=args.verdict,
                root_causes=list(dict.fromkeys(args.root_causes)),
                comment=args.comment,
                corrected_output=args.expected,
            )
        result = labels.record_adjudication(ws, case.case_id, decision, adjudicator=args.adjudicator, settles=reviewers)
    finally:
        ws.close()
    resolved = result.resolved
    assert resolved is not None  # an adjudication always resolves
    if args.json:
        print(json.dumps({"resolution": result.resolution, "label": resolved.model_dump(mode="json")}, sort_keys=True))
    else:
        causes = ", ".join(resolved.root_causes) or "-"
        print(f"adjudicated {case.case_id}: verdict {resolved.verdict}; root causes {causes}; by {resolved.reviewer}")
    return 0
