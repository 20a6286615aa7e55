"""The promptfoo exports run in ``promptfoo eval`` offline: a replay provider answers each test with
the recorded answer and a fixed grader stands in for the model grader (tests/consumers/promptfoo/).
Rejected answers must fail, approved ones pass, and hostile text must reach promptfoo unrendered."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.consumers import hostile
from tests.consumers.envs import HERE, QUIET_ENV, promptfoo_command
from tests.consumers.hostile import HostileWorkspace
from tests.consumers.labeled import LabeledWorkspace
from tests.consumers.replay import expected_outcomes, recorded_answers

pytestmark = pytest.mark.slow

CONFIG = """\
description: reviewdesk export, run offline
prompts: ["{{{{user_request}}}}"]
providers: [file://{provider}]
defaultTest:
  options:
    provider: file://{grader}
tests: file://{tests}
"""


def promptfoo(args: list[str], work_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        **QUIET_ENV,
        "PROMPTFOO_CONFIG_DIR": str(work_dir / ".promptfoo"),
        "HOME": str(work_dir),
        **env,
    }
    return subprocess.run(
        [*promptfoo_command(), *args],
        capture_output=True,
        text=True,
        cwd=work_dir,
        env=full_env,
        timeout=600,
        check=False,
    )


def run_eval(files: dict[str, Path], fmt: str, work_dir: Path) -> dict[str, dict[str, Any]]:
    """``promptfoo validate`` and ``promptfoo eval`` on the export; the results by case id."""
    config = work_dir / "promptfooconfig.yaml"
    config.write_text(
        CONFIG.format(
            provider=HERE / "promptfoo" / "replay.cjs", grader=HERE / "promptfoo" / "grader.cjs", tests=files[fmt]
        )
    )
    replay = work_dir / "replay.json"
    replay.write_text(json.dumps(recorded_answers(files["reviewdesk-jsonl"])))
    validated = promptfoo(["validate", "config", "-c", str(config)], work_dir, REVIEWDESK_REPLAY=str(replay))
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Configuration is valid" in validated.stdout + validated.stderr
    out = work_dir / "results.json"
    ran = promptfoo(
        ["eval", "-c", str(config), "-o", str(out), "--no-cache", "--no-write", "--no-table"],
        work_dir,
        REVIEWDESK_REPLAY=str(replay),
    )
    # promptfoo exits 100 when a test failed: expected here, rejected answers must fail.
    assert ran.returncode in (0, 100), ran.stdout[-3000:] + ran.stderr[-3000:]
    results = json.loads(out.read_text())["results"]
    assert results["stats"]["errors"] == 0, [r.get("error") for r in results["results"] if r.get("error")]
    return {r["testCase"]["metadata"]["case_id"]: r for r in results["results"]}


def components(result: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(c["assertion"]["type"], c["pass"]) for c in result["gradingResult"]["componentResults"]]


@pytest.mark.parametrize("fmt", ["promptfoo-yaml", "promptfoo-jsonl"])
def test_rejected_answers_fail_and_approved_ones_pass(
    labeled_export: tuple[LabeledWorkspace, dict[str, Path]], work_dir: Path, fmt: str
) -> None:
    labeled, files = labeled_export
    by_case = run_eval(files, fmt, work_dir)
    ids = labeled.case_ids
    assert set(by_case) == {ids[k] for k in ("oi:A", "oi:B", "genai:A", "genai:B", "legacy:A", "new:A", "new:B")}
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    assert {k for k, v in outcomes.items() if v} == {ids["oi:A"]}
    for case_id, must_pass in outcomes.items():
        if case_id in by_case:
            assert by_case[case_id]["success"] is must_pass, (case_id, components(by_case[case_id]))

    regression = by_case[ids["legacy:A"]]
    # The replayed answer is the rejected one, word for word: not-equals catches it, and so does the rubric.
    assert components(regression) == [("not-equals", False), ("llm-rubric", False)]
    assert regression["testCase"]["metadata"]["root_causes"] == ["hallucination"]
    passing = by_case[ids["oi:A"]]
    assert components(passing) == [("factuality", True)]
    assert "Refunds and returns (v3)" in passing["vars"]["context"]
    assert passing["testCase"]["metadata"]["reviewers"] == ["alice", "bob"]


@pytest.mark.parametrize("fmt", ["promptfoo-yaml", "promptfoo-jsonl"])
def test_hostile_text_reaches_promptfoo_exactly(
    hostile_export: tuple[HostileWorkspace, dict[str, Path]], work_dir: Path, fmt: str
) -> None:
    built, files = hostile_export
    by_case = run_eval(files, fmt, work_dir)
    ids = built.case_ids
    # The prompt promptfoo rendered is the user's request, not a template run on it (promptfoo's
    # Nunjucks drops one final newline from any rendered template, as Jinja does).
    for key in hostile.KEYS:
        rendered = by_case[ids[key]]["response"]["metadata"]["renderedPrompt"]
        assert rendered == hostile.REQUEST[key].removesuffix("\n")
    # "Hi {{ customer }}…" stays itself in not-equals: replaying the rejected answer fails.
    assert components(by_case[ids["bad"]]) == [("not-equals", False), ("llm-rubric", False)]
    assert by_case[ids["bad"]]["success"] is False
    # The approved hostile answer equals the expected one after promptfoo renders the assertion.
    assert components(by_case[ids["good"]]) == [("factuality", True)]
    assert by_case[ids["good"]]["success"] is True
    assert components(by_case[ids["fixed"]]) == [("factuality", False), ("not-equals", False), ("llm-rubric", False)]
    assert by_case[ids["good"]]["testCase"]["metadata"]["comment"] == f"Reviewer: {hostile.FORMULA} {hostile.TEMPLATE}"
