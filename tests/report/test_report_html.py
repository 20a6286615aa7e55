"""The HTML report: self-contained, complete, and inert whatever the traces contain."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import escape

from reviewdesk.cli.main import main
from reviewdesk.services import insights, report
from reviewdesk.services.report_svg import text, visible
from reviewdesk.services.workspace import open_workspace
from tests.report.hostile import DOC_ID, HOSTILE


def _render(path: Path, **kwargs) -> str:
    workspace = open_workspace(path, read_only=True)
    try:
        return report.render_report(insights.compute_insights(workspace), **kwargs)
    finally:
        workspace.close()


def test_report_has_every_section_with_n_and_intervals(demo_path):
    html = _render(demo_path)
    for section in (
        "scope",
        "slices",
        "root-causes",
        "releases",
        "trends",
        "cost",
        "sources",
        "reviewers",
        "agreement",
        "examples",
    ):
        assert f'id="{section}"' in html
    assert "31% [17–50%] 8/26" in html  # overall failure rate: rate, Wilson interval, k/n
    assert "27% [11–52%] 4/15" in html  # refund_request
    assert "borderline" in html and "beyond noise" in html  # release comparison verdicts
    assert "2026-W45" in html and "policy-returns-2024-01" in html and "dana" in html
    assert "Follows the archived 2024 policy" in html  # a representative example with its comment
    assert html.count("<svg") >= 8  # one chart per slice, root causes, comparison, trend, latency


def test_report_is_self_contained(demo_path):
    html = _render(demo_path)
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html, re.IGNORECASE)
    assert "@import" not in html
    assert "@media print" in html


def test_hostile_trace_text_stays_inert(hostile_path):
    html = _render(hostile_path)
    body = html.split("<body>", 1)[1]
    # No markup from the traces survives: the only elements are the report's own.
    for tag in ("<script", "<img", "<iframe", "<link", "<style", 'onerror="', "<object", "<embed"):
        assert tag not in body.lower(), tag
    assert body.count("&lt;script&gt;") >= 5
    # ANSI escapes, the bell and bidi overrides are shown as marks, never emitted raw.
    for char in ("\x1b", "\x07", "\u202e", "\u202c", "\u2066", "\u2069"):
        assert char not in html
    assert "⟨U+001B⟩[31mRED" in html and "⟨U+202E⟩gnp.exe" in html
    assert str(escape(DOC_ID)) in html  # the document id, escaped, in source health and evidence
    assert "eve&lt;script&gt;" in html  # the reviewer name is trace-adjacent text too


def test_escaping_helpers():
    assert visible("a\x1b[0m\u202eb") == "a⟨U+001B⟩[0m⟨U+202E⟩b"
    assert text('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert "\n" in visible("line\nbreak")  # newlines and tabs are text, not smuggling
    assert HOSTILE  # the fixture really is hostile


def test_report_command(demo_path, tmp_path, capsys):
    out = tmp_path / "out" / "report.html"
    code = main(["--workspace", str(demo_path), "report", "-o", str(out), "--workflow", "order_status"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "11 case(s), 8 labeled, failure rate 50% [22–78%] 4/8" in printed
    html = out.read_text(encoding="utf-8")
    assert "workflow = order_status" in html
    assert main(["--workspace", str(demo_path), "report", "-o", str(out), "--compare", "2026.10.1", "nope"]) == 2
    assert "unknown release(s) nope" in capsys.readouterr().err


def test_report_shows_the_case_facts_as_the_window_does(demo_path):
    html = _render(demo_path)
    # Sources: stale by date (the fact, by the workspace's 365 days) beside the labeled count.
    assert '<th class="num">Stale by date</th><th class="num">Labeled stale [evidence]</th>' in html
    assert "older than the workspace's limit of 365 days when retrieved" in html
    row = next(line for line in html.splitlines() if "<td>policy-returns-2024-01</td>" in line)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[:4] == ["8", "1", "8", "1 [1]"]  # retrieved, cited, stale by date, labeled stale
    # Example cards repeat the header's signals: recovered tool errors, a flagged finish, stale documents.
    assert '<span class="tag">1 stale document</span>' in html
    assert re.search(r'<span class="tag">\d+ tool errors?(, recovered|, \d+ recovered)?</span>', html)
