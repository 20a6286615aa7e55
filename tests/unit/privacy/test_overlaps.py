"""Overlapping findings: earlier detectors win, then the earlier match, then the longer one.

The scanner resolves overlaps in one linear pass per detector (``_merge_winners``); these tests
hold it to the plain definition, checked pair by pair, and to a string with many findings.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewdesk.privacy.detectors import Finding, Scanner, _merge_winners
from reviewdesk.privacy.redactor import Redactor, TraceNumbering
from reviewdesk.privacy.settings import RedactionSettings


def _by_definition(groups: list[list[Finding]]) -> list[tuple[str, int, int]]:
    candidates = [(priority, f) for priority, group in enumerate(groups) for f in group]
    candidates.sort(key=lambda item: (item[0], item[1].start, item[1].start - item[1].end))
    taken: list[Finding] = []
    for _, finding in candidates:
        if all(finding.end <= other.start or finding.start >= other.end for other in taken):
            taken.append(finding)
    return [(f.kind, f.start, f.end) for f in sorted(taken, key=lambda f: f.start)]


_finding = st.tuples(st.integers(0, 60), st.integers(1, 12))
_groups = st.lists(st.lists(_finding, max_size=10), min_size=1, max_size=5)


@settings(max_examples=500, deadline=None)
@given(_groups)
def test_merging_by_detector_equals_the_definition(raw: list[list[tuple[int, int]]]) -> None:
    groups = [[Finding(f"K{p}", s, s + n, "v") for s, n in group] for p, group in enumerate(raw)]
    taken: list[Finding] = []
    for group in groups:
        ordered = sorted(group, key=lambda f: (f.start, f.start - f.end))
        if ordered:
            taken = _merge_winners(taken, ordered)
    assert [(f.kind, f.start, f.end) for f in taken] == _by_definition(groups)


def test_a_string_of_twenty_thousand_addresses_is_redacted_whole() -> None:
    # The fuzzer's record of four million addresses once took hours: overlap checks were quadratic.
    text = " ".join(f"user{i}@example.com" for i in range(20_000))
    redactor = Redactor(RedactionSettings(), key=b"k" * 32)
    numbering = TraceNumbering()
    redacted = redactor.redact_text(text, numbering)
    assert "@" not in redacted
    assert redacted.split(" ")[:2] == ["[EMAIL_1]", "[EMAIL_2]"]
    assert redacted.split(" ")[-1] == "[EMAIL_20000]"
    assert numbering.counts["EMAIL"] == 20_000


def test_an_earlier_detector_wins_inside_a_later_ones_match() -> None:
    # A connection string's password is a secret, not half of an e-mail address.
    scanner = Scanner(RedactionSettings())
    text = "postgres://admin:s3cretPa55@db.example.com:5432/app"
    kinds = [f.kind for f in scanner.scan(text)]
    assert kinds[0] == "PASSWORD"
    assert "EMAIL" not in kinds
