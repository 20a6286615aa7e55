"""What the offline runs replay: each case's recorded answer, and what reviewers said of it.

Every consumer test runs the export in its tool with a model stand-in that answers each case with
the answer recorded in the trace. A run is right when it fails the answers reviewers rejected and
passes the ones they approved, so ``expected_outcomes`` says, per case id, which it must be.
"""

from __future__ import annotations

import json
from pathlib import Path


def recorded_answers(lossless: Path) -> dict[str, str]:
    """Case id → the recorded answer (``""`` for none), from the ``reviewdesk-jsonl`` export."""
    answers = {}
    for line in lossless.read_bytes().decode("utf-8").split("\n"):
        if line.strip():
            case = json.loads(line)
            answers[case["case_id"]] = case["generation"]["output"] or ""
    return answers


def expected_outcomes(lossless: Path) -> dict[str, bool]:
    """Case id → must the replayed answer pass? Only cases whose verdict says so unambiguously:

    * ``fail``: the recorded answer was rejected, so replaying it must fail;
    * ``pass`` with no correction: the recorded answer was approved, so it must pass.

    A ``pass`` with a correction is tested against the correction (not the recorded answer), and
    an unlabeled or ``unsure`` case says nothing either way: they are left out.
    """
    outcomes = {}
    for line in lossless.read_bytes().decode("utf-8").split("\n"):
        if not line.strip():
            continue
        case = json.loads(line)
        label = case.get("labels") or {}
        if label.get("verdict") == "fail":
            outcomes[case["case_id"]] = False
        elif label.get("verdict") == "pass" and not label.get("corrected_output"):
            outcomes[case["case_id"]] = True
    return outcomes
