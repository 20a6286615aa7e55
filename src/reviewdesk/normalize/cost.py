"""Estimated cost: what a trace's LLM calls cost at list prices, when the trace records no cost.

Most instrumentation counts tokens but records no cost. Each LLM call is priced from its model,
provider and token counts (cached input and reasoning output included) with the ``genai-prices``
table — bundled with the package, so it works offline and its version says which prices were
used — unless the workspace set its own price for that model (``reviewdesk prices set``), which
wins. The estimate is the sum over the calls; calls without token counts or with a model no table
knows are counted as left out, so a reviewer sees when an estimate is low. A trace that records a
cost keeps it: ``case_builder`` only asks for an estimate when the trace has none.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib.metadata import version
from typing import Any

from reviewdesk.domain.case import CostEstimate
from reviewdesk.domain.prices import ModelPrice, PriceBook

_TABLE = "genai-prices"


BUILT_IN = PriceBook()


@dataclass(frozen=True, slots=True)
class CallUsage:
    """What one LLM call consumed, as far as the trace says."""

    model: str | None
    provider: str | None
    input_tokens: int | None
    output_tokens: int | None
    cached_input_tokens: int | None = None
    reasoning_tokens: int | None = None
    started_at: datetime | None = None


def table_version() -> str:
    """``genai-prices 0.2.3``: the bundled table the estimates come from."""
    return f"{_TABLE} {_package_version()}"


@lru_cache(maxsize=1)
def _package_version() -> str:
    return version(_TABLE)


def estimate(calls: Sequence[CallUsage], prices: PriceBook = BUILT_IN) -> CostEstimate | None:
    """The estimated cost of these calls, or ``None`` when there is no call to price."""
    if not calls:
        return None
    total = 0.0
    priced = 0
    unpriced_models: list[str] = []
    overridden: list[str] = []
    for call in calls:
        if call.model is None or (call.input_tokens is None and call.output_tokens is None):
            continue
        override = prices.override(call.model)
        usd = _override_cost(call, override) if override is not None else _table_cost(call)
        if usd is None:
            if call.model not in unpriced_models:
                unpriced_models.append(call.model)
            continue
        if override is not None and call.model not in overridden:
            overridden.append(call.model)
        total += usd
        priced += 1
    if priced == 0 and not unpriced_models:
        return None  # no call counted tokens: nothing to say about cost
    source = table_version()
    if overridden and prices.changed_at is not None:
        stamp = prices.changed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        source = f"workspace prices of {stamp} + {source}"
    elif overridden:
        source = f"workspace prices + {source}"
    return CostEstimate(
        usd=round(total, 8) if priced else None,
        prices=source,
        calls_priced=priced,
        calls_unpriced=len(calls) - priced,
        unpriced_models=unpriced_models,
        overridden_models=overridden,
    )


def _counts(call: CallUsage) -> tuple[int, int, int, int]:
    """(input, cached input, output, reasoning), consistent: cached ≤ input, reasoning ≤ output."""
    input_tokens = max(call.input_tokens or 0, 0)
    output_tokens = max(call.output_tokens or 0, 0)
    cached = min(max(call.cached_input_tokens or 0, 0), input_tokens)
    reasoning = min(max(call.reasoning_tokens or 0, 0), output_tokens)
    return input_tokens, cached, output_tokens, reasoning


def _override_cost(call: CallUsage, price: ModelPrice) -> float:
    input_tokens, cached, output_tokens, _ = _counts(call)
    cached_price = price.cached_input if price.cached_input is not None else price.input
    return ((input_tokens - cached) * price.input + cached * cached_price + output_tokens * price.output) / 1e6


def _table_cost(call: CallUsage) -> float | None:
    assert call.model is not None
    input_tokens, cached, output_tokens, reasoning = _counts(call)
    day = (call.started_at or datetime.now(UTC)).astimezone(UTC).date()
    return _table_price(
        _Priced(call.model, _provider_id(call.provider), input_tokens, cached, output_tokens, reasoning, day)
    )


@dataclass(frozen=True, slots=True)
class _Priced:
    """One call as the table prices it (hashable: the prices are cached by it)."""

    model: str
    provider: str | None
    input_tokens: int
    cached: int
    output_tokens: int
    reasoning: int
    day: date


# Provider names as traces write them (GenAI ``gen_ai.provider.name``, OpenInference ``llm.provider``,
# LangChain ``ls_provider``) → genai-prices provider ids, where they differ.
_PROVIDERS = {
    "azure.ai.openai": "azure",
    "azure_openai": "azure",
    "azure-openai": "azure",
    "aws.bedrock": "aws",
    "bedrock": "aws",
    "amazon_bedrock": "aws",
    "gcp.vertex_ai": "google",
    "gcp.gemini": "google",
    "gcp.gen_ai": "google",
    "vertexai": "google",
    "google_genai": "google",
    "google_vertexai": "google",
    "gemini": "google",
    "mistral_ai": "mistral",
    "mistralai": "mistral",
    "xai": "x-ai",
    "x_ai": "x-ai",
    "fireworks": "fireworks",
    "together": "together",
}


def _provider_id(provider: str | None) -> str | None:
    if not provider:
        return None
    key = provider.strip().lower()
    return _PROVIDERS.get(key, key)


@lru_cache(maxsize=65536)
def _table_price(call: _Priced) -> float | None:
    """One call's price from the bundled table, by the prices in force on its day.

    Cached: an agent's calls repeat the same model and often the same counts, and a lookup in the
    table is the slow part (about 0.1 ms).
    """
    import genai_prices  # imported on first use: loading the table takes a third of a second

    usage = genai_prices.Usage(
        input_tokens=call.input_tokens,
        cache_read_tokens=call.cached or None,
        output_tokens=call.output_tokens,
        output_reasoning_tokens=call.reasoning or None,
    )
    when = datetime(call.day.year, call.day.month, call.day.day, 12, tzinfo=UTC)
    for provider_id in (call.provider, None) if call.provider else (None,):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the table warns about prices it guesses; we record the version
                result: Any = genai_prices.calc_price(
                    usage, call.model, provider_id=provider_id, genai_request_timestamp=when
                )
        except (LookupError, ValueError):
            continue  # this provider does not list the model: try matching the model alone
        return float(result.total_price)
    return None
