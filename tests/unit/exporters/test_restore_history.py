"""reviewdesk-jsonl carries each case's whole label log (``label_history``) and restore replays it.

The source is the labeled demo workspace (``tests/unit/insights/demo_labels.py``: dana and sam,
with seconds spent) given a second pass, so most cases have two or three events by both reviewers,
some of them clearing a field on purpose. It is exported once, restored into a new workspace once,
and the two workspaces are compared event by event, label by label and figure by figure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from reviewdesk.cli.main import main
from reviewdesk.domain.case import CASE_FORMAT_VERSION
from reviewdesk.domain.errors import CaseNotFoundError
from reviewdesk.domain.labels import Evidence, Label, LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.exporters import registry
from reviewdesk.normalize.facts import finish_flagged
from reviewdesk.services import cases, exports, imports, insights, labels, review
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage.tables import CaseRow, LabelEventRow
from tests.consumers.labeled import LabeledWorkspace, build
from tests.robustness.helpers import checkpoint, consistency_problems, raw_bytes
from tests.unit.exporters.helpers import export
from tests.unit.insights.demo_labels import DEMO_LABELS, labeled_demo_workspace

V1_FILE = Path(__file__).resolve().parents[2] / "data" / "exports" / "reviewdesk_v1.jsonl"


@dataclass(frozen=True)
class RoundTrip:
    source: Path
    exported: Path
    restored: Path
    summary: imports.RestoreSummary


def _second_pass(ws: Workspace) -> None:
    """The other reviewer revises every demo label; every third case goes back to its first reviewer."""
    for n, (prefix, (_, _, causes, _, _, reviewer, seconds)) in enumerate(DEMO_LABELS.items()):
        other = "sam" if reviewer == "dana" else "dana"
        change = LabelChange(scores={"correctness": 1 + n % 5}, comment=f"second look #{n}")
        if causes:
            change.evidence = [Evidence(root_cause=causes[0], kind="span", ref=f"span-{n}")]
        labels.record_label(ws, prefix, change, reviewer=other, seconds_spent=seconds / 2 + 0.25)
        if n % 3 == 0:
            # Set to None on purpose: a stored change that clears a field must round-trip as such.
            labels.record_label(ws, prefix, LabelChange(comment=None, escalate=True), reviewer=reviewer)


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    base = tmp_path_factory.mktemp("history")
    source = labeled_demo_workspace(base / "source.reviewdesk")
    ws = open_workspace(source)
    try:
        _second_pass(ws)
        exported = exports.export_cases(ws, "reviewdesk-jsonl", base / "export.jsonl").path
    finally:
        ws.close()
    restored = base / "restored.reviewdesk"
    ws = open_workspace(restored)
    try:
        summary = imports.import_files(ws, [exported]).files[0]
    finally:
        ws.close()
    assert isinstance(summary, imports.RestoreSummary)
    return RoundTrip(source=source, exported=exported, restored=restored, summary=summary)


def _case_ids(ws: Workspace) -> list[str]:
    return [s.case_id for s in cases.list_cases(ws, CaseFilter())]


def _history(ws: Workspace, case_id: str) -> list[dict[str, Any]]:
    """``review.history`` of the case, every field but the workspace's own event row id."""
    entries = review.history(ws, cases.resolve_case(ws, case_id))
    return [
        {
            "at": e.at,
            "reviewer": e.reviewer,
            "seconds_spent": e.seconds_spent,
            "schema_version": e.schema_version,
            "change": e.change,
            "change_keys": list(e.change),  # the order describe_change words them in
            "summary": e.summary,
        }
        for e in entries
    ]


def _event_count(ws: Workspace) -> int:
    with ws.session() as session:
        return int(session.execute(select(func.count()).select_from(LabelEventRow)).scalar_one())


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_export_carries_every_label_event(trip: RoundTrip) -> None:
    lines = _lines(trip.exported)
    assert {line["format_version"] for line in lines} == {CASE_FORMAT_VERSION}
    by_id = {line["case_id"]: line for line in lines}
    src = open_workspace(trip.source)
    try:
        for case_id in _case_ids(src):
            history = by_id[case_id]["label_history"]
            events = labels.label_history(src, case_id)
            assert [(h["reviewer"], h["seconds_spent"], h["schema_version"], h["change"]) for h in history] == [
                (e.reviewer, e.seconds_spent, e.schema_version, e.change) for e in events
            ]
            assert [h["at"] for h in history] == [e.created_at.isoformat().replace("+00:00", "Z") for e in events]
    finally:
        src.close()
    multi = [line for line in lines if len(line["label_history"]) >= 3]
    assert multi and all({h["reviewer"] for h in line["label_history"]} == {"dana", "sam"} for line in multi)
    cleared = multi[0]["label_history"][-1]["change"]
    assert cleared == {"comment": None, "escalate": True}  # only what the event set, a clearing included
    assert sum(1 for line in lines if line["label_history"] == [] and line["labels"] is None) == 4  # unreviewed


def test_restore_replays_every_event_field_by_field(trip: RoundTrip) -> None:
    assert (trip.summary.skipped, trip.summary.cases_created, trip.summary.labels_restored) == (0, 30, 26)
    src, dst = open_workspace(trip.source), open_workspace(trip.restored)
    try:
        ids = _case_ids(src)
        assert _case_ids(dst) == ids
        assert trip.summary.label_events == _event_count(src) == _event_count(dst) == 26 + 26 + 9
        for case_id in ids:
            assert _history(dst, case_id) == _history(src, case_id), case_id
            assert cases.get_case(dst, case_id).labels == cases.get_case(src, case_id).labels, case_id
    finally:
        src.close()
        dst.close()
    # A restored case keeps its exported span_count with no spans stored yet (by design), so only
    # the other checks apply: the labels point at their case's latest event, and so on.
    problems = [p for p in consistency_problems(trip.restored) if not p.startswith("cases whose span_count")]
    assert problems == []


def test_reviewer_activity_survives_the_restore(trip: RoundTrip) -> None:
    src, dst = open_workspace(trip.source), open_workspace(trip.restored)
    try:
        before, after = insights.compute_insights(src).reviewers, insights.compute_insights(dst).reviewers
    finally:
        src.close()
        dst.close()
    assert {row.reviewer for row in before} == {"dana", "sam"}
    assert all(row.seconds_per_case.n > 0 for row in before)
    assert after == before


def test_re_export_is_byte_identical(trip: RoundTrip, tmp_path: Path) -> None:
    ws = open_workspace(trip.restored)
    try:
        again = exports.export_cases(ws, "reviewdesk-jsonl", tmp_path / "again.jsonl").path
    finally:
        ws.close()
    assert again.read_bytes() == trip.exported.read_bytes()
    src = open_workspace(trip.source)
    try:  # and the same workspace exported twice gives the same bytes
        twice = exports.export_cases(src, "reviewdesk-jsonl", tmp_path / "twice.jsonl").path
    finally:
        src.close()
    assert twice.read_bytes() == trip.exported.read_bytes()


def test_restoring_the_same_file_again_adds_nothing(trip: RoundTrip, tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "twice.reviewdesk")
    try:
        first = imports.import_files(ws, [trip.exported]).files[0]
        assert isinstance(first, imports.RestoreSummary) and first.label_events == 61
        events = _event_count(ws)
        again = imports.import_files(ws, [trip.exported]).files[0]
        assert again.already_imported
        # The same cases in another file (other bytes, so not recognised as imported): labels identical, left alone.
        shuffled = tmp_path / "shuffled.jsonl"
        shuffled.write_text("".join(reversed(trip.exported.read_text().splitlines(keepends=True))))
        other = imports.import_files(ws, [shuffled]).files[0]
        assert isinstance(other, imports.RestoreSummary) and not other.already_imported
        assert (other.cases_created, other.labels_restored, other.labels_kept, other.label_events) == (0, 0, 0, 0)
        assert _event_count(ws) == events
    finally:
        ws.close()


def test_a_history_that_does_not_lead_to_the_label_is_skipped(trip: RoundTrip, tmp_path: Path) -> None:
    lines = _lines(trip.exported)
    edited_at = next(i for i, line in enumerate(lines) if len(line["label_history"]) >= 2)
    dropped_at = next(i for i, line in enumerate(lines) if i > edited_at and len(line["label_history"]) >= 2)
    invalid_at = next(i for i, line in enumerate(lines) if i > dropped_at and line["label_history"])
    edited, dropped, invalid = lines[edited_at], lines[dropped_at], lines[invalid_at]
    first = edited["label_history"][0]["change"]
    first["verdict"] = "unsure" if first["verdict"] != "unsure" else "pass"  # an earlier event: no effect
    edited["label_history"][-1]["change"]["verdict"] = first["verdict"]  # the last one: labels disagree
    dropped["label_history"].pop()
    invalid["label_history"][0]["change"]["root_causes"] = ["no_such_cause"]
    path = tmp_path / "edited.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    ws = open_workspace(tmp_path / "r.reviewdesk")
    try:
        summary = imports.import_files(ws, [path]).files[0]
        assert isinstance(summary, imports.RestoreSummary)
        assert summary.skipped == 3 and summary.cases_created == 27
        joined = "\n".join(summary.errors)
        n = len(edited["label_history"])
        assert (
            f"edited.jsonl: line {edited_at + 1}: case {edited['case_id']}: label_history ({n} event(s)) "
            "does not lead to labels (fields that differ: verdict)"
        ) in joined
        assert f"edited.jsonl: line {dropped_at + 1}: case {dropped['case_id']}: label_history" in joined
        assert (
            f"edited.jsonl: line {invalid_at + 1}: case {invalid['case_id']}: label_history event 1: "
            "unknown root cause(s) no_such_cause"
        ) in joined
        for line in (edited, dropped, invalid):  # nothing of these cases was written
            with pytest.raises(CaseNotFoundError):
                cases.resolve_case(ws, line["case_id"])
        assert _event_count(ws) == 61 - sum(len(line["label_history"]) for line in (edited, invalid)) - (
            len(dropped["label_history"]) + 1
        )
    finally:
        ws.close()


def test_a_version_1_file_restores_as_before(tmp_path: Path) -> None:
    written = V1_FILE.read_text(encoding="utf-8").splitlines()
    originals = [json.loads(line) for line in written]
    assert {line["format_version"] for line in originals} == {1}
    assert all("label_history" not in line for line in originals)
    ws = open_workspace(tmp_path / "v1.reviewdesk")
    try:
        summary = imports.import_files(ws, [V1_FILE]).files[0]
        assert isinstance(summary, imports.RestoreSummary)
        assert (summary.skipped, summary.cases_created, summary.labels_restored, summary.label_events) == (
            0,
            3,
            2,
            1 + 1,
        )
        for line in originals:
            events = labels.label_history(ws, line["case_id"])
            label = cases.get_case(ws, line["case_id"]).labels
            if line["labels"] is None:
                assert events == [] and label is None
                continue
            exported = Label.model_validate(line["labels"])
            assert label == exported
            # One event setting every field, with the exported reviewer, time and schema version.
            (event,) = events
            assert (event.reviewer, event.created_at, event.schema_version, event.seconds_spent) == (
                exported.reviewer,
                exported.labeled_at,
                exported.schema_version,
                None,
            )
            fields = ("verdict", "root_causes", "scores", "corrected_output", "comment", "escalate", "evidence")
            assert event.change == {key: line["labels"][key] for key in fields}
        again = exports.export_cases(ws, "reviewdesk-jsonl", tmp_path / "again.jsonl").path
    finally:
        ws.close()
    # Exported again: the same cases, now in the current version with the one-event history.
    for original, line in zip(originals, _lines(again), strict=True):
        assert line["format_version"] == CASE_FORMAT_VERSION
        history = line.pop("label_history")
        assert len(history) == (0 if original["labels"] is None else 1)
        if original["labels"] is not None:
            # The one event is its reviewer's label, which is the resolved one.
            assert line.pop("resolution") == "single"
            assert line.pop("reviewer_labels") == {original["labels"]["reviewer"]: original["labels"]}
            assert history[0]["label_of"] == original["labels"]["reviewer"]
        line["format_version"] = 1
        for added_in_4 in ("cached_input_tokens", "reasoning_tokens", "cost_estimate"):
            assert line["usage"].pop(added_in_4) is None  # a restored case has no spans to estimate from
        # Format 5's facts: those of the case's own fields are filled in, the span ids stay unknown.
        assert (line.pop("root_span_id"), line["generation"].pop("span_id")) == (None, None)
        assert line["generation"].pop("finish_flagged") == finish_flagged(line["generation"]["finish_reason"])
        assert line.pop("tool_errors") == sum(1 for call in line["tool_calls"] if call["error"])
        assert line.pop("recovered_errors") == 0
        for call in line["tool_calls"]:
            assert call.pop("recovered") is False
        for doc in line["retrieval"]["documents"]:
            for added_in_5 in ("updated_at", "age_days", "cited"):
                doc.pop(added_in_5)
        assert orjson.dumps(line, option=orjson.OPT_SORT_KEYS).decode() in written


def test_a_case_here_without_a_label_gets_the_whole_history(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    exported = export(labeled, "reviewdesk-jsonl", tmp_path).path
    bare = build(tmp_path / "bare.reviewdesk", label=False)
    ws, src = bare.open(), labeled.open()
    try:
        summary = imports.import_files(ws, [exported]).files[0]
        assert isinstance(summary, imports.RestoreSummary)
        assert (summary.cases_created, summary.labels_restored, summary.label_events) == (0, 8, 9)
        for case_id in labeled.case_ids.values():
            assert _history(ws, case_id) == _history(src, case_id)
        assert [e["reviewer"] for e in _history(ws, labeled.case_ids["oi:A"])] == ["alice", "bob"]
    finally:
        ws.close()
        src.close()


def test_redaction_on_restore_covers_the_history(tmp_path: Path) -> None:
    """A comment later overwritten and an evidence ref are redacted, with the trace's numbering."""
    secret, other = "ana.lima@example.org", "jo.bloggs@example.com"
    source = build(tmp_path / "lax.reviewdesk")
    case_id = source.case_ids["genai:B"]
    ws = source.open()
    try:
        labels.record_label(
            ws,
            case_id,
            LabelChange(
                comment=f"ask {secret}", evidence=[Evidence(root_cause="tool_error", kind="document", ref=other)]
            ),
            reviewer="alice",
            seconds_spent=30,
        )
        labels.record_label(ws, case_id, LabelChange(comment=f"{secret} confirmed the fix"), reviewer="bob")
        exported = exports.export_cases(ws, "reviewdesk-jsonl", tmp_path / "export.jsonl").path
    finally:
        ws.close()
    assert secret in exported.read_text() and other in exported.read_text()

    target = tmp_path / "strict.reviewdesk"
    ws = open_workspace(target)  # redaction is on by default
    try:
        summary = imports.import_files(ws, [exported]).files[0]
        assert isinstance(summary, imports.RestoreSummary)
        assert summary.skipped == 0 and summary.labels_restored == 8 and summary.redactions.get("EMAIL", 0) >= 3
        history = _history(ws, case_id)
        label = cases.get_case(ws, case_id).labels
    finally:
        ws.close()
    assert [e["reviewer"] for e in history] == ["bob", "alice", "bob"]
    historical = history[1]["change"]
    match = re.fullmatch(r"ask (\[EMAIL_\d+\])", historical["comment"])
    assert match is not None, historical
    placeholder = match.group(1)
    assert history[2]["change"]["comment"] == f"{placeholder} confirmed the fix"
    assert label is not None and label.comment == f"{placeholder} confirmed the fix"
    (evidence,) = historical["evidence"]
    assert "[EMAIL_" in evidence["ref"] and placeholder not in evidence["ref"]
    # The evidence is alice's; bob's verdict makes his label the resolved one.
    ws = open_workspace(target)
    try:
        alice = labels.case_labels(ws, case_id).by_reviewer["alice"]
    finally:
        ws.close()
    assert alice.evidence == [Evidence.model_validate(evidence)]
    checkpoint(target)
    assert secret.encode() not in raw_bytes(target) and other.encode() not in raw_bytes(target)


def test_label_history_stays_out_of_everything_but_this_export(trip: RoundTrip, tmp_path: Path, capsys: Any) -> None:
    case_id = next(line["case_id"] for line in _lines(trip.exported) if line["label_history"])
    assert main(["--workspace", str(trip.restored), "show", case_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert "label_history" not in shown and shown["labels"] is not None
    ws = open_workspace(trip.restored)
    try:
        with ws.session() as session:
            stored = list(session.execute(select(CaseRow.data)).scalars())
        assert stored and all("label_history" not in data and "labels" not in data for data in stored)
        others = [e for e in registry.EXPORTERS if e.name != "reviewdesk-jsonl" and e.file_ending != ".parquet"]
        assert len(others) >= 5
        for exporter in others:
            out = exports.export_cases(ws, exporter.name, tmp_path / f"{exporter.name}{exporter.file_ending}").path
            assert "label_history" not in out.read_text(encoding="utf-8"), exporter.name
    finally:
        ws.close()
