"""One labeled workspace per test module (built from the real fixtures, see tests/consumers/labeled.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.consumers.labeled import LabeledWorkspace, build


@pytest.fixture(scope="module")
def labeled(tmp_path_factory: pytest.TempPathFactory) -> LabeledWorkspace:
    return build(tmp_path_factory.mktemp("labeled") / "labeled.reviewdesk")


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"
