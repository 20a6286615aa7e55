"""``reviewdesk export``: options map onto the export selection, and the report says what was skipped."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from tests.consumers.labeled import LabeledWorkspace


def run(labeled: LabeledWorkspace, *argv: str) -> int:
    return main(["--workspace", str(labeled.path), "export", *argv])


def test_export_with_label_filters_and_sample(
    labeled: LabeledWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gold.jsonl"
    argv = ["--format", "inspect", "-o", str(out), "--verdict", "fail", "--has-corrected-output", "--reviewer", "carol"]
    assert run(labeled, *argv) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"wrote 2 case(s) to {out} (inspect)",
        f"  manifest: {tmp_path / 'gold.manifest.json'}",
    ]
    assert {json.loads(line)["id"] for line in out.read_text().splitlines()} == {
        labeled.case_ids["genai:A"],
        labeled.case_ids["new:B"],
    }
    sample_argv = ["--format", "csv", "--sample", "1", "--sample-by", "workflow", "--seed", "4"]
    assert run(labeled, *sample_argv, "-o", str(tmp_path / "s1.csv")) == 0
    assert run(labeled, *sample_argv, "-o", str(tmp_path / "s2.csv")) == 0
    assert (tmp_path / "s1.csv").read_bytes() == (tmp_path / "s2.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "s1.csv").read_text(), newline="")))
    assert sorted(r["workflow"] for r in rows) == ["cancel_subscription_request", "refund_question"]


def test_skipped_cases_are_reported_on_stderr(
    labeled: LabeledWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(labeled, "--format", "openai-finetune", "-o", str(tmp_path / "ft.jsonl")) == 0
    captured = capsys.readouterr()
    assert "wrote 4 case(s)" in captured.out
    assert "skipped 2 case(s): no expected output (a training example needs a good answer)" in captured.err
    assert "skipped 1 case(s): tool calls labeled wrong" in captured.err


def test_labeled_since_and_dataset_name(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    assert (
        run(
            labeled,
            "--format",
            "langfuse-dataset",
            "-o",
            str(out),
            "--labeled-since",
            "2000-01-01",
            "--dataset-name",
            "gold",
        )
        == 0
    )
    names = {json.loads(line)["datasetName"] for line in out.read_text().splitlines()}
    assert names == {"gold"}
    assert run(labeled, "--format", "langfuse-dataset", "-o", str(out), "--labeled-since", "2999-01-01T00:00Z") == 0
    assert out.read_text() == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "yaml", "-o", "x"], "invalid choice: 'yaml'"),
        (["--format", "csv", "-o", "x", "--labeled-since", "last week"], "not an ISO date"),
        (["--format", "csv", "-o", "x", "--sample", "0"], "positive whole number"),
        (["--format", "csv", "-o", "x", "--has-corrected-output", "--no-corrected-output"], "not allowed with"),
    ],
)
def test_usage_errors_exit_2(
    labeled: LabeledWorkspace, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(labeled, *argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_output_is_a_usage_error(labeled: LabeledWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(labeled, "--format", "csv") == 2
    assert "export needs --format and -o/--output" in capsys.readouterr().err
