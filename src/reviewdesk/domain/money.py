"""Dollar amounts as every view prints them: one rule, so a cost reads the same in the CLI, the window and reports."""

from __future__ import annotations

import math

_MOST_DECIMALS = 12


def usd(value: float) -> str:
    """``$12.35`` from a dollar on (thousands separated), ``$0.0006`` below it, and two significant
    digits below a hundredth of a cent (``$0.0000027``).

    An LLM call of a few dozen tokens costs millionths of a dollar: at four decimals it printed
    ``$0.0000``, which reads as free, and a known cost is not zero.
    """
    size = abs(value)
    if size >= 1:
        return f"${value:,.2f}"
    if size == 0 or size >= 0.0001:
        return f"${value:.4f}"
    decimals = min(1 - math.floor(math.log10(size)), _MOST_DECIMALS)
    return f"${value:.{decimals}f}"
