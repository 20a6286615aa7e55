"""``reviewdesk workspace copy``: a labeled workspace copied SQLite → PostgreSQL → SQLite keeps every
case, span, label, reviewer's label, label event, audit line and setting, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import labels, review
from reviewdesk.services.workspace import open_workspace
from reviewdesk.services.workspace_copy import copy_workspace
from reviewdesk.storage import copy
from tests.conftest import PgCluster
from tests.consumers.labeled import LabeledWorkspace, build


@pytest.fixture(scope="module")
def labeled(tmp_path_factory: pytest.TempPathFactory) -> LabeledWorkspace:
    return build(tmp_path_factory.mktemp("labeled") / "labeled.reviewdesk")


def _dump(location: Path | str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every copied table, JSON as its stored text, in key order."""
    ws = open_workspace(location)
    try:
        found = {}
        with ws.engine.connect() as conn:
            for table in copy.TABLES:
                pages = list(copy._read(conn, table))
                found[table.name] = [tuple(row.values()) for page in pages for row in page]
        return found
    finally:
        ws.close()


def test_copy_there_and_back_is_lossless(labeled: LabeledWorkspace, pg_database: str, tmp_path: Path, capsys) -> None:
    original = _dump(labeled.path)
    assert main(["workspace", "copy", str(labeled.path), pg_database]) == 0
    out = capsys.readouterr().out
    assert "equal" in out and "DIFFERENT" not in out
    on_server = _dump(pg_database)
    back = tmp_path / "back.reviewdesk"
    result = copy_workspace(pg_database, back)
    assert result.source_checksum == result.destination_checksum
    assert _dump(back) == on_server == original
    assert result.counts["label_events"] == len(original["label_events"]) > 0
    assert result.counts["audit_log"] > 0 and result.counts["spans"] > 0

    # Search works in the copy (the index is rebuilt there) and finds what the original finds.
    for location in (labeled.path, pg_database, back):
        ws = open_workspace(location)
        try:
            assert review.queue_count(ws, CaseFilter(text="refund")) > 0
            assert review.queue_count(ws, CaseFilter(text="refund")) == review.queue_count(
                open_workspace(labeled.path), CaseFilter(text="refund")
            )
        finally:
            ws.close()


def test_the_copy_continues_the_ids(labeled: LabeledWorkspace, pg_database: str) -> None:
    copy_workspace(labeled.path, pg_database)
    ws = open_workspace(pg_database)
    try:
        case_id = labeled.case_ids["legacy:B"]
        labels.record_label(ws, case_id, LabelChange(comment="after the copy"), reviewer="dana")
        with ws.engine.connect() as conn:
            rowids = [r for (r,) in conn.execute(text("SELECT event_rowid FROM label_events ORDER BY event_rowid"))]
        assert len(rowids) == len(set(rowids)) and rowids[-1] == max(rowids)
    finally:
        ws.close()


def test_a_non_empty_destination_is_refused(labeled: LabeledWorkspace, pg_cluster: PgCluster, capsys) -> None:
    name = pg_cluster.new_database()
    url = pg_cluster.url(name)
    copy_workspace(labeled.path, url)
    before = _dump(url)
    assert main(["workspace", "copy", str(labeled.path), url]) == 1
    err = capsys.readouterr().err
    assert "is not empty" in err and "nothing was copied" in err
    assert _dump(url) == before
    pg_cluster.drop(name)
