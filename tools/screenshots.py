#!/usr/bin/env python3
"""Render the review desk of the demo workspace at three screen sizes, light and dark.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py             # into docs/screenshots/
    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py --out /tmp/shots

Deterministic: the bundled demo is imported into a fresh workspace in a temporary directory (with
its own settings and window-state directories, so a developer's layout never leaks in), the same
case is shown each time (demo trace #23, an archived policy cited after a failing tool call), the
window is the Fusion style at exactly the size in the file name. Before the case is shown, four
earlier cases are labeled by the window's own commands (a pass, a failure with its root cause, an
unsure, an escalated pass), so the queue's verdict marks and the recent decisions are on screen.
Writes ``case-WxH-light.png`` and ``case-WxH-dark.png`` for 1280×720, 1366×768 and 1920×1080,
and at 1366×768 in both schemes the span tree of the same case (``spans-…``) and the insights
(``insights-…``). Each window gets its own copy of the imported workspace, so every shot starts
from the same labels.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SIZES = ((1280, 720), (1366, 768), (1920, 1080))
EXTRA_VIEWS_SIZE = (1366, 768)
"""The size of the span-tree and insights shots (the laptop screen the issues are measured on)."""
CASE_TRACE = "90759bea"
"""Demo trace #23 (see src/reviewdesk/resources/demo/EXPECTED.md): documents, tool calls and an error."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--trace", default=CASE_TRACE, help="trace id prefix of the case to show")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reviewdesk-shots-") as tmp:
        os.environ["REVIEWDESK_DATA_DIR"] = str(Path(tmp) / "data")
        os.environ["REVIEWDESK_CONFIG_DIR"] = str(Path(tmp) / "config")
        for name in ("REVIEWDESK_WORKSPACE", "REVIEWDESK_COLOR_SCHEME", "REVIEWDESK_SHORTCUTS"):
            os.environ.pop(name, None)
        written = _render(Path(tmp) / "demo.reviewdesk", args.out, args.trace)
    for path in written:
        print(path)
    return 0


def _render(workspace_path: Path, out: Path, trace: str) -> list[Path]:
    # Imported here: the environment above must be set before reviewdesk reads its paths.
    from reviewdesk import paths
    from reviewdesk.services import imports
    from reviewdesk.services.workspace import open_workspace
    from reviewdesk.settings import Settings
    from reviewdesk.ui.app import application
    from reviewdesk.ui.main_window import MainWindow
    from reviewdesk.ui.theme import apply_color_scheme

    app = application()
    workspace = open_workspace(workspace_path)
    try:
        with paths.resource_file("demo", "support_copilot.jsonl") as demo:
            result = imports.import_files(workspace, [demo])
        if any(s.failed for s in result.files):
            raise SystemExit("screenshots: the demo did not import")
    finally:
        workspace.close()
    written: list[Path] = []
    for scheme in ("light", "dark"):
        apply_color_scheme(scheme)
        for width, height in SIZES:
            copy = workspace_path.with_name(f"shot-{scheme}-{width}x{height}.reviewdesk")
            shutil.copyfile(workspace_path, copy)
            window = MainWindow(open_workspace(copy), Settings(reviewer="dana"))
            try:
                window.resize(width, height)
                window.show()
                _settle(app)
                _label_some(window, trace)
                _show_case(window, trace)
                window.statusBar().clearMessage()  # what labeling the other cases said is not about this one
                _settle(app)
                target = out / f"case-{width}x{height}-{scheme}.png"
                _save(window.grab(), target)
                written.append(target)
                if (width, height) == EXTRA_VIEWS_SIZE:
                    written += _extra_views(app, window, out, scheme)
            finally:
                window.close()
                window.workspace.close()
                window.deleteLater()
                _settle(app)
    apply_color_scheme("system")
    return written


def _label_some(window: object, trace: str) -> None:
    """Four cases before the shown one get a verdict through the window, as a reviewer's keys would."""
    window.queue_view.select_queue("all")  # type: ignore[attr-defined]
    model = window.model  # type: ignore[attr-defined]
    rows = [r for r in range(model.rowCount()) if not model.summary(r).trace_id.startswith(trace)][:4]
    steps = (("pass",), ("fail", 2), ("unsure",), ("pass", "escalate"))
    for row, step in zip(rows, steps, strict=False):
        window.select_row(row)  # type: ignore[attr-defined]
        window.set_verdict(step[0])  # type: ignore[attr-defined]
        if len(step) > 1 and step[1] == "escalate":
            window.label_panel.toggle_escalate()  # type: ignore[attr-defined]
        elif len(step) > 1:
            window.toggle_root_cause_number(step[1])  # type: ignore[attr-defined]


def _extra_views(app: object, window: object, out: Path, scheme: str) -> list[Path]:
    """The span tree of the shown case, then the insights, in the same window."""
    width, height = EXTRA_VIEWS_SIZE
    window.case_view.toggle_tab()  # type: ignore[attr-defined]
    _settle(app)
    spans = out / f"spans-{width}x{height}-{scheme}.png"
    _save(window.grab(), spans)  # type: ignore[attr-defined]
    window.case_view.toggle_tab()  # type: ignore[attr-defined]
    window.show_insights(True)  # type: ignore[attr-defined]
    for _ in range(200):  # the insights are computed in the background
        _settle(app)
        if window.runner.idle and window.insights_view.insights is not None:  # type: ignore[attr-defined]
            break
    _settle(app)
    insights = out / f"insights-{width}x{height}-{scheme}.png"
    _save(window.grab(), insights)  # type: ignore[attr-defined]
    window.show_insights(False)  # type: ignore[attr-defined]
    return [spans, insights]


def _save(pixmap: object, target: Path) -> None:
    """As a PNG of the window's own 256 most frequent colours (flat backgrounds and text stay exact,
    only rare anti-aliasing shades are rounded to the nearest): about a third of the size of a
    full-colour PNG, and no dither noise on flat areas. The set is committed under docs/screenshots."""
    from collections import Counter

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    image = pixmap.toImage().convertToFormat(QImage.Format.Format_RGB32)  # type: ignore[attr-defined]
    pixels = memoryview(image.constBits()).cast("I")  # 4 bytes a pixel: rows carry no padding
    by_count = [color & 0xFFFFFF for color, _n in Counter(pixels).most_common()]
    # The most frequent colours, then rarer ones unlike any chosen (a green ✓, a red error dot):
    # frequency alone would round small coloured marks to a grey.
    table = by_count[:160]
    for color in by_count[160:]:
        if len(table) == 256:
            break
        if all(_distance(color, chosen) > 60 for chosen in table):
            table.append(color)
    table += [c for c in by_count[160:] if c not in table][: 256 - len(table)]
    table = [0xFF000000 | color for color in table]
    indexed = image.convertToFormat(QImage.Format.Format_Indexed8, table, Qt.ImageConversionFlag.ThresholdDither)
    if not indexed.save(str(target), "PNG", 9):
        raise SystemExit(f"screenshots: could not write {target}")


def _distance(a: int, b: int) -> int:
    return sum(abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) for shift in (0, 8, 16))


def _show_case(window: object, trace: str) -> None:
    window.queue_view.select_queue("all")  # type: ignore[attr-defined]
    model = window.model  # type: ignore[attr-defined]
    for row in range(model.rowCount()):
        summary = model.summary(row)
        if summary is not None and summary.trace_id.startswith(trace):
            window.select_row(row)  # type: ignore[attr-defined]
            window.focus_review_surface()  # type: ignore[attr-defined]
            return
    raise SystemExit(f"screenshots: no demo case has a trace id starting {trace}")


def _settle(app: object) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QThread

    for _ in range(5):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QThread.msleep(20)


if __name__ == "__main__":
    sys.exit(main())
