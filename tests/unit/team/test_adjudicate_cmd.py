"""``reviewdesk adjudicate``: take a reviewer's label, or compose one; the case becomes adjudicated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter, smart_queue
from reviewdesk.services import cases, exports, labels
from tests.consumers.labeled import build


def test_take_and_compose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    team = build(tmp_path / "w.reviewdesk", label=False)
    case_id = team.case_ids["oi:A"]
    ws = team.open()
    try:
        labels.record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["hallucination"]), reviewer="ana")
        labels.record_label(ws, case_id, LabelChange(verdict="pass", comment="fine"), reviewer="bo")
        queue = smart_queue("disputed")
        assert queue.id == "disputed"
        assert [s.case_id for s in cases.list_cases(ws, queue.filter)] == [case_id]
    finally:
        ws.close()
    wsarg = ["--workspace", str(team.path)]
    assert main([*wsarg, "adjudicate", case_id, "--take", "cy"]) == 1
    assert "cy has no verdict on case" in capsys.readouterr().err
    assert main([*wsarg, "adjudicate", case_id, "--take", "bo", "--adjudicator", "lead", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["resolution"] == "adjudicated"
    assert (out["label"]["verdict"], out["label"]["comment"], out["label"]["reviewer"]) == ("pass", "fine", "lead")
    args = [*wsarg, "adjudicate", case_id, "--verdict", "fail", "--root-cause", "stale_source", "--adjudicator", "lead"]
    assert main(args) == 0
    capsys.readouterr()
    ws = team.open()
    try:
        assert cases.list_cases(ws, CaseFilter(resolution="disputed")) == []
        case = cases.get_case(ws, case_id)
        assert case.resolution == "adjudicated" and case.labels is not None
        assert (case.labels.verdict, case.labels.root_causes) == ("fail", ["stale_source"])
        # The export holds the adjudicated label and its state; --resolved-only keeps it.
        path = exports.export_cases(ws, "reviewdesk-jsonl", tmp_path / "out.jsonl").path
    finally:
        ws.close()
    line = next(json.loads(x) for x in path.read_text().splitlines() if json.loads(x)["case_id"] == case_id)
    assert line["resolution"] == "adjudicated" and line["labels"]["verdict"] == "fail"
    assert sorted(line["reviewer_labels"]) == ["ana", "bo"]
    kinds = [e["kind"] for e in line["label_history"]]
    assert kinds.count("adjudication") == 2 and line["label_history"][-1]["settles"] == ["ana", "bo"]
    assert main([*wsarg, "cases", "--resolved-only", "--json"]) == 0
    assert case_id in capsys.readouterr().out
