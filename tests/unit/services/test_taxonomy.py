"""Editing the taxonomy: each change is a new label-schema version; old labels keep their ids and
read back under the new version (renames map, retired causes stay readable and filterable but are
not offered), and exports say which version each label used. Real workspaces, real exports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reviewdesk.domain.errors import FormatError, LabelError, UsageError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import agreement, audit, cases, exports, labels, review, taxonomy
from reviewdesk.services.workspace import open_workspace
from tests.conftest import DATA
from tests.consumers.labeled import LabeledWorkspace, build
from tests.unit.exporters.helpers import records


@pytest.fixture
def labeled(tmp_path: Path) -> LabeledWorkspace:
    return build(tmp_path / "ws.reviewdesk")


def ids(ws, **flt) -> set[str]:  # type: ignore[no-untyped-def]
    return {s.case_id for s in cases.list_cases(ws, CaseFilter(**flt))}


def test_default_taxonomy_offers_provider_error(workspace) -> None:  # type: ignore[no-untyped-def]
    schema = review.label_schema(workspace)
    provider = schema.cause("provider_error")
    assert provider is not None and provider in schema.root_causes
    assert "rate limit" in provider.description and "5xx" in provider.description


def test_each_change_is_a_new_version_and_audited(workspace) -> None:  # type: ignore[no-untyped-def]
    assert taxonomy.current(workspace).version == 1
    taxonomy.add_root_cause(workspace, "policy_gap", title="Policy gap", layer="Prompt and input")
    taxonomy.add_score(workspace, "tone")
    taxonomy.retire_root_cause(workspace, "too_slow")
    versions = taxonomy.versions(workspace)
    assert [v.taxonomy.version for v in versions] == [1, 2, 3, 4]
    assert "policy_gap" not in versions[0].taxonomy.ids()  # an old version is never edited
    now = versions[-1].taxonomy
    # A new cause goes at the end of its layer, so the keys of later layers move only by one.
    layer = [rc.id for rc in now.active if rc.layer == "Prompt and input"]
    assert layer[-1] == "policy_gap"
    assert now.active_scores[-1] == "tone"
    entries = [e for e in audit.entries(workspace) if e.action == "taxonomy"]
    assert [e.subject for e in entries][-3:] == ["label schema v2", "label schema v3", "label schema v4"]
    assert entries[-1].details["summary"] == "retired root cause too_slow"


def test_a_rename_maps_old_labels_while_the_events_keep_their_ids(labeled: LabeledWorkspace) -> None:
    ws = labeled.open()
    try:
        tool_cases = {labeled.case_ids["oi:B"], labeled.case_ids["genai:B"]}
        assert ids(ws, root_cause="tool_error") == tool_cases
        change = taxonomy.rename_root_cause(ws, "tool_error", new_id="tool_failure", title="Tool failure")
        assert change.taxonomy.version == 2 and change.relabeled_cases == 2
        assert ids(ws, root_cause="tool_failure") == tool_cases  # filters read the new id at once
        assert ids(ws, root_cause="tool_error") == set()
        case_id = labeled.case_ids["oi:B"]
        label = cases.get_case(ws, case_id).labels
        assert label is not None and label.root_causes == ["tool_failure"]
        assert label.schema_version == 1  # made under v1, read under v2
        history = labels.label_history(ws, case_id)
        assert history[-1].change["root_causes"] == ["tool_error"] and history[-1].schema_version == 1
        schema = review.label_schema(ws)
        assert schema.title("tool_error") == "Tool failure"  # a former id still finds its cause
        # The old id still labels (a script written before the rename): it is stored as the new one.
        labels.record_label(ws, labeled.case_ids["legacy:A"], LabelChange(root_causes=["tool_error"]), reviewer="dan")
        assert labels.label_history(ws, labeled.case_ids["legacy:A"])[-1].change["root_causes"] == ["tool_failure"]
    finally:
        ws.close()


def test_reviewers_before_and_after_a_rename_agree(labeled: LabeledWorkspace) -> None:
    ws = labeled.open()
    try:
        case_id = labeled.case_ids["genai:B"]  # bob: fail, tool_error (v1)
        taxonomy.rename_root_cause(ws, "tool_error", new_id="tool_failure")
        labels.record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["tool_failure"]), reviewer="eve")
        folded = labels.case_labels(ws, case_id)
        assert folded.by_reviewer["bob"].root_causes == folded.by_reviewer["eve"].root_causes == ["tool_failure"]
        assert folded.resolution == "consensus"
        figures = agreement.workspace_agreement(ws)
        assert "tool_failure" in figures.root_causes and "tool_error" not in figures.root_causes
    finally:
        ws.close()


def test_a_retired_cause_stays_readable_and_filterable_but_is_not_offered(labeled: LabeledWorkspace) -> None:
    ws = labeled.open()
    try:
        taxonomy.retire_root_cause(ws, "wrong_tool")
        schema = review.label_schema(ws)
        assert "wrong_tool" not in [rc.id for rc in schema.root_causes]
        assert [rc.id for rc in schema.retired] == ["wrong_tool"] and schema.title("wrong_tool") == "Wrong tool"
        kept = labeled.case_ids["new:B"]
        assert ids(ws, root_cause="wrong_tool") == {kept}
        with pytest.raises(LabelError, match="wrong_tool retired in label schema v2"):
            labels.record_label(ws, labeled.case_ids["oi:B"], LabelChange(root_causes=["tool_error", "wrong_tool"]))
        # The label that has it may keep it while another cause is toggled.
        labels.record_label(ws, kept, LabelChange(root_causes=["wrong_tool", "hallucination"]), reviewer="carol")
        assert cases.get_case(ws, kept).labels.root_causes == ["wrong_tool", "hallucination"]  # type: ignore[union-attr]
        taxonomy.restore_root_cause(ws, "wrong_tool")
        assert "wrong_tool" in [rc.id for rc in review.label_schema(ws).root_causes]
    finally:
        ws.close()


def test_scores_rename_and_retire(labeled: LabeledWorkspace) -> None:
    ws = labeled.open()
    try:
        case_id = labeled.case_ids["oi:A"]  # correctness 5, groundedness 5/4
        taxonomy.rename_score(ws, "correctness", "accuracy")
        taxonomy.retire_score(ws, "groundedness")
        label = cases.get_case(ws, case_id).labels
        assert label is not None and label.scores["accuracy"] == 5 and "groundedness" in label.scores
        schema = review.label_schema(ws)
        assert "accuracy" in schema.scores and "groundedness" not in schema.scores
        assert schema.retired_scores == ("groundedness",)
        with pytest.raises(LabelError, match="groundedness retired"):
            labels.record_label(ws, labeled.case_ids["oi:B"], LabelChange(scores={"groundedness": 3}))
    finally:
        ws.close()


def test_exports_say_which_version_each_label_used(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    ws = labeled.open()
    try:
        taxonomy.rename_root_cause(ws, "tool_error", new_id="tool_failure")
        labels.record_label(ws, labeled.case_ids["oi:B"], LabelChange(comment="seen again"), reviewer="carol")
        result = exports.export_cases(ws, "reviewdesk-jsonl", tmp_path / "set.jsonl")
    finally:
        ws.close()
    rows = {r["case_id"]: r for r in records(result.path)}
    relabeled, untouched = rows[labeled.case_ids["oi:B"]], rows[labeled.case_ids["genai:B"]]
    assert relabeled["labels"]["schema_version"] == 2 and untouched["labels"]["schema_version"] == 1
    assert relabeled["labels"]["root_causes"] == untouched["labels"]["root_causes"] == ["tool_failure"]
    manifest = json.loads(result.manifest.read_text())  # type: ignore[union-attr]
    assert manifest["label_schema_version"] == 2
    assert manifest["cases"][labeled.case_ids["oi:B"]]["label_schema_version"] == 2
    assert manifest["cases"][labeled.case_ids["genai:B"]]["label_schema_version"] == 1
    schema = manifest["label_schema"]
    failure = next(rc for rc in schema["root_causes"] if rc["id"] == "tool_failure")
    assert failure["formerly"] == ["tool_error"]
    assert schema["labels_by_version"]["1"] >= 1 and schema["labels_by_version"]["2"] == 1


def test_import_makes_the_file_the_next_version(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = taxonomy.current(workspace).to_json()
    data["root_causes"] = [rc for rc in data["root_causes"] if rc["id"] != "too_slow"]
    data["root_causes"].append({"id": "flaky_eval", "layer": "Evaluation", "title": "Flaky eval"})
    data["root_causes"][0]["title"] = "Unclear prompt"
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(data))
    change = taxonomy.import_taxonomy(workspace, path)
    now = change.taxonomy
    assert now.version == 2 and now.find("flaky_eval") is not None
    assert now.find("weak_prompt").title == "Unclear prompt"  # type: ignore[union-attr]
    assert [rc.id for rc in now.retired] == ["too_slow"]  # left out: retired, never deleted
    path.write_text(json.dumps(now.to_json()))  # what show --json prints reads back as no change
    with pytest.raises(FormatError, match="describes the current taxonomy"):
        taxonomy.import_taxonomy(workspace, path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a taxonomy file"),
        ('{"scores": []}', "root_causes list"),
        ('{"root_causes": [{"id": "Bad Id", "title": "x"}]}', "root cause 1: id 'Bad Id'"),
        ('{"root_causes": [{"id": "a_b", "title": "x"}, {"id": "a_b", "title": "y"}]}', "listed twice"),
        ('{"root_causes": [{"id": "brand_new"}]}', r"root cause 1 \(brand_new\) has no title"),
    ],
)
def test_a_bad_taxonomy_file_is_refused_by_name_and_nothing_changes(  # type: ignore[no-untyped-def]
    workspace, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(FormatError, match=message) as caught:
        taxonomy.import_taxonomy(workspace, path)
    assert str(path) in str(caught.value)
    assert taxonomy.current(workspace).version == 1


def test_refused_edits_say_why(workspace) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="already a root cause"):
        taxonomy.add_root_cause(workspace, "tool_error", title="Again")
    with pytest.raises(UsageError, match="give 'x_y' a title"):
        taxonomy.add_root_cause(workspace, "x_y")
    with pytest.raises(UsageError, match="no root cause 'nope'"):
        taxonomy.retire_root_cause(workspace, "nope")
    taxonomy.rename_root_cause(workspace, "tool_error", new_id="tool_failure")
    with pytest.raises(UsageError, match="renamed to 'tool_failure'"):
        taxonomy.retire_root_cause(workspace, "tool_error")
    with pytest.raises(UsageError, match="or was one"):
        taxonomy.add_root_cause(workspace, "tool_error", title="Reused")  # a former id stays taken
    assert taxonomy.current(workspace).version == 2


def test_an_older_workspace_gets_provider_error_by_its_id(tmp_path: Path) -> None:
    path = tmp_path / "old.reviewdesk"
    shutil.copyfile(DATA / "workspaces" / "rev-0004.reviewdesk", path)
    ws = open_workspace(path)
    try:
        assert taxonomy.current(ws).find("provider_error") is None
        change = taxonomy.add_root_cause(ws, "provider_error")
        provider = change.taxonomy.find("provider_error")
        assert provider is not None and provider.title == "Provider error" and provider.layer == "Model provider"
    finally:
        ws.close()


def test_rubric_is_a_workspace_setting(workspace) -> None:  # type: ignore[no-untyped-def]
    assert taxonomy.rubric(workspace) == ""
    taxonomy.set_rubric(workspace, "Fail when the answer states a policy the documents do not.\r\n")
    assert taxonomy.rubric(workspace) == "Fail when the answer states a policy the documents do not."
    assert taxonomy.current(workspace).version == 1  # wording the guideline makes no schema version
    with pytest.raises(UsageError, match="at most 20,000"):
        taxonomy.set_rubric(workspace, "x" * 20_001)
    taxonomy.set_rubric(workspace, "")
    assert taxonomy.rubric(workspace) == ""
    assert [e.subject for e in audit.entries(workspace) if e.action == "settings"][-2:] == [
        "review.rubric",
        "review.rubric",
    ]
