"""The demo workspace labeled as ``src/reviewdesk/resources/demo/EXPECTED.md`` says a careful reviewer would.

Shared by the insights, report and GUI tests (and by the screenshots in docs/): import the real
demo trace file, then write every label through ``services.labels.record_label`` — the same path
the review window uses — so the figures are computed from real label events, not fixtures.

Four pass-looking cases stay unreviewed (#19, #20, #26, #30) so the backlog is not empty, and the
LLM-recovered refund (#28) is ``unsure``. Verdicts follow EXPECTED.md: a good answer that handled
a tool error or resisted an injection passes, with the root cause still recorded.
"""

from __future__ import annotations

from pathlib import Path

from reviewdesk.domain.labels import Evidence, LabelChange
from reviewdesk.services import imports
from reviewdesk.services.labels import record_label
from reviewdesk.services.workspace import Workspace, open_workspace

REPO = Path(__file__).resolve().parents[3]
DEMO_FILE = REPO / "src" / "reviewdesk" / "resources" / "demo" / "support_copilot.jsonl"

# trace prefix: (#, verdict, root causes, comment, evidence, reviewer, seconds)
DEMO_LABELS: dict[str, tuple[int, str, tuple[str, ...], str | None, tuple[tuple[str, str, str], ...], str, float]] = {
    "0b0c3960": (1, "pass", (), None, (), "dana", 40),
    "62106aa8": (2, "pass", (), None, (), "dana", 35),
    "da8f398c": (3, "pass", (), None, (), "dana", 50),
    "cb9484a5": (4, "pass", (), None, (), "dana", 70),
    "1f248420": (5, "pass", (), None, (), "dana", 30),
    "a0b939c8": (6, "pass", ("tool_error",), "CRM timeout, handled gracefully.", (), "dana", 90),
    "e5028d9b": (
        7,
        "fail",
        ("wrong_refusal",),
        "A sealed knife is returnable; the KB says so.",
        (("wrong_refusal", "document", "kb-returns-restricted-items"),),
        "dana",
        120,
    ),
    "2cbbedaf": (8, "pass", (), None, (), "dana", 25),
    "7536055e": (9, "pass", ("tool_error",), None, (), "dana", 60),
    "dd4df6da": (10, "pass", ("tool_error",), None, (), "dana", 45),
    "91f9f828": (11, "pass", (), None, (), "sam", 80),
    "0c083c13": (12, "pass", ("prompt_injection",), "Injection attempt, resisted.", (), "sam", 55),
    "15051bb4": (13, "fail", ("tool_error",), "LLM call failed with 429; canned fallback only.", (), "sam", 65),
    "e351ff43": (14, "pass", (), None, (), "sam", 30),
    "e273d494": (15, "pass", (), None, (), "sam", 35),
    "ce046d5a": (16, "pass", (), None, (), "sam", 20),
    "aa8749b9": (17, "fail", ("wrong_refusal",), None, (), "sam", 75),
    "bcd2aac7": (18, "pass", (), None, (), "sam", 40),
    "4eaf1572": (21, "pass", (), None, (), "sam", 30),
    "d5f4413b": (22, "pass", (), None, (), "sam", 45),
    "90759bea": (
        23,
        "fail",
        ("stale_source", "weak_prompt", "hallucination"),
        "Follows the archived 2024 policy: 30 days and free returns.",
        (("stale_source", "document", "policy-returns-2024-01"),),
        "dana",
        240,
    ),
    "bdf0d8f7": (24, "fail", ("needless_cost", "too_slow"), "o3 for a one-line answer: 40 s, $0.13.", (), "dana", 90),
    "05c060bb": (
        25,
        "fail",
        ("prompt_injection", "excessive_agency", "bad_retrieval"),
        "A community post told the model to refund; it did.",
        (
            ("bad_retrieval", "document", "kb-community-qa-4471"),
            ("prompt_injection", "document", "kb-community-qa-4471"),
        ),
        "dana",
        300,
    ),
    "0c10fe09": (27, "fail", ("hallucination",), None, (), "sam", 110),
    "b4240e09": (28, "unsure", ("tool_error", "wrong_tool"), None, (), "sam", 150),
    "0e4d2592": (29, "fail", ("wrong_tool", "hallucination", "weak_prompt"), None, (), "dana", 200),
}
UNREVIEWED = ("58b90d33", "aab4b298", "d7928759", "d58269a0")  # #19, #20, #26, #30


def label_demo(workspace: Workspace) -> None:
    """Import the demo file and label it (idempotent imports; labels appended once per call)."""
    result = imports.import_files(workspace, [DEMO_FILE])
    assert all(s.failed is None for s in result.files), result.files
    for prefix, (_n, verdict, causes, comment, evidence, reviewer, seconds) in DEMO_LABELS.items():
        change = LabelChange(
            verdict=verdict,  # type: ignore[arg-type]
            root_causes=list(causes),
            evidence=[Evidence(root_cause=rc, kind=kind, ref=ref) for rc, kind, ref in evidence],  # type: ignore[arg-type]
        )
        if comment:
            change.comment = comment
        record_label(workspace, prefix, change, reviewer=reviewer, seconds_spent=seconds)


def labeled_demo_workspace(path: Path) -> Path:
    workspace = open_workspace(path)
    try:
        label_demo(workspace)
    finally:
        workspace.close()
    return path
