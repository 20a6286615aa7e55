"""The PyInstaller bundle (packaging/build.sh): built, started offscreen, the demo imported into a
temporary workspace, the window shown and closed cleanly; its size reported and bounded."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAX_MB = 400  # Qt (Core, Gui, Widgets, Svg) + Python + scipy/numpy; far more means an unused Qt module slipped in

pytestmark = [pytest.mark.slow, pytest.mark.packaging]


def test_bundle_builds_runs_the_demo_offscreen_and_stays_small(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        ["bash", str(REPO / "packaging" / "build.sh")],
        cwd=REPO,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "self-test: window shown with 30 cases, closed cleanly" in result.stdout
    size = int(re.search(r"bundle: dist/reviewdesk, (\d+) MB", result.stdout).group(1))  # type: ignore[union-attr]
    print(f"bundle size: {size} MB")
    assert size < MAX_MB
    exe = REPO / "dist" / "reviewdesk" / "reviewdesk"
    version = subprocess.run([str(exe), "--version"], check=False, capture_output=True, text=True, env=env, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("reviewdesk "), version.stderr
    # (QtNetwork and QtDBus come in as dependencies of the xcb and Wayland platform plugins.)
    bundled = [p.name for p in (REPO / "dist" / "reviewdesk").rglob("libQt6*")]
    assert not [name for name in bundled if re.match(r"libQt6(Quick|Qml|Pdf|WebEngine|Multimedia|Sql)", name)], bundled
