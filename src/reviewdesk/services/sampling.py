"""Stratified samples of cases: up to N per root cause or per workflow, reproducible from a seed.

A risk owner wants "five examples of every failure type", not the first fifty rows; an engineer
wants the same five next week. So each stratum draws with its own generator seeded from
``(seed, stratum)`` over case ids in sorted order: the draw never depends on the order rows came
from the database, and adding cases to one stratum does not reshuffle the others.

A case belongs to one stratum per root cause it has (cases without any form the ``(none)``
stratum). Strata are drawn in sorted order, each taking up to N cases not already taken by an
earlier stratum, so a case is never exported twice.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

SampleBy = Literal["root_cause", "workflow"]
SAMPLE_BY: tuple[SampleBy, ...] = ("root_cause", "workflow")
NONE_STRATUM = "(none)"


@dataclass(frozen=True, slots=True)
class SampleSpec:
    """Draw up to ``per_stratum`` cases from each stratum of ``by``."""

    per_stratum: int
    by: SampleBy = "root_cause"
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A case that may be drawn: a key to return, its case id (the stable sort key), its strata."""

    key: Hashable
    case_id: str
    strata: tuple[str, ...]
    """Stratum names; empty means the ``(none)`` stratum."""


def stratified_sample(candidates: Sequence[Candidate], spec: SampleSpec) -> set[Hashable]:
    """The keys of the drawn candidates (return order is the caller's business: keep your own)."""
    if spec.per_stratum < 1:
        raise ValueError("a sample needs at least one case per stratum")
    members: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        for stratum in candidate.strata or (NONE_STRATUM,):
            members.setdefault(stratum, []).append(candidate)
    chosen: set[Hashable] = set()
    # ``(none)`` sorts last so that cases with a root cause are drawn for their causes first.
    for stratum in sorted(members, key=lambda s: (s == NONE_STRATUM, s)):
        pool = sorted((c for c in members[stratum] if c.key not in chosen), key=lambda c: c.case_id)
        rng = random.Random(f"{spec.seed}:{spec.by}:{stratum}")
        for candidate in rng.sample(pool, min(spec.per_stratum, len(pool))):
            chosen.add(candidate.key)
    return chosen
