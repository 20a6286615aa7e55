"""Fixtures for the GUI tests: a demo workspace, a main-window factory, captured message boxes.

Every test here runs offscreen (``QT_QPA_PLATFORM=offscreen`` from the root conftest) with its own
config and data directories, so settings, ``QSettings`` geometry and workspaces never leak
between tests or into a developer's home.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO

DEMO_FILE = REPO / "src" / "reviewdesk" / "resources" / "demo" / "support_copilot.jsonl"
INSTRUMENTED = DATA / "instrumented"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.gui)


def demo_files() -> list[Path]:
    """The bundled demo traces, or the instrumented fixtures if the demo file is absent."""
    if DEMO_FILE.exists():
        return [DEMO_FILE]
    return sorted(p for p in INSTRUMENTED.glob("*.json*") if p.name != "expected.json")


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo imported once per test session (a few seconds each time on a busy machine)."""
    from reviewdesk.services import imports
    from reviewdesk.services.workspace import open_workspace

    path = tmp_path_factory.mktemp("demo-template") / "demo.reviewdesk"
    ws = open_workspace(path)
    try:
        result = imports.import_files(ws, demo_files())
        assert all(s.failed is None for s in result.files)
    finally:
        ws.close()
    return path


@pytest.fixture
def demo_workspace(_demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the imported demo workspace: each test may change its own freely."""
    path = tmp_path / "demo.reviewdesk"
    for suffix in ("", "-wal", "-shm"):  # a closed workspace has no WAL left, but copy whatever exists
        source = _demo_template.with_name(_demo_template.name + suffix)
        if source.exists():
            shutil.copy2(source, path.with_name(path.name + suffix))
    return path


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Message boxes shown during the test (title, text, details), answered with OK at once."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[dict[str, str]] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append({"title": box.windowTitle(), "text": box.text(), "details": box.detailedText()})
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return shown


@pytest.fixture
def make_main_window(qtbot, messages: list[dict[str, str]]) -> Iterator[Callable[..., object]]:
    """``make_main_window(path or URL, reviewer="tester")``: a shown, focused window; deleted at teardown."""
    from reviewdesk.services.workspace import open_workspace
    from reviewdesk.settings import Settings
    from reviewdesk.ui.main_window import MainWindow

    fusion_style()
    windows: list[MainWindow] = []

    def factory(path: Path | str, *, reviewer: str = "tester", size: tuple[int, int] = (1366, 768)) -> MainWindow:
        window = MainWindow(open_workspace(path), Settings(reviewer=reviewer))
        windows.append(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitActive(window)
        window.focus_review_surface()
        qtbot.waitUntil(window.queue_view.table.hasFocus)
        return window

    yield factory
    for window in windows:
        window.close()
        window.workspace.close()
        # Closed is not gone: delete the widgets, or every later test's event processing walks them.
        window.deleteLater()
    qtbot.wait(0)


def fusion_style() -> None:
    """The style reviewdesk starts with, so screenshots match. Set once: setStyle re-polishes every
    widget alive, which made each GUI test's set-up slower than the last (7 s by the end of a run)."""
    from reviewdesk.ui.app import application

    app = application()
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")


def wait_idle(qtbot, window: object) -> None:
    qtbot.waitUntil(lambda: window.runner.idle, timeout=20000)  # type: ignore[attr-defined]
