"""The smaller defects of the reading desk (issue 15 item 7), each driven through the real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QApplication, QComboBox, QDialog

from reviewdesk.ui.theme import apply_color_scheme

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _key(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "keyboard focus was lost"
    qtbot.keyClick(target, key, modifier)


def _contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _request_colors(window) -> tuple[QColor, QColor]:
    """Text and background of the highlighted request in the Prompt pane, as painted."""
    prompt = window.case_view.panes["Prompt"]
    request = window.case_view.detail.case.input.user_request
    block = prompt.document().find(request).block()
    fmt = block.begin().fragment().charFormat()
    text = fmt.foreground().color() if fmt.hasProperty(fmt.Property.ForegroundBrush) else prompt.palette().text().color()
    return text, fmt.background().color()


def _choose_scheme_in_preferences(qtbot, window, scheme: str) -> None:
    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog):
            QTimer.singleShot(20, answer)
            return
        combo = dialog.findChild(QComboBox)
        combo.setCurrentIndex(combo.findData(scheme))
        dialog.accept()

    QTimer.singleShot(0, answer)
    window.edit_preferences()


def test_dark_mode_from_preferences_repaints_the_panes_without_a_restart(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")
    window.select_row(0)
    text, background = _request_colors(window)
    assert background.lightness() > 128 and _contrast(text, background) > 4.5
    try:
        _choose_scheme_in_preferences(qtbot, window, "dark")
        assert QGuiApplication.palette().base().color().lightness() < 128
        qtbot.wait(20)
        text, background = _request_colors(window)
        # The user request was white on pale yellow: now a dark highlight behind the light text.
        assert background.lightness() < 128, background.name()
        assert _contrast(text, background) > 4.5, (text.name(), background.name())
        for pane in window.case_view.panes.values():  # the panes themselves went dark, not only the window
            assert pane.palette().base().color().lightness() < 128, pane.objectName()
        muted = window.case_view.panes["Output"].document().find("finish reason").charFormat().foreground().color()
        assert _contrast(muted, window.case_view.panes["Output"].palette().base().color()) > 3
        _choose_scheme_in_preferences(qtbot, window, "light")
        text, background = _request_colors(window)
        assert background.lightness() > 128 and _contrast(text, background) > 4.5
    finally:
        apply_color_scheme("system")
