"""Untrusted trace text is inert in the window, as in the CLI (tests/robustness/test_hostile_text.py).

The hostile trace carries HTML, JavaScript, remote images, markdown image links, terminal
escapes, bidi overrides and isolates, zero-width characters and a prompt injection in every text
field. Shown in every pane — prompt, context, tools, output, span tree and attributes, queue
cells and their tooltips, the header, the history, the insights — nothing may be read as markup
(labels are plain text, documents hold no image or anchor, tooltips are escaped, no network
manager exists), and no bidi or invisible control character reaches the screen: each is shown as
a visible ``⟨U+XXXX⟩`` mark.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTreeWidgetItemIterator

from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import imports
from reviewdesk.services.labels import record_label
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.models.case_table_model import COLUMN_REQUEST
from tests.gui.conftest import wait_idle
from tests.robustness.test_hostile_text import ESC, HOSTILE, TRACE, _hostile_trace

FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _assert_inert_text(text: str, where: str) -> None:
    bad = FORBIDDEN.search(text)
    assert bad is None, f"{where}: U+{ord(bad.group()):04X} shown as is"


def _assert_inert_document(document: QTextDocument, where: str, *, editable: bool = False) -> None:
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fmt = iterator.fragment().charFormat()
            assert not fmt.isImageFormat(), where
            assert not fmt.isAnchor() and not fmt.anchorHref(), where
            iterator += 1
        block = block.next()
    if not editable:  # the label editors keep the exact text stored (it is the reviewer's to fix)
        _assert_inert_text(document.toPlainText(), where)


def _assert_inert_tooltip(tip: object, where: str) -> None:
    if not tip:
        return
    text = str(tip)
    _assert_inert_text(text, where)
    if "<" in text.removeprefix("<qt>").removesuffix("</qt>").replace("<br>", ""):
        raise AssertionError(f"{where}: unescaped markup in a tooltip: {text[:80]!r}")


def _workspace(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.reviewdesk"
    ws = open_workspace(path)
    try:
        result = imports.import_files(ws, [_hostile_trace(tmp_path)])
        assert all(s.failed is None for s in result.files)
        record_label(ws, TRACE, LabelChange(verdict="fail", comment=HOSTILE), reviewer=f"mallory{ESC}[8m\u202e")
    finally:
        ws.close()
    return path


def test_hostile_text_is_inert_in_every_pane(qtbot, make_main_window, tmp_path):
    from PySide6.QtNetwork import QNetworkAccessManager

    window = make_main_window(_workspace(tmp_path))
    window.queue_view.select_queue("all")
    window.select_row(0)
    detail = window.case_view.detail
    assert detail is not None and detail.case.trace_id == TRACE

    # The four panes: markup arrives as its characters, bidi and controls as visible marks.
    panes = window.case_view.panes
    for title, pane in panes.items():
        _assert_inert_document(pane.document(), title)
    shown = "\n".join(pane.toPlainText() for pane in panes.values())
    assert "<script>alert(document.cookie)</script>" in shown
    assert "<img src=http://evil.example/pixel.png onerror=alert(1)>" in shown
    assert "IGNORE ALL PREVIOUS INSTRUCTIONS" in shown
    assert "⟨U+202E⟩evil-reversed⟨U+202C⟩" in shown
    assert "⟨U+001B⟩[31mRED" in shown
    for title in ("Prompt", "Context", "Tools", "Output"):
        assert "⟨U+202E⟩" in panes[title].toPlainText(), title

    # Header and every label: plain text only.
    header = window.case_view.header
    assert header.textFormat() == Qt.TextFormat.PlainText
    _assert_inert_text(header.text(), "header")
    for label in window.findChildren(QLabel):
        if "<" in label.text() or FORBIDDEN.search(label.text()):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
        _assert_inert_text(label.text(), f"label {label.objectName()}")

    # The span tree, and each span's raw attributes.
    window.case_view.toggle_tab()
    iterator = QTreeWidgetItemIterator(window.case_view.span_tree)
    spans = 0
    while iterator.value() is not None:
        item = iterator.value()
        _assert_inert_text(item.text(0), "span tree")
        _assert_inert_tooltip(item.toolTip(0), "span tree tooltip")
        window.case_view.span_tree.setCurrentItem(item)
        _assert_inert_document(window.case_view.span_attributes.document(), f"attributes of {item.text(0)}")
        spans += 1
        iterator += 1
    assert spans == 4
    assert "<script>" in window.case_view.span_attributes.toPlainText()

    # Queue cells and their tooltips.
    model = window.model
    for column in range(model.columnCount()):
        index = model.index(0, column)
        _assert_inert_text(str(index.data() or ""), f"queue column {column}")
        _assert_inert_tooltip(index.data(Qt.ItemDataRole.ToolTipRole), f"queue tooltip {column}")
    assert str(model.index(0, COLUMN_REQUEST).data()).startswith(
        "request ⟨U+001B⟩[31mRED"
    )  # the request, controls visible

    # History (audit trail): the reviewer's name and the comment.
    tree = window.label_panel.history_tree
    assert tree.topLevelItemCount() == 1
    for column in range(tree.columnCount()):
        _assert_inert_text(tree.topLevelItem(0).text(column), f"history column {column}")
        _assert_inert_tooltip(tree.topLevelItem(0).toolTip(column), f"history tooltip {column}")
    assert tree.topLevelItem(0).text(1) == "mallory⟨U+001B⟩[8m⟨U+202E⟩"

    # The insights: slice names and examples from the trace.
    window.show_insights(True)
    qtbot.waitUntil(lambda: window.insights_view.insights is not None, timeout=20000)
    for name, table in window.insights_view.tables.items():
        figures = table.model()
        for row in range(figures.rowCount()):
            for column in range(figures.columnCount()):
                index = figures.index(row, column, QModelIndex())
                _assert_inert_text(str(index.data() or ""), f"{name} {row},{column}")
                _assert_inert_tooltip(index.data(Qt.ItemDataRole.ToolTipRole), f"{name} tooltip {row},{column}")

    # Nothing could have gone to the network: there is no network manager at all.
    assert window.findChildren(QNetworkAccessManager) == []
    for editor in window.findChildren(QPlainTextEdit):  # every text view: no image or link either
        _assert_inert_document(editor.document(), editor.objectName(), editable=not editor.isReadOnly())
    wait_idle(qtbot, window)
