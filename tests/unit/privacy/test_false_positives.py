"""False positives on clean text: at most 1% of look-alike strings may be changed by redaction."""

from __future__ import annotations

from collections import Counter

from reviewdesk.privacy import RedactionSettings
from reviewdesk.privacy.redactor import Redactor
from tests.unit.privacy.clean_corpus import clean_corpus

MAX_RATE = 0.01


def test_clean_text_is_left_alone() -> None:
    redactor = Redactor(RedactionSettings(), key=b"false-positives-key-0123456789ab")
    corpus = clean_corpus()
    assert len(corpus) >= 2000 and len({category for category, _ in corpus}) >= 14
    changed: Counter[str] = Counter()
    examples: list[tuple[str, str]] = []
    for category, text in corpus:
        out = redactor.redact_text(text, None)
        if out != text:
            changed[category] += 1
            examples.append((text, out))
    rate = sum(changed.values()) / len(corpus)
    print(f"\nfalse positives: {sum(changed.values())} of {len(corpus)} clean strings ({rate:.2%}); {dict(changed)}")
    assert rate <= MAX_RATE, (rate, examples[:10])
