"""Window, splitter and header geometry, kept in ``QSettings`` apart from the typed settings.

Geometry is machine- and screen-specific and changes on every resize; it does not belong in the
reviewer's settings file. The ini file lives in the config directory, so tests (which point
``REVIEWDESK_CONFIG_DIR`` at a temporary directory) never read a developer's window layout.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter

from reviewdesk import paths


def ui_state() -> QSettings:
    return QSettings(str(paths.config_dir() / "ui-state.ini"), QSettings.Format.IniFormat)


def save_window(window: QMainWindow, splitters: dict[str, QSplitter], headers: dict[str, QHeaderView]) -> None:
    state = ui_state()
    state.setValue("window/geometry", window.saveGeometry())
    state.setValue("window/state", window.saveState())
    for name, splitter in splitters.items():
        state.setValue(f"splitter/{name}", splitter.saveState())
    for name, header in headers.items():
        state.setValue(f"header/{name}", header.saveState())
    state.sync()


def restore_window(window: QMainWindow, splitters: dict[str, QSplitter], headers: dict[str, QHeaderView]) -> bool:
    """Restore what was saved; False when nothing was (first start: the caller picks a size)."""
    state = ui_state()
    geometry = state.value("window/geometry")
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
        window_state = state.value("window/state")
        if isinstance(window_state, QByteArray):
            window.restoreState(window_state)
    for name, splitter in splitters.items():
        value = state.value(f"splitter/{name}")
        if isinstance(value, QByteArray):
            splitter.restoreState(value)
    for name, header in headers.items():
        value = state.value(f"header/{name}")
        if isinstance(value, QByteArray):
            header.restoreState(value)
    return isinstance(geometry, QByteArray)
