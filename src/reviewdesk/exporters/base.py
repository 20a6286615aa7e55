"""The exporter protocol."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, Protocol

from reviewdesk.domain.case import Case
from reviewdesk.progress import Progress


class Exporter(Protocol):
    name: str
    """The ``--format`` name."""
    title: str
    file_ending: str

    def write(self, cases: Iterable[Case], out: BinaryIO, progress: Progress) -> int:
        """Write ``cases`` to ``out`` deterministically; return how many were written."""
        ...
