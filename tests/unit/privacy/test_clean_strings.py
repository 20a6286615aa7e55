"""The redactor's memory of strings that redact to themselves never hides a finding.

``Redactor`` remembers each string that came back unchanged with the depth it was redacted at,
and returns it as it is when it meets it again at that depth, without parsing or scanning it.
That is safe only if redacting a string is a function of the string and its depth alone. These
tests compare a redactor that remembers with one that forgets (every lookup misses), on the same
sequence of values with the same numbering: outputs and counts must be identical.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewdesk.privacy import RedactionSettings
from reviewdesk.privacy.redactor import _MAX_DEPTH, Redactor, TraceNumbering
from tests.robustness.corpus import seeded as all_seeded

KEY = b"unit-test-key-0123456789abcdef!!"
SEEDED = all_seeded(5)


class _Forgets(dict[str, int]):
    """A memory that never holds anything: every string is redacted in full."""

    def get(self, key: str, default: Any = None) -> Any:
        return default

    def __setitem__(self, key: str, value: int) -> None:
        return None


def _pair() -> tuple[Redactor, Redactor]:
    remembers = Redactor(RedactionSettings(), key=KEY)
    forgets = Redactor(RedactionSettings(), key=KEY)
    forgets._clean = _Forgets()
    return remembers, forgets


def _nested(value: Any, levels: int) -> Any:
    for _ in range(levels):
        value = [value]
    return value


def _same_through_both(values: list[Any]) -> None:
    remembers, forgets = _pair()
    kept, full = TraceNumbering(), TraceNumbering()
    for value in values:
        assert remembers.redact_value(value, kept) == forgets.redact_value(value, full), value
    assert kept.counts == full.counts
    assert kept.new == full.new


def test_a_string_clean_too_deep_to_parse_is_parsed_where_it_is_shallow() -> None:
    # Scanned as text (below the parsing depth) ``{"pwd": ["abc"]}`` holds nothing: a value that
    # starts with "[" is taken for a placeholder. Parsed, "pwd" names a credential and "abc" goes.
    hidden = json.dumps({"pwd": ["abc"]})
    deep = _nested(hidden, _MAX_DEPTH)
    _same_through_both([deep, hidden, {"value": hidden}])
    remembers, _ = _pair()
    numbering = TraceNumbering()
    assert remembers.redact_value(deep, numbering) is deep
    assert remembers.redact_value({"value": hidden}, numbering) == {"value": '{"pwd":["[SECRET_1]"]}'}


def test_a_document_clean_near_the_limit_is_cut_where_it_is_deeper() -> None:
    # Two lists inside the string: whole where the string is four levels above the limit, the
    # inner list too deep where the string is one level above it (still parsed there).
    text = json.dumps([["quite fine"]])
    _same_through_both([_nested(text, _MAX_DEPTH - 4), _nested(text, _MAX_DEPTH - 1), text])
    remembers, _ = _pair()
    numbering = TraceNumbering()
    remembers.redact_value(_nested(text, _MAX_DEPTH - 4), numbering)
    assert remembers.redact_value(_nested(text, _MAX_DEPTH - 1), numbering) == _nested('["[TOO_DEEP]"]', _MAX_DEPTH - 1)


def test_unchanged_maps_and_lists_are_the_same_objects_and_changed_ones_keep_their_order() -> None:
    remembers, _ = _pair()
    value = {"a": "plain words", "b": ["x", "y"], "c": 1}
    assert remembers.redact_value(value, TraceNumbering()) is value
    assert remembers.redact_value(value["b"], TraceNumbering()) is value["b"]
    changed = {"a": "plain words", "ana@x.example": "b", "c": ["x", "mail ana@x.example", "z"], "d": 2}
    out = remembers.redact_value(changed, TraceNumbering())
    assert list(out) == ["a", "[EMAIL_1]", "c", "d"]
    assert out["c"] == ["x", "mail [EMAIL_1]", "z"]
    assert changed["c"] == ["x", "mail ana@x.example", "z"]  # the original is never changed in place


_KEYS = st.sampled_from(["text", "content", "password", "api_key", "phone", "tool.arguments", "ana@x.example"])
_LEAVES = st.one_of(
    st.sampled_from([s.sentence for s in SEEDED] + [s.value for s in SEEDED]),
    st.sampled_from(["", "plain prose here", "doc-0918159", "4155552671", "[SECRET_1]", "****", " {", "[1, 2"]),
    st.integers(-(10**16), 10**16),
    st.text(max_size=12),
)


def _documents(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    containers = st.one_of(st.lists(children, max_size=3), st.dictionaries(_KEYS, children, max_size=3))
    # A container also as the JSON text of it (OpenInference's input.value), maybe after a space.
    return st.one_of(containers, containers.map(json.dumps), containers.map(lambda v: " " + json.dumps(v)))


_VALUES = st.recursive(_LEAVES, _documents, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_VALUES, st.integers(0, _MAX_DEPTH + 2)), min_size=1, max_size=6))
def test_remembering_clean_strings_changes_nothing(values: list[tuple[Any, int]]) -> None:
    # The same values again and again, nested at any depth around the limit: what the first meeting
    # remembered must give what a full redaction gives at every later one.
    sequence = [_nested(value, levels) for value, levels in values]
    _same_through_both(sequence + sequence[::-1])
