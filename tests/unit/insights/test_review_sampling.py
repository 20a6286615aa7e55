"""Review samples: reproducible from a seed, stratified, worst first, and sized for ±5%."""

from __future__ import annotations

import pytest

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import review_sampling as rs
from reviewdesk.services.insights import load_facts
from reviewdesk.services.review_sampling import SamplingRequest, draw, sample


def test_random_sample_is_reproducible_and_seeded(demo_ws):
    first = sample(demo_ws, SamplingRequest(mode="random", size=10, seed=7, unreviewed_only=False))
    again = sample(demo_ws, SamplingRequest(mode="random", size=10, seed=7, unreviewed_only=False))
    other = sample(demo_ws, SamplingRequest(mode="random", size=10, seed=8, unreviewed_only=False))
    assert first.case_ids == again.case_ids and len(first.case_ids) == 10 == len(set(first.case_ids))
    assert first.case_ids != other.case_ids
    # Row ids match case ids one to one (the window opens the queue by row id).
    facts = {f.case_id: f.case_rowid for f in load_facts(demo_ws)}
    assert first.case_rowids == [facts[c] for c in first.case_ids]


def test_draws_do_not_depend_on_database_order(demo_ws):
    facts = load_facts(demo_ws)
    request = SamplingRequest(mode="stratified", size=2, seed=3, unreviewed_only=False)
    assert draw(facts, request).case_ids == draw(list(reversed(facts)), request).case_ids


def test_unreviewed_only_by_default(demo_ws):
    drawn = sample(demo_ws, SamplingRequest(mode="random", size=50))
    assert len(drawn.case_ids) == 4  # only the four unreviewed demo cases are left to draw


def test_stratified_takes_up_to_size_from_each_stratum_and_interleaves(demo_ws):
    drawn = sample(demo_ws, SamplingRequest(mode="stratified", by="workflow", size=2, unreviewed_only=False))
    plans = {p.key: p for p in drawn.strata}
    assert {k: (p.population, len(p.drawn)) for k, p in plans.items()} == {
        "account_help": (3, 2),
        "order_status": (11, 2),
        "refund_request": (16, 2),
    }
    workflows = {f.case_id: f.workflow for f in load_facts(demo_ws)}
    # One from each stratum in turn, so stopping half-way still covers every workflow.
    assert [workflows[c] for c in drawn.case_ids[:3]] == ["account_help", "order_status", "refund_request"]


def test_worst_first_ranks_by_what_the_trace_says(demo_ws):
    drawn = sample(demo_ws, SamplingRequest(mode="worst", size=3, unreviewed_only=False))
    facts = {f.trace_id[:8]: f.case_id for f in load_facts(demo_ws)}
    # #17: failed (8) + thumbs_down (4) + content-filter refusal (2) = 14 points;
    # #13 (failed + trace error) and #27 (failed + thumbs_down) have 12 each, in seeded order.
    assert drawn.case_ids[0] == facts["aa8749b9"]
    assert set(drawn.case_ids[1:]) == {facts["15051bb4"], facts["0c10fe09"]}
    assert drawn.reasons[facts["aa8749b9"]] == "failed review, negative user feedback, refusal"


def test_margin_mode_plans_enough_labels_per_workflow(demo_ws):
    drawn = sample(demo_ws, SamplingRequest(mode="margin", seed=1, filter=CaseFilter(review="labeled")))
    plans = {p.key: p for p in drawn.strata}
    # Cochran with the finite-population correction: 16 → 16, 11 → 11, 3 → 3 (a workflow this small
    # must be labeled in full for ±5%); the labeled cases count, the rest are drawn.
    assert {k: (p.population, p.labeled, p.needed, len(p.drawn)) for k, p in plans.items()} == {
        "account_help": (3, 3, 3, 0),
        "order_status": (11, 8, 11, 3),
        "refund_request": (16, 15, 16, 1),
    }
    assert len(drawn.case_ids) == 4
    assert rs.sample_size_for_margin(0.05, population=1000) == 278


def test_a_sample_needs_a_size(demo_ws):
    with pytest.raises(ValueError, match="at least one"):
        sample(demo_ws, SamplingRequest(mode="random", size=0))
