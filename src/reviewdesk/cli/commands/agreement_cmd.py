"""``reviewdesk agreement``: how far reviewers agree, per label dimension (the filters of ``cases``).

Krippendorff's alpha with a bootstrap 95% interval, percent agreement, Fleiss' kappa (when every
case has the same number of reviewers) and Cohen's kappa per reviewer pair, for the verdict, each
root cause (present/absent), the root-cause set and each score; plus the reviewer x reviewer
verdict agreement matrix. Only cases with at least two reviewer labels count.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli.commands.common import add_filters, case_filter, workspace
from reviewdesk.services import agreement


def register(sub: Any) -> None:
    p = sub.add_parser("agreement", help="inter-rater agreement (Krippendorff's alpha, kappas)", description=__doc__)
    add_filters(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def _line(name: str, figures: agreement.Figures) -> str:
    def show(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    ci = "" if figures.alpha_ci95 is None else f" [{show(figures.alpha_ci95[0])}, {show(figures.alpha_ci95[1])}]"
    return (
        f"{name:<28} alpha {show(figures.krippendorff_alpha)}{ci:<18} agree {show(figures.percent_agreement)}"
        f"  fleiss {show(figures.fleiss_kappa)}  cases {figures.cases}  reviewers {figures.reviewers}"
    )


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        result = agreement.workspace_agreement(ws, case_filter(args))
    finally:
        ws.close()
    if args.json:
        print(json.dumps(result.to_json(), sort_keys=True))
        return 0
    print(_line("verdict", result.verdict))
    print(_line("root-cause set", result.root_cause_set))
    for rc, figures in result.root_causes.items():
        if figures.cases:
            print(_line(f"root cause {rc}", figures))
    for name, figures in result.scores.items():
        if figures.cases:
            print(_line(f"score {name}", figures))
    for pair in result.verdict.pairs:
        kappa = "-" if pair.cohen_kappa is None else f"{pair.cohen_kappa:.3f}"
        print(f"cohen's kappa {pair.reviewers[0]} x {pair.reviewers[1]}: {kappa} over {pair.cases} case(s)")
    return 0
