"""The data-protection settings a workspace carries: redaction rules and the retention period.

They live in the workspace file (table ``workspace_settings``), not in the user's config, so a
workspace handed to someone else keeps redacting the same way and keeps its retention period.
Both are versioned pydantic models, like every schema we persist (STYLE.md §10).
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from reviewdesk.domain.errors import UsageError

# Placeholder kinds are upper-case identifiers: they appear inside ``[KIND_N]``.
_KIND = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
_AGE = re.compile(r"^\s*(\d+)\s*([hdwy]?)\s*$", re.IGNORECASE)
_AGE_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "": timedelta(days=1), "w": timedelta(weeks=1)}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class CustomRule(_Model):
    """A workspace's own pattern, e.g. internal customer ids: ``kind=CUSTOMER_ID, pattern=CUST-\\d{6}``."""

    kind: str
    """Placeholder kind, upper case: matches become ``[KIND_1]``, ``[KIND_2]`` …"""
    pattern: str
    """A Python regular expression. With a group named ``value`` only that group is replaced."""

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        kind = value.strip().upper()
        if not _KIND.match(kind):
            raise ValueError(f"kind {value!r} must be a word of capitals, digits and _ (e.g. CUSTOMER_ID)")
        return kind

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"pattern {value!r} is not a valid regular expression: {exc}") from None
        if compiled.fullmatch(""):
            raise ValueError(f"pattern {value!r} matches the empty string, so it would match everywhere")
        return value


class RedactionSettings(_Model):
    """How imports redact secrets and personal data. On by default: an import must opt out, not in."""

    format_version: int = 1
    enabled: bool = True
    """Redact on import. Turning it off affects later imports only; nothing already stored changes."""
    disabled_kinds: list[str] = Field(default_factory=list)
    """Built-in kinds not to redact, e.g. ``["IP_ADDRESS"]`` for a workspace of server traces."""
    rules: list[CustomRule] = Field(default_factory=list)
    """Extra patterns; they win over the built-in detectors where both match."""
    allow: list[str] = Field(default_factory=list)
    """Values never redacted (compared without regard to case), e.g. a shop's public support address."""
    allow_patterns: list[str] = Field(default_factory=list)
    """Regular expressions; a detected value that matches one in full is kept, e.g. ``.*@northwind\\.example``."""
    phone_regions: list[str] = Field(default_factory=lambda: ["US"])
    """Where numbers written without a country code are read from (ISO 3166 codes). Numbers written
    with ``+`` and a country code are found whatever this says."""

    @field_validator("disabled_kinds")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        return sorted({kind.strip().upper() for kind in value if kind.strip()})

    @field_validator("allow_patterns")
    @classmethod
    def _allow_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"allow pattern {pattern!r} is not a valid regular expression: {exc}") from None
        return value

    @field_validator("phone_regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        regions = [region.strip().upper() for region in value if region.strip()]
        for region in regions:
            if not re.fullmatch(r"[A-Z]{2}", region):
                raise ValueError(f"phone region {region!r} must be a two-letter country code such as US or DE")
        return regions


class RetentionSettings(_Model):
    """How long cases are kept. ``reviewdesk purge`` without ``--older-than`` applies it."""

    format_version: int = 1
    older_than_days: int | None = None
    """Cases whose trace started more than this many days ago are purged; ``None``: keep everything."""
    keep_labeled: bool = False
    """Keep cases a reviewer has labeled (any label event), however old."""

    @field_validator("older_than_days")
    @classmethod
    def _days(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("the retention period must be at least one day")
        return value


def parse_age(text: str) -> timedelta:
    """``90d``, ``12w``, ``36h`` or a plain number of days, as a duration (for ``--older-than``)."""
    match = _AGE.match(text)
    if match is None:
        raise UsageError(f"not an age: {text!r} (write e.g. 90d for 90 days, 12w for 12 weeks, 36h for 36 hours)")
    count, unit = int(match.group(1)), match.group(2).lower()
    if unit == "y":
        return timedelta(days=365 * count)
    return _AGE_UNITS[unit] * count
