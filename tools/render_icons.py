#!/usr/bin/env python3
"""Render src/reviewdesk/resources/icons/reviewdesk.svg to the PNG sizes desktops ask for.

    .venv/bin/python tools/render_icons.py

Uses Qt's own SVG renderer (QtSvg, part of PySide6-Essentials), so no other tool is needed;
tests/packaging/test_desktop_files.py checks the committed PNGs have these sizes.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "src" / "reviewdesk" / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main() -> None:
    _app = QGuiApplication([])
    renderer = QSvgRenderer(str(ICONS / "reviewdesk.svg"))
    if not renderer.isValid():
        raise SystemExit("reviewdesk.svg is not a valid SVG")
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(ICONS / f"reviewdesk-{size}.png"))
        print(f"reviewdesk-{size}.png")


if __name__ == "__main__":
    main()
