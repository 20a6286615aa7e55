"""The report in a real browser: Debian's Chromium, headless, driven over the DevTools pipe.

Checks what a person opening the file would notice and what they could not: it renders with no
console error, no script exception and no network request (the file itself is the only load),
hostile trace text creates no element and runs nothing, and it prints to PDF. Screenshots go to
``$REVIEWDESK_SCREENSHOT_DIR`` (``docs/screenshots`` when refreshing the docs) or a temporary
folder, for people to look at.

Chromium missing is a failure with the install command, never a skip (CI installs ``chromium``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.services import insights, report
from reviewdesk.services.workspace import open_workspace
from tests.report.browser import Chromium, PageRecord, find_chromium

pytestmark = pytest.mark.slow

OWN_ELEMENTS = (
    "script, img, iframe, object, embed, link, audio, video, source, base, form, input, meta[http-equiv=refresh]"
)


def _write(workspace_path: Path, out: Path) -> Path:
    workspace = open_workspace(workspace_path, read_only=True)
    try:
        return report.write_report(out, insights.compute_insights(workspace))
    finally:
        workspace.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    with Chromium(find_chromium(), tmp_path_factory.mktemp("chromium-profile")) as chromium:
        yield chromium


def _open(browser: Chromium, path: Path) -> tuple[str, PageRecord]:
    record = PageRecord()
    session = browser.open(path.resolve().as_uri(), record)
    assert record.errors == [], record.errors
    assert record.requests == [path.resolve().as_uri()], f"unexpected requests: {record.requests}"
    return session, record


def test_demo_report_renders_offline_without_errors(browser, demo_path, tmp_path, shot_dir):
    path = _write(demo_path, tmp_path / "report.html")
    session, _record = _open(browser, path)
    facts = json.loads(
        browser.evaluate(
            session,
            "JSON.stringify({title: document.title, svgs: document.querySelectorAll('svg').length,"
            " sections: [...document.querySelectorAll('section')].map(s => s.id),"
            " width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,"
            f" foreign: document.querySelectorAll({OWN_ELEMENTS!r}).length,"
            " stylesheets: document.styleSheets.length})",
        )
    )
    assert facts["title"] == "reviewdesk report — support_copilot"
    assert facts["svgs"] >= 8 and facts["foreign"] == 0 and facts["stylesheets"] == 1
    assert facts["sections"] == [
        "scope", "slices", "root-causes", "releases", "trends", "cost", "sources", "reviewers", "agreement", "examples",
        "method",
    ]  # fmt: skip
    # The whole page for the check, the first screens (scope, slices) for people and docs/.
    screenshot = browser.screenshot(session, tmp_path / "report-full.png")
    browser.screenshot(session, shot_dir / "report.png", height=2600)
    assert facts["width"] <= 1100  # nothing overflows sideways at a laptop width
    assert screenshot.stat().st_size > 50_000
    pdf = browser.print_pdf(session, tmp_path / "report.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000


def test_hostile_report_stays_inert_in_the_browser(browser, hostile_path, tmp_path, shot_dir):
    path = _write(hostile_path, tmp_path / "hostile.html")
    session, _record = _open(browser, path)
    state = json.loads(
        browser.evaluate(
            session,
            "JSON.stringify({pwned: window.__pwned === undefined ? null : window.__pwned,"
            f" foreign: document.querySelectorAll({OWN_ELEMENTS!r}).length,"
            " styles: document.querySelectorAll('style').length,"
            " text: document.body.innerText.includes(\"<script>window.__pwned = 1; alert('x')</script>\"),"
            " marks: document.body.innerText.includes('⟨U+202E⟩gnp.exe')})",
        )
    )
    assert state == {"pwned": None, "foreign": 0, "styles": 1, "text": True, "marks": True}
    examples = int(browser.evaluate(session, "document.getElementById('examples').offsetTop"))
    browser.screenshot(session, shot_dir / "report-hostile.png", top=examples, height=1200)
