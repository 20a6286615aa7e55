"""Guard against the PySide6 build that drops a reference to ``None`` on every void method call.

PySide6-Essentials 6.12.0 under Python 3.11 does this: ``label.setText("x")`` lowers
``sys.getrefcount(None)`` by one, so a review session that paints a few hundred cases aborts
with "Fatal Python error: deallocating None". Python 3.12+ makes ``None`` immortal, which hides it.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QLabel


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_qt_calls_keep_none_alive(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("x")
        label.hide()
    assert sys.getrefcount(None) >= before - 10, "this PySide6 build leaks references to None: see pyproject.toml"
