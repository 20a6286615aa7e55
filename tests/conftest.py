"""Shared fixtures. Every test gets its own data and config directories, so no test ever reads or
writes a developer's real workspace or settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewdesk.services.workspace import Workspace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
SAMPLES = DATA / "samples"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("REVIEWDESK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("REVIEWDESK_CONFIG_DIR", str(base / "config"))
    monkeypatch.delenv("REVIEWDESK_WORKSPACE", raising=False)
    # Settings read REVIEWDESK_<FIELD> over the file: a developer's own must not leak into a test.
    for name in ("REVIEWER", "SHORTCUTS", "RECENT_WORKSPACES", "COLOR_SCHEME", "SCHEMA_VERSION"):
        monkeypatch.delenv(f"REVIEWDESK_{name}", raising=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    from reviewdesk.services.workspace import open_workspace

    ws = open_workspace(tmp_path / "test.reviewdesk")
    yield ws
    ws.close()
