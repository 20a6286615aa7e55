"""``reviewdesk label``: the same label events as the GUI, through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import DEFAULT_ROOT_CAUSES
from reviewdesk.services import cases, labels
from reviewdesk.services.workspace import open_workspace
from tests.consumers.labeled import LabeledWorkspace, build


@pytest.fixture
def fresh(tmp_path: Path) -> LabeledWorkspace:
    return build(tmp_path / "ws.reviewdesk", label=False)


def run(ws: LabeledWorkspace, *argv: str) -> int:
    return main(["--workspace", str(ws.path), "label", *argv])


def test_labels_a_case_with_every_option(fresh: LabeledWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    case_id = fresh.case_ids["oi:B"]
    code = run(
        fresh,
        case_id[:8],  # an unambiguous prefix is enough
        "--verdict",
        "fail",
        "--root-cause",
        "tool_error",
        "--root-cause",
        "missing_context",
        "--score",
        "correctness=1",
        "--score",
        "usefulness=2",
        "--expected",
        "I could not cancel it yet.",
        "--comment",
        "timeout",
        "--escalate",
        "--reviewer",
        "dana",
    )
    assert code == 0
    assert capsys.readouterr().out.startswith(
        f"labeled {case_id}: verdict fail; root causes tool_error, missing_context"
    )
    ws = open_workspace(fresh.path)
    try:
        label = cases.get_case(ws, case_id).labels
        history = labels.label_history(ws, case_id)
    finally:
        ws.close()
    assert label is not None
    assert label.verdict == "fail"
    assert label.root_causes == ["tool_error", "missing_context"]
    assert label.scores == {"correctness": 1, "usefulness": 2}
    assert label.corrected_output == "I could not cancel it yet."
    assert label.comment == "timeout"
    assert label.escalate is True
    assert label.reviewer == "dana"
    # one event, holding only the fields given — the same shape record_label writes for the GUI
    assert len(history) == 1
    assert history[0].reviewer == "dana"
    assert set(history[0].change) == {"verdict", "root_causes", "scores", "corrected_output", "comment", "escalate"}


def test_later_changes_keep_what_they_do_not_name(fresh: LabeledWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    case_id = fresh.case_ids["oi:A"]
    assert run(fresh, case_id, "--verdict", "pass", "--score", "correctness=5", "--reviewer", "alice") == 0
    assert run(fresh, case_id, "--score", "groundedness=4", "--reviewer", "alice", "--json") == 0
    printed = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert printed["verdict"] == "pass"
    assert printed["scores"] == {"correctness": 5, "groundedness": 4}  # --score merges into the scores
    assert printed["reviewer"] == "alice"
    ws = open_workspace(fresh.path)
    try:
        assert [e.reviewer for e in labels.label_history(ws, case_id)] == ["alice", "alice"]
    finally:
        ws.close()
    assert run(fresh, case_id, "--no-root-causes", "--reviewer", "alice") == 0


def test_another_reviewer_writes_their_own_label(fresh: LabeledWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    case_id = fresh.case_ids["oi:A"]
    assert run(fresh, case_id, "--verdict", "pass", "--score", "correctness=5", "--reviewer", "alice") == 0
    assert run(fresh, case_id, "--score", "groundedness=4", "--reviewer", "bob", "--json") == 0
    printed = json.loads(capsys.readouterr().out.splitlines()[-1])
    # bob's label starts from nothing: alice's verdict and scores are hers, not his.
    assert (printed["verdict"], printed["scores"], printed["reviewer"]) == (None, {"groundedness": 4}, "bob")
    ws = open_workspace(fresh.path)
    try:
        both = labels.case_labels(ws, case_id)
        assert both.by_reviewer["alice"].scores == {"correctness": 5}
        assert (both.resolution, both.resolved and both.resolved.reviewer) == ("single", "alice")
    finally:
        ws.close()


def test_unknown_root_cause_is_refused_with_the_valid_ones(
    fresh: LabeledWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = fresh.case_ids["oi:A"]
    assert run(fresh, case_id, "--verdict", "fail", "--root-cause", "hallucination", "--root-cause", "gremlins") == 1
    err = capsys.readouterr().err
    assert "unknown root cause(s) gremlins" in err
    assert "valid: " + ", ".join(rc.id for rc in DEFAULT_ROOT_CAUSES) in err
    ws = open_workspace(fresh.path)
    try:
        assert labels.label_history(ws, case_id) == []  # nothing written
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (
            ["--score", "truthiness=3"],
            1,
            "unknown score 'truthiness'; valid: correctness, groundedness, safety, usefulness",
        ),
        (["--score", "correctness=9"], 1, "score correctness=9 is out of range 1–5"),
        (["--score", "correctness"], 2, "expected NAME=VALUE"),
        (["--score", "correctness=high"], 2, "needs a whole number"),
        (["--verdict", "great"], 2, "invalid choice: 'great'"),
        ([], 1, "nothing to record"),
        (["--root-cause", "tool_error", "--no-root-causes"], 1, "not both"),
    ],
)
def test_bad_options(
    fresh: LabeledWorkspace, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    if code == 2:
        with pytest.raises(SystemExit) as exit_info:
            run(fresh, fresh.case_ids["oi:A"], *argv)
        assert exit_info.value.code == 2
    else:
        assert run(fresh, fresh.case_ids["oi:A"], *argv) == code
    assert message in capsys.readouterr().err


def test_unknown_case(fresh: LabeledWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(fresh, "nosuchcase", "--verdict", "pass") == 1
    assert "no case matches 'nosuchcase'" in capsys.readouterr().err
