"""Settings: defaults, round trip, migration of old files, and tolerance of a broken file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk import paths
from reviewdesk.settings import SETTINGS_SCHEMA_VERSION, Settings, load_settings, os_user, save_settings, settings_path


def test_defaults_come_from_the_os_user() -> None:
    settings = load_settings()
    assert settings.reviewer == os_user()
    assert settings.schema_version == SETTINGS_SCHEMA_VERSION
    assert settings_path().parent == paths.config_dir()


def test_round_trip_and_recent_list(tmp_path: Path) -> None:
    settings = Settings(reviewer="dana", shortcuts={"review.pass": ["Y"]})
    for n in range(15):
        settings.add_recent(tmp_path / f"w{n}.reviewdesk")
    settings.add_recent(tmp_path / "w3.reviewdesk")
    save_settings(settings)
    loaded = load_settings()
    assert loaded.reviewer == "dana"
    assert loaded.shortcuts == {"review.pass": ["Y"]}
    assert loaded.recent_workspaces[0].endswith("w3.reviewdesk")
    assert len(loaded.recent_workspaces) == 10


def test_old_file_is_migrated() -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(json.dumps({"reviewer_name": "old", "recent": ["/x.reviewdesk"]}), encoding="utf-8")
    loaded = load_settings()
    assert loaded.reviewer == "old" and loaded.recent_workspaces == ["/x.reviewdesk"]
    assert loaded.schema_version == SETTINGS_SCHEMA_VERSION


def test_broken_file_falls_back_to_defaults(caplog: pytest.LogCaptureFixture) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("{not json", encoding="utf-8")
    assert load_settings().reviewer == os_user()
    assert "ignoring unreadable settings file" in caplog.text


def test_environment_overrides_reviewer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWDESK_REVIEWER", "from-env")
    assert Settings().reviewer == "from-env"
