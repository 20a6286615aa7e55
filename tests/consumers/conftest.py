"""Every export format written once per test session from the labeled workspace (tests/consumers/labeled.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewdesk.exporters import registry
from reviewdesk.services import exports
from tests.consumers import hostile
from tests.consumers.hostile import HostileWorkspace
from tests.consumers.labeled import LabeledWorkspace, build


@pytest.fixture(scope="session")
def labeled_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[LabeledWorkspace, dict[str, Path]]:
    """The labeled workspace and one export file per format (named as the consumers expect)."""
    base = tmp_path_factory.mktemp("consumers")
    labeled = build(base / "labeled.reviewdesk")
    ws = labeled.open()
    try:
        files = {
            exporter.name: exports.export_cases(
                ws, exporter.name, base / "exports" / f"{exporter.name}{exporter.file_ending}"
            ).path
            for exporter in registry.EXPORTERS
        }
    finally:
        ws.close()
    return labeled, files


@pytest.fixture(scope="session")
def hostile_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[HostileWorkspace, dict[str, Path]]:
    """The hostile-text workspace (tests/consumers/hostile.py) and one export file per format."""
    base = tmp_path_factory.mktemp("hostile")
    built = hostile.build(base / "hostile.reviewdesk")
    ws = built.open()
    try:
        files = {
            exporter.name: exports.export_cases(
                ws, exporter.name, base / "exports" / f"{exporter.name}{exporter.file_ending}"
            ).path
            for exporter in registry.EXPORTERS
        }
    finally:
        ws.close()
    return built, files


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    """A scratch working directory for a consumer process (some write dot-directories into it)."""
    return tmp_path
