"""The phone detector runs its field pattern only where a hint is: that gate must hide nothing.

``PhoneDetector.find`` skips ``_PHONE_FIELD`` (``"phone": 442079460958``) on text without a
``_PHONE_HINT`` match, because a field's digits always start one. The property: wherever the
field pattern matches, a hint starts at its digits, on phone-named fields written every way the
field pattern accepts, glued to noise.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewdesk.privacy import personal
from reviewdesk.privacy.personal import PhoneDetector

_NAMES = ["phone", "Mobile", "CELL", "tel", "telephone", "msisdn", "fax", "whatsapp", "phone_number", "telNo", "faxnr"]
_DIGITS = ["442079460958", "+442079460958", "14155552671", "+14155552671", "0044207946095", "12345678", "٤٤٢٠٧٩٤٦٠٩٥٨"]
_FIELD = st.builds(
    lambda name, quote, before, sep, after, quote2, digits, tail: (
        f"{name}{quote}{before}{sep}{after}{quote2}{digits}{tail}"
    ),
    st.sampled_from(_NAMES),
    st.sampled_from(["", '"', "'"]),
    st.sampled_from(["", " ", "\t", "  "]),
    st.sampled_from([":", "="]),
    st.sampled_from(["", " ", "\t\t"]),
    st.sampled_from(["", '"', "'"]),
    st.sampled_from(_DIGITS),
    st.sampled_from(["", ",", '"', " ", "x", ".", "5"]),
)
_NOISE = st.text(alphabet=st.sampled_from([*list("aphonetl0123456789+()-./ :=\"'_\t\n"), "\xa0", "٠"]))
_TEXT = st.lists(st.one_of(_FIELD, _NOISE), max_size=5).map("".join)


@settings(max_examples=1000, deadline=None)
@given(_TEXT)
def test_the_field_pattern_is_skipped_only_where_it_finds_nothing(text: str) -> None:
    # The gate returns before the field pattern when the hint finds nothing: then neither may the field.
    for field in personal._PHONE_FIELD.finditer(text):
        assert personal._PHONE_HINT.search(text, field.start(1)) is not None, text


def test_every_field_match_starts_a_hint() -> None:
    for name in _NAMES:
        for text in [
            f"{name}: 442079460958",
            f'"{name}":"+14155552671"',
            f"{name}=\t12345678",
            f"{name}' : '٤٤٢٠٧٩٤٦٠٩٥٨",
        ]:
            field = personal._PHONE_FIELD.search(text)
            assert field is not None, text
            assert personal._PHONE_HINT.search(text, field.start(1)) is not None, text


def test_a_phone_field_is_still_found() -> None:
    found = list(PhoneDetector(["US"]).find('{"phone": 442079460958}'))
    assert [(f.kind, f.key) for f in found] == [("PHONE", "+442079460958")]
