"""One labeled workspace per test module (built from the real fixtures, see tests/consumers/labeled.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ENGINES, PgCluster
from tests.consumers.labeled import LabeledWorkspace, build


@pytest.fixture(scope="module", params=ENGINES)
def labeled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabeledWorkspace]:
    """The labeled workspace in a file, and on the session's PostgreSQL server: exports read both."""
    if request.param == "sqlite":
        yield build(tmp_path_factory.mktemp("labeled") / "labeled.reviewdesk")
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = cluster.new_database()
    yield build(cluster.url(name))
    cluster.drop(name)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"
