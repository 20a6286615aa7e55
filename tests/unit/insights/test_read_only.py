"""Read-only mode (risk owners): every write is refused at the service level, and nothing changes.

The window disables its write actions in ``--read-only`` mode, but the guarantee is the
workspace itself: opened with ``open_workspace(path, read_only=True)``, SQLite refuses any write,
whichever service attempts it. The insights, the report and the review samples — what a risk
owner uses — work on such a workspace.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from reviewdesk.domain.errors import WorkspaceError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import exports, imports, insights, labels, report
from reviewdesk.services.review import ReviewSession
from reviewdesk.services.review_sampling import SamplingRequest, sample
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage.tables import ImportRecord, LabelEventRow, LabelRow
from tests.conftest import SAMPLES
from tests.unit.insights.demo_labels import DEMO_FILE


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(workspace) -> tuple[int, int, int]:
    with workspace.session() as session:
        return (
            session.execute(select(func.count()).select_from(LabelEventRow)).scalar_one(),
            session.execute(select(func.count()).select_from(LabelRow)).scalar_one(),
            session.execute(select(func.count()).select_from(ImportRecord)).scalar_one(),
        )


@pytest.fixture
def read_only(labeled_demo_path: Path):
    workspace = open_workspace(labeled_demo_path, read_only=True)
    yield workspace
    workspace.close()


def test_every_write_is_refused(read_only, labeled_demo_path, tmp_path):
    before = _counts(read_only)
    file_before = _digest(labeled_demo_path)
    assert read_only.read_only

    with pytest.raises(WorkspaceError, match="read-only"):
        labels.record_label(read_only, "0b0c3960", LabelChange(verdict="fail"), reviewer="risk")

    review = ReviewSession(read_only, "risk")
    with pytest.raises(WorkspaceError, match="read-only"):
        review.record(1, "0b0c3960", LabelChange(verdict="fail"), before=None)
    assert not review.can_undo  # nothing was written, so there is nothing to undo

    result = imports.import_files(read_only, [SAMPLES / "otlp_trace_example.json", DEMO_FILE])
    new_file, known_file = result.files
    assert new_file.failed and "read-only" in new_file.failed
    assert known_file.already_imported  # a file imported before needs no write, so it is no refusal

    export = tmp_path / "cases.jsonl"
    exports.export_cases(read_only, "reviewdesk-jsonl", export)  # reading is allowed: an export writes a file only
    restored = imports.import_files(read_only, [export])
    assert all(s.failed and "read-only" in s.failed for s in restored.files)

    with pytest.raises(WorkspaceError, match="read-only"), read_only.engine.begin() as conn:
        conn.execute(text("DELETE FROM labels"))

    assert _counts(read_only) == before
    assert _digest(labeled_demo_path) == file_before


def test_insights_report_and_samples_work_read_only(read_only, labeled_demo_path, tmp_path):
    file_before = _digest(labeled_demo_path)
    figures = insights.compute_insights(read_only)
    assert figures.overall.failure.k == 8
    out = report.write_report(tmp_path / "report.html", figures)
    assert out.stat().st_size > 10_000
    assert sample(read_only, SamplingRequest(mode="worst", size=5, unreviewed_only=False)).case_ids
    assert _digest(labeled_demo_path) == file_before
