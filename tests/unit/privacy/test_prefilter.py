"""The scanner's pre-filters skip detectors only on text they could not find anything in.

Each detector family is gated by cheap checks (two digits close together, the secret patterns'
literal anchors, a ``:`` before a Telegram token, the credential words once case-folded, an
``@`` before the e-mail pattern …). A gate that is wrong hides a finding silently, so the
property here compares the scanner with its gates against the same scanner with every gate
opened (each replaced by "maybe"), on text made of real findings, their encoded forms (JSON
escapes, URL encoding, HTML references: the decoded-text path), characters whose case folding is
unusual, and noise.
"""

from __future__ import annotations

import html
import json
import re
import sys
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewdesk.privacy import RedactionSettings, detectors, personal, secrets
from reviewdesk.privacy.detectors import Scanner
from tests.robustness.corpus import corpus

_VALUES = sorted({needle for seeded in corpus() for needle in seeded.needles[:1]} | {s.sentence for s in corpus()})
_CREDENTIALS = [
    "password: hunter22",
    "PASSWORD=Tr0ub4dor&3",
    "dbPassword=s3cr3tvalue",
    "x-api-key: 9f8e7d6c5b4a",
    '"apiKey": "abc123def456"',
    "auth_token=zzq81k2m",
    "private-key = q1w2e3r4t5",
    "pwd=letmein99",
    "Authorization: Bearer abcdefghijklmnop1234",
    "1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",  # Telegram's shape
    "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz12345",  # Discord's shape
]
# Characters that match ASCII letters case-insensitively in ``re`` without being them (long s,
# Kelvin sign), others whose folding changes length or is special (sharp s, dotted/dotless i,
# final sigma), digits of other scripts, the spaces phone and card patterns accept.
_TRICKY = "ſKßẞİıςΣ٣۴०\u00a0\u202f\u2009"
_NOISE = st.text(
    alphabet=st.sampled_from(list("abcdefpswdrtkyonPASWDKEY0123456789 .:=-_@%&\\/+#;\"'{}[]\n") + list(_TRICKY))
)


def _encodings(value: str) -> list[str]:
    return [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=True)[1:-1].replace("@", "\\u0040"),
        urllib.parse.quote(value),
        html.escape(value).replace("@", "&#64;"),
        json.dumps(json.dumps(value)),  # JSON of JSON: two rounds of decoding
        value.upper(),
        value.replace("s", "ſ").replace("k", "\u212a"),
    ]


_FRAGMENT = st.one_of(
    st.sampled_from(_VALUES + _CREDENTIALS).flatmap(lambda v: st.sampled_from(_encodings(v))),
    _NOISE,
)
_TEXT = st.lists(_FRAGMENT, max_size=6).map("".join)

_ALWAYS = re.compile("")


_GATES = (
    (detectors, "_DIGIT_PAIR", _ALWAYS),
    (secrets, "_SECRET_ANCHORS", _ALWAYS),
    (secrets, "_DISCORD_HINT", _ALWAYS),
    (secrets, "_may_hold_telegram_token", lambda text: True),
    (secrets, "_may_name_credential", lambda text: True),
    (personal, "_IPV4_HINT", _ALWAYS),
    (detectors, "is_plain_prose", lambda text: False),
    (detectors, "is_short_id", lambda text: False),
)


def _ungated_scan(monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[detectors.Finding, ...]:
    """What a scanner whose every gate says "maybe" finds: each detector runs its full patterns."""
    with monkeypatch.context() as patch:
        for module, name, value in _GATES:
            patch.setattr(module, name, value)
        return Scanner(RedactionSettings())._scan(text) if len(text) >= 6 else ()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_TEXT)
def test_the_gates_never_hide_a_finding(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    gated = Scanner(RedactionSettings()).scan(text)
    assert gated == _ungated_scan(monkeypatch, text)


def test_a_long_s_password_name_keeps_its_kind_through_the_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    # Found by the property test above: the literal anchors miss "Paſſword", the named-value rule
    # still redacts it, and must call it what the ungated connection-string pattern calls it.
    text = "Server=tcp:ſql.example.net;Databaſe=crm;Uſer ID=ſvc;Paſſword=Cpj8TPQxjq4i9D!9;Encrypt=True"
    gated = Scanner(RedactionSettings()).scan(text)
    assert [f.kind for f in gated] == ["PASSWORD"]
    assert gated == _ungated_scan(monkeypatch, text)


def test_each_seeded_value_is_found_through_the_gates_in_every_encoding() -> None:
    scanner = Scanner(RedactionSettings())
    for seeded in corpus():
        for encoded in _encodings(seeded.sentence)[:6]:
            assert [f.kind for f in scanner.scan(encoded)] == [seeded.kind], encoded


def test_case_folding_covers_what_the_credential_pattern_matches_in_any_case() -> None:
    """Every code point ``re`` matches to a letter of the credential words case-insensitively folds to it."""
    letters = sorted(set("".join(secrets._CREDENTIAL_WORDS)))
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for letter in letters:
        matching = re.findall(f"(?i){letter}", every)
        assert matching and all(char.casefold() == letter for char in matching), letter


def test_the_credential_prefilter_admits_what_the_hint_matches() -> None:
    for text in ["PASSWORD", "pa\u017fs", "api_\u212aey", "SeCrEt", "x-access-token", "pwd", "Private-Key"]:
        assert secrets._CREDENTIAL_HINT.search(text)
        assert secrets._may_name_credential(text)
    assert not secrets._may_name_credential("nothing to see in this sentence at all")


# Prose made of the gate's own characters, with the pieces that make a secret out of letters and
# dots alone: runs of 16 and more, ``eyJ``, a private-key header, ``Bearer``/``Basic`` and the
# letter-only prefixes (AIza, AKIA, SG., AC, SK).
_PROSE_PIECES = st.sampled_from([
    "eyJhbGciOiJIUzI1NiJ9", "eyJab.cd", "BEGIN PRIVATE KEY", "PRIVATE KEY", "Bearer ", "basic ", "AIza", "AKIA",
    "SG.", "AC", "SK", "a" * 15, "b" * 16, "c" * 19, "d" * 20, "Q" * 40, "x.y.z.w.v.u.t.s.r",
    "M" * 24 + "." + "abcdef" + "." + "c" * 27,
])  # fmt: skip
_PROSE_TEXT = st.lists(
    st.one_of(_PROSE_PIECES, st.text(alphabet=st.sampled_from([*"abcXYZ.,;!?' \n\t", "\u017f", "\u212a"]))),
    max_size=8,
).map("".join)


def test_the_prose_gate_refuses_what_a_detector_needs() -> None:
    assert detectors.is_plain_prose("Hello, world. It's a fine day; isn't it? Yes!")
    assert detectors.is_plain_prose("a" * 19 + " and good news")
    assert detectors.is_plain_prose("bearers of good news, basically")
    for text in [
        "a" * 20,  # a run long enough for a key made of letters (AKIA and 16 more)
        "Basic " + "a" * 16,  # a credential after Basic or Bearer: 16 are enough
        "the BEARER token is " + "Q" * 16,
        "word " + "M" * 24 + "." + "abcdef" + "." + "c" * 27,
        "eyJab.cd is short",
        "BEGIN PRIVATE KEY",
        "call me at 4155552671",
    ]:
        assert not detectors.is_plain_prose(text), text
    for text in ["ana@x.example", "pass: hunter22", "tom%40x.example", "caf\u00e9", "Kelvin \u212a", "a-b", "a_b"]:
        assert not detectors.is_plain_prose(text), text


# The prose gate's definition as a pattern (what ``is_plain_prose`` computed before it checked
# character classes instead): the classes must give the same answer on every text.
_PROSE = re.compile(r"[ \t\r\n,;!?']*+(?:[A-Za-z.]{1,19}+[ \t\r\n,;!?']++)*+[A-Za-z.]{0,19}+")
_PROSE_AFTER_BEARER = re.compile(r"[ \t\r\n,;!?']*+(?:[A-Za-z.]{1,15}+[ \t\r\n,;!?']++)*+[A-Za-z.]{0,15}+")


def _prose_by_pattern(text: str) -> bool:
    if not text.isascii() or _PROSE.fullmatch(text) is None or "eyJ" in text or "PRIVATE KEY" in text:
        return False
    lowered = text.lower()
    return ("bearer" not in lowered and "basic" not in lowered) or _PROSE_AFTER_BEARER.fullmatch(text) is not None


# Every ASCII character (each class and the ``#`` of none), the non-ASCII ones that fold to letters,
# and words at the edges of both limits, glued or spaced.
_PROSE_EDGES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "a" * 15,
                " " + "b" * 16 + " ",
                "c" * 19,
                " " + "d" * 20,
                " Bearer ",
                " BASIC ",
                "eyJ",
                "PRIVATE KEY",
                "é",
            ]
        ),
        st.text(alphabet=st.sampled_from([chr(c) for c in range(128)] + ["\u017f", "\u212a"]), max_size=4),
    ),
    max_size=10,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_PROSE_EDGES, _PROSE_TEXT))
def test_the_prose_gate_by_classes_is_the_prose_pattern(text: str) -> None:
    assert detectors.is_plain_prose(text) == _prose_by_pattern(text)


def test_the_prose_gate_by_classes_at_its_limits() -> None:
    for text, prose in [
        ("a" * 19, True), ("a" * 20, False), ("x " + "a" * 19 + ".", False), ("a.b" * 6 + "a", True),
        ("bearer " + "a" * 15, True), ("bearer " + "a" * 16, False), ("a" * 16 + " Basic", False),
        ("a" * 16, True), ("it's fine!", True), ("tab\there", True), ("a-b", False), ("caf\u00e9", False), ("", True),
    ]:  # fmt: skip
        assert detectors.is_plain_prose(text) is prose, text
        assert _prose_by_pattern(text) is prose, text


# Short ids, and what a detector finds in 14 characters or fewer (or in 15).
_ID_PIECES = st.sampled_from([
    "xoxb-1-a", "xoxp-12-3", "1.2.3.4", "8.8.8.8", "4155552671", "078-05-1120", "AB123456C", "ab123456c",
    "DE89370400440532013000", "4111111111111111", "a@b.co", "eyJab.cd", "doc-", "kb/", "-", "_", ".", "/",
])  # fmt: skip
_ID_TEXT = st.lists(
    st.one_of(_ID_PIECES, st.text(alphabet=st.sampled_from([*"abcxo0123456789._/-", "\u212a"]), max_size=8)),
    max_size=4,
).map("".join)


def test_the_short_id_gate_refuses_what_a_detector_needs() -> None:
    for text in ["doc-0918159", "kb/by-the.md", "gpt-4o-mini", "sess-0000023"]:
        assert detectors.is_short_id(text), text
    for text in ["xoxb-1-a2", "10.0.0.12", "41555526712", "12345678", "ab12cdefghijklm", "Doc-1", "a:b=c", "a@b.co"]:
        assert not detectors.is_short_id(text), text


@pytest.mark.parametrize(("gate", "texts"), [("is_plain_prose", _PROSE_TEXT), ("is_short_id", _ID_TEXT)])
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_gate_passes_only_text_without_findings(
    monkeypatch: pytest.MonkeyPatch, gate: str, texts: st.SearchStrategy[str], data: st.DataObject
) -> None:
    text = data.draw(st.one_of(texts, _TEXT))
    if getattr(detectors, gate)(text):
        assert _ungated_scan(monkeypatch, text) == ()
