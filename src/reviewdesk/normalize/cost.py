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
from decimal import Decimal
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
    provider = _provider_id(call.provider)
    rates = _linear_rates(call.model, provider, day)
    if rates is None:
        return _table_price(_Priced(call.model, provider, input_tokens, cached, output_tokens, reasoning, day))
    uncached, cache_read, text_output, reasoning_output = rates
    total = (
        uncached * (input_tokens - cached)
        + cache_read * cached
        + text_output * (output_tokens - reasoning)
        + reasoning_output * reasoning
    ) / _PROBE
    return float(total)


_PROBE = 1_000_000
# Price keys of a model that a call's token counts cannot make non-linear: priced per token
# (or per search, and a trace's calls count no searches, so those are 0 in every call).
_LINEAR_KEYS = frozenset({
    "input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok",
    "output_reasoning_mtok", "web_searches_kcount", "storage_searches_kcount",
})  # fmt: skip


@lru_cache(maxsize=4096)
def _linear_rates(model: str, provider: str | None, day: date) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """What a million tokens of each kind cost this model on ``day``, when its price is linear in them.

    A table lookup costs about 0.1 ms and its token counts differ on every call, so a cache by call
    misses nearly always. A price without tiers (most of the table) is linear in the four counts, so
    four lookups per model, provider and day give every call's price exactly, in ``Decimal`` as the
    table computes it: uncached input, cached input, output without reasoning, reasoning.
    ``None`` (each call is then looked up) for tiered prices, prices per request, unknown models.
    """
    import genai_prices  # imported on first use: loading the table takes a third of a second
    from genai_prices.types import TieredPrices

    probes = ((_PROBE, 0, 0, 0), (_PROBE, _PROBE, 0, 0), (0, 0, _PROBE, 0), (0, 0, _PROBE, _PROBE))
    rates: list[Decimal] = []
    matched: set[tuple[str, str]] = set()
    for input_tokens, cached, output_tokens, reasoning in probes:
        result = _table_calculation(
            _Priced(model, provider, input_tokens, cached, output_tokens, reasoning, day), genai_prices
        )
        if result is None:
            return None
        prices = {key: value for key, value in vars(result.model_price).items() if value is not None}
        if not _LINEAR_KEYS.issuperset(prices) or any(isinstance(v, TieredPrices) for v in prices.values()):
            return None
        matched.add((result.provider.id, result.model.id))
        rates.append(Decimal(result.total_price))
    if len(matched) != 1:
        return None  # a probe fell back to another provider's listing: not one price to scale
    return rates[0], rates[1], rates[2], rates[3]


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

    result = _table_calculation(call, genai_prices)
    return None if result is None else float(result.total_price)


def _table_calculation(call: _Priced, genai_prices: Any) -> Any:
    """The table's calculation for one call (``None`` when no provider lists the model)."""
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
                return genai_prices.calc_price(usage, call.model, provider_id=provider_id, genai_request_timestamp=when)
        except (LookupError, ValueError):
            continue  # this provider does not list the model: try matching the model alone
    return None
