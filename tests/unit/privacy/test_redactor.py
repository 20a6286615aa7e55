"""The redactor: placeholders, numbering, every part of a span, JSON inside strings."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewdesk.domain.spans import RawSpan, SpanEvent
from reviewdesk.privacy import RedactionSettings
from reviewdesk.privacy.redactor import Redactor, TraceNumbering
from tests.robustness.corpus import Seeded, variants
from tests.robustness.corpus import seeded as all_seeded

KEY = b"unit-test-key-0123456789abcdef!!"
SEEDED = all_seeded(11)


def redactor(**overrides: object) -> Redactor:
    return Redactor(RedactionSettings(**overrides), key=KEY)


def test_same_value_same_placeholder_within_a_trace() -> None:
    r, numbering = redactor(), TraceNumbering()
    first = r.redact_text("from ana@x.example to bo@x.example", numbering)
    second = r.redact_text("cc: ANA@x.example", numbering)
    assert first == "from [EMAIL_1] to [EMAIL_2]"
    assert second == "cc: [EMAIL_1]"
    assert numbering.counts == {"EMAIL": 3}
    assert len(numbering.new) == 2


def test_numbering_continues_from_what_the_workspace_knows() -> None:
    # A trace split over two files: the second batch starts from the first one's numbers.
    r = redactor()
    first = TraceNumbering()
    r.redact_text("ana@x.example bo@x.example", first)
    later = TraceNumbering({(kind, digest): number for kind, digest, number in first.new})
    assert r.redact_text("bo@x.example then cy@x.example", later) == "[EMAIL_2] then [EMAIL_3]"
    assert later.new == [("EMAIL", r.digest("EMAIL", "cy@x.example"), 3)]


def test_digest_is_keyed() -> None:
    a = Redactor(RedactionSettings(), key=b"a" * 32).digest("EMAIL", "ana@x.example")
    b = Redactor(RedactionSettings(), key=b"b" * 32).digest("EMAIL", "ana@x.example")
    assert a != b and b"ana" not in a


def test_every_part_of_a_span_is_redacted() -> None:
    secret = "ana@x.example"
    resource = {"service.name": "shop", "owner": secret}
    span = RawSpan(
        trace_id="t1",
        span_id="s1",
        parent_span_id=None,
        name=f"mail {secret}",
        start_ns=1,
        end_ns=2,
        status_message=f"bounced: {secret}",
        attributes={
            "input.value": orjson.dumps({"messages": [{"role": "user", "content": f"I am\n{secret}"}]}).decode(),
            "nested": {"list": [secret, 5, {"deep": secret}]},
            f"key.{secret}": 1,
            "http.request.header.authorization": ["Basic dXNlcjpwYXNz"],
            "db.password": "hunter2",
            "masked_api_key": "****",
        },
        events=[SpanEvent(name=f"sent to {secret}", time_ns=1, attributes={"exception.message": secret})],
        resource=resource,
        scope={"name": "lib", "version": secret},
        links=[{"trace_id": "t2", "span_id": "s2", "attributes": {"by": secret}}],
    )
    numbering = TraceNumbering()
    redactor().redact_span(span, numbering)
    events = [e.to_json() for e in span.events]
    parts = [span.name, span.status_message, span.attributes, events, span.resource, span.scope, span.links]
    stored = orjson.dumps(parts).decode()
    assert secret not in stored and "hunter2" not in stored and "dXNlcjpwYXNz" not in stored
    assert "[EMAIL_1]" in stored and "[SECRET_1]" in stored and "[SECRET_2]" in stored
    assert span.attributes["masked_api_key"] == "****"  # already masked by the producer
    assert resource["owner"] == secret  # the shared resource object itself is not mutated
    assert orjson.loads(span.attributes["input.value"])["messages"][0]["content"] == "I am\n[EMAIL_1]"


def test_json_inside_a_string_is_parsed_so_escapes_hide_nothing() -> None:
    # "\n+44…": the raw text has the letter n glued to the number; "\u0040" is an escaped @.
    raw = '{"a": "call\\n+44 20 7946 0958", "b": "ana\\u0040x.example"}'
    out = redactor().redact_value(raw, TraceNumbering())
    assert orjson.loads(out) == {"a": "call\n[PHONE_1]", "b": "[EMAIL_1]"}


def test_unchanged_values_are_returned_as_they_were() -> None:
    r = redactor()
    value = {"a": ["plain", {"b": "text"}], "c": '{"json": "unchanged"}'}
    assert r.redact_value(value, TraceNumbering()) is value
    assert r.redact_value('{ "keeps":  "its spacing" }', TraceNumbering()) == '{ "keeps":  "its spacing" }'


def test_shared_resource_is_redacted_once_per_trace() -> None:
    r, numbering, shared = redactor(), TraceNumbering(), {}
    resource = {"host.ip": "203.0.113.5"}
    spans = [
        RawSpan(trace_id="t", span_id=f"s{i}", parent_span_id=None, name="x", start_ns=1, end_ns=2, resource=resource)
        for i in range(3)
    ]
    for span in spans:
        r.redact_span(span, numbering, shared)
    assert spans[0].resource is spans[1].resource is spans[2].resource
    assert spans[0].resource == {"host.ip": "[IP_ADDRESS_1]"}


def test_card_numbers_as_json_integers() -> None:
    assert redactor().redact_value({"pan": 4111111111111111, "ns": 1791213262576287130}, None) == {
        "pan": "[CARD]",
        "ns": 1791213262576287130,
    }


def test_deep_values_are_bounded() -> None:
    value: object = "ana@x.example"
    for _ in range(500):
        value = [value]
    numbering = TraceNumbering()
    out = redactor().redact_value(value, numbering)
    assert "ana@x.example" not in orjson.dumps(out).decode()
    assert numbering.counts == {"TOO_DEEP": 1}


def test_disabled_redaction_is_the_callers_choice_but_scrub_needs_no_numbering() -> None:
    assert redactor().redact_text("to ana@x.example", None) == "to [EMAIL]"


@pytest.mark.parametrize("variant", variants(11) + variants(12), ids=lambda v: v.label)
def test_every_encoding_and_kind_of_issue_16_is_redacted(variant: Seeded) -> None:
    value = variant.structured if variant.structured is not None else variant.sentence
    out = redactor().redact_value(value, TraceNumbering())
    stored = out if isinstance(out, str) else orjson.dumps(out).decode()
    assert [n for n in variant.needles if n in stored] == [], stored
    if isinstance(value, str) and value.lstrip()[:1] not in ("{", "["):
        # Replaced in place: a JSON string (or URL, or HTML) still decodes, with the placeholder in it.
        assert "[" + variant.kind in stored or "[SECRET" in stored, stored


def test_json_encoded_text_keeps_its_encoding() -> None:
    text = orjson.dumps("line one\n4111 1111 1111 1111 and ana\u0040x.example").decode()
    text = text.replace("\\\\", "\\")  # the escapes as a JSON encoder writes them
    out = redactor().redact_value(text, TraceNumbering())
    assert orjson.loads(out) == "line one\n[CARD_1] and [EMAIL_1]"


def test_a_phone_number_followed_by_a_stray_digit_is_redacted() -> None:
    # The property below found this one: a trailing " 0" made libphonenumber refuse the whole run.
    text = " tel +44\xa020\xa07654\xa06832 0"
    assert redactor().redact_text(text, TraceNumbering()) == " tel [PHONE_1] 0"


# -- properties -------------------------------------------------------------------------------

_filler = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_filler, st.sampled_from(SEEDED)), min_size=1, max_size=4), _filler)
def test_property_seeded_values_never_survive(pieces: list[tuple[str, Any]], tail: str) -> None:
    # Any seeded value, dropped into arbitrary text (separated by spaces, as in prose), is gone.
    text = " ".join(f"{filler} {seeded.sentence}" for filler, seeded in pieces) + " " + tail
    out = redactor().redact_text(text, TraceNumbering())
    for _, seeded in pieces:
        assert seeded.value not in out


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_property_redaction_is_idempotent_and_total(text: str) -> None:
    r = redactor()
    once = r.redact_text(text, TraceNumbering())
    assert r.redact_text(once, TraceNumbering()) == once


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**63), 2**63 - 1)
        | st.floats(allow_nan=False)
        | st.text(max_size=30),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
        max_leaves=30,
    )
)
def test_property_any_json_value_redacts_to_json(value: object) -> None:
    out = redactor().redact_value(value, TraceNumbering())
    orjson.dumps(out, option=orjson.OPT_NON_STR_KEYS)  # still storable
