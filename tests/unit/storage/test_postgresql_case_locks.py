"""Label writers of different cases do not wait for each other on PostgreSQL; writers of the same
case, and writers of the whole workspace, still take turns (storage.postgres.one_case)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from reviewdesk.domain.errors import WorkspaceLockedError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import cases, imports, labels
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage import postgres
from tests.conftest import DATA

SAMPLE = DATA / "instrumented" / "openinference_openai.json"
OTHER = DATA / "instrumented" / "genai_openai_v2.json"


@contextmanager
def holding(ws: Workspace, case_rowid: int | None) -> Iterator[None]:
    """Another writer holds the lock of one case (or, with ``None``, the whole workspace)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with storage_engine.writing(5000):
            scope = postgres.one_case(case_rowid) if case_rowid is not None else storage_engine.writing()
            with scope, ws.engine.begin() as conn:
                conn.execute(text("SELECT 1"))
                held.set()
                release.wait(20)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(20)
        yield
    finally:
        release.set()
        thread.join()


@pytest.fixture
def two_cases(pg_database: str) -> Iterator[tuple[Workspace, list[tuple[int, str]]]]:
    ws = open_workspace(pg_database)
    imports.import_files(ws, [SAMPLE, OTHER])
    found = [(c.case_rowid, c.case_id) for c in cases.list_cases(ws)][:2]
    assert len(found) == 2
    yield ws, found
    ws.close()


def test_a_label_write_of_another_case_does_not_wait(two_cases: tuple[Workspace, list[tuple[int, str]]]) -> None:
    ws, ((first, first_id), (_, second_id)) = two_cases
    with holding(ws, first), storage_engine.writing(300):
        labels.record_label(ws, second_id, LabelChange(verdict="pass"), reviewer="bo")  # no wait
        with pytest.raises(WorkspaceLockedError):
            labels.record_label(ws, first_id, LabelChange(verdict="fail"), reviewer="bo")
    assert labels.case_labels(ws, second_id).by_reviewer["bo"].verdict == "pass"
    assert "bo" not in labels.case_labels(ws, first_id).by_reviewer


def test_a_workspace_writer_and_label_writers_wait_for_each_other(
    two_cases: tuple[Workspace, list[tuple[int, str]]],
) -> None:
    ws, ((first, first_id), _) = two_cases
    with holding(ws, None), storage_engine.writing(300), pytest.raises(WorkspaceLockedError):
        labels.record_label(ws, first_id, LabelChange(verdict="fail"), reviewer="bo")
    with (
        holding(ws, first),
        storage_engine.writing(300),
        pytest.raises(WorkspaceLockedError),
        storage_engine.begin_write(ws.engine) as conn,
    ):
        conn.execute(text("SELECT 1"))
