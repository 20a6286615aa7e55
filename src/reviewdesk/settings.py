"""User settings: a typed pydantic-settings model stored as JSON in the config directory.

What lives here is the reviewer's own choices (their name, key overrides, recent workspaces,
colour scheme). Window and splitter geometry are not settings: ``ui.state`` keeps them in
``QSettings``. The file carries ``schema_version``; ``_MIGRATIONS`` upgrades older files step by
step, so a setting renamed in a later release never resets a reviewer's configuration.

Precedence, highest first: values given in code, environment variables (``REVIEWDESK_REVIEWER``,
``REVIEWDESK_COLOR_SCHEME``, ``REVIEWDESK_SHORTCUTS`` as JSON … — each field upper-cased with the
prefix), the settings file, the defaults. A value that came from the environment is never written
back to the file (napari's settings do the same): setting ``REVIEWDESK_REVIEWER`` for one session
must not rename the reviewer for good. A bad value in either source is reported and ignored, field
by field, so a typo never stops anyone from reviewing.
"""

from __future__ import annotations

import getpass
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from reviewdesk import paths
from reviewdesk.files import write_text_atomically

log = logging.getLogger(__name__)

SETTINGS_SCHEMA_VERSION = 1
MAX_RECENT = 10
SETTINGS_FILE = "settings.json"
ENV_PREFIX = "REVIEWDESK_"

ColorScheme = Literal["system", "light", "dark"]


def os_user() -> str:
    """The login name, the reviewer name until the user sets one."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "reviewer"


class Settings(BaseSettings):
    """Everything a reviewer can configure."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", use_attribute_docstrings=True)

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

    # Where each loaded value came from, so saving can leave the environment's values out.
    _from_environment: dict[str, Any] = PrivateAttr(default_factory=dict)
    _from_file: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings() reads the environment and the file itself and layers them, so a bad
        # value in one can be reported and dropped; Settings(...) in code takes only what it is given.
        return (init_settings,)

    def add_recent(self, location: Path | str) -> None:
        """Remember a workspace: a file, or a server URL as shown (its password is never stored)."""
        entry = str(location)
        self.recent_workspaces = [entry, *(p for p in self.recent_workspaces if p != entry)][:MAX_RECENT]

    def from_environment(self) -> set[str]:
        """Names of the fields whose value was set by an environment variable."""
        return set(self._from_environment)


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


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return migrate(data)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        # A broken settings file must not stop anyone from reviewing; say so and start fresh.
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return {}


def _read_environment() -> dict[str, Any]:
    try:
        return dict(EnvSettingsSource(Settings)())
    except SettingsError as exc:  # e.g. REVIEWDESK_SHORTCUTS that is not JSON
        log.warning("ignoring the REVIEWDESK_* settings in the environment: %s", exc)
        return {}


def _drop_invalid(data: dict[str, Any], source: str) -> dict[str, Any]:
    """``data`` without the fields that do not validate, each one reported with ``source``."""
    try:
        Settings(**data)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        for name in sorted(bad):
            where = f"{ENV_PREFIX}{name.upper()}" if source == "environment" else f"{name!r} in {source}"
            log.warning("ignoring invalid setting %s: %s", where, exc)
        return {key: value for key, value in data.items() if key not in bad}
    return data


def load_settings(path: Path | None = None) -> Settings:
    """The environment's values over the saved ones over the defaults (see the module docstring)."""
    path = path or settings_path()
    stored = _drop_invalid(_read_file(path), str(path))
    environment = _drop_invalid(_read_environment(), "environment")
    settings = Settings(**{**stored, **environment})
    settings._from_file = Settings(**stored).model_dump(mode="json", include=set(stored))
    settings._from_environment = settings.model_dump(mode="json", include=set(environment))
    return settings


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically, so a crash mid-write never leaves a truncated settings file.

    A field still holding the value the environment gave it keeps the file's own value (or stays
    out of the file); a field the reviewer changed since (Edit → Preferences) is written.
    """
    data = settings.model_dump(mode="json")
    for name, env_value in settings._from_environment.items():
        if data.get(name) != env_value:
            continue
        if name in settings._from_file:
            data[name] = settings._from_file[name]
        else:
            del data[name]
    write_text_atomically(path or settings_path(), json.dumps(data, indent=2, ensure_ascii=False))
