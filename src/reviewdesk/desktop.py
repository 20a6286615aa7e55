"""Desktop integration on Linux and other XDG desktops: ``reviewdesk --install-desktop-entry``.

Installs, for the current user only, under ``$XDG_DATA_HOME`` (default ``~/.local/share``): the
launcher (``applications/``), the icons (``icons/hicolor/``), the MIME types of workspaces
(``*.reviewdesk``) and review packages (``*.rdpkg``) (``mime/packages/``) and the AppStream
metainfo (``metainfo/``). The files are package data (``resources/desktop``, ``resources/icons``),
the same ones a distribution package or the bundle ships; only ``Exec=`` is rewritten to the
command that is running now, so the launcher starts this installation.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from reviewdesk import paths

APP_ID = "io.github.reviewdesk.ReviewDesk"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MIME_FILE = "reviewdesk-mime.xml"


def data_home() -> Path:
    override = os.environ.get("XDG_DATA_HOME")
    return Path(override) if override else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The command that starts this installation: the bundle, the console script, or the module."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if script is not None and script.name.startswith("reviewdesk") and script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "reviewdesk"]


def desktop_entry(command: list[str]) -> str:
    text = paths.resource("desktop", f"{APP_ID}.desktop").read_text(encoding="utf-8")
    exec_line = " ".join(shlex.quote(part) for part in command) + " gui %f"
    return "".join(
        f"Exec={exec_line}\n" if line.startswith("Exec=") else line for line in text.splitlines(keepends=True)
    )


def install(target: Path | None = None) -> list[Path]:
    """Write every file (replacing older copies); the paths written, in order."""
    root = target or data_home()
    written: list[Path] = []

    def put(relative: str, data: bytes) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    put(f"applications/{APP_ID}.desktop", desktop_entry(launch_command()).encode("utf-8"))
    for size in ICON_SIZES:
        put(
            f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png",
            paths.resource("icons", f"reviewdesk-{size}.png").read_bytes(),
        )
    put(f"icons/hicolor/scalable/apps/{APP_ID}.svg", paths.resource("icons", "reviewdesk.svg").read_bytes())
    put(f"mime/packages/{MIME_FILE}", paths.resource("desktop", MIME_FILE).read_bytes())
    put(f"metainfo/{APP_ID}.metainfo.xml", paths.resource("desktop", f"{APP_ID}.metainfo.xml").read_bytes())
    # Refresh the caches when the tools are there (they are on every desktop; a bare server lacks them).
    for tool, folder in (("update-mime-database", "mime"), ("update-desktop-database", "applications")):
        exe = shutil.which(tool)
        if exe:
            subprocess.run([exe, str(root / folder)], check=False, capture_output=True)
    return written
