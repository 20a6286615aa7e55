"""The workspace's own model prices, which win over the bundled price table in cost estimates.

Stored in the workspace file (``workspace_settings``, key ``prices``) like the redaction rules, so
a workspace handed to someone else estimates the same way. Versioned like every schema we persist.
"""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ModelPrice(BaseModel):
    """One model's price, in US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    input: float
    """Input tokens (the ones not read from the cache)."""
    output: float
    """Output tokens, reasoning tokens included."""
    cached_input: float | None = None
    """Input tokens read from the provider's prompt cache; ``None``: billed as input."""

    @field_validator("input", "output", "cached_input")
    @classmethod
    def _price(cls, value: float | None) -> float | None:
        if value is not None and (not math.isfinite(value) or value < 0):
            raise ValueError(f"a price must be a number of dollars per million tokens, 0 or more (not {value})")
        return value


class PriceBook(BaseModel):
    """The workspace's prices by model; models not listed are priced by the bundled table."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    format_version: int = 1
    models: dict[str, ModelPrice] = Field(default_factory=dict)
    """By model name as traces spell it (``gpt-4o-mini``); matched without regard to case."""
    changed_at: datetime | None = None
    """When these prices were last changed; recorded with every estimate that used them."""

    def override(self, model: str) -> ModelPrice | None:
        price = self.models.get(model)
        if price is None:
            lowered = model.lower()
            price = next((p for name, p in self.models.items() if name.lower() == lowered), None)
        return price
