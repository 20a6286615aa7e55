"""The bulk merge of a package's events (``storage.label_merge``) writes exactly what a full rebuild
of the touched cases from their events writes, byte for byte, on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from reviewdesk.domain.case import Case, Source
from reviewdesk.domain.ids import uuid7
from reviewdesk.domain.labels import Evidence, LabelChange
from reviewdesk.domain.taxonomy import default_taxonomy
from reviewdesk.domain.team import LabelEvent
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import label_log, label_merge, label_schemas, writes
from reviewdesk.storage.handles import Connection
from reviewdesk.storage.rows import case_columns
from reviewdesk.storage.tables import CaseRootCauseRow, CaseRow, LabelRow, ReviewerLabelRow

T0 = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
CASES = 8


def _cases(conn: Connection) -> list[int]:
    ids = [f"{n:032x}" for n in range(1, CASES + 1)]
    traces = writes.insert_traces(conn, ids, None)  # type: ignore[arg-type]
    rows = [
        case_columns(
            Case(case_id=f"c{n}", trace_id=t, source=Source(format="otlp-jsonl", file="f.jsonl")), traces[t], T0
        )
        for n, t in enumerate(ids)
    ]
    writes.upsert_cases(conn, rows)
    return list(conn.execute(select(CaseRow.case_rowid).order_by(CaseRow.case_rowid)).scalars())


def _event(who: str, at: datetime, change: LabelChange, **extra: Any) -> LabelEvent:
    return LabelEvent(uuid7(at), at, who, change, 1, seconds_spent=2.5, label_of=who, **extra)


def _state(conn: Connection) -> tuple[list[Any], ...]:
    return (
        [tuple(r) for r in conn.execute(select(ReviewerLabelRow).order_by("case_rowid", "reviewer"))],
        [tuple(r) for r in conn.execute(select(LabelRow).order_by("case_rowid"))],
        [tuple(r) for r in conn.execute(select(CaseRootCauseRow).order_by("case_rowid", "root_cause"))],
    )


def _package_row(case_id: str, event: LabelEvent) -> tuple[Any, ...]:
    return (
        case_id,
        event.event_id,
        event.at,
        event.reviewer,
        event.change.model_dump(mode="json", exclude_unset=True),
        event.schema_version,
        event.seconds_spent,
        event.kind,
        event.label_of if event.kind == "label" else None,
        list(event.settles) if event.kind == "adjudication" else None,
    )


@pytest.mark.parametrize("renamed", [False, True], ids=["plain", "renamed-taxonomy"])
def test_a_merge_writes_what_a_full_rebuild_writes(workspace: Workspace, renamed: bool) -> None:
    fail = LabelChange(verdict="fail", root_causes=["hallucination", "stale_source"])
    with workspace.session() as session, session.begin():
        conn = session.connection()
        if renamed:  # a taxonomy that renamed a root cause: the fold reads events through the rename
            base = default_taxonomy(2)
            causes = tuple(
                dataclasses.replace(rc, formerly=("made_up",)) if rc.id == "hallucination" else rc
                for rc in base.root_causes
            )
            label_schemas.add(conn, dataclasses.replace(base, root_causes=causes, _aliases={}), T0)
        rowids = _cases(conn)
        here = [
            (rowids[0], _event("ana", T0, fail)),
            (rowids[0], _event("bo", T0 + timedelta(seconds=1), fail)),
            (rowids[1], _event("ana", T0, LabelChange(verdict="pass", comment="fine", scores={"correctness": 4}))),
            (rowids[2], _event("ana", T0, LabelChange(verdict="pass"))),
            (
                rowids[2],
                LabelEvent(
                    uuid7(T0 + timedelta(seconds=2)),
                    T0 + timedelta(seconds=2),
                    "lead",
                    LabelChange(verdict="fail", root_causes=["tool_error"]),
                    1,
                    kind="adjudication",
                    settles=("ana",),
                ),
            ),
            (rowids[3], _event("bo", T0, LabelChange(escalate=True, comment="look"))),
        ]
        label_log.append_events(conn, here)
        label_log.rebuild(conn, rowids)
    watermark = max(e.event_id for _, e in here)
    late = T0 + timedelta(minutes=5, microseconds=123456)
    # cy's package, and one more change ana made here after the package was made (a conflict).
    mine = [
        _event("cy", late, LabelChange(verdict="fail", root_causes=["made_up" if renamed else "hallucination"])),
        _event("cy", late, LabelChange(verdict="pass", scores={"usefulness": 2})),
        _event("cy", late, LabelChange(verdict="unsure", escalate=True)),
        _event(
            "cy",
            late + timedelta(seconds=1),
            LabelChange(
                verdict="fail",
                root_causes=["tool_error"],
                evidence=[Evidence(root_cause="tool_error", kind="span", ref="s1")],
                corrected_output="better",
            ),
        ),
        _event("cy", late + timedelta(seconds=2), LabelChange(comment="second thought")),
        _event("ana", late, LabelChange(verdict="fail", root_causes=["hallucination"])),
        # Later than cy's package events: the cases resolve to ana's label, read whole from the table.
        _event("ana", late + timedelta(seconds=10), LabelChange(verdict="pass", comment="kept", scores={"safety": 5})),
        _event("ana", late + timedelta(seconds=11, microseconds=7), LabelChange(verdict="fail", escalate=True)),
        _event("cy", late, LabelChange(verdict="pass")),
        _event("cy", late, LabelChange(verdict="pass")),
    ]
    package = [_package_row(f"c{n}", e) for n, e in enumerate(mine[:4])]
    package += [_package_row("c4", mine[4]), _package_row("c9", _event("cy", late, LabelChange(verdict="pass")))]
    package += [_package_row("c5", mine[8]), _package_row("c6", mine[9])]
    package.append(package[0])  # the same event twice is stored once
    with workspace.session() as session, session.begin():
        conn = session.connection()
        label_log.append_events(conn, [(rowids[0], mine[5]), (rowids[5], mine[6]), (rowids[6], mine[7])])
        label_log.rebuild(conn, rowids)
        merged = label_merge.merge_events(conn, package, "cy", watermark)
    assert (merged.added, merged.already_present, merged.cases_not_here) == (7, 1, 1)
    assert merged.conflicts == []  # ana changed c0 here, but cy did not
    with workspace.session() as session, session.begin():
        conn = session.connection()
        again = label_merge.merge_events(conn, package, "cy", watermark)
        assert (again.added, again.already_present) == (0, 8)
        after_merge = _state(conn)
        label_log.rebuild(conn, rowids)
        assert _state(conn) == after_merge
    resolutions = {row[0]: row[-1] for row in after_merge[1]}
    assert [resolutions.get(r) for r in rowids[:7]] == [
        "disputed",
        "consensus",
        "adjudicated",
        "single",
        None,
        "consensus",
        "disputed",
    ]
    assert next(row for row in after_merge[1] if row[0] == rowids[5])[5]["comment"] == "kept"


def test_conflicts_are_the_cases_the_packages_reviewer_changed_here_too(workspace: Workspace) -> None:
    with workspace.session() as session, session.begin():
        conn = session.connection()
        rowids = _cases(conn)
        made = _event("ana", T0, LabelChange(verdict="pass"))
        label_log.append_events(conn, [(rowids[0], made), (rowids[1], dataclasses.replace(made, event_id=uuid7(T0)))])
        label_log.rebuild(conn, rowids[:2])
        watermark = uuid7(T0 + timedelta(seconds=1))
        label_log.append_events(
            conn, [(rowids[1], _event("ana", T0 + timedelta(seconds=2), LabelChange(comment="here")))]
        )
        label_log.rebuild(conn, rowids[1:2])
        package = [
            _package_row("c0", made),
            _package_row("c0", _event("ana", T0 + timedelta(seconds=3), LabelChange(comment="there"))),
            _package_row("c1", _event("ana", T0 + timedelta(seconds=3), LabelChange(comment="there"))),
        ]
        merged = label_merge.merge_events(conn, package, "ana", watermark)
    assert merged.conflicts == ["c1"] and merged.added == 2 and merged.already_present == 1
