"""What an operation changed, so each screen refreshes only what it shows (see STYLE.md §2.5)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Changes:
    """Flags returned by every service operation that writes."""

    cases: bool = False
    traces: bool = False
    labels: bool = False
    imports: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            cases=self.cases or other.cases,
            traces=self.traces or other.traces,
            labels=self.labels or other.labels,
            imports=self.imports or other.imports,
        )
