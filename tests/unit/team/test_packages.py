"""Offline review packages end to end: three reviewers label in their own processes and folders,
the packages merge back in two orders into two copies, which end up identical."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import Label, LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import agreement, assignment, cases, exports, labels, packages
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import label_log, package_store
from tests.consumers.labeled import LabeledWorkspace, build
from tests.robustness.helpers import consistency_problems


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """reviewdesk in a child process, working in its own folder (another machine as far as it can tell)."""
    return subprocess.run(
        [sys.executable, "-m", "reviewdesk", *args], cwd=home, capture_output=True, text=True, check=False, timeout=120
    )


def _state(path: Path | str) -> tuple[list[tuple[object, ...]], ...]:
    """What two merged workspaces must agree on (row ids aside): events, reviewer labels, resolved labels."""
    conn = sqlite3.connect(path)
    try:
        events = conn.execute(
            "SELECT e.event_id, c.case_id, e.reviewer, e.label_of, e.kind, e.change, e.created_at, e.seconds_spent"
            " FROM label_events e JOIN cases c USING (case_rowid) ORDER BY e.event_id"
        ).fetchall()
        mine = conn.execute(
            "SELECT c.case_id, r.reviewer, r.data FROM reviewer_labels r JOIN cases c USING (case_rowid) ORDER BY 1, 2"
        ).fetchall()
        resolved = conn.execute(
            "SELECT c.case_id, l.resolution, l.data FROM labels l JOIN cases c USING (case_rowid) ORDER BY 1"
        ).fetchall()
    finally:
        conn.close()
    return events, mine, resolved


@pytest.fixture
def team(tmp_path: Path) -> LabeledWorkspace:
    return build(tmp_path / "source" / "team.reviewdesk", label=False)


# Slow: every label is a `reviewdesk` process of its own (the reviewers' separate machines), which
# made this one test about a fifth of the fast loop's CPU.
@pytest.mark.slow
def test_three_reviewers_offline_then_merge_in_two_orders(team: LabeledWorkspace, tmp_path: Path) -> None:
    ws = team.open()
    try:
        assignment.assign(ws, ["ana", "bo", "cy"], overlap=2, seed=4)
        made = [packages.create_package(ws, who, tmp_path / "out" / f"{who}.rdpkg") for who in ("ana", "bo", "cy")]
        mine = {who: [a.case_id for a in assignment.list_assignments(ws, reviewer=who)] for who in ("ana", "bo", "cy")}
    finally:
        ws.close()
    assert [m.cases for m in made] == [len(mine[w]) for w in ("ana", "bo", "cy")]
    # Each package holds its reviewer's cases only, with spans, and no redaction key.
    conn = sqlite3.connect(made[0].path)
    try:
        held = {row[0] for row in conn.execute("SELECT case_id FROM cases")}
        keys = {row[0] for row in conn.execute("SELECT key FROM workspace_settings")}
        spans = conn.execute("SELECT count(*) FROM spans").fetchone()[0]
    finally:
        conn.close()
    assert held == set(mine["ana"]) and spans > 0
    assert "redaction.secret" not in keys and "workspace.id" not in keys

    # Labels by hand: ana fails every case with hallucination; bo passes his; cy agrees with ana.
    plan = {"ana": ("fail", "hallucination"), "bo": ("pass", None), "cy": ("fail", "hallucination")}
    for who, made_one in zip(("ana", "bo", "cy"), made, strict=True):
        home = tmp_path / f"laptop-{who}"
        home.mkdir()
        package = home / made_one.path.name
        shutil.copyfile(made_one.path, package)
        verdict, cause = plan[who]
        for case_id in mine[who]:
            args = ["--workspace", str(package), "label", case_id, "--verdict", verdict]
            done = _cli(home, *args, *(["--root-cause", cause] if cause else []))
            assert done.returncode == 0, done.stderr
            assert f"by {who}" in done.stdout  # the package's reviewer, not the login name
        shutil.copyfile(package, made_one.path)  # carried back

    copies = [tmp_path / "one.reviewdesk", tmp_path / "two.reviewdesk"]
    for copy in copies:
        shutil.copyfile(team.path, copy)
    order_one = [m.path for m in made]
    order_two = list(reversed(order_one))
    for copy, order in zip(copies, (order_one, order_two), strict=True):
        assert main(["--workspace", str(copy), "package", "merge", *map(str, order)]) == 0
    assert _state(copies[0]) == _state(copies[1])
    events, _, _ = _state(copies[0])
    assert len(events) == sum(len(v) for v in mine.values())
    # Merging again adds nothing.
    ws = open_workspace(copies[0])
    try:
        again = packages.merge_packages(ws, order_one)
        assert all(isinstance(r, packages.MergeReport) and r.added == 0 and r.already_present for r in again)

        # Agreement by hand: every case has 2 reviewers; a pair agrees unless bo is one of them.
        disagree = {c for c in mine["bo"]}
        total = len({c for v in mine.values() for c in v})
        figures = agreement.workspace_agreement(ws)
        assert figures.verdict.cases == total
        assert figures.verdict.percent_agreement == pytest.approx((total - len(disagree)) / total)
        # Alpha by hand: 2N values, bo's D passes against 2N - D fails; each of bo's cases is one
        # pass-fail coincidence each way: alpha = 1 - (2N - 1) * 2D / (2 * D * (2N - D)).
        n, d = total, len(disagree)
        by_hand = 1 - (2 * n - 1) / (2 * n - d)
        assert figures.verdict.krippendorff_alpha == pytest.approx(by_hand)
        # The same split on hallucination (present for ana and cy, absent for bo) and on the cause set.
        assert figures.root_causes["hallucination"].krippendorff_alpha == pytest.approx(by_hand)
        assert figures.root_cause_set.krippendorff_alpha == pytest.approx(by_hand)
        # Fleiss, 2 ratings a case: P = (N - D) / N, P_e = p_pass^2 + p_fail^2 from the 2N ratings.
        p_pass = d / (2 * n)
        p_e = p_pass**2 + (1 - p_pass) ** 2
        assert figures.verdict.fleiss_kappa == pytest.approx(((n - d) / n - p_e) / (1 - p_e))
        disputed = sorted(s.case_id for s in cases.list_cases(ws, CaseFilter(resolution="disputed")))
        assert disputed == sorted(disagree)
        labels.record_adjudication(
            ws, disputed[0], labels.case_labels(ws, disputed[0]).by_reviewer["bo"], adjudicator="lead", settles=("bo",)
        )
        out = exports.export_cases(ws, "reviewdesk-jsonl", tmp_path / "set.jsonl").path
    finally:
        ws.close()
    line = next(json.loads(x) for x in out.read_text().splitlines() if json.loads(x)["case_id"] == disputed[0])
    assert line["resolution"] == "adjudicated" and line["labels"]["verdict"] == "pass"
    assert line["labels"]["reviewer"] == "lead"


def test_refused_packages_change_nothing(
    team: LabeledWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = team.open()
    try:
        assignment.assign(ws, ["ana"], seed=1)
        made = packages.create_package(ws, "ana", tmp_path / "ana.rdpkg")
    finally:
        ws.close()
    other = build(tmp_path / "other.reviewdesk", label=False)
    before = _state(team.path)

    tampered = tmp_path / "tampered.rdpkg"
    shutil.copyfile(made.path, tampered)
    conn = sqlite3.connect(tampered)
    conn.execute("UPDATE cases SET data = json_set(data, '$.workflow', 'edited')")
    conn.commit()
    conn.close()
    truncated = tmp_path / "truncated.rdpkg"
    truncated.write_bytes(made.path.read_bytes()[:3000])
    newer = tmp_path / "newer.rdpkg"
    shutil.copyfile(made.path, newer)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE workspace_settings SET value = '99' WHERE key = 'package.format'")
    conn.commit()
    conn.close()

    wsarg = ["--workspace", str(team.path)]
    for path, why in ((tampered, "tampered with"), (truncated, "damaged or truncated"), (newer, "package format 99")):
        assert main([*wsarg, "package", "merge", str(path)]) == 1
        err = capsys.readouterr().err
        assert path.name in err and why in err, err
    assert main(["--workspace", str(other.path), "package", "merge", str(made.path)]) == 1
    assert "made from another workspace" in capsys.readouterr().err
    assert _state(team.path) == before


def test_blind_setting_travels_in_the_package(
    team: LabeledWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wsarg = ["--workspace", str(team.path)]
    assert main([*wsarg, "team", "blind"]) == 0
    assert capsys.readouterr().out.strip() == "blind review is off"
    assert main([*wsarg, "team", "blind", "on"]) == 0
    assert capsys.readouterr().out.strip() == "blind review is on"
    ws = team.open()
    try:
        assignment.assign(ws, ["ana"], seed=1)
        made = packages.create_package(ws, "ana", tmp_path / "ana.rdpkg")
    finally:
        ws.close()
    package = open_workspace(made.path)
    try:
        assert packages.is_blind(package)
    finally:
        package.close()


def test_a_merge_writes_what_a_full_rebuild_from_the_events_gives(team: LabeledWorkspace, tmp_path: Path) -> None:
    # A merge refolds only the labels its events changed; ADR 0004: the state must be the events' fold.
    ws = team.open()
    try:
        assignment.assign(ws, ["ana", "bo"], overlap=2, seed=2)
        made = [packages.create_package(ws, who, tmp_path / f"{who}.rdpkg").path for who in ("ana", "bo")]
        shared = [a.case_id for a in assignment.list_assignments(ws, reviewer="ana")]
        # After the packages were made: ana changes a case here too (a conflict), a lead settles another,
        # and cy, who has no package, labels a third.
        labels.record_label(ws, shared[0], LabelChange(verdict="unsure", comment="here"), reviewer="ana")
        labels.record_label(ws, shared[1], LabelChange(verdict="pass"), reviewer="cy")
        labels.record_adjudication(
            ws, shared[2], Label(verdict="fail", root_causes=["stale_source"]), adjudicator="lead"
        )
    finally:
        ws.close()
    for path, who in zip(made, ("ana", "bo"), strict=True):
        package = open_workspace(path)
        try:
            for n, case_id in enumerate(shared):
                verdict = "fail" if (n + len(who)) % 2 else "pass"
                labels.record_label(package, case_id, LabelChange(verdict=verdict, root_causes=[]), reviewer=who)
                labels.record_label(package, case_id, LabelChange(comment=f"{who} {n}"), reviewer=who)
        finally:
            package.close()
    ws = team.open()
    try:
        reports = [packages.merge_package(ws, path) for path in made]
        assert reports[0].conflicts == [shared[0]] and reports[1].conflicts == []
        merged = _state(team.path)
        with ws.session() as session, session.begin():
            conn = session.connection()
            label_log.rebuild(conn, package_store.all_case_rowids(conn))
    finally:
        ws.close()
    assert _state(team.path) == merged
    assert isinstance(team.path, Path) and consistency_problems(team.path) == []
