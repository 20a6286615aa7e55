"""The small rules behind the figures: language, citations, document age, source systems."""

from __future__ import annotations

from datetime import UTC, datetime

from reviewdesk.services.insights import cited_documents, document_updated_at, language_of, source_system


def test_language_from_root_span_attributes():
    assert language_of({"metadata": '{"workflow": "refund_request", "locale": "de-DE"}'}) == "de"  # OpenInference
    assert language_of({"locale": "en_US"}) == "en"
    assert language_of({"langfuse.trace.metadata.locale": '"fr-CA"'}) == "fr"  # Langfuse JSON-encodes values
    assert language_of({"user.language": "PT"}) == "pt"
    assert language_of({"language": "English"}) == "english"  # not a language tag: kept, lower-cased
    assert language_of({"metadata": "not json", "input.value": "hallo"}) is None
    assert language_of({}) is None


def test_cited_by_id_or_distinctive_passage():
    docs = [
        ("kb-returns", "Unworn items can be returned within 14 days of delivery for a full refund."),
        ("kb-shipping", "Orders ship within two business days from our warehouse in Reno."),
        ("kb-x", "Orders ship within two business days from our warehouse in Reno."),  # a duplicate of the above
    ]
    answer = "You can return unworn items within 14 days of delivery for a full refund (see kb-shipping)."
    # kb-returns: the 6-word run "within 14 days of delivery for"; kb-shipping: named by id;
    # kb-x: nothing of its own (its text is shared with kb-shipping).
    assert cited_documents(answer, None, docs) == [True, True, False]


def test_a_passage_the_user_wrote_or_every_document_shares_is_no_citation():
    docs = [("a", "Please note: refunds go back to the original payment method."), ("b", "Other text entirely.")]
    request = "Do refunds go back to the original payment method?"
    assert cited_documents("Yes, refunds go back to the original payment method.", request, docs) == [False, False]
    assert cited_documents("Yes, refunds go back to the original payment method.", None, docs) == [True, False]
    shared = [("a", "the quick brown fox jumps over the dog"), ("b", "the quick brown fox jumps over the dog")]
    assert cited_documents("the quick brown fox jumps over the dog", None, shared) == [False, False]
    assert cited_documents(None, None, docs) == [False, False]
    assert cited_documents("see a for details", None, docs) == [False, False]  # ids under 4 characters never match


def test_document_age_and_source_system():
    assert document_updated_at({"updated_at": "2024-01-11"}) == datetime(2024, 1, 11, tzinfo=UTC)
    assert document_updated_at({"last_modified": "2024-01-11T10:00:00Z"}) == datetime(2024, 1, 11, 10, tzinfo=UTC)
    assert document_updated_at({"updated": 1704967200}) == datetime(2024, 1, 11, 10, tzinfo=UTC)
    assert document_updated_at({"title": "x"}) is None
    assert source_system("confluence://CX/Policies/Returns") == "confluence"
    assert source_system("https://help.example.com/a/1") == "help.example.com"
    assert source_system("community.example/t/4471") == "community.example"
    assert source_system(None) == "(none)"
