"""The CLI's progress bar: rate and ETA, drawn only on a terminal."""

from __future__ import annotations

import io

from reviewdesk.cli.progress_bar import TextProgress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_shows_fraction_rate_and_eta() -> None:
    stream = _Tty()
    progress = TextProgress(stream)
    progress.set_total(4 * 1024 * 1024)
    progress.set_status("Importing big.jsonl")
    progress.advance(1024 * 1024)
    line = progress.line()
    assert "25%" in line and "/s" in line and "ETA" in line and "Importing big.jsonl" in line
    progress.finish()
    assert stream.getvalue().endswith("\n")
    assert "\r" in stream.getvalue()


def test_nothing_is_drawn_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = TextProgress(stream)
    progress.set_total(100)
    progress.set_status("x")
    progress.advance(50)
    progress.finish()
    assert stream.getvalue() == ""
