"""A text ``Progress``: a one-line bar with rate and ETA on stderr (only when it is a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


class TextProgress:
    """Redraws at most ten times a second; prints nothing when the stream is not a terminal."""

    def __init__(self, stream: TextIO | None = None, *, unit: str = "bytes", enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.unit = unit
        self.total: int | None = None
        self.done = 0
        self.status = ""
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def set_total(self, total: int | None) -> None:
        self.total = total
        self.started = time.monotonic()

    def advance(self, amount: int) -> None:
        self.done += amount
        self._draw()

    def set_status(self, text: str) -> None:
        self.status = text
        self._draw(force=True)

    def cancel_requested(self) -> bool:
        return False

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        shown_rate = f"{_human_bytes(rate)}/s" if self.unit == "bytes" else f"{rate:.0f} {self.unit}/s"
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            bar = "#" * int(fraction * 30)
            eta = (self.total - self.done) / rate if rate > 0 else 0
            return f"[{bar:<30}] {fraction:4.0%}  {shown_rate}  ETA {_clock(eta)}  {self.status}"
        return f"{self.done} {self.unit}  {shown_rate}  {self.status}"

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        self.stream.write("\r\x1b[2K" + self.line()[:160])
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self.enabled and self._drawn:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
