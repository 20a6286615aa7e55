"""Dollar amounts: one rule everywhere, and a known cost never prints as zero."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewdesk.domain.money import usd


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "$0.0000"),
        (0.0006, "$0.0006"),
        (0.00012, "$0.0001"),
        (0.0001, "$0.0001"),
        (0.0000027, "$0.0000027"),  # 18 tokens of gpt-4o-mini: it printed $0.0000
        (0.00009994, "$0.000100"),
        (0.5, "$0.5000"),
        (1.0, "$1.00"),
        (12345.678, "$12,345.68"),
        (1e-15, "$0.000000000000"),  # past twelve decimals: not worth a wider column
    ],
)
def test_usd_prints_as_people_read_costs(value: float, text: str) -> None:
    assert usd(value) == text


@given(st.floats(min_value=1e-12, max_value=1e6, allow_nan=False))
def test_a_positive_cost_never_reads_as_zero(value: float) -> None:
    text = usd(value)
    shown = float(text.lstrip("$").replace(",", ""))
    assert shown > 0
    # Below a hundredth of a cent: two significant digits; above: to the hundredth of a cent (a cent from $1).
    assert shown == pytest.approx(value, rel=0.05 if value < 0.0001 else 0, abs=0 if value < 0.0001 else 0.005)
