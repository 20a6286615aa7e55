"""Light and dark: follow the system's colour scheme unless the reviewer forces one.

Fusion draws every widget from the palette, so a scheme change repaints consistently on all
platforms; our own colours (errors, highlights) are chosen from the palette at paint time. Qt
switches the palette itself where the platform supports colour schemes; where it does not
(some Linux desktops, the offscreen platform), a forced "dark" installs a dark palette.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

_SCHEMES = {
    "system": Qt.ColorScheme.Unknown,
    "light": Qt.ColorScheme.Light,
    "dark": Qt.ColorScheme.Dark,
}


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    colors = {
        roles.Window: "#2b2b2b",
        roles.WindowText: "#e6e6e6",
        roles.Base: "#1f1f1f",
        roles.AlternateBase: "#262626",
        roles.ToolTipBase: "#333333",
        roles.ToolTipText: "#e6e6e6",
        roles.PlaceholderText: "#9a9a9a",
        roles.Text: "#e6e6e6",
        roles.Button: "#333333",
        roles.ButtonText: "#e6e6e6",
        roles.BrightText: "#ff6b6b",
        roles.Highlight: "#2f6db5",
        roles.HighlightedText: "#ffffff",
        roles.Link: "#6ea8fe",
        roles.Mid: "#444444",
        roles.Dark: "#1a1a1a",
        roles.Light: "#4a4a4a",
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


def _is_dark(palette: QPalette) -> bool:
    return palette.base().color().lightness() < 128


def apply_color_scheme(name: str) -> None:
    """``system`` hands the choice back to the platform; ``light``/``dark`` override it."""
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return
    QGuiApplication.styleHints().setColorScheme(_SCHEMES.get(name, Qt.ColorScheme.Unknown))
    # A default-constructed palette means "whatever the platform and style say".
    QGuiApplication.setPalette(QPalette())
    if name == "dark" and not _is_dark(QGuiApplication.palette()):
        QGuiApplication.setPalette(dark_palette())
