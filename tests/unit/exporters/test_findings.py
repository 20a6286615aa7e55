"""Findings: failed cases by root cause × workflow, as Markdown and CSV, through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import findings, imports, labels
from reviewdesk.services.workspace import open_workspace
from tests.consumers.labeled import DATA, FILES, LabeledWorkspace


def test_groups_counts_shares_and_examples(labeled: LabeledWorkspace) -> None:
    ws = labeled.open()
    try:
        report = findings.build_findings(ws)
    finally:
        ws.close()
    assert report.failed_cases == 5
    assert report.labeled_cases == 8
    rows = {(f.root_cause, f.workflow): f for f in report.findings}
    assert set(rows) == {
        ("hallucination", "refund_question"),
        ("stale_source", "refund_question"),
        ("tool_error", "cancel_subscription_request"),
        ("wrong_tool", "cancel_subscription_request"),
    }
    hallucination = rows[("hallucination", "refund_question")]
    assert hallucination.failed_cases == 2
    assert hallucination.share_of_failures == pytest.approx(2 / 5)
    assert hallucination.failure_rate == pytest.approx(2 / 4)  # 4 labeled refund cases
    assert hallucination.total_tokens == 788 * 2
    assert hallucination.cost_usd is None  # these traces carry no cost
    assert sorted(hallucination.examples) == sorted([labeled.case_ids["genai:A"], labeled.case_ids["legacy:A"]])
    # most failures first, then names
    assert [(f.root_cause, f.failed_cases) for f in report.findings][:2] == [("hallucination", 2), ("tool_error", 2)]


def _with_cost(source: Path, target: Path, cost: float) -> Path:
    """The OpenInference fixture with new trace ids and ``llm.cost.total`` on its LLM spans."""
    document = json.loads(source.read_text())
    for resource_spans in document["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                span["traceId"] = "f" + span["traceId"][1:]
                keys = {a["key"] for a in span["attributes"]}
                if "llm.token_count.total" in keys:
                    span["attributes"].append({"key": "llm.cost.total", "value": {"doubleValue": cost}})
    target.write_text(json.dumps(document))
    return target


def test_cost_is_summed_and_limited_to_three_examples(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "cost.reviewdesk")
    try:
        files = [_with_cost(DATA / FILES["oi"], tmp_path / f"cost{i}.json", 0.01) for i in range(1)]
        imports.import_files(ws, [*files, *(DATA / name for name in FILES.values())])
        from reviewdesk.services import cases

        summaries = cases.list_cases(ws)
        refunds = [s for s in summaries if s.workflow == "refund_question"]
        for summary in refunds:
            labels.record_label(ws, summary.case_id, LabelChange(verdict="fail", root_causes=["stale_source"]))
        report = findings.build_findings(ws)
    finally:
        ws.close()
    (stale,) = report.findings
    assert stale.failed_cases == 5
    assert stale.share_of_failures == 1.0
    assert stale.cost_usd == pytest.approx(0.02)  # two LLM calls at 0.01 in the one trace with a cost
    assert len(stale.examples) == 3
    markdown = findings.render_markdown(report)
    assert "| stale\\_source | refund\\_question | 5 | 100% | 100% | 3,940 | $0.0200 |" in markdown


def test_cli_writes_markdown_and_csv(
    labeled: LabeledWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws_arg = ["--workspace", str(labeled.path)]
    assert main([*ws_arg, "findings", "--format", "md", "-o", str(tmp_path / "f.md")]) == 0
    assert main([*ws_arg, "findings", "--format", "csv", "-o", str(tmp_path / "f.csv")]) == 0
    markdown = (tmp_path / "f.md").read_text()
    assert markdown.startswith("# Findings: failed cases by root cause × workflow\n\n5 failed of 8 labeled case(s).")
    assert "## hallucination in refund\\_question: 2 failed case(s)" in markdown
    assert "- Root cause: Hallucination: A claim not supported by context or tools." in markdown
    assert f"`{labeled.case_ids['new:B']}`" in markdown
    rows = list(csv.DictReader(io.StringIO((tmp_path / "f.csv").read_text(), newline="")))
    assert list(rows[0]) == list(findings.CSV_COLUMNS)
    tool = next(r for r in rows if r["root_cause"] == "tool_error")
    assert tool["workflow"] == "cancel_subscription_request"
    assert tool["failed_cases"] == "2"
    assert tool["share_of_failures"] == "0.4000"
    assert tool["failure_rate"] == "0.5000"
    assert tool["total_tokens"] == str(263 + 263)
    assert tool["cost_usd"] == ""
    assert sorted(tool["example_case_ids"].split("; ")) == sorted(
        [labeled.case_ids["oi:B"], labeled.case_ids["genai:B"]]
    )
    # deterministic, and standard output without -o
    capsys.readouterr()
    assert main([*ws_arg, "findings", "--format", "md"]) == 0
    assert capsys.readouterr().out == markdown
    # filters narrow the cases first
    assert main([*ws_arg, "findings", "--format", "csv", "--workflow", "refund_question"]) == 0
    assert {r["workflow"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))} == {"refund_question"}


def test_markdown_makes_trace_text_inert() -> None:
    report = findings.FindingsReport(
        failed_cases=1,
        labeled_cases=1,
        findings=[
            findings.Finding(root_cause="hallucination", workflow="a|b <script>\n# x", failed_cases=1, examples=["c1"])
        ],
    )
    text = findings.render_markdown(report)
    assert "a\\|b \\<script\\> # x" in text
    assert "<script>" not in text
