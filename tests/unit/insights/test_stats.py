"""The statistics come from scipy/numpy; where we compose them (Newcombe, sample size), tests pin
the result to published values."""

from __future__ import annotations

import math

import numpy
import pytest
from scipy import stats

from reviewdesk.services.insights import fisher_p_value, newcombe_interval, percentile, proportion, wilson_interval
from reviewdesk.services.review_sampling import achieved_margin, sample_size_for_margin


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927), written out: the interval scipy's method="wilson" must reproduce."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(0, 3), (3, 17), (5, 9), (8, 26), (1, 1), (40, 400)])
def test_wilson_is_scipys_and_the_textbook_formula(k, n):
    interval = wilson_interval(k, n)
    assert interval is not None
    low, high = interval
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert (low, high) == (float(ci.low), float(ci.high))
    assert (low, high) == pytest.approx(wilson_by_hand(k, n), abs=1e-12)


def test_no_interval_without_cases():
    assert wilson_interval(0, 0) is None
    empty = proportion((), ())
    assert (empty.k, empty.n, empty.rate, empty.low, empty.high) == (0, 0, None, None, None)


# Newcombe (1998), "Interval estimation for the difference between independent proportions:
# comparison of eleven methods", Stat Med 17:873-890, Table II, method 10 (score, no correction).
@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_matches_the_published_examples(k1, n1, k2, n2, low, high):
    # Our difference is B − A, so the paper's first group is B.
    interval = newcombe_interval(k2, n2, k1, n1)
    assert interval is not None
    diff, got_low, got_high = interval
    assert diff == pytest.approx(k1 / n1 - k2 / n2)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


def test_newcombe_matches_statsmodels_on_the_demo_releases():
    # statsmodels' confint_proportions_2indep(5, 9, 3, 17, method="newcomb") printed these (statsmodels
    # is too heavy to be a test dependency for one number; it agreed to 1e-15 on the examples above too).
    interval = newcombe_interval(3, 17, 5, 9)
    assert interval is not None
    diff, low, high = interval
    assert diff == pytest.approx(5 / 9 - 3 / 17)
    assert low == pytest.approx(0.007413964387033012, abs=1e-12)
    assert high == pytest.approx(0.6592436769574506, abs=1e-12)


def test_fisher_is_scipys():
    assert fisher_p_value(3, 17, 5, 9) == stats.fisher_exact([[3, 14], [5, 4]]).pvalue
    assert fisher_p_value(0, 0, 1, 2) is None


def test_percentiles_are_numpys_linear_interpolation():
    latencies = [5379.31, 3055.216, 3423.413]
    # By hand: sorted 3055.216, 3423.413, 5379.31; p95 sits at rank 0.95 × 2 = 1.9.
    assert percentile(latencies, 50) == pytest.approx(3423.413)
    assert percentile(latencies, 95) == pytest.approx(3423.413 + 0.9 * (5379.31 - 3423.413))
    assert percentile(latencies, 95) == pytest.approx(float(numpy.percentile(latencies, 95)))
    assert percentile([], 50) is None


def test_sample_size_for_five_points():
    # The textbook figures: 385 for ±5% at 95% (p = 0.5), 278 from a population of 1,000.
    assert sample_size_for_margin(0.05) == 385
    assert sample_size_for_margin(0.05, population=1000) == 278
    assert sample_size_for_margin(0.05, population=16) == 16
    assert sample_size_for_margin(0.05, population=0) == 0
    assert sample_size_for_margin(0.10) == 97
    # The Wilson interval (what we show) at that n is within the margin, whatever the rate.
    assert (achieved_margin(385) or 1) <= 0.05
    assert all((achieved_margin(385, k) or 1) <= 0.05 for k in range(0, 386, 5))
    with pytest.raises(ValueError, match="margin"):
        sample_size_for_margin(0)
