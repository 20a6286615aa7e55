"""Report fixtures: the labeled demo workspace and a workspace whose trace text is hostile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.report.hostile import hostile_workspace
from tests.unit.insights.demo_labels import labeled_demo_workspace


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return labeled_demo_workspace(tmp_path_factory.mktemp("report") / "support_copilot.reviewdesk")


@pytest.fixture(scope="module")
def hostile_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_workspace(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def shot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``$REVIEWDESK_SCREENSHOT_DIR`` (docs/screenshots when refreshing the docs) or a temporary folder."""
    target = os.environ.get("REVIEWDESK_SCREENSHOT_DIR")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
