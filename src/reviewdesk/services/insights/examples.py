"""Representative examples: a few telling cases per root cause or slice, chosen deterministically."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reviewdesk.services.insights.facts import NONE_KEY, CaseFacts, group

EXAMPLES_PER_GROUP = 3


@dataclass(frozen=True, slots=True)
class Example:
    """A case chosen to represent a root cause or a slice, shown compactly."""

    case_id: str
    workflow: str | None
    release: str | None
    verdict: str | None
    root_causes: tuple[str, ...]
    request: str
    output: str
    comment: str | None
    evidence: tuple[str, ...]
    why: str
    """Why it was picked: ``comment, evidence, failed`` …"""
    signals: tuple[str, ...] = ()
    """Its telling facts as the case header words them ("1 tool error, recovered", "14× the median cost")."""


def _stable_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _example(f: CaseFacts, focus: str | None) -> Example:
    reasons = []
    if f.comment:
        reasons.append("comment")
    if any(rc == focus for rc, _, _ in f.evidence) or (focus is None and f.evidence):
        reasons.append("evidence")
    elif f.evidence:
        reasons.append("evidence (other cause)")
    if f.verdict == "fail":
        reasons.append("failed")
    if f.corrected_output:
        reasons.append("corrected output")
    return Example(
        case_id=f.case_id,
        workflow=f.workflow,
        release=f.release,
        verdict=f.verdict,
        root_causes=f.root_causes,
        request=f.request,
        output=f.output,
        comment=f.comment,
        evidence=tuple(f"{rc}: {kind} {ref}" for rc, kind, ref in f.evidence),
        why=", ".join(reasons) or "labeled",
        signals=f.signals,
    )


def _richness(f: CaseFacts, focus: str | None) -> tuple[int, ...]:
    """Higher is a better example: a reviewer explained it (comment, evidence), it failed, it is labeled."""
    return (
        int(bool(f.comment)),
        int(any(rc == focus for rc, _, _ in f.evidence)) if focus else int(bool(f.evidence)),
        int(bool(f.evidence)),
        int(f.verdict == "fail"),
        int(f.corrected_output),
        int(f.labeled),
    )


def representative(
    candidates: Sequence[CaseFacts], *, stratum: Callable[[CaseFacts], str], focus: str | None, count: int, salt: str
) -> list[Example]:
    """Up to ``count`` cases: round-robin over strata (biggest first), richest case of each first.

    Deterministic: ties are broken by a hash of ``salt`` and the case id, never by database order,
    so the same workspace gives the same examples, and one new case does not reshuffle them all.
    """
    groups = group(candidates, stratum)
    queues = {
        key: sorted(
            members,
            key=lambda f: (tuple(-x for x in _richness(f, focus)), _stable_hash(salt, f.case_id)),
        )
        for key, members in groups.items()
    }
    # Strata whose best case explains itself come first, then bigger strata: the first example
    # shown is the most telling one, and later ones still spread over the strata.
    order = sorted(
        groups,
        key=lambda k: (tuple(-x for x in _richness(queues[k][0], focus)), k == NONE_KEY, -len(groups[k]), k),
    )
    chosen: list[Example] = []
    depth = 0
    while len(chosen) < count and any(depth < len(q) for q in queues.values()):
        for key in order:
            if depth < len(queues[key]) and len(chosen) < count:
                chosen.append(_example(queues[key][depth], focus))
        depth += 1
    return chosen


def root_cause_examples(
    facts: Sequence[CaseFacts], root_causes: Sequence[str], count: int = EXAMPLES_PER_GROUP
) -> dict[str, list[Example]]:
    """For each root cause that occurs, a few labeled cases stratified by workflow."""
    result: dict[str, list[Example]] = {}
    for rc in root_causes:
        candidates = [f for f in facts if f.labeled and rc in f.root_causes]
        if candidates:
            result[rc] = representative(
                candidates, stratum=lambda f: f.slice_key("workflow"), focus=rc, count=count, salt=rc
            )
    return result


def slice_examples(
    facts: Sequence[CaseFacts], dimension: str, key: str, count: int = EXAMPLES_PER_GROUP
) -> list[Example]:
    """Examples of what goes wrong in one slice: its failed cases (else its labeled cases with a
    root cause, else its labeled cases), stratified by workflow — or by first root cause when the
    slice is a workflow."""
    members = [f for f in facts if f.slice_key(dimension) == key and f.labeled]
    candidates = [f for f in members if f.verdict == "fail"] or [f for f in members if f.root_causes] or members

    def stratum(f: CaseFacts) -> str:
        if dimension == "workflow":
            return f.root_causes[0] if f.root_causes else NONE_KEY
        return f.slice_key("workflow")

    return representative(candidates, stratum=stratum, focus=None, count=count, salt=f"{dimension}={key}")
