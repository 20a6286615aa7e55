"""Train/test(/validation) splits of an export, stratified and reproducible from a seed.

``--split 80/20 --seed S`` puts each case in ``train`` or ``test`` (a third share names
``validation``). Stratified by root cause (a case's first root cause, ``(none)`` without one) or
by workflow: each stratum is shuffled with its own generator seeded from ``(seed, stratum)`` over
case ids in sorted order; then, stratum by stratum in sorted order, each case goes to the split
furthest below its share, counting both within the stratum and over the whole export. So each
stratum is divided by the shares as nearly as its size allows, and small strata (one or two cases
each, common in review data) still fill the test split instead of all landing in train. The
assignment never depends on database order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from reviewdesk.domain.errors import UsageError
from reviewdesk.services.sampling import NONE_STRATUM, SampleBy

SPLIT_NAMES = ("train", "test", "validation")


@dataclass(frozen=True, slots=True)
class SplitSpec:
    """Shares (e.g. ``(80, 20)``) of ``SPLIT_NAMES``, stratified ``by``, drawn with ``seed``."""

    shares: tuple[int, ...]
    by: SampleBy = "root_cause"
    seed: int = 0

    @property
    def names(self) -> tuple[str, ...]:
        return SPLIT_NAMES[: len(self.shares)]

    def describe(self) -> str:
        return "/".join(str(s) for s in self.shares)


def parse_shares(text: str) -> tuple[int, ...]:
    """``"80/20"`` or ``"70/20/10"`` → the shares; a clear message for anything else."""
    parts = text.replace(":", "/").split("/")
    try:
        shares = tuple(int(p) for p in parts)
    except ValueError:
        shares = ()
    if not 2 <= len(shares) <= len(SPLIT_NAMES) or any(s < 0 for s in shares) or sum(shares) <= 0:
        raise UsageError(f"--split takes two or three shares such as 80/20 or 70/20/10, got {text!r}")
    return shares


def assign_splits(strata: dict[str, str], spec: SplitSpec) -> dict[str, str]:
    """Case id → split name, for case ids mapped to their stratum."""
    members: dict[str, list[str]] = {}
    for case_id, stratum in strata.items():
        members.setdefault(stratum or NONE_STRATUM, []).append(case_id)
    assigned: dict[str, str] = {}
    total_share = sum(spec.shares)
    overall = [0] * len(spec.shares)
    for stratum in sorted(members):
        pool = sorted(members[stratum])
        random.Random(f"{spec.seed}:{spec.by}:{stratum}").shuffle(pool)
        local = [0] * len(spec.shares)
        for case_id in pool:
            placed_here, placed = sum(local) + 1, sum(overall) + 1

            def deficit(i: int, here: int = placed_here, everywhere: int = placed, counts: list[int] = local) -> float:
                share = spec.shares[i] / total_share
                return (share * here - counts[i]) + (share * everywhere - overall[i])

            chosen = max(range(len(spec.shares)), key=lambda i: (deficit(i), -i))
            local[chosen] += 1
            overall[chosen] += 1
            assigned[case_id] = spec.names[chosen]
    return assigned
