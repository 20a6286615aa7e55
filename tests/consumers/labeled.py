"""A labeled workspace built the way a user builds one: the real instrumented trace fixtures
imported through the import service, then labeled through ``services.labels.record_label`` (the
path the GUI and ``reviewdesk label`` take). No storage is mocked.

Eight cases (two per instrumentation convention), labeled to cover every export rule:

| key | verdict | root causes | corrected output | reviewers | what it exercises |
|---|---|---|---|---|---|
| oi:A | pass | – | – | alice, bob | expected = the original output; several reviewers; documents |
| oi:B | fail | tool_error | – | carol | regression case with no output at all |
| genai:A | fail | hallucination, stale_source | yes | carol | expected = correction; documents without text |
| genai:B | fail | tool_error | yes | bob | correction on a failed trace |
| legacy:A | fail | hallucination | – | alice | regression case with a rejected answer |
| legacy:B | unsure | – | – | bob | skipped by eval formats (nothing to test) |
| new:A | pass | – | yes | alice | a correction wins over the original output |
| new:B | fail | wrong_tool | yes | carol | no fine-tuning example (bad trajectory) |
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewdesk.domain.labels import LabelChange
from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services import cases, imports, labels
from reviewdesk.services.workspace import Workspace, open_workspace

DATA = Path(__file__).resolve().parent.parent / "data" / "instrumented"
EXPECTED: dict[str, Any] = json.loads((DATA / "expected.json").read_text())
FILES = {
    "oi": "openinference_openai.json",
    "genai": "otel_genai_v2.jsonl",
    "legacy": "traceloop_legacy.json",
    "new": "traceloop_new.json",
}

REFUND_FIX = "Yes. Order 8812 was delivered 20 days ago, inside the 30-day window: you can return it for a full refund."
CANCEL_FIX = "I could not reach the account system, so your Premium plan is not cancelled yet. Please retry shortly."
WRONG_TOOL_FIX = "I can cancel your Premium subscription once you confirm the account number 4471 is yours."

# (key, reviewer, change) in the order they are recorded.
LABELS: list[tuple[str, str, LabelChange]] = [
    ("oi:A", "alice", LabelChange(verdict="pass", scores={"correctness": 5, "groundedness": 5})),
    ("oi:A", "bob", LabelChange(verdict="pass", scores={"correctness": 5, "groundedness": 4})),
    ("oi:B", "carol", LabelChange(verdict="fail", root_causes=["tool_error"], comment="The user got no answer.")),
    (
        "genai:A",
        "carol",
        LabelChange(
            verdict="fail",
            root_causes=["hallucination", "stale_source"],
            corrected_output=REFUND_FIX,
            scores={"correctness": 2},
        ),
    ),
    ("genai:B", "bob", LabelChange(verdict="fail", root_causes=["tool_error"], corrected_output=CANCEL_FIX)),
    ("legacy:A", "alice", LabelChange(verdict="fail", root_causes=["hallucination"], comment="Invented a label fee.")),
    ("legacy:B", "bob", LabelChange(verdict="unsure")),
    ("new:A", "alice", LabelChange(verdict="pass", corrected_output=REFUND_FIX)),
    ("new:B", "carol", LabelChange(verdict="fail", root_causes=["wrong_tool"], corrected_output=WRONG_TOOL_FIX)),
]


@dataclass(frozen=True)
class LabeledWorkspace:
    path: WorkspaceLocation
    """A file, or a PostgreSQL URL (the tests' ``engine`` fixtures)."""
    case_ids: dict[str, str]
    """Scenario key (``oi:A`` …) → case id."""

    def open(self) -> Workspace:
        return open_workspace(self.path)


def trace_id(key: str) -> str:
    convention, scenario = key.split(":")
    return str(EXPECTED[FILES[convention]][scenario]["trace_id"])


def build(path: WorkspaceLocation, *, label: bool = True) -> LabeledWorkspace:
    """Import the four instrumented fixtures into a new workspace at ``path`` and label them."""
    ws = open_workspace(path)
    try:
        result = imports.import_files(ws, [DATA / name for name in FILES.values()])
        assert all(s.ok for s in result.files), [s.failed or s.errors for s in result.files]
        case_ids = {
            f"{convention}:{scenario}": cases.get_case(ws, trace_id(f"{convention}:{scenario}")).case_id
            for convention in FILES
            for scenario in ("A", "B")
        }
        if label:
            for key, reviewer, change in LABELS:
                labels.record_label(ws, case_ids[key], change, reviewer=reviewer)
    finally:
        ws.close()
    return LabeledWorkspace(path=path, case_ids=case_ids)
