"""Export filters (list filters and label filters) and the stratified sample."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import exports
from reviewdesk.services.exports import ExportSelection
from reviewdesk.services.sampling import Candidate, SampleSpec, stratified_sample
from tests.consumers.labeled import LabeledWorkspace


def selected(labeled: LabeledWorkspace, selection: ExportSelection) -> set[str]:
    """Scenario keys of the selected cases."""
    ws = labeled.open()
    try:
        rowids = exports.select_cases(ws, selection)
        from reviewdesk.services import cases

        by_rowid = {s.case_rowid: s.case_id for s in cases.list_cases(ws)}
    finally:
        ws.close()
    names = {case_id: key for key, case_id in labeled.case_ids.items()}
    return {names[by_rowid[r]] for r in rowids}


ALL = {f"{c}:{s}" for c in ("oi", "genai", "legacy", "new") for s in ("A", "B")}


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (ExportSelection(), ALL),
        (ExportSelection(flt=CaseFilter(verdict="fail")), {"oi:B", "genai:A", "genai:B", "legacy:A", "new:B"}),
        (ExportSelection(flt=CaseFilter(verdict="pass")), {"oi:A", "new:A"}),
        (ExportSelection(flt=CaseFilter(root_cause="tool_error")), {"oi:B", "genai:B"}),
        (
            ExportSelection(flt=CaseFilter(workflow="refund_question")),
            {f"{c}:A" for c in ("oi", "genai", "legacy", "new")},
        ),
        (ExportSelection(flt=CaseFilter(release="2026.11.0")), ALL),
        (ExportSelection(flt=CaseFilter(release="1999.1")), set()),
        # anyone who changed the label counts, not only the last reviewer (bob added a score to oi:A)
        (ExportSelection(reviewer="bob"), {"oi:A", "genai:B", "legacy:B"}),
        (ExportSelection(reviewer="alice"), {"oi:A", "legacy:A", "new:A"}),
        (ExportSelection(reviewer="nobody"), set()),
        (ExportSelection(has_corrected_output=True), {"genai:A", "genai:B", "new:A", "new:B"}),
        (ExportSelection(has_corrected_output=False), ALL - {"genai:A", "genai:B", "new:A", "new:B"}),
        (ExportSelection(labeled_since=datetime.now(UTC) + timedelta(days=1)), set()),
        (ExportSelection(labeled_since=datetime(2000, 1, 1)), ALL),  # naive: read as UTC
        (
            ExportSelection(flt=CaseFilter(verdict="fail"), reviewer="carol", has_corrected_output=False),
            {"oi:B"},
        ),
    ],
)
def test_filters(labeled: LabeledWorkspace, selection: ExportSelection, expected: set[str]) -> None:
    assert selected(labeled, selection) == expected


def test_labeled_since_splits_on_the_last_change(labeled: LabeledWorkspace) -> None:
    ws = labeled.open()
    try:
        from reviewdesk.services import cases

        times = sorted(cases.get_case(ws, cid).labels.labeled_at for cid in labeled.case_ids.values())  # type: ignore[union-attr,type-var]
    finally:
        ws.close()
    middle = times[len(times) // 2]
    later = selected(labeled, ExportSelection(labeled_since=middle))
    assert 0 < len(later) < len(ALL)


def test_stratified_sample_per_root_cause_is_reproducible(labeled: LabeledWorkspace) -> None:
    spec = SampleSpec(per_stratum=1, by="root_cause", seed=3)
    first = selected(labeled, ExportSelection(flt=CaseFilter(verdict="fail"), sample=spec))
    again = selected(labeled, ExportSelection(flt=CaseFilter(verdict="fail"), sample=spec))
    assert first == again
    # one per root cause present among failures: hallucination, stale_source, tool_error, wrong_tool
    # (a case drawn for hallucination may also be the only stale_source case: 3 or 4 cases)
    assert 3 <= len(first) <= 4
    assert "new:B" in first  # the only wrong_tool case
    assert len(first & {"oi:B", "genai:B"}) == 1  # exactly one tool_error case


def test_stratified_sample_per_workflow(labeled: LabeledWorkspace) -> None:
    spec = SampleSpec(per_stratum=2, by="workflow", seed=0)
    chosen = selected(labeled, ExportSelection(sample=spec))
    assert len(chosen) == 4
    assert len({k for k in chosen if k.endswith(":A")}) == 2  # two refund_question cases
    assert len({k for k in chosen if k.endswith(":B")}) == 2  # two cancel_subscription_request cases


def test_sample_keeps_the_export_order(labeled: LabeledWorkspace) -> None:
    ws = labeled.open()
    try:
        everything = exports.select_cases(ws, ExportSelection())
        sampled = exports.select_cases(ws, ExportSelection(sample=SampleSpec(per_stratum=1, by="workflow", seed=5)))
    finally:
        ws.close()
    assert sampled == [r for r in everything if r in sampled]


def _candidates() -> list[Candidate]:
    causes = ["hallucination", "stale_source", "tool_error"]
    return [
        Candidate(key=i, case_id=f"case{i:03d}", strata=(causes[i % 3],) if i % 4 else (causes[i % 3], "too_slow"))
        for i in range(60)
    ] + [Candidate(key=100 + i, case_id=f"none{i}", strata=()) for i in range(5)]


def test_stratified_sample_properties() -> None:
    spec = SampleSpec(per_stratum=4, seed=11)
    chosen = stratified_sample(_candidates(), spec)
    assert chosen == stratified_sample(list(reversed(_candidates())), spec)  # input order does not matter
    strata: dict[str, int] = {}
    for candidate in _candidates():
        if candidate.key in chosen:
            for stratum in candidate.strata or ("(none)",):
                strata[stratum] = strata.get(stratum, 0) + 1
    assert set(strata) == {"hallucination", "stale_source", "tool_error", "too_slow", "(none)"}
    assert strata["(none)"] == 4
    assert len(chosen) == 20  # 5 strata × 4, never a case twice
    other_seeds = {frozenset(stratified_sample(_candidates(), SampleSpec(per_stratum=4, seed=s))) for s in range(5)}
    assert len(other_seeds) > 1  # the seed matters


def test_sample_needs_a_positive_size() -> None:
    with pytest.raises(ValueError, match="at least one"):
        stratified_sample(_candidates(), SampleSpec(per_stratum=0))


@pytest.mark.parametrize("seed", range(8))
def test_the_sample_draws_only_cases_the_format_can_use(labeled: LabeledWorkspace, tmp_path, seed: int) -> None:
    """Fine-tuning can use genai:B only among the tool_error cases and genai:A only among the
    hallucination ones: a sample of one per root cause must pick them, whatever the seed, and
    never fill a stratum with a case the format then skips."""
    from reviewdesk.services import cases

    spec = SampleSpec(per_stratum=1, seed=seed)
    selection = ExportSelection(flt=CaseFilter(verdict="fail"), sample=spec)
    ws = labeled.open()
    try:
        result = exports.export_cases(ws, "openai-finetune", tmp_path / "ft.jsonl", selection=selection)
        plan = exports.plan_export(ws, "openai-finetune", selection)
        by_rowid = {s.case_rowid: s.case_id for s in cases.list_cases(ws)}
    finally:
        ws.close()
    names = {case_id: key for key, case_id in labeled.case_ids.items()}
    assert {names[by_rowid[r]] for r in plan.rowids} == {"genai:A", "genai:B"}
    assert result.cases == plan.accepted == 2
    # The cases left out before the draw are still reported, by reason.
    assert sum(result.skipped.values()) == 3 and result.skipped == plan.skipped
