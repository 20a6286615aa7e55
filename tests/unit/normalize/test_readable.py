"""The readable form of trace values: key/value rows, folds, previews and tool-call summary lines."""

from __future__ import annotations

import json

from reviewdesk.domain.case import ToolCall
from reviewdesk.normalize import readable
from reviewdesk.normalize.readable import Row


def test_objects_become_indented_key_value_rows_without_json_punctuation():
    value = {"customer_id": "cus_1", "trailclub": {"member": False}, "orders": [{"id": "NW-1"}, "x"]}
    assert readable.rows(value) == [
        Row(0, "customer_id", "cus_1"),
        Row(0, "trailclub", ""),
        Row(1, "member", "false"),
        Row(0, "orders", "(2 items)", note=True),
        Row(1, "1.", ""),
        Row(2, "id", "NW-1"),
        Row(1, "2.", "x"),
    ]
    text = readable.readable_text(value)
    assert text.splitlines() == [
        "customer_id: cus_1",
        "trailclub",
        "  member: false",
        "orders: (2 items)",
        "  1.",
        "    id: NW-1",
        "  2. x",
    ]
    assert '"' not in text and "{" not in text


def test_a_string_holding_json_is_read_as_the_json_it_holds():
    encoded = json.dumps({"status": "delivered", "items": [1, 2]})
    assert readable.rows(encoded)[0] == Row(0, "status", "delivered")
    assert readable.decode_json_text("{not json}") == "{not json}"
    assert readable.decode_json_text("plain") == "plain"


def test_long_strings_fold_at_a_word_boundary_and_say_how_much_is_left():
    words = " ".join(f"word{n}" for n in range(400))
    got = readable.rows({"body": words}, fold_chars=100)
    shown, note = got
    assert shown.key == "body" and shown.text.endswith(" …")
    kept = shown.text.removesuffix(" …")
    assert len(kept) <= 100 and words.startswith(kept) and words[len(kept)] == " "  # cut between words
    assert shown.folded == len(words) - len(kept)
    assert note.note and f"{shown.folded:,} more characters" in note.text


def test_long_lists_show_their_first_items_and_the_count_left_out():
    got = readable.rows(list(range(40)), fold_items=10)
    assert [r.text for r in got[:10]] == [str(n) for n in range(10)]
    assert got[-1] == Row(0, None, "… 30 more items", folded=30, note=True)


def test_raw_text_is_the_json_and_a_string_stays_as_recorded():
    assert json.loads(readable.raw_text({"a": [1, None]})) == {"a": [1, None]}
    assert readable.raw_text('{"a": 1}') == '{"a": 1}'
    assert readable.raw_text(None) == ""


def test_preview_is_one_line_of_first_words_cut_between_words():
    value = {"order_id": "NW-6688104", "summary": "Granite Softshell Jacket, Men's, M, Slate", "n": 3}
    text = readable.preview(value, limit=40)
    assert "\n" not in text and text.startswith("order_id: NW-6688104, summary: Granite")
    assert text.endswith(" …") and len(text) <= 42
    assert readable.preview({"a": {"b": {"c": 1}}}) == "a: b: {…}"
    assert readable.preview("short") == "short"


def test_tool_call_summary_names_duration_status_arguments_and_result():
    ok = ToolCall(
        name="lookup_order", arguments={"order_id": "NW-1"}, result={"status": "delivered"}, duration_ms=182.2
    )
    summary = readable.tool_call_summary(ok)
    assert (summary.name, summary.duration, summary.status) == ("lookup_order", "182 ms", "ok")
    assert summary.text() == "lookup_order · 182 ms · ok · (order_id: NW-1) → status: delivered"
    failed = ToolCall(name="issue_refund", arguments={"amount": 149}, error="PermissionDenied: 403 Forbidden")
    summary = readable.tool_call_summary(failed)
    assert summary.failed and summary.status == "error" and summary.duration == "–"
    assert summary.text().endswith("→ PermissionDenied: 403 Forbidden")
    # The answer recovered from it (the case fact ToolCall.recovered): the line says so.
    recovered = readable.tool_call_summary(failed.model_copy(update={"recovered": True}))
    assert recovered.failed and recovered.status == "error, recovered"
    assert recovered.text().startswith("issue_refund · – · error, recovered · ")
    silent = ToolCall(name="ping", duration_ms=10012.8)
    assert readable.tool_call_summary(silent).text() == "ping · 10.01 s · ok · () → no result recorded"


def test_duration_text():
    assert [readable.duration_text(v) for v in (None, 4.56, 309.4, 4630.0)] == ["–", "4.6 ms", "309 ms", "4.63 s"]
