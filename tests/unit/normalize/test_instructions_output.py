"""``instructions_in(..., output=True)`` skips parsing text that cannot hold an ``"object"`` key,
and still finds the instructions a Responses object echoes, escaped key included."""

from __future__ import annotations

from reviewdesk.normalize.conventions.common import instructions_in


def test_a_response_object_echoes_its_instructions() -> None:
    text = '{"object": "response", "instructions": "Be brief."}'
    assert instructions_in(text, output=True) == "Be brief."


def test_an_escaped_object_key_is_still_read() -> None:
    text = '{"\\u006fbject": "response", "instructions": "Be brief."}'
    assert instructions_in(text, output=True) == "Be brief."


def test_an_output_without_an_object_key_has_none() -> None:
    assert instructions_in('{"instructions": "not echoed", "results": [1, 2]}', output=True) is None
