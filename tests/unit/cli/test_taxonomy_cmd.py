"""``reviewdesk taxonomy``: show, add, rename, retire, restore, import and rubric, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.services import cases, review, taxonomy
from tests.consumers.labeled import LabeledWorkspace, build


@pytest.fixture
def labeled(tmp_path: Path) -> LabeledWorkspace:
    return build(tmp_path / "ws.reviewdesk")


def run(ws: LabeledWorkspace, *argv: str) -> int:
    # --workspace after the action as well: `reviewdesk taxonomy add ID --workspace X` must work.
    return main([*argv, "--workspace", str(ws.path)])


def test_show_lists_causes_by_layer_with_definitions(labeled: LabeledWorkspace, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(labeled, "taxonomy") == 0
    out = capsys.readouterr().out
    assert out.startswith("label schema v1: 16 root causes offered; 4 scores")
    assert "Tool use\n" in out and "tool_error        Tool error: The tool failed or returned an error." in out
    assert "provider_error    Provider error: The model provider failed the call: rate limit (429)" in out
    assert "rubric: none" in out


def test_edits_make_versions_and_labels_follow(labeled: LabeledWorkspace, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(labeled, "taxonomy", "rename", "tool_error", "tool_failure", "--title", "Tool failure") == 0
    out = capsys.readouterr().out
    assert "label schema v2: renamed root cause tool_error: id → tool_failure" in out
    assert "2 case(s) read under the new ids" in out
    assert run(labeled, "taxonomy", "retire", "wrong_tool") == 0
    assert run(labeled, "taxonomy", "add", "policy_gap", "--title", "Policy gap", "--layer", "Prompt and input") == 0
    assert run(labeled, "taxonomy", "add", "tone", "--score") == 0
    assert run(labeled, "taxonomy", "rename", "usefulness", "helpfulness", "--score") == 0
    capsys.readouterr()
    assert run(labeled, "taxonomy", "show", "--versions") == 0
    out = capsys.readouterr().out
    assert out.startswith("label schema v6: 16 root causes offered, 1 retired; 5 scores")
    assert "tool_failure      Tool failure: The tool failed or returned an error.  (formerly tool_error)" in out
    assert "retired (kept on old labels and in filters, not offered for new labels):\n      wrong_tool" in out
    assert "helpfulness (formerly usefulness)" in out and ", tone" in out
    assert "  v1  " in out and "  v6  " in out
    # The retired cause still filters the queue, and labels that gain it are refused with the reason.
    assert run(labeled, "cases", "--root-cause", "wrong_tool") == 0
    assert labeled.case_ids["new:B"] in capsys.readouterr().out
    assert run(labeled, "label", labeled.case_ids["oi:B"], "--root-cause", "wrong_tool") == 1
    assert "wrong_tool retired in label schema v6" in capsys.readouterr().err


def test_show_json_round_trips_through_import(labeled: LabeledWorkspace, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(labeled, "taxonomy", "show", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1 and data["scores"] == ["correctness", "groundedness", "safety", "usefulness"]
    data["root_causes"] = [rc for rc in data["root_causes"] if rc["id"] != "too_slow"]
    data["root_causes"].append({"id": "flaky_eval", "layer": "Evaluation", "title": "Flaky eval"})
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data))
    assert run(labeled, "taxonomy", "import", str(path)) == 0
    assert "label schema v2: imported taxonomy from mine.json" in capsys.readouterr().out
    ws = labeled.open()
    try:
        schema = review.label_schema(ws)
        assert schema.root_causes[-1].id == "flaky_eval" and [rc.id for rc in schema.retired] == ["too_slow"]
    finally:
        ws.close()


def test_a_toml_file_imports_too(labeled: LabeledWorkspace, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "taxonomy.toml"
    path.write_text(
        'scores = ["correctness"]\n\n'
        '[[root_causes]]\nid = "hallucination"\n\n'
        '[[root_causes]]\nid = "tool_error"\ntitle = "Tool broke"\n'
    )
    assert run(labeled, "taxonomy", "import", str(path)) == 0
    ws = labeled.open()
    try:
        now = taxonomy.current(ws)
        assert [rc.id for rc in now.active] == ["hallucination", "tool_error"]
        assert now.find("tool_error").title == "Tool broke"  # type: ignore[union-attr]
        assert now.active_scores == ("correctness",) and "safety" in now.retired_scores
        # Every stored label still reads: retired scores and causes stay on the labels that have them.
        label = cases.get_case(ws, labeled.case_ids["oi:A"]).labels
        assert label is not None and label.scores["correctness"] == 5 and "groundedness" in label.scores
    finally:
        ws.close()


def test_a_bad_file_is_refused_with_its_name_and_exit_1(labeled: LabeledWorkspace, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.json"
    path.write_text('{"root_causes": [{"id": "ok_one", "title": "Fine"}, {"title": "no id"}]}')
    assert run(labeled, "taxonomy", "import", str(path)) == 1
    err = capsys.readouterr().err
    assert f"{path}: root cause 2 has no id" in err
    assert run(labeled, "taxonomy", "import", str(tmp_path / "missing.json")) == 1
    assert "missing.json: cannot read" in capsys.readouterr().err


def test_usage_mistakes_exit_2(labeled: LabeledWorkspace, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(labeled, "taxonomy", "rename", "tool_error") == 2
    assert "give a NEW_ID, --title, --description or --layer" in capsys.readouterr().err
    assert run(labeled, "taxonomy", "add", "Not Valid", "--title", "x") == 2
    assert "must be lower-case letters" in capsys.readouterr().err
    assert run(labeled, "taxonomy", "retire", "nope") == 2


def test_rubric_set_show_clear(labeled: LabeledWorkspace, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(labeled, "taxonomy", "rubric") == 0
    assert "no rubric" in capsys.readouterr().out
    rubric = tmp_path / "rubric.md"
    rubric.write_text("Pass: answers the question from the documents.\nFail: any claim without a source.\n")
    assert run(labeled, "taxonomy", "rubric", "--set", str(rubric)) == 0
    assert "rubric set (" in capsys.readouterr().out
    assert run(labeled, "taxonomy", "rubric") == 0
    assert capsys.readouterr().out == (
        "Pass: answers the question from the documents.\nFail: any claim without a source.\n"
    )
    assert run(labeled, "taxonomy") == 0
    assert "rubric: 80 characters" in capsys.readouterr().out
    assert run(labeled, "taxonomy", "rubric", "--clear") == 0
    assert run(labeled, "taxonomy", "rubric") == 0
    assert "no rubric" in capsys.readouterr().out
