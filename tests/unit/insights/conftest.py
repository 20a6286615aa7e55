"""The labeled demo workspace, built once per module (importing and labeling 30 traces takes ~1 s)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewdesk.services.insights import Insights, compute_insights
from reviewdesk.services.workspace import Workspace, open_workspace
from tests.unit.insights.demo_labels import labeled_demo_workspace


@pytest.fixture(scope="module")
def labeled_demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return labeled_demo_workspace(tmp_path_factory.mktemp("insights") / "demo.reviewdesk")


@pytest.fixture
def demo_ws(labeled_demo_path: Path) -> Iterator[Workspace]:
    workspace = open_workspace(labeled_demo_path)
    yield workspace
    workspace.close()


@pytest.fixture
def demo_insights(demo_ws: Workspace) -> Insights:
    return compute_insights(demo_ws)
