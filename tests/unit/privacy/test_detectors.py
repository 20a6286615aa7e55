"""The detectors: every kind is found, in its usual spellings, and look-alikes are left alone."""

from __future__ import annotations

import pytest

from reviewdesk.privacy import CustomRule, RedactionSettings
from reviewdesk.privacy.detectors import BUILTIN_KINDS, Scanner, is_card_number
from tests.robustness.corpus import corpus


def kinds_in(text: str, settings: RedactionSettings | None = None) -> list[tuple[str, str]]:
    scanner = Scanner(settings or RedactionSettings())
    return [(f.kind, text[f.start : f.end]) for f in scanner.scan(text)]


@pytest.mark.parametrize("seeded", corpus(), ids=lambda s: s.kind)
def test_every_seeded_kind_is_found_whole(seeded) -> None:
    found = kinds_in(seeded.sentence)
    assert [kind for kind, _ in found] == [seeded.kind]
    # The whole value goes, not a prefix of it (several plugins match fixed-length prefixes).
    assert all(needle not in seeded.sentence.replace(found[0][1], "") for needle in seeded.needles[:1])


def test_corpus_has_at_least_twelve_kinds() -> None:
    assert len({s.kind for s in corpus()}) >= 12


@pytest.mark.parametrize(
    "text",
    [
        "order NW-5520193 costs $129.99, refund of 1,234.56 EUR on 2026-10-12 at 14:05",
        "tracking 1Z999AA10123456784 and ticket #4155552671, article 360039920114",
        "version 2026.10.1, sdk 1.37.0, python 3.11.7",
        "trace 0af7651916cd43dd8448eb211c80319c span b7ad6b7169203331",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "started 1791213262576287130 ended 1791213262821465562 (ns)",
        "invoice 4000123412341235 is not a card: wrong Luhn digit",  # Luhn-invalid
        "sess_a82834342443 user_8842 NW-3108321",
        "time 12:30:45, ratio 3:2, C++ std::vector",
        "the words password and token and key appear in prose",
        "gen_ai.usage.input_tokens=1234567890",
    ],
)
def test_look_alikes_are_not_redacted(text: str) -> None:
    assert kinds_in(text) == []


def test_same_value_spelled_two_ways_has_one_key() -> None:
    scanner = Scanner(RedactionSettings())
    a = scanner.scan("card 4111 1111 1111 1111")
    b = scanner.scan("card 4111-1111-1111-1111 or 4111111111111111")
    assert {f.key for f in a} == {f.key for f in b} == {"4111111111111111"}
    emails = scanner.scan("Tom.H@Example.com and tom.h@example.com")
    assert len({f.key for f in emails}) == 1


def test_card_issuer_and_length_rules() -> None:
    assert is_card_number("4111111111111111")
    assert is_card_number("378282246310005")  # Amex, 15
    assert not is_card_number("1111111111111117")  # Luhn-valid, no issuer starts with 1
    assert not is_card_number("4111111111111")  # Visa length 13 but Luhn-invalid


def test_iban_stops_at_the_checksum_and_needs_it() -> None:
    assert kinds_in("IBAN DE89 3704 0044 0532 0130 00 AND MORE") == [("IBAN", "DE89 3704 0044 0532 0130 00")]
    assert kinds_in("IBAN DE89 3704 0044 0532 0130 01") == []  # checksum wrong


def test_ip_addresses_skip_loopback_and_versions() -> None:
    assert kinds_in("from 127.0.0.1 and ::1 and 0.0.0.0") == []
    assert kinds_in("v1.2.3.4 is a version") == []
    assert kinds_in("from 10.1.2.3") == [("IP_ADDRESS", "10.1.2.3")]


def test_private_key_block_is_taken_whole_even_when_cut_off() -> None:
    text = "key -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
    assert kinds_in(text) == [("PRIVATE_KEY", text[4:])]


def test_connection_string_password_wins_over_email() -> None:
    # "s3cret@db.example.com" also looks like an e-mail address: the secret detector wins.
    assert kinds_in("postgres://admin:s3cret@db.example.com/app") == [("PASSWORD", "s3cret")]


def test_allow_list_and_patterns() -> None:
    settings = RedactionSettings(allow=["Support@Northwind.example"], allow_patterns=[r".*@staff\.example"])
    text = "write support@northwind.example or ana@staff.example, not bob@home.example"
    assert kinds_in(text, settings) == [("EMAIL", "bob@home.example")]


def test_custom_rule_with_value_group_and_priority() -> None:
    settings = RedactionSettings(rules=[CustomRule(kind="customer_id", pattern=r"customer (?P<value>C-\d{6})")])
    assert kinds_in("for customer C-123456 today", settings) == [("CUSTOMER_ID", "C-123456")]


def test_disabled_kinds_are_kept() -> None:
    settings = RedactionSettings(disabled_kinds=["ip_address"])
    assert kinds_in("from 203.0.113.9 by a@b.example", settings) == [("EMAIL", "a@b.example")]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="not a valid regular expression"):
        CustomRule(kind="X", pattern="(unclosed")
    with pytest.raises(ValueError, match="empty string"):
        CustomRule(kind="X", pattern="a*")
    with pytest.raises(ValueError, match="capitals"):
        CustomRule(kind="no spaces", pattern="x")
    with pytest.raises(ValueError, match="two-letter"):
        RedactionSettings(phone_regions=["USA"])


def test_phone_regions_decide_numbers_without_country_code() -> None:
    assert kinds_in("call 030 901820 44") == []  # a Berlin number, not read as US
    settings = RedactionSettings(phone_regions=["DE"])
    assert [k for k, _ in kinds_in("call 030 90182044", settings)] == ["PHONE"]


# Every Unicode space separator but " " (category Zs): NBSP, figure, thin, hair, narrow NBSP, ideographic …
_UNICODE_SPACES = ["\u00a0", "\u1680", *map(chr, range(0x2000, 0x200B)), "\u202f", "\u205f", "\u3000"]


@pytest.mark.parametrize("space", _UNICODE_SPACES, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("after", ["", " 0", " 12 34", "\t7", " 0 0 0 0 0"])
def test_phone_grouped_by_any_space_is_found_whole_before_stray_digit_groups(space: str, after: str) -> None:
    # Hypothesis found "tel +44\xa020\xa07654\xa06832 0" left alone: the hint ran on over " 0" and
    # libphonenumber refused "+44 20 7654 6832 0" as a whole (no valid number), so nothing was found.
    number = space.join(["+44", "20", "7654", "6832"])
    assert kinds_in(f"tel {number}{after}") == [("PHONE", number)]
    us = f"(415){space}809-6792"
    assert kinds_in(f"my cell is {us}{after}") == [("PHONE", us)]


@pytest.mark.parametrize("space", [" ", *_UNICODE_SPACES[:3]], ids=lambda c: f"U+{ord(c):04X}")
def test_card_followed_by_stray_digit_groups_is_found_but_a_long_four_group_id_is_not(space: str) -> None:
    for card in ("373834701746811", space.join(["4111", "1111", "1111", "1111"])):
        assert kinds_in(f"Amex {card}{space}000{space}123456") == [("CARD", card)]
    # Every group of four: one long number (a USPS tracking number), though its first 12 digits pass Luhn.
    assert kinds_in(space.join(["USPS 5608", "2812", "2377", "5186", "5587", "44"])) == []


def test_builtin_kinds_are_listed_once() -> None:
    assert len(BUILTIN_KINDS) == len(set(BUILTIN_KINDS))


@pytest.mark.parametrize(
    "text",
    [
        "logo@2x.png and icon@3x.webp",
        "version 2.1.0.4, build 10.0.1.7, requests==1.2.3.4, Chrome/17.10.9.10",
        "order 4155552671 shipped; order no. 2257586088",
        "reference 4000123412341236 and ref: 4111111111111111",
        "sk-admin-dashboard-settings-page and sk-proj-roadmap-q3-planning-notes",
        "ts=4910730537426 ended 6300559378468692598",
        "secret: true, api_key_name: production, password_reset_url: https://x.example/r",
        "SELECT * FROM orders WHERE id = 4178058335",
        "arn:aws:iam::123456789012:role/admin",
    ],
)
def test_false_positives_of_issue_16_are_left_alone(text: str) -> None:
    assert kinds_in(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kontakt: jürgen.groß@müller.example.de", [("EMAIL", "jürgen.groß@müller.example.de")]),
        ("ring 0044 20 7946 0958 after 6", [("PHONE", "0044 20 7946 0958")]),
        ("tel +44\u00a020\u00a07946\u00a00958", [("PHONE", "+44\u00a020\u00a07946\u00a00958")]),
        ("card 4111.1111.1111.1111 exp", [("CARD", "4111.1111.1111.1111")]),
        ("iban de89 3704 0044 0532 0130 00 please", [("IBAN", "de89 3704 0044 0532 0130 00")]),
        ("SSN 123-45-6789 on file", [("US_SSN", "123-45-6789")]),
        ("NI number AB 12 34 56 C.", [("UK_NINO", "AB 12 34 56 C")]),
        ("login ana, password: hunter22", [("PASSWORD", "hunter22")]),
        ("config dbPassword=s3cr3t! loaded", [("PASSWORD", "s3cr3t!")]),
        ("api-key: 0123456789abcdef0123456789abcdef", [("SECRET", "0123456789abcdef0123456789abcdef")]),
        ("please call 4155552671 tomorrow", [("PHONE", "4155552671")]),
    ],
)
def test_kinds_of_issue_16_are_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds_in(text) == expected


def test_found_in_decoded_text_is_replaced_in_the_original_whole() -> None:
    text = 'x {"a": "pay\\n4111 1111 1111 1111", "b": "tom%40example.com", "c": "ana&#64;x.example"}'
    found = kinds_in(text)
    assert found == [
        ("CARD", "4111 1111 1111 1111"),
        ("EMAIL", "tom%40example.com"),
        ("EMAIL", "ana&#64;x.example"),
    ]


def test_a_jwt_whose_body_does_not_decode_is_a_jwt() -> None:
    text = "t eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24tYXQtYWxs.c2lnbmF0dXJl end"
    assert [k for k, _ in kinds_in(text)] == ["JWT"]
    assert kinds_in("eyJub3QganNvbg.abc.def is no token") == []  # the header must decode to JSON
