"""User settings: a typed pydantic-settings model stored as JSON in the config directory.

What lives here is the reviewer's own choices (their name, key overrides, recent workspaces,
colour scheme). Window and splitter geometry are not settings: ``ui.state`` keeps them in
``QSettings``. The file carries ``schema_version``; ``_MIGRATIONS`` upgrades older files step by
step, so a setting renamed in a later release never resets a reviewer's configuration.
Environment variables ``REVIEWDESK_REVIEWER`` (and the other fields, upper-cased) override the file.
"""

from __future__ import annotations

import getpass
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from reviewdesk import paths
from reviewdesk.files import write_text_atomically

log = logging.getLogger(__name__)

SETTINGS_SCHEMA_VERSION = 1
MAX_RECENT = 10
SETTINGS_FILE = "settings.json"

ColorScheme = Literal["system", "light", "dark"]


def os_user() -> str:
    """The login name, the reviewer name until the user sets one."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "reviewer"


class Settings(BaseSettings):
    """Everything a reviewer can configure."""

    model_config = SettingsConfigDict(env_prefix="REVIEWDESK_", extra="ignore", use_attribute_docstrings=True)

    schema_version: int = SETTINGS_SCHEMA_VERSION
    """Version of this file's layout; upgraded on load."""
    reviewer: str = Field(default_factory=os_user)
    """Name written into every label event."""
    shortcuts: dict[str, list[str]] = Field(default_factory=dict)
    """Key overrides by action id (``"review.pass": ["Y"]``); an empty list removes the keys."""
    recent_workspaces: list[str] = Field(default_factory=list)
    """Most recently opened workspace files, newest first."""
    color_scheme: ColorScheme = "system"
    """Follow the system's light/dark scheme, or force one."""

    def add_recent(self, path: Path) -> None:
        entry = str(path)
        self.recent_workspaces = [entry, *(p for p in self.recent_workspaces if p != entry)][:MAX_RECENT]


def _from_v0(data: dict[str, Any]) -> dict[str, Any]:
    # Files written before settings had a version used "reviewer_name" and "recent".
    if "reviewer_name" in data:
        data["reviewer"] = data.pop("reviewer_name")
    if "recent" in data:
        data["recent_workspaces"] = data.pop("recent")
    return data


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _from_v0}


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Upgrade a settings document from whatever version it was written at to the current one."""
    version = int(data.get("schema_version", 0))
    while version < SETTINGS_SCHEMA_VERSION:
        data = _MIGRATIONS[version](dict(data))
        version += 1
        data["schema_version"] = version
    return data


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings, or defaults when there are none or the file is unreadable."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return Settings(**migrate(data))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError, ValidationError) as exc:
        # A broken settings file must not stop anyone from reviewing; say so and start fresh.
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically, so a crash mid-write never leaves a truncated settings file."""
    write_text_atomically(path or settings_path(), settings.model_dump_json(indent=2))
