"""Samples for review: which cases to put in a reviewer's queue, reproducibly from a seed.

Risk owners ask for a representative review, not whatever was convenient to label. Four ways to
draw, each returning an ordered list of case ids (and row ids) that the window loads as a queue:

* ``random`` — a simple random sample of ``size`` cases;
* ``stratified`` — ``size`` cases from each value of a slice (workflow, release, …), so small
  slices are not drowned by big ones;
* ``worst`` — the ``size`` cases most likely to be bad, by what the trace already says (errors,
  negative user feedback, refusals, tool errors, outliers in latency or cost);
* ``margin`` — per stratum (workflow by default), enough cases that the failure rate will be
  known to ±``margin`` (95%): the classic sample size ``z²·p(1−p)/m²`` with p = 0.5 (the worst
  case), corrected for the stratum's finite size, minus the cases already labeled there.

Draws never depend on database order: candidates are sorted by case id and each stratum has its
own generator seeded from ``(seed, mode, stratum)``, so the same workspace and seed give the same
queue, and a new case in one stratum does not reshuffle the others. Stratified queues interleave
the strata (one from each in turn), so stopping half-way still leaves a balanced review.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services.insights import (
    CONFIDENCE,
    NONE_KEY,
    CaseFacts,
    SliceDimension,
    load_facts,
    percentile,
    wilson_interval,
)
from reviewdesk.services.workspace import Workspace

SamplingMode = Literal["random", "stratified", "worst", "margin"]
SAMPLING_MODES: tuple[SamplingMode, ...] = ("random", "stratified", "worst", "margin")
DEFAULT_MARGIN = 0.05


@dataclass(frozen=True, slots=True)
class SamplingRequest:
    """What to draw. ``size`` is the total (random, worst) or the number per stratum (stratified)."""

    mode: SamplingMode = "random"
    size: int = 50
    by: SliceDimension = "workflow"
    """The slice that forms the strata (stratified and margin modes)."""
    margin: float = DEFAULT_MARGIN
    confidence: float = CONFIDENCE
    seed: int = 0
    unreviewed_only: bool = True
    """Draw only cases without a verdict (a review queue); labeled cases still count in margin mode."""
    filter: CaseFilter = field(default_factory=CaseFilter)


@dataclass(frozen=True, slots=True)
class StratumPlan:
    """One stratum: its size, what is labeled already, what the sample needs and what it drew."""

    key: str
    population: int
    labeled: int
    needed: int
    """Labeled cases the stratum needs in total (margin mode); the cases drawn otherwise."""
    drawn: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReviewSample:
    """An ordered review queue and how it was drawn."""

    case_ids: list[str]
    case_rowids: list[int]
    strata: list[StratumPlan]
    reasons: dict[str, str]
    """For ``worst``: why each case ranks where it does."""
    description: str


def sample_size_for_margin(
    margin: float = DEFAULT_MARGIN,
    *,
    confidence: float = CONFIDENCE,
    population: int | None = None,
    planning_rate: float = 0.5,
) -> int:
    """Cases to label so a proportion is known to ±``margin`` at ``confidence``.

    Cochran's ``n0 = z²·p(1−p)/m²`` (z from scipy's normal quantile; p = 0.5 is the worst case)
    with the finite-population correction ``n0 / (1 + (n0 − 1)/N)``, rounded up. Tests check the
    textbook values (385; 278 of 1,000) and that the Wilson interval at that n is within the margin.
    """
    if not 0 < margin < 1:
        raise ValueError("the margin must be between 0 and 1 (0.05 for ±5%)")
    from scipy.stats import norm

    z = float(norm.ppf(1 - (1 - confidence) / 2))
    n0 = z * z * planning_rate * (1 - planning_rate) / (margin * margin)
    if population is None:
        return math.ceil(n0)
    if population <= 0:
        return 0
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def achieved_margin(n: int, failures: int | None = None, confidence: float = CONFIDENCE) -> float | None:
    """Half-width of the Wilson interval with n labeled cases (at the worst-case rate, by default)."""
    interval = wilson_interval(n // 2 if failures is None else failures, n, confidence)
    return None if interval is None else (interval[1] - interval[0]) / 2


def _rng(seed: int, *parts: str) -> random.Random:
    return random.Random(":".join((str(seed), *parts)))


def _by_id(facts: Sequence[CaseFacts]) -> list[CaseFacts]:
    return sorted(facts, key=lambda f: f.case_id)


def _interleave(groups: Sequence[Sequence[CaseFacts]]) -> list[CaseFacts]:
    ordered: list[CaseFacts] = []
    for depth in range(max((len(g) for g in groups), default=0)):
        ordered.extend(g[depth] for g in groups if depth < len(g))
    return ordered


def _strata(facts: Sequence[CaseFacts], by: str) -> dict[str, list[CaseFacts]]:
    groups: dict[str, list[CaseFacts]] = defaultdict(list)
    for f in facts:
        groups[f.slice_key(by)].append(f)
    return dict(sorted(groups.items(), key=lambda item: (item[0] == NONE_KEY, item[0])))


def worst_score(fact: CaseFacts, thresholds: dict[str, tuple[float | None, float | None]]) -> tuple[int, list[str]]:
    """How bad a case looks from its trace (and its verdict, if it has one), with the reasons."""
    score = 0
    reasons: list[str] = []
    latency_p95, cost_p95 = thresholds.get(fact.slice_key("workflow"), (None, None))
    checks = (
        (fact.verdict == "fail", 8, "failed review"),
        (fact.status == "error", 4, "trace error"),
        (fact.negative_feedback, 4, "negative user feedback"),
        (fact.refused, 2, "refusal"),
        (fact.tool_errors > 0, 2, "tool error"),
        (latency_p95 is not None and (fact.latency_ms or 0) > latency_p95, 1, "slower than the workflow's p95"),
        (cost_p95 is not None and (fact.cost_usd or 0) > cost_p95, 1, "costlier than the workflow's p95"),
    )
    for hit, points, reason in checks:
        if hit:
            score += points
            reasons.append(reason)
    return score, reasons


def _workflow_thresholds(facts: Sequence[CaseFacts]) -> dict[str, tuple[float | None, float | None]]:
    groups = _strata(facts, "workflow")
    return {
        key: (
            percentile([f.latency_ms for f in members if f.latency_ms is not None], 95),
            percentile([f.cost_usd for f in members if f.cost_usd is not None], 95),
        )
        for key, members in groups.items()
    }


def draw(facts: Sequence[CaseFacts], request: SamplingRequest) -> ReviewSample:
    """The sample ``request`` asks for, from already-loaded facts (the pure half of ``sample``)."""
    if request.size < 1 and request.mode != "margin":
        raise ValueError("a sample needs at least one case")
    pool = [f for f in facts if not (request.unreviewed_only and f.labeled)]
    in_pool = {f.case_id for f in pool}
    reasons: dict[str, str] = {}
    strata: list[StratumPlan] = []
    chosen: list[CaseFacts]
    if request.mode == "random":
        candidates = _by_id(pool)
        chosen = _rng(request.seed, "random").sample(candidates, min(request.size, len(candidates)))
        description = f"{len(chosen)} random case(s), seed {request.seed}"
    elif request.mode == "stratified":
        drawn_groups = []
        for key, members in _strata(facts, request.by).items():
            candidates = _by_id([f for f in members if f.case_id in in_pool])
            drawn = _rng(request.seed, "stratified", request.by, key).sample(
                candidates, min(request.size, len(candidates))
            )
            drawn_groups.append(drawn)
            strata.append(
                StratumPlan(
                    key=key,
                    population=len(members),
                    labeled=sum(1 for f in members if f.labeled),
                    needed=len(drawn),
                    drawn=tuple(f.case_id for f in drawn),
                )
            )
        chosen = _interleave(drawn_groups)
        description = f"up to {request.size} case(s) per {request.by}, seed {request.seed}"
    elif request.mode == "worst":
        thresholds = _workflow_thresholds(facts)
        scored = []
        for f in pool:
            score, why = worst_score(f, thresholds)
            reasons[f.case_id] = ", ".join(why) or "nothing alarming in the trace"
            tie = hashlib.sha256(f"{request.seed}:worst:{f.case_id}".encode()).hexdigest()
            scored.append((-score, tie, f))
        scored.sort(key=lambda item: (item[0], item[1]))
        chosen = [f for _, _, f in scored[: request.size]]
        reasons = {f.case_id: reasons[f.case_id] for f in chosen}
        description = f"the {len(chosen)} worst-looking case(s), ties broken by seed {request.seed}"
    else:
        drawn_groups = []
        for key, members in _strata(facts, request.by).items():
            labeled = sum(1 for f in members if f.labeled)
            needed = sample_size_for_margin(request.margin, confidence=request.confidence, population=len(members))
            candidates = _by_id([f for f in members if not f.labeled])
            drawn = _rng(request.seed, "margin", request.by, key).sample(
                candidates, min(max(0, needed - labeled), len(candidates))
            )
            drawn_groups.append(drawn)
            strata.append(
                StratumPlan(
                    key=key,
                    population=len(members),
                    labeled=labeled,
                    needed=needed,
                    drawn=tuple(f.case_id for f in drawn),
                )
            )
        chosen = _interleave(drawn_groups)
        description = (
            f"enough cases per {request.by} for ±{request.margin:.0%} on the failure rate "
            f"({request.confidence:.0%}), seed {request.seed}"
        )
    return ReviewSample(
        case_ids=[f.case_id for f in chosen],
        case_rowids=[f.case_rowid for f in chosen],
        strata=strata,
        reasons=reasons,
        description=description,
    )


def sample(workspace: Workspace, request: SamplingRequest) -> ReviewSample:
    """Draw a review queue from the cases matching ``request.filter``.

    Margin mode reads every case of the filter (labeled ones count towards the target), so its
    filter's review state is ignored; the other modes honour ``unreviewed_only`` on top of it.
    """
    flt = request.filter
    if request.mode == "margin":
        flt = replace(flt, review=None, verdict=None)
    return draw(load_facts(workspace, flt), request)
