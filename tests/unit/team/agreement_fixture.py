"""A small agreement fixture computed by hand, shared by the Agreement tab and the report tests.

Two reviewers, a and b, give verdicts on the first four cases of a workspace: pass/pass,
fail/fail, pass/fail, pass/pass; both name tool_error on the second. By hand (as in
``test_agreement.test_small_case_by_hand``): observed agreement 3/4; Cohen's kappa
(0.75 - 0.5) / 0.5 = 0.5; nominal alpha: coincidences pass-pass 4, fail-fail 2, pass-fail 1,
fail-pass 1, n = 8, n_pass = 5, n_fail = 3, so alpha = 1 - 7 * 2 / (2 * 5 * 3) = 8/15 = 0.533;
Fleiss' kappa (two raters on each case) = 7/15 = 0.467. tool_error is present on one case for
both and absent on three for both: alpha 1, agreement 100%.
"""

from __future__ import annotations

from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import cases, labels
from reviewdesk.services.workspace import Workspace

ALPHA = f"{8 / 15:.3f}"
FLEISS = f"{7 / 15:.3f}"
COHEN = "0.500"
AGREEMENT = "75%"
VERDICTS = (("pass", "pass"), ("fail", "fail"), ("pass", "fail"), ("pass", "pass"))


def label_hand_computed(ws: Workspace) -> list[str]:
    """Record the fixture's labels on the workspace's first four cases; returns their ids."""
    ids = [s.case_id for s in cases.list_cases(ws, CaseFilter(), limit=len(VERDICTS))]
    for case_id, pair in zip(ids, VERDICTS, strict=True):
        for reviewer, verdict in zip(("a", "b"), pair, strict=True):
            causes = ["tool_error"] if case_id == ids[1] else []
            labels.record_label(ws, case_id, LabelChange(verdict=verdict, root_causes=causes), reviewer=reviewer)
    return ids
