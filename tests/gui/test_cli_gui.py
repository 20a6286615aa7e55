"""Starting the window from the command line: ``reviewdesk``, ``reviewdesk gui``, ``reviewdesk demo``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import ReviewdeskError
from tests.conftest import REPO


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path | None]:
    from reviewdesk.ui import app

    calls: list[Path | None] = []
    monkeypatch.setattr(app, "run_gui", lambda workspace=None, read_only=False: calls.append(workspace) or 0)
    return calls


def test_gui_read_only_flag_reaches_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from reviewdesk.ui import app

    calls: list[tuple[Path | None, bool]] = []
    monkeypatch.setattr(
        app, "run_gui", lambda workspace=None, read_only=False: calls.append((workspace, read_only)) or 0
    )
    assert main(["gui", "--workspace", str(tmp_path / "a.reviewdesk"), "--read-only"]) == 0
    assert main(["gui", "--workspace", str(tmp_path / "a.reviewdesk")]) == 0
    assert calls == [(tmp_path / "a.reviewdesk", True), (tmp_path / "a.reviewdesk", False)]


def test_gui_command_opens_the_given_workspace(opened: list[Path | None], tmp_path: Path) -> None:
    assert main(["gui", "--workspace", str(tmp_path / "a.reviewdesk")]) == 0
    assert main(["--workspace", str(tmp_path / "b.reviewdesk"), "gui"]) == 0
    assert opened == [tmp_path / "a.reviewdesk", tmp_path / "b.reviewdesk"]


def test_no_arguments_open_the_window(opened: list[Path | None], tmp_path: Path) -> None:
    assert main([]) == 0
    assert main(["--workspace", str(tmp_path / "c.reviewdesk")]) == 0
    assert opened == [None, tmp_path / "c.reviewdesk"]


def test_demo_imports_then_opens_the_window(opened: list[Path | None], tmp_path: Path, capsys) -> None:
    target = tmp_path / "demo.reviewdesk"
    assert main(["--workspace", str(target), "demo"]) == 0
    assert opened == [target]
    assert "new case(s)" in capsys.readouterr().out
    assert main(["--workspace", str(target), "demo", "--no-gui"]) == 0
    assert opened == [target]  # --no-gui: listed, not opened
    assert "already imported" in capsys.readouterr().out


@pytest.mark.slow  # a subprocess (or large data): kept out of the fast loop
def test_cli_does_not_import_qt() -> None:
    code = "import sys, reviewdesk.cli.main; sys.exit('PySide6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, check=False).returncode == 0


def test_no_display_is_a_readable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from reviewdesk.ui.app import check_display

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(ReviewdeskError, match="no display"):
        check_display()


def test_gui_script_is_declared() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["gui-scripts"]["reviewdesk-gui"] == "reviewdesk.ui.app:main"
    assert any(dep.startswith("pydantic-settings") for dep in project["dependencies"])
