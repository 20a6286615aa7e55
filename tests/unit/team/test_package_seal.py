"""A review package's seal (format 2): every case column counts, and a package made before an
upgrade of the workspace, or upgraded by the reviewer's newer reviewdesk, still merges."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command

from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import assignment, labels, packages
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage import governance, package_store
from tests.consumers.labeled import LabeledWorkspace, build


@pytest.fixture
def team(tmp_path: Path) -> LabeledWorkspace:
    return build(tmp_path / "source" / "team.reviewdesk", label=False)


def _package(team: LabeledWorkspace, out: Path) -> tuple[Path, list[str]]:
    """ana's package, labeled by ana in it (a verdict on each of her cases)."""
    ws = team.open()
    try:
        assignment.assign(ws, ["ana"], seed=5)
        path = packages.create_package(ws, "ana", out).path
        mine = [a.case_id for a in assignment.list_assignments(ws, reviewer="ana")]
    finally:
        ws.close()
    package = open_workspace(path)
    try:
        for case_id in mine:
            labels.record_label(package, case_id, LabelChange(verdict="fail", comment="seen"), reviewer="ana")
    finally:
        package.close()
    return path, mine


def _edit(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def _merge_error(team: LabeledWorkspace, path: Path) -> str:
    ws = team.open()
    try:
        with pytest.raises(packages.PackageError) as refused:
            packages.merge_package(ws, path)
    finally:
        ws.close()
    return str(refused.value)


def _merged(team: LabeledWorkspace, path: Path) -> packages.MergeReport:
    ws = team.open()
    try:
        return packages.merge_package(ws, path)
    finally:
        ws.close()


def _revision(path: Path) -> str | None:
    engine = storage_engine.create_workspace_engine(path, read_only=True)
    try:
        return storage_engine.current_revision(engine)
    finally:
        engine.dispose()


def _as_older_reviewdesk_made_it(path: Path, *, package_format: int) -> None:
    """Take the package back to schema 0006, give its cases an older case JSON, and seal it there
    as the reviewdesk of that time did (format 1: one digest; format 2: this one's seal)."""
    engine = storage_engine.create_workspace_engine(path)
    try:
        command.downgrade(storage_engine.alembic_config(engine), "0006")
        with engine.begin() as conn:
            # The case format before 0007's upgrade: no facts yet (the workspace has them now).
            conn.exec_driver_sql("UPDATE cases SET data = json_remove(data, '$.facts'), workflow = 'old-' || workflow")
            now = datetime.now(UTC)
            if package_format == 1:
                governance.put_setting(conn, "package.format", 1, now)
                conn.exec_driver_sql("DELETE FROM workspace_settings WHERE key LIKE 'package.checksum.%'")
                conn.exec_driver_sql("DELETE FROM workspace_settings WHERE key = 'package.derived_with'")
                sealed = packages._sealed(conn)
                governance.put_setting(conn, "package.checksum", package_store.content_digest(conn, sealed), now)
            else:
                packages._seal(conn, now)
    finally:
        engine.dispose()
    assert _revision(path) == "0006"


@pytest.mark.parametrize(
    ("what", "sql"),
    [
        ("a case column", "UPDATE cases SET tenant = 'someone-else' WHERE case_rowid = 1"),
        ("a case's cost", "UPDATE cases SET cost_usd = 0 WHERE case_rowid = 1"),
        ("a span", "UPDATE spans SET status_message = 'fine' WHERE span_rowid = 1"),
        ("a trace id", "UPDATE traces SET trace_id = 'ab' || trace_id WHERE trace_rowid = 1"),
    ],
)
def test_a_tampered_case_column_or_span_is_refused(team: LabeledWorkspace, tmp_path: Path, what: str, sql: str) -> None:
    path, _ = _package(team, tmp_path / "ana.rdpkg")
    _edit(path, sql)
    message = _merge_error(team, path)
    assert "ana.rdpkg: tampered with" in message, what


@pytest.mark.parametrize("package_format", [1, 2])
def test_a_package_made_before_the_workspace_was_upgraded_merges(
    team: LabeledWorkspace, tmp_path: Path, package_format: int
) -> None:
    path, mine = _package(team, tmp_path / "ana.rdpkg")
    _as_older_reviewdesk_made_it(path, package_format=package_format)
    tampered = tmp_path / "tampered.rdpkg"
    shutil.copyfile(path, tampered)
    _edit(tampered, "UPDATE cases SET data = json_set(data, '$.workflow', 'edited') WHERE case_rowid = 1")

    assert "tampered.rdpkg: tampered with" in _merge_error(team, tampered)
    report = _merged(team, path)
    assert report.added == len(mine) and report.cases_not_here == 0
    ws = team.open()
    try:
        assert {labels.case_labels(ws, c).by_reviewer["ana"].comment for c in mine} == {"seen"}
    finally:
        ws.close()
    assert _revision(path) == "0006"


def test_a_package_the_reviewers_newer_reviewdesk_upgraded_merges(team: LabeledWorkspace, tmp_path: Path) -> None:
    path, mine = _package(team, tmp_path / "ana.rdpkg")
    _as_older_reviewdesk_made_it(path, package_format=2)
    package = open_workspace(path)  # the reviewer's reviewdesk upgrades it, and she labels on
    try:
        labels.record_label(package, mine[0], LabelChange(comment="after the upgrade"), reviewer="ana")
    finally:
        package.close()
    assert (
        storage_engine.current_revision(storage_engine.create_workspace_engine(path)) == storage_engine.head_revision()
    )
    tampered = tmp_path / "tampered.rdpkg"
    shutil.copyfile(path, tampered)
    _edit(tampered, "UPDATE spans SET name = 'edited' WHERE span_rowid = 1")

    assert "tampered.rdpkg: tampered with" in _merge_error(team, tampered)
    assert _merged(team, path).added == len(mine) + 1
