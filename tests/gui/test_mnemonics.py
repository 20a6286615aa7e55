"""Every Alt+letter of the dialogs does one thing: in each dialog (export, preferences, taxonomy)
each mnemonic is unique and, pressed with the main window and its menu bar open behind the dialog,
reaches its own widget — a label's buddy gets the focus, a button or checkbox gets the shortcut —
never a menu of the main window. The menu bar's own mnemonics, and those of each menu, are unique.
(There is no import dialog of our own: File → Import traces… is Qt's file dialog.)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QGroupBox, QLabel, QWidget

from reviewdesk.services import exports, formats
from reviewdesk.ui.views.dialogs import PreferencesDialog
from reviewdesk.ui.views.export_dialog import ExportDialog
from tests.gui.conftest import wait_idle

ALT = Qt.KeyboardModifier.AltModifier


def mnemonic(text: str) -> str | None:
    """The letter after a single ``&`` (``&&`` is a literal ampersand), lower case."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] == "&":
                i += 2
                continue
            return text[i + 1].lower()
        i += 1
    return None


def _mnemonics(dialog: QDialog) -> list[tuple[str, QWidget, str]]:
    """(letter, widget that owns it, its text) for every widget of the dialog shown with one."""
    found: list[tuple[str, QWidget, str]] = []
    for widget in dialog.findChildren(QWidget):
        if not widget.isVisibleTo(dialog):
            continue
        if isinstance(widget, (QAbstractButton, QLabel)):
            text = widget.text()
        elif isinstance(widget, QGroupBox):
            text = widget.title()
        else:
            continue
        letter = mnemonic(text)
        if letter:
            found.append((letter, widget, text))
    return found


class _Shortcuts(QObject):
    """Records which widget a mnemonic's shortcut event reached; buttons and checkboxes swallow it
    (no export written, no file dialog opened), labels let it through to give their buddy the focus."""

    def __init__(self) -> None:
        super().__init__()
        self.reached: list[QObject] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Shortcut:
            self.reached.append(watched)
            return isinstance(watched, QAbstractButton)
        return False


def _walk(qtbot, window, dialog: QDialog) -> list[str]:
    """Press every mnemonic of ``dialog`` whose control is enabled; return the letters pressed, after
    checking that each reached its widget."""
    dialog.setModal(True)  # as exec() shows it: the main window behind is blocked, its menu bar too
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)  # as exec() would have it
    found = _mnemonics(dialog)
    letters = Counter(letter for letter, _w, _t in found)
    clashes = {letter: [t for m, _w, t in found if m == letter] for letter, n in letters.items() if n > 1}
    assert not clashes, f"{dialog.windowTitle()}: mnemonics used twice: {clashes}"
    spy = _Shortcuts()
    for _letter, widget, _text in found:
        widget.installEventFilter(spy)
    pressed = []
    for letter, widget, text in found:
        if not widget.isEnabled():
            continue  # a disabled control takes no shortcut (the taxonomy's Restore, with no retired cause)
        pressed.append(letter)
        if isinstance(widget, QLabel):
            assert widget.buddy() is not None, f"{dialog.windowTitle()}: {text!r} has no buddy to focus"
        spy.reached.clear()
        target = dialog.focusWidget() or dialog
        qtbot.keyClick(target, letter, ALT)
        assert spy.reached == [widget], f"{dialog.windowTitle()}: Alt+{letter} ({text!r}) reached {spy.reached}"
        if isinstance(widget, QLabel):
            buddy = widget.buddy()
            assert buddy.hasFocus() or buddy.isAncestorOf(dialog.focusWidget()), f"Alt+{letter}: {text!r}"
        assert dialog.isVisible() and window.menuBar().activeAction() is None  # no menu of the window opened
    dialog.close()
    return sorted(pressed)


def test_export_dialog_mnemonics_are_unique_and_reach_their_widget(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    dialog = ExportDialog(
        window.workspace,
        window.runner,
        formats.export_formats(),
        exports.ExportSelection(flt=window.model.case_filter),
        default_dir=Path.home(),
        parent=window,
    )
    qtbot.addWidget(dialog)
    # Sampling and splitting on: their labels (cases per, seed, stratified by) take part too.
    dialog.sample_enabled.setChecked(True)
    dialog.split_enabled.setChecked(True)
    letters = _walk(qtbot, window, dialog)
    assert len(letters) >= 14
    wait_idle(qtbot, window)


def test_preferences_mnemonics_are_unique_and_reach_their_widget(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    dialog = PreferencesDialog(window.settings, window, stale_after=365)
    qtbot.addWidget(dialog)
    letters = _walk(qtbot, window, dialog)
    assert len(letters) >= 4  # reviewer name, colours, blind review, stale after


def test_taxonomy_dialog_mnemonics_are_unique_and_reach_their_widget(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    dialog = window.taxonomy_dialog()
    qtbot.addWidget(dialog)
    letters = _walk(qtbot, window, dialog)
    assert len(letters) >= 8  # Save changes and Restore are off until a cause is edited or retired


def test_menu_bar_and_menu_mnemonics_are_unique(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    bar = [a.text() for a in window.menuBar().actions()]
    letters = Counter(mnemonic(text) for text in bar)
    assert None not in letters, bar
    assert all(n == 1 for n in letters.values()), bar
    for action in window.menuBar().actions():
        menu = action.menu()
        items = [a.text() for a in menu.actions() if not a.isSeparator() and mnemonic(a.text())]
        counts = Counter(mnemonic(text) for text in items)
        assert all(n == 1 for n in counts.values()), (action.text(), [t for t in items if counts[mnemonic(t)] > 1])
