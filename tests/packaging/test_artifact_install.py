"""The built wheel, installed into a fresh venv outside the checkout, runs the demo and the window."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.packaging]


def test_wheel_installed_outside_the_checkout_runs_demo_report_and_window() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "artifact_install_smoke.py")],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "imported 30 cases" in result.stdout
    assert "window shown offscreen with 30 cases" in result.stdout
    assert "artifact smoke: OK" in result.stdout
