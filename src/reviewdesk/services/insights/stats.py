"""Rates and distributions with their uncertainty: the statistics every insight figure is built on.

The intervals and tests come from scipy and numpy; only Newcombe's hybrid interval is composed here,
from two library Wilson intervals (see ``newcombe_interval``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The Wilson score interval of k successes in n trials, from scipy; ``None`` when n is 0."""
    if n <= 0:
        return None
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def newcombe_interval(
    k_a: int, n_a: int, k_b: int, n_b: int, confidence: float = CONFIDENCE
) -> tuple[float, float, float] | None:
    """Difference ``p_b - p_a`` with Newcombe's hybrid score interval (method 10, 1998).

    Built from the two library Wilson intervals: the interval of a difference of independent
    proportions whose coverage stays near nominal at small n, where the Wald interval does not.
    Tests check it against Newcombe's published worked example.
    """
    wa = wilson_interval(k_a, n_a, confidence)
    wb = wilson_interval(k_b, n_b, confidence)
    if wa is None or wb is None:
        return None
    pa, pb = k_a / n_a, k_b / n_b
    diff = pb - pa
    low = diff - ((pb - wb[0]) ** 2 + (wa[1] - pa) ** 2) ** 0.5
    high = diff + ((wb[1] - pb) ** 2 + (pa - wa[0]) ** 2) ** 0.5
    return diff, low, high


def fisher_p_value(k_a: int, n_a: int, k_b: int, n_b: int) -> float | None:
    """Two-sided p-value of Fisher's exact test (scipy) on the 2×2 table; ``None`` without data."""
    if n_a <= 0 or n_b <= 0:
        return None
    from scipy.stats import fisher_exact

    result = fisher_exact([[k_a, n_a - k_a], [k_b, n_b - k_b]])
    return float(result.pvalue)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (numpy's default linear interpolation); ``None`` for no values."""
    if not values:
        return None
    import numpy

    return float(numpy.percentile(numpy.asarray(values, dtype=float), q))


@dataclass(frozen=True, slots=True)
class Proportion:
    """k of n cases, with the 95% Wilson interval; the ids of both the k and the n cases."""

    k: int
    n: int
    low: float | None
    high: float | None
    case_ids: tuple[str, ...]
    """The k cases (the failed ones, those with the root cause, …)."""
    base_ids: tuple[str, ...]
    """The n cases the rate is taken over."""

    @property
    def rate(self) -> float | None:
        return self.k / self.n if self.n else None


def proportion(hits: Iterable[str], base: Sequence[str]) -> Proportion:
    """A ``Proportion`` of the ``hits`` among ``base`` (hits outside the base are ignored)."""
    base_set = set(base)
    k_ids = tuple(case_id for case_id in hits if case_id in base_set)
    interval = wilson_interval(len(k_ids), len(base))
    return Proportion(
        k=len(k_ids),
        n=len(base),
        low=interval[0] if interval else None,
        high=interval[1] if interval else None,
        case_ids=k_ids,
        base_ids=tuple(base),
    )


@dataclass(frozen=True, slots=True)
class Distribution:
    """Mean, median and 95th percentile of one quantity over the cases that have it."""

    n: int
    mean: float | None
    p50: float | None
    p95: float | None
    total: float | None
    case_ids: tuple[str, ...]
    """The cases that have a value (cases without one are not in n)."""

    @staticmethod
    def of(pairs: Sequence[tuple[str, float]]) -> Distribution:
        values = [value for _, value in pairs]
        if not values:
            return Distribution(0, None, None, None, None, ())
        return Distribution(
            n=len(values),
            mean=sum(values) / len(values),
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            total=sum(values),
            case_ids=tuple(case_id for case_id, _ in pairs),
        )
