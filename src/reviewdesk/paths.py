"""Where reviewdesk keeps its files. The only module that knows about the operating system's layout.

Environment overrides (tests set them so they never touch a developer's real data):
``REVIEWDESK_WORKSPACE`` (the workspace file or database URL), ``REVIEWDESK_DATA_DIR``,
``REVIEWDESK_CONFIG_DIR``.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

APP_NAME = "reviewdesk"
WORKSPACE_SUFFIX = ".reviewdesk"
DATABASE_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")

WorkspaceLocation = Path | str
"""Where a workspace is: a file (SQLite), or a ``postgresql://`` URL as a ``str``."""


def is_database_url(location: object) -> bool:
    """Whether a ``--workspace`` value names a PostgreSQL database rather than a file."""
    return isinstance(location, str) and location.strip().lower().startswith(DATABASE_SCHEMES)


def workspace_location(value: str) -> WorkspaceLocation:
    """A ``--workspace`` value: a database URL stays text (a ``Path`` would fold its ``//``), else a path."""
    return value.strip() if is_database_url(value) else Path(value).expanduser()


def data_dir() -> Path:
    override = os.environ.get("REVIEWDESK_DATA_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    override = os.environ.get("REVIEWDESK_CONFIG_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def redaction_keys_dir() -> Path:
    """Where each workspace's redaction key lives, by workspace id: never inside or beside a workspace."""
    return data_dir() / "keys"


def default_workspace() -> WorkspaceLocation:
    """``REVIEWDESK_WORKSPACE`` (a file or a database URL) if set, else ``default.reviewdesk`` in the
    user data directory."""
    override = os.environ.get("REVIEWDESK_WORKSPACE")
    if override:
        return workspace_location(override)
    return data_dir() / f"default{WORKSPACE_SUFFIX}"


def demo_workspace() -> Path:
    return data_dir() / f"demo{WORKSPACE_SUFFIX}"


def resource(*parts: str) -> Traversable:
    """A file or folder of ``reviewdesk/resources/`` (the demo data, icons, desktop files).

    Read through ``importlib.resources``, so it is found wherever the package is: a checkout, an
    installed wheel, a zip, a PyInstaller bundle. Nothing here lives outside the package.
    """
    return importlib.resources.files("reviewdesk").joinpath("resources", *parts)


@contextmanager
def resource_file(*parts: str) -> Iterator[Path]:
    """One resource file as a real path for as long as the block runs (extracted if it is zipped)."""
    with importlib.resources.as_file(resource(*parts)) as path:
        yield path


def demo_files() -> list[str]:
    """Names of the demo trace files, in import order."""
    return sorted(entry.name for entry in resource("demo").iterdir() if entry.name.endswith(".jsonl"))
