"""Every figure of the insights on the labeled demo workspace, against values computed by hand.

The workspace is the real demo trace file, labeled through ``record_label`` as ``demo_labels``
says (which follows src/reviewdesk/resources/demo/EXPECTED.md). The expected numbers below are counted from
that table: trace numbers (#n) are EXPECTED.md's.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scipy import stats

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services.insights import (
    NONE_KEY,
    Insights,
    compute_insights,
    fisher_p_value,
    newcombe_interval,
)
from tests.unit.insights.demo_labels import DEMO_LABELS, UNREVIEWED


def ids(insights: Insights, *prefixes: str) -> set[str]:
    """Case ids of the traces whose id starts with each prefix."""
    found = {f.case_id for f in insights.facts for p in prefixes if f.trace_id.startswith(p)}
    assert len(found) == len(prefixes)
    return found


def number(*numbers: int) -> tuple[str, ...]:
    """Trace prefixes of EXPECTED.md's trace numbers (labeled ones)."""
    by_number = {n: prefix for prefix, (n, *_rest) in DEMO_LABELS.items()}
    return tuple(by_number[n] for n in numbers)


def row(insights: Insights, dimension: str, key: str):
    return next(r for r in insights.slices[dimension] if r.key == key)


def test_scope(demo_insights):
    scope = demo_insights.scope
    assert (scope.cases, scope.labeled, scope.unreviewed) == (30, 26, 4)
    assert scope.source_files == (("support_copilot.jsonl", 30),)
    assert scope.first_started.date().isoformat() == "2026-10-05"
    assert scope.last_started.date().isoformat() == "2026-11-13"
    assert demo_insights.releases == ["2026.10.1", "2026.11.0"]


def test_overall_failure_rate(demo_insights):
    failure = demo_insights.overall.failure
    # Failed: #7, #13, #17, #23, #24, #25, #27, #29; labeled: 30 − 4 unreviewed.
    assert (failure.k, failure.n) == (8, 26)
    assert set(failure.case_ids) == ids(demo_insights, *number(7, 13, 17, 23, 24, 25, 27, 29))
    assert set(demo_insights.overall.unsure_ids) == ids(demo_insights, *number(28))
    assert set(demo_insights.backlog) == ids(demo_insights, *UNREVIEWED)


@pytest.mark.parametrize(
    ("dimension", "key", "cases", "labeled", "failed"),
    [
        # refund_request: #2-5, 7, 10-12, 15, 17, 18, 22, 23, 25, 28, 30; #30 unreviewed; failed 7, 17, 23, 25.
        ("workflow", "refund_request", 16, 15, 4),
        # order_status: #1, 6, 9, 13, 14, 19, 20, 24, 26, 27, 29; #19, 20, 26 unreviewed; failed 13, 24, 27, 29.
        ("workflow", "order_status", 11, 8, 4),
        ("workflow", "account_help", 3, 3, 0),
        ("release", "2026.10.1", 17, 17, 3),
        ("release", "2026.11.0", 13, 9, 5),
        ("tenant", "acme-eu", 16, 13, 3),
        ("tenant", "globex-us", 14, 13, 5),
        ("model", "o3-2025-04-16", 1, 1, 1),
        # Languages come from OpenInference's metadata.locale (18 traces): de = #3-5, es = #14, fr = #22;
        # the 12 GenAI/OpenLLMetry traces carry none.
        ("language", "de", 3, 3, 0),
        ("language", "es", 1, 1, 0),
        ("language", "fr", 1, 1, 0),
        ("language", "en", 13, 13, 7),
        ("language", NONE_KEY, 12, 8, 1),
    ],
)
def test_failure_rate_by_slice(demo_insights, dimension, key, cases, labeled, failed):
    r = row(demo_insights, dimension, key)
    assert (len(r.case_ids), len(r.labeled_ids), r.failure.k, r.failure.n) == (cases, labeled, failed, labeled)
    # The interval is scipy's Wilson interval of exactly these counts, and the ids are the cases behind it.
    ci = stats.binomtest(failed, labeled).proportion_ci(confidence_level=0.95, method="wilson")
    assert (r.failure.low, r.failure.high) == (float(ci.low), float(ci.high))
    assert len(r.failure.case_ids) == failed and set(r.failure.base_ids) == set(r.labeled_ids)


def test_every_interval_is_the_librarys(demo_insights):
    rows = [demo_insights.overall, *(r for rows in demo_insights.slices.values() for r in rows)]
    for r in rows:
        for p in [r.failure, *r.root_causes.values()]:
            ci = stats.binomtest(p.k, p.n).proportion_ci(confidence_level=0.95, method="wilson")
            assert (p.low, p.high) == (float(ci.low), float(ci.high))
            assert len(p.case_ids) == p.k and len(p.base_ids) == p.n


def test_root_cause_distribution(demo_insights):
    shares = demo_insights.overall.root_causes
    # tool_error: #6, 9, 10, 13, 28; hallucination: #23, 27, 29; stale_source: #23 only.
    assert (shares["tool_error"].k, shares["tool_error"].n) == (5, 26)
    assert set(shares["tool_error"].case_ids) == ids(demo_insights, *number(6, 9, 10, 13, 28))
    assert (shares["hallucination"].k, shares["stale_source"].k, shares["wrong_refusal"].k) == (3, 1, 2)
    assert "missing_context" not in shares  # never labeled
    order_status = row(demo_insights, "workflow", "order_status").root_causes
    assert (order_status["tool_error"].k, order_status["tool_error"].n) == (3, 8)  # #6, 9, 13


def test_release_comparison(demo_insights):
    comparison = demo_insights.default_comparison()
    assert (comparison.release_a, comparison.release_b) == ("2026.10.1", "2026.11.0")
    failure = comparison.failure
    assert (failure.a.k, failure.a.n, failure.b.k, failure.b.n) == (3, 17, 5, 9)
    assert failure.difference == pytest.approx(5 / 9 - 3 / 17)
    assert (failure.difference, failure.low, failure.high) == newcombe_interval(3, 17, 5, 9)
    assert failure.p_value == fisher_p_value(3, 17, 5, 9) == pytest.approx(0.0781, abs=1e-4)
    # Newcombe's interval just excludes 0 (+0.7 pts) but Fisher's p is 0.078: borderline, not a finding.
    assert failure.low > 0
    assert failure.significance == "borderline"
    hallucination = next(r for r in comparison.root_causes if r.key == "hallucination")
    assert (hallucination.a.k, hallucination.b.k, hallucination.significance) == (0, 3, "beyond noise")
    tool_error = next(r for r in comparison.root_causes if r.key == "tool_error")
    assert (tool_error.a.k, tool_error.a.n, tool_error.b.k, tool_error.b.n) == (4, 17, 1, 9)
    assert tool_error.significance == "within noise"
    workflows = {r.key: r for r in comparison.workflows}
    assert (workflows["order_status"].a.k, workflows["order_status"].a.n) == (1, 5)  # #13 of #1, 6, 9, 13, 14
    assert (workflows["order_status"].b.k, workflows["order_status"].b.n) == (3, 3)  # #24, 27, 29


def test_weekly_trend(demo_insights):
    weeks = {w.label: w for w in demo_insights.weeks}
    assert list(weeks) == ["2026-W41", "2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46"]
    counts = {label: {k: len(v) for k, v in w.verdicts.items()} for label, w in weeks.items()}
    assert counts["2026-W41"] == {"pass": 6, "fail": 1, "unsure": 0, "unreviewed": 0}  # #1-7
    assert counts["2026-W44"] == {"pass": 3, "fail": 0, "unsure": 0, "unreviewed": 2}  # #18-22
    assert counts["2026-W45"] == {"pass": 0, "fail": 3, "unsure": 0, "unreviewed": 1}  # #23-26
    assert counts["2026-W46"] == {"pass": 0, "fail": 2, "unsure": 1, "unreviewed": 1}  # #27-30
    assert set(weeks["2026-W42"].root_causes["tool_error"]) == ids(demo_insights, *number(9, 10, 13))
    assert weeks["2026-W45"].failure.rate == 1.0


def test_cost_and_latency(demo_insights):
    rows = {(r.workflow, r.segment): r for r in demo_insights.cost_latency}
    account = rows[("account_help", "(all)")]
    # #8 5379.31 ms, #16 3055.216 ms, #21 3423.413 ms; only #8 recorded a cost.
    assert account.latency.n == 3
    assert account.latency.mean == pytest.approx((5379.31 + 3055.216 + 3423.413) / 3)
    assert account.latency.p50 == pytest.approx(3423.413)
    assert account.latency.p95 == pytest.approx(3423.413 + 0.9 * (5379.31 - 3423.413))
    assert (account.cost.n, account.cost.total) == (1, pytest.approx(0.009212))
    order = rows[("order_status", "(all)")]
    # Failed order_status cases and their cost: #13 0.004327, #24 0.130814, #27 0.001332, #29 0.002048.
    assert len(order.failed_ids) == 4
    assert order.failed_cost.total == pytest.approx(0.004327 + 0.130814 + 0.001332 + 0.002048)
    assert rows[("(all)", "(all)")].cost.n == 18  # the GenAI and OpenLLMetry demo traces carry no cost
    assert ("refund_request", "acme-eu") in rows and ("refund_request", "globex-us") in rows


def test_source_health(demo_insights):
    docs = {d.key: d for d in demo_insights.documents}
    archived = docs["policy-returns-2024-01"]
    # Retrieved by #18, 19, 22, 23, 25, 26, 28, 30; cited (a 12-word passage) and labeled stale in #23 only.
    assert len(archived.retrieved_ids) == 8
    assert set(archived.cited_ids) == set(archived.stale_ids) == set(archived.stale_evidence_ids)
    assert set(archived.stale_ids) == ids(demo_insights, *number(23))
    assert archived.age_days.n == 8 and 1000 < archived.age_days.p50 < 1050
    # The fact, apart from the label: every retrieval of the 2024 policy was over a year old.
    assert set(archived.out_of_date_ids) == set(archived.retrieved_ids)
    community = docs["kb-community-qa-4471"]
    assert set(community.irrelevant_evidence_ids) == ids(demo_insights, *number(25))
    started = next(f.started_at for f in demo_insights.facts if f.trace_id.startswith("05c060bb"))
    expected_age = (started - datetime(2026, 10, 19, tzinfo=UTC)).total_seconds() / 86400
    assert community.age_days.p50 == pytest.approx(expected_age)
    assert docs["faq-gift-cards"].cited_ids  # #16 quotes the balance-check passage word for word
    sources = {s.key: s for s in demo_insights.sources}
    assert sources["sharepoint"].documents == 1 and len(sources["sharepoint"].stale_ids) == 1
    assert len(sources["sharepoint"].out_of_date_ids) == 8
    assert sources["zendesk-guide"].documents == 9


def test_reviewer_activity(demo_insights):
    reviewers = {r.reviewer: r for r in demo_insights.reviewers}
    assert set(reviewers) == {"dana", "sam"}
    dana, sam = reviewers["dana"], reviewers["sam"]
    assert (len(dana.case_ids), len(sam.case_ids), dana.events, sam.events) == (14, 12, 14, 12)
    # dana's seconds sorted: 25 30 35 40 45 50 60 70 90 90 120 200 240 300 → median (60 + 70) / 2.
    assert dana.seconds_per_case.p50 == 65
    assert dana.seconds_per_case.total == 1395
    # sam's: 20 30 30 35 40 45 55 65 75 80 110 150 → median (45 + 55) / 2.
    assert sam.seconds_per_case.p50 == 50
    backlog = {key: set(value) for key, value in demo_insights.backlog_by_workflow.items()}
    assert backlog == {
        "order_status": ids(demo_insights, "58b90d33", "aab4b298", "d7928759"),  # #19, 20, 26
        "refund_request": ids(demo_insights, "d58269a0"),  # #30
    }


def test_examples_prefer_explained_cases_and_are_deterministic(demo_ws, demo_insights):
    examples = demo_insights.examples
    assert [e.case_id for e in examples["stale_source"]] == list(ids(demo_insights, *number(23)))
    injection = [e.case_id for e in examples["prompt_injection"]]
    # #25 has a comment and evidence for prompt_injection; #12 a comment only.
    assert injection == [*ids(demo_insights, *number(25)), *ids(demo_insights, *number(12))]
    hallucination = examples["hallucination"]
    assert {e.workflow for e in hallucination} == {"refund_request", "order_status"}  # spread over workflows
    assert hallucination[0].comment  # the explained case (#23) first
    again = compute_insights(demo_ws)
    assert again.examples == examples
    assert again.slice_examples("release", "2026.11.0") == demo_insights.slice_examples("release", "2026.11.0")
    refund = demo_insights.slice_examples("workflow", "refund_request")
    assert all(e.verdict == "fail" and e.workflow == "refund_request" for e in refund)


def test_filter_narrows_every_figure(demo_ws):
    scoped = compute_insights(demo_ws, CaseFilter(release="2026.11.0"))
    assert scoped.scope.cases == 13
    assert scoped.scope.filter_description == ("release = 2026.11.0",)
    assert (scoped.overall.failure.k, scoped.overall.failure.n) == (5, 9)
    assert scoped.releases == ["2026.11.0"] and scoped.default_comparison() is None
