"""Every detector is linear in its input: hostile repetitions cost 8x at 8x the size, not 64x.

Timed, but with a generous bound: the best of three runs at 24 kB and at 192 kB, and a ratio
under 24 (linear work gives about 8, quadratic about 64), so a loaded machine does not make it
flake while a quadratic pattern still fails it by far. ``bench/redaction_bench.py`` measures the
same inputs up to 8 MB, doubling.
"""

from __future__ import annotations

import gc
import time

import pytest

from bench.redaction_bench import HOSTILE
from reviewdesk.privacy import RedactionSettings
from reviewdesk.privacy.redactor import Redactor

# Timed, subprocess-heavy or rendering whole windows to files: in the slow stage, not the fast loop.
pytestmark = pytest.mark.slow

SMALL = 24 * 1024  # above the scanner's cache of short strings (16 kB), so every run scans
LARGE = 8 * SMALL
MAX_RATIO = 24


def _best(redactor: Redactor, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        gc.collect()
        start = time.process_time()
        redactor.redact_text(text, None)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_repetitions_take_linear_time(name: str) -> None:
    redactor = Redactor(RedactionSettings(), key=b"linear-time-key-0123456789abcdef")
    unit = HOSTILE[name]
    small = (unit * (SMALL // len(unit) + 1))[:SMALL]
    large = (unit * (LARGE // len(unit) + 1))[:LARGE]
    redactor.redact_text(small[:100], None)  # load the detectors' data outside the timing
    ratio = _best(redactor, large) / max(_best(redactor, small), 1e-4)
    assert ratio < MAX_RATIO, f"{name}: 8x the input took {ratio:.1f}x the time"
