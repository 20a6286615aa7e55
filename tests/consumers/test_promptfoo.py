"""The promptfoo exports pass ``promptfoo validate config`` (promptfoo's own config schema) and run
with ``promptfoo eval`` against its offline ``echo`` provider (installed by envs.py with npm ci)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.consumers.envs import QUIET_ENV, promptfoo_command
from tests.consumers.labeled import LabeledWorkspace

pytestmark = pytest.mark.slow

CONFIG = """\
description: reviewdesk export, run offline
prompts: ["{{{{user_request}}}}"]
providers: [echo]
defaultTest:
  options:
    provider: echo
tests: file://{tests}
"""


def promptfoo(args: list[str], work_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **QUIET_ENV, "PROMPTFOO_CONFIG_DIR": str(work_dir / ".promptfoo"), "HOME": str(work_dir)}
    return subprocess.run(
        [*promptfoo_command(), *args], capture_output=True, text=True, cwd=work_dir, env=env, timeout=600, check=False
    )


@pytest.mark.parametrize("fmt", ["promptfoo-yaml", "promptfoo-jsonl"])
def test_promptfoo_loads_and_runs_the_tests(
    labeled_export: tuple[LabeledWorkspace, dict[str, Path]], work_dir: Path, fmt: str
) -> None:
    labeled, files = labeled_export
    config = work_dir / "promptfooconfig.yaml"
    config.write_text(CONFIG.format(tests=files[fmt]))

    validated = promptfoo(["validate", "config", "-c", str(config)], work_dir)
    assert validated.returncode == 0, validated.stderr
    assert "Configuration is valid" in validated.stdout + validated.stderr

    ran = promptfoo(
        ["eval", "-c", str(config), "-o", str(work_dir / "results.json"), "--no-cache", "--no-write", "--no-table"],
        work_dir,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    results = json.loads((work_dir / "results.json").read_text())["results"]
    assert results["stats"]["errors"] == 0
    by_case = {r["testCase"]["metadata"]["case_id"]: r for r in results["results"]}
    ids = labeled.case_ids
    assert set(by_case) == {ids[k] for k in ("oi:A", "oi:B", "genai:A", "genai:B", "legacy:A", "new:A", "new:B")}

    regression = by_case[ids["legacy:A"]]
    kinds = [(c["assertion"]["type"], c["pass"]) for c in regression["gradingResult"]["componentResults"]]
    # The echo provider answers with the prompt (the user request), which is not the rejected answer.
    assert kinds[0] == ("not-equals", True)
    assert [k for k, _ in kinds] == ["not-equals", "llm-rubric"]
    assert regression["testCase"]["metadata"]["root_causes"] == ["hallucination"]
    assert regression["response"]["output"] == "Can I still return order 8812? It arrived 20 days ago."
    passing = by_case[ids["oi:A"]]
    assert [c["assertion"]["type"] for c in passing["gradingResult"]["componentResults"]] == ["factuality"]
    assert "Refunds and returns (v3)" in passing["vars"]["context"]
    assert passing["testCase"]["metadata"]["reviewers"] == ["alice", "bob"]
