"""The cost estimate's shortcut (four table lookups per model and day, then arithmetic) prices
every call exactly as one table lookup per call does."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewdesk.normalize import cost

# Flat prices (the shortcut applies), a tiered price (Gemini 2.5 Pro: dearer above 200k input
# tokens, so each call is looked up), a provider spelled as traces spell it, and an unknown model.
MODELS = [
    ("gpt-4o-mini", "openai"),
    ("gpt-4.1", "azure_openai"),
    ("claude-3-5-sonnet-20241022", "anthropic"),
    ("mistral-large-latest", "mistralai"),
    ("o3", "openai"),
    ("gemini-2.5-pro", "google"),
    ("no-such-model-anywhere", "nobody"),
]


@st.composite
def calls(draw: st.DrawFn) -> cost.CallUsage:
    model, provider = draw(st.sampled_from(MODELS))
    input_tokens = draw(st.integers(0, 2_000_000))
    output_tokens = draw(st.integers(0, 200_000))
    day = draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    return cost.CallUsage(
        model,
        provider,
        input_tokens,
        output_tokens,
        cached_input_tokens=draw(st.integers(0, input_tokens)),
        reasoning_tokens=draw(st.integers(0, output_tokens)),
        started_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
    )


@settings(max_examples=300, deadline=None)
@given(calls())
def test_the_shortcut_prices_each_call_as_a_table_lookup_does(call: cost.CallUsage) -> None:
    assert call.model is not None and call.started_at is not None
    input_tokens, cached, output_tokens, reasoning = cost._counts(call)
    looked_up = cost._table_price(
        cost._Priced(
            call.model,
            cost._provider_id(call.provider),
            input_tokens,
            cached,
            output_tokens,
            reasoning,
            call.started_at.date(),
        )
    )
    assert cost._table_cost(call) == looked_up


def test_flat_prices_take_the_shortcut_and_tiered_ones_do_not() -> None:
    day = date(2026, 1, 1)
    assert cost._linear_rates("gpt-4o-mini", "openai", day) is not None
    assert cost._linear_rates("gemini-2.5-pro", "google", day) is None  # tiered above 200k input tokens
    assert cost._linear_rates("no-such-model-anywhere", "nobody", day) is None
