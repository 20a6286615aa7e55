"""``AttrIndex.indexed`` fills a shape made once per key set: the same items as ``nest`` of each one.

The reference is the rule as first written: group the ``prefix.N.rest`` keys of the span by N and
``nest`` each group. Hypothesis draws key sets with numeric segments, a key that is also another
key's parent (``x`` and ``x.y``), and values that are dicts (``nest`` walks into those, so the
shape must not be used for them).
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewdesk.normalize.attrs import AttrIndex, nest

_segments = st.sampled_from(["message", "role", "content", "tool_calls", "0", "1", "10", "2", "x", "y"])
_rests = st.lists(_segments, min_size=1, max_size=4).map(".".join)
_values = st.one_of(
    st.text(max_size=3),
    st.integers(),
    st.none(),
    st.dictionaries(st.sampled_from(["0", "1", "a"]), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)


def _reference(attrs: dict[str, Any], prefix: str) -> list[Any]:
    groups: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        if key.startswith(prefix):
            head, _, rest = key[len(prefix) :].partition(".")
            if head.isdigit() and rest:
                groups.setdefault(int(head), {})[rest] = value
    return [nest(groups[n]) for n in sorted(groups)]


@settings(max_examples=300, deadline=None)
@given(items=st.lists(st.tuples(st.sampled_from(["0", "1", "2", "10"]), _rests, _values), max_size=8))
def test_indexed_items_are_what_nest_makes_of_them(items: list[tuple[str, str, Any]]) -> None:
    attrs = {f"llm.input_messages.{n}.{rest}": value for n, rest, value in items}
    expected = _reference(copy.deepcopy(attrs), "llm.input_messages.")
    # Twice: the second span of a key set is filled from the shape the first one cached.
    for _ in range(2):
        assert AttrIndex(copy.deepcopy(attrs)).indexed("llm.input_messages.") == expected


@settings(max_examples=300, deadline=None)
@given(items=st.lists(st.tuples(st.sampled_from(["0", "1", "2", "10"]), _rests, _values), max_size=8))
def test_indexing_leaves_the_span_attributes_as_read(items: list[tuple[str, str, Any]]) -> None:
    """The span is stored as it was read: nesting ``x.y`` into a dict value ``x`` works on a copy."""
    attrs = {f"llm.input_messages.{n}.{rest}": value for n, rest, value in items}
    before = copy.deepcopy(attrs)
    AttrIndex(attrs).indexed("llm.input_messages.")
    assert attrs == before


def test_a_kvlist_message_with_a_flattened_role_beside_it_stays_as_read() -> None:
    message = {"content": "hi"}
    attrs = {"llm.input_messages.0.message": message, "llm.input_messages.0.message.role": "user"}
    assert AttrIndex(attrs).indexed("llm.input_messages.") == [{"message": {"content": "hi", "role": "user"}}]
    assert message == {"content": "hi"}


def test_a_dict_value_is_nested_into_as_nest_does() -> None:
    attrs = {"a.0.x": {"1": 5}, "a.0.x.y": 2, "a.1.role": "user"}
    assert AttrIndex(attrs).indexed("a.") == [{"x": {"1": 5, "y": 2}}, {"role": "user"}]


def test_a_none_parent_value_is_dropped_as_nest_does() -> None:
    # nest takes None for "no such key yet": the child's dict replaces it.
    attrs = {"a.0.message": None, "a.0.message.role": "user"}
    assert AttrIndex(attrs).indexed("a.") == [{"message": {"role": "user"}}]
