"""Settings models and the age parser of ``--older-than``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reviewdesk.domain.errors import UsageError
from reviewdesk.privacy import RedactionSettings, RetentionSettings, parse_age


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("90d", timedelta(days=90)),
        ("90", timedelta(days=90)),
        (" 12w ", timedelta(weeks=12)),
        ("36h", timedelta(hours=36)),
        ("1y", timedelta(days=365)),
        ("7D", timedelta(days=7)),
    ],
)
def test_parse_age(text: str, age: timedelta) -> None:
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["", "soon", "-5d", "5m", "1.5d", "d"])
def test_parse_age_refuses(text: str) -> None:
    with pytest.raises(UsageError, match="not an age"):
        parse_age(text)


def test_defaults_redact_and_keep_everything() -> None:
    assert RedactionSettings().enabled and RedactionSettings().phone_regions == ["US"]
    assert RetentionSettings().older_than_days is None
    with pytest.raises(ValueError, match="at least one day"):
        RetentionSettings(older_than_days=0)


def test_settings_round_trip_through_json() -> None:
    settings = RedactionSettings(
        disabled_kinds=["ip_address", "IP_ADDRESS"], rules=[{"kind": "x_id", "pattern": r"X-\d+"}], allow=["a@b.c"]
    )
    assert settings.disabled_kinds == ["IP_ADDRESS"] and settings.rules[0].kind == "X_ID"
    assert RedactionSettings.model_validate(settings.model_dump(mode="json")) == settings
