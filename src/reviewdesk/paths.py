"""Where reviewdesk keeps its files. The only module that knows about the operating system's layout.

Environment overrides (tests set them so they never touch a developer's real data):
``REVIEWDESK_WORKSPACE`` (the workspace file), ``REVIEWDESK_DATA_DIR``, ``REVIEWDESK_CONFIG_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "reviewdesk"
WORKSPACE_SUFFIX = ".reviewdesk"


def data_dir() -> Path:
    override = os.environ.get("REVIEWDESK_DATA_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    override = os.environ.get("REVIEWDESK_CONFIG_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_workspace() -> Path:
    """``REVIEWDESK_WORKSPACE`` if set, else ``default.reviewdesk`` in the user data directory."""
    override = os.environ.get("REVIEWDESK_WORKSPACE")
    if override:
        return Path(override).expanduser()
    return data_dir() / f"default{WORKSPACE_SUFFIX}"


def demo_workspace() -> Path:
    return data_dir() / f"demo{WORKSPACE_SUFFIX}"


def resources_dir() -> Path:
    """``resources/`` of a source checkout, or the copy installed inside the package."""
    packaged = Path(__file__).parent / "resources"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "resources"
