"""Starting the desktop app: ``reviewdesk``, ``reviewdesk gui``, ``reviewdesk demo``, ``reviewdesk-gui``.

Sets up the ``QApplication`` (name, style, colour scheme), routes Python exceptions and Qt
messages to ``logging``, opens the workspace through the services and shows the main window.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from reviewdesk import __version__, desktop, paths
from reviewdesk.domain.errors import ReviewdeskError, WorkspaceError
from reviewdesk.services.workspace import open_workspace
from reviewdesk.settings import load_settings
from reviewdesk.ui.errors import show_error
from reviewdesk.ui.main_window import MainWindow
from reviewdesk.ui.theme import apply_color_scheme

log = logging.getLogger("reviewdesk.ui")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    logging.getLogger("qt").log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    # An exception in a slot must not kill a review session: log it and show it.
    details = "".join(traceback.format_exception(kind, exc, tb))
    log.error("unhandled exception\n%s", details)
    if QApplication.instance() is not None:
        show_error(QApplication.activeWindow(), exc, details)


def check_display() -> None:
    """Fail with a sentence instead of a Qt abort when there is no screen to open a window on."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise ReviewdeskError(
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset). "
            "Use the command line instead: reviewdesk --help"
        )


def set_icon_and_desktop_name(app: QApplication) -> None:
    """Icon and desktop-file name from the files --install-desktop-entry installs (reviewdesk.desktop),
    so the window, the task bar and the launcher show the same icon and name."""
    app.setDesktopFileName(desktop.APP_ID)
    icon = QIcon()
    for size in desktop.ICON_SIZES:
        icon.addFile(str(paths.resource("icons", f"reviewdesk-{size}.png")))
    app.setWindowIcon(icon)


def application(argv: Sequence[str] | None = None) -> QApplication:
    """The process's ``QApplication``, created once with reviewdesk's name and style."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("reviewdesk")
    app.setApplicationDisplayName("reviewdesk")
    app.setOrganizationName("reviewdesk")
    app.setApplicationVersion(__version__)
    set_icon_and_desktop_name(app)
    app.setStyle("Fusion")
    return app


def open_window(workspace_path: paths.WorkspaceLocation | None = None, *, read_only: bool = False) -> MainWindow:
    """Open the workspace (read-only if asked, or if it cannot be written) and build its window."""
    settings = load_settings()
    apply_color_scheme(settings.color_scheme)
    workspace = open_workspace(workspace_path, read_only=True if read_only else None)
    window = MainWindow(workspace, settings)
    window.remember_workspace()
    return window


def run_gui(workspace_path: paths.WorkspaceLocation | None = None, *, read_only: bool = False) -> int:
    """Show the main window on ``workspace_path`` (default workspace if None) until it closes.

    ``read_only``: open it without write access (risk owners reading the insights), whatever the
    file's permissions allow.
    """
    check_display()
    qInstallMessageHandler(_qt_message)
    app = application()
    sys.excepthook = _excepthook
    try:
        window = open_window(workspace_path, read_only=read_only)
    except WorkspaceError as exc:
        show_error(None, exc, title="Cannot open the workspace")
        return 1
    window.show()
    window.focus_review_surface()
    code = app.exec()
    window.workspace.close()
    return int(code)


def main(argv: Sequence[str] | None = None) -> int:
    """``reviewdesk-gui [--workspace PATH] [--read-only]``."""
    parser = argparse.ArgumentParser(prog="reviewdesk-gui", description="Open the reviewdesk window.")
    parser.add_argument(
        "--workspace",
        type=paths.workspace_location,
        help="workspace file or postgresql:// URL (default: $REVIEWDESK_WORKSPACE, else default.reviewdesk in the"
        " user data directory)",
    )
    parser.add_argument("--read-only", action="store_true", help="open the workspace without write access")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return run_gui(args.workspace, read_only=args.read_only)
    except ReviewdeskError as exc:
        print(f"reviewdesk: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
