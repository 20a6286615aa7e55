"""The report's Agreement section: the figures of a hand-computed fixture, or one line without overlap."""

from __future__ import annotations

import re
from pathlib import Path

from reviewdesk.services import imports, insights, report
from reviewdesk.services.workspace import open_workspace
from tests.unit.insights.demo_labels import DEMO_FILE
from tests.unit.team.agreement_fixture import AGREEMENT, ALPHA, COHEN, FLEISS, label_hand_computed


def _section(html: str) -> str:
    match = re.search(r'<section id="agreement">(.*?)</section>', html, re.DOTALL)
    assert match, "no agreement section"
    return match.group(1)


def _cells(row_html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row_html)]


def _tables(section: str) -> list[list[list[str]]]:
    """Each table's body rows, as cell texts."""
    bodies = re.findall(r"<tbody>(.*?)</tbody>", section, re.DOTALL)
    return [[_cells(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)] for body in bodies]


def test_the_section_gives_the_hand_computed_figures(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "two.reviewdesk")
    try:
        assert all(f.failed is None for f in imports.import_files(ws, [DEMO_FILE]).files)
        label_hand_computed(ws)
        html = report.render_report(insights.compute_insights(ws))
    finally:
        ws.close()
    section = _section(html)
    assert "4 case(s) with verdicts from two or more reviewers; 2 reviewer(s): a, b." in section
    dimensions, pairs, matrix = _tables(section)
    rows = {cells[0]: cells for cells in dimensions}
    verdict = rows["Verdict"]
    assert (verdict[1], verdict[3], verdict[4], verdict[5], verdict[6]) == (ALPHA, AGREEMENT, FLEISS, "4", "2")
    low, high = (float(v) for v in verdict[2].split(" to "))
    assert low <= 8 / 15 <= high
    assert rows["Root cause: Tool error"][1] == "1.000"
    assert "Root cause: Hallucination" not in rows  # nobody chose it: left out
    assert ["Verdict", "a × b", COHEN, AGREEMENT, "4"] in pairs
    assert matrix == [["a", "100% (4)", "75% (4)"], ["b", "75% (4)", "100% (4)"]]


def test_without_overlap_the_section_is_one_line(demo_path: Path) -> None:
    workspace = open_workspace(demo_path, read_only=True)
    try:
        html = report.render_report(insights.compute_insights(workspace))
    finally:
        workspace.close()
    section = _section(html)
    assert "No case in scope has verdicts from two or more reviewers" in section
    assert "<table" not in section
