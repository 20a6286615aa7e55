"""What a detector reports: one sensitive value's place in a string, its kind and its normalized key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """One sensitive value inside a string: ``text[start:end]`` is replaced by a placeholder."""

    kind: str
    start: int
    end: int
    key: str
    """The value normalized, so that two spellings of one value share a placeholder."""
