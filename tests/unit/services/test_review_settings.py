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


def test_environment_overrides_reviewer_without_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWDESK_REVIEWER", "from-env")
    assert load_settings().reviewer == "from-env"


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings(Settings(reviewer="dana", color_scheme="dark", shortcuts={"review.pass": ["Y"]}))
    monkeypatch.setenv("REVIEWDESK_REVIEWER", "from-env")
    monkeypatch.setenv("REVIEWDESK_SHORTCUTS", '{"review.fail": ["G"]}')
    loaded = load_settings()
    assert loaded.reviewer == "from-env"
    assert loaded.shortcuts == {"review.fail": ["G"]}
    assert loaded.color_scheme == "dark"  # not in the environment: the file's
    assert loaded.from_environment() == {"reviewer", "shortcuts"}


def test_environment_values_are_never_written_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(json.dumps({"schema_version": 1, "reviewer": "dana"}), encoding="utf-8")
    monkeypatch.setenv("REVIEWDESK_REVIEWER", "from-env")
    monkeypatch.setenv("REVIEWDESK_COLOR_SCHEME", "light")  # not in the file at all
    loaded = load_settings()
    loaded.add_recent(tmp_path / "w.reviewdesk")  # what the window does on every open
    save_settings(loaded)
    stored = json.loads(settings_path().read_text(encoding="utf-8"))
    assert stored["reviewer"] == "dana"
    assert "color_scheme" not in stored
    assert stored["recent_workspaces"] == [str(tmp_path / "w.reviewdesk")]
    monkeypatch.delenv("REVIEWDESK_REVIEWER")
    monkeypatch.delenv("REVIEWDESK_COLOR_SCHEME")
    assert load_settings().reviewer == "dana"
    assert load_settings().color_scheme == "system"


def test_a_value_changed_after_loading_is_saved_even_if_the_environment_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings(Settings(reviewer="dana"))
    monkeypatch.setenv("REVIEWDESK_REVIEWER", "from-env")
    loaded = load_settings()
    loaded.reviewer = "chosen-in-preferences"
    save_settings(loaded)
    assert json.loads(settings_path().read_text(encoding="utf-8"))["reviewer"] == "chosen-in-preferences"


def test_bad_values_are_reported_and_ignored_field_by_field(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(
        json.dumps({"schema_version": 1, "reviewer": "dana", "color_scheme": "purple"}), encoding="utf-8"
    )
    monkeypatch.setenv("REVIEWDESK_COLOR_SCHEME", "neon")
    loaded = load_settings()
    assert loaded.reviewer == "dana" and loaded.color_scheme == "system"
    assert "REVIEWDESK_COLOR_SCHEME" in caplog.text
    assert f"'color_scheme' in {settings_path()}" in caplog.text


def test_environment_shortcuts_that_are_not_json_are_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    save_settings(Settings(reviewer="dana"))
    monkeypatch.setenv("REVIEWDESK_SHORTCUTS", "review.pass=Y")
    monkeypatch.setenv("REVIEWDESK_REVIEWER", "ignored-with-the-bad-env")
    assert load_settings().reviewer == "dana"
    assert "REVIEWDESK_" in caplog.text
