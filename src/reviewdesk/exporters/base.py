"""The exporter protocol, and what every exporter is handed.

An exporter sees ``ExportItem``s rather than bare cases: the case (with its current label) plus
what only the workspace knows — everyone who labeled it, and the span ids that tie the exported
record back to the source trace (a Langfuse ``sourceObservationId``, for example). The export
service gathers these, applies the filters and the sample, and asks each exporter which items it
cannot represent (``skip_reason``) before anything is written, so the CLI report and the GUI's
preview count come from one rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from reviewdesk.domain.case import Case
from reviewdesk.domain.standing import CaseStanding
from reviewdesk.progress import Progress


@dataclass(frozen=True, slots=True)
class ExportItem:
    """One case as exporters see it."""

    case: Case
    reviewers: tuple[str, ...] = ()
    """Everyone who changed the case's label, in the order of their first change."""
    root_span_id: str | None = None
    """The root span of the source trace (``None`` when the workspace holds no spans for it)."""
    output_span_id: str | None = None
    """The LLM span whose output is the case's answer: the last one that answered, else the last one."""
    split: str | None = None
    """``train``, ``test`` or ``validation`` when the export is split (``--split``), else ``None``."""
    standing: CaseStanding = field(default_factory=CaseStanding)
    """What only the workspace knows of the case: stale documents, cost and latency against the median."""


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Settings that are the same for every record of one export."""

    dataset_name: str = "reviewdesk"
    """Dataset name for formats that carry one per record (Langfuse's ``datasetName``)."""
    root_causes: Mapping[str, str] = field(default_factory=dict)
    """Root-cause id → "Title: description", from the workspace's label schema; used to write rubrics."""
    score_names: tuple[str, ...] = ()
    """Score names of the label schema, in schema order: tabular formats get one column each."""
    excel_bom: bool = False
    """CSV: start the file with a UTF-8 byte-order mark (Excel reads a CSV without one as ANSI)."""


class Exporter(Protocol):
    """An eval-set (or data) format reviewdesk can write."""

    name: str
    """The ``--format`` name."""
    title: str
    """Human-readable name for listings and the export dialog."""
    file_ending: str
    """Conventional ending of the file, with the dot; some consumers decide the parser by it."""

    def skip_reason(self, item: ExportItem) -> str | None:
        """Why this format cannot hold ``item`` (``None``: it can). Shown to the user, grouped by reason."""
        ...

    def write(self, items: Iterable[ExportItem], out: BinaryIO, options: ExportOptions, progress: Progress) -> int:
        """Write ``items`` (already filtered, in order) to ``out`` deterministically; return how many."""
        ...
