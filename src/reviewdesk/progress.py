"""Progress and cancellation, with no GUI or terminal attached.

Long operations take a ``Progress`` and report through it; the CLI implements it as a text
progress bar, the GUI as a delayed progress dialog. Operations call ``cancel_requested`` between
batches and stop cleanly (every finished batch stays committed) when it returns true.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """What a long-running operation reports, and how it learns it should stop."""

    def set_total(self, total: int | None) -> None:
        """The amount of work, in the unit ``advance`` counts (bytes for imports); ``None`` if unknown."""

    def advance(self, amount: int) -> None:
        """``amount`` more units are done."""

    def set_status(self, text: str) -> None:
        """A short line saying what is being worked on."""

    def cancel_requested(self) -> bool:
        """True once the user asked to stop."""
        ...


class NullProgress:
    """Reports nowhere and never cancels."""

    def set_total(self, total: int | None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass

    def set_status(self, text: str) -> None:
        pass

    def cancel_requested(self) -> bool:
        return False
