"""Desktop integration: the files pass freedesktop's own validators, the icons have every size,
``--install-desktop-entry`` installs them under XDG_DATA_HOME, and the window uses the same icon."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewdesk import desktop, paths

DESKTOP = paths.resource("desktop")


def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:  # tools/setup-test-env.sh installs them; a missing validator is a failure, not a skip
        pytest.fail(f"{name} is missing: run tools/setup-test-env.sh (apt-get install desktop-file-utils appstream)")
    return exe


def test_desktop_entry_passes_desktop_file_validate() -> None:
    result = subprocess.run(
        [_tool("desktop-file-validate"), str(DESKTOP / f"{desktop.APP_ID}.desktop")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_metainfo_passes_appstreamcli_validate() -> None:
    result = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(DESKTOP / f"{desktop.APP_ID}.metainfo.xml")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for screenshot in ("review-desk-1366x768.png", "insights-in-window.png"):
        assert screenshot in (DESKTOP / f"{desktop.APP_ID}.metainfo.xml").read_text(encoding="utf-8")
        assert (Path(__file__).resolve().parents[2] / "docs" / "screenshots" / screenshot).is_file()


def test_metainfo_addresses_are_the_project_home_of_pyproject_and_the_readme() -> None:
    import tomllib
    import xml.etree.ElementTree as ET

    root = Path(__file__).resolve().parents[2]
    urls = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    home = urls["Homepage"].rstrip("/")
    owner_repo = home.removeprefix("https://github.com/")
    component = ET.fromstring((DESKTOP / f"{desktop.APP_ID}.metainfo.xml").read_text(encoding="utf-8"))
    found = {u.get("type"): u.text for u in component.findall("url")}
    assert found == {"homepage": home, "bugtracker": urls["Issues"], "vcs-browser": urls["Source"]}
    # Screenshots are served from the same repository's main branch, at the paths committed here.
    images = [i.text or "" for i in component.iter("image")]
    raw = f"https://raw.githubusercontent.com/{owner_repo}/main/"
    assert images and all(i.startswith(raw) and (root / i.removeprefix(raw)).is_file() for i in images), images
    # The AppStream id is the reverse-DNS form of the GitHub address (io.github.<owner>.*).
    assert desktop.APP_ID.startswith(f"io.github.{owner_repo.split('/')[0]}.")
    assert home in (root / "README.md").read_text(encoding="utf-8")


def test_png_icons_have_every_size_and_match_the_svg_master() -> None:
    from PySide6.QtGui import QImage

    for size in desktop.ICON_SIZES:
        image = QImage(str(paths.resource("icons", f"reviewdesk-{size}.png")))
        assert (image.width(), image.height()) == (size, size)
    assert paths.resource("icons", "reviewdesk.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_install_desktop_entry_under_xdg_data_home(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "--install-desktop-entry"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    entry = tmp_path / "applications" / f"{desktop.APP_ID}.desktop"
    exec_line = next(line for line in entry.read_text(encoding="utf-8").splitlines() if line.startswith("Exec="))
    assert exec_line == f"Exec={sys.executable} -m reviewdesk gui %f"
    assert (
        subprocess.run([_tool("desktop-file-validate"), str(entry)], check=False, capture_output=True).returncode == 0
    )
    for size in desktop.ICON_SIZES:
        assert (tmp_path / f"icons/hicolor/{size}x{size}/apps/{desktop.APP_ID}.png").is_file()
    assert (tmp_path / f"metainfo/{desktop.APP_ID}.metainfo.xml").is_file()
    # update-mime-database (run by the install) compiled both globs into the user's MIME database.
    globs = (tmp_path / "mime" / "globs2").read_text(encoding="utf-8")
    assert "application/x-reviewdesk-workspace:*.reviewdesk" in globs
    assert "application/x-reviewdesk-package:*.rdpkg" in globs


def test_the_application_uses_the_installed_icon_and_desktop_name(qtbot) -> None:
    from reviewdesk.ui.app import application, set_icon_and_desktop_name

    app = application()  # pytest-qt's: application() reuses it, so brand it as a fresh one is branded
    set_icon_and_desktop_name(app)
    assert app.desktopFileName() == desktop.APP_ID
    assert not app.windowIcon().isNull()
    assert {s.width() for s in app.windowIcon().availableSizes()} >= {16, 48, 256}
