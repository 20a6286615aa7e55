"""Queue navigation, full-text search, facets, smart queues, label record/undo/redo and history."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from reviewdesk.domain.errors import LabelError
from reviewdesk.domain.labels import Evidence, LabelChange
from reviewdesk.domain.queries import SMART_QUEUES, CaseFilter, smart_queue
from reviewdesk.services import imports, review
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage.search import match_query
from tests.conftest import DATA

FILES = sorted(p for p in (DATA / "instrumented").glob("*.json*") if p.name != "expected.json")


@pytest.fixture
def loaded(workspace: Workspace) -> Workspace:
    result = imports.import_files(workspace, FILES)
    assert all(s.failed is None for s in result.files)
    return workspace


def _rowids(ws: Workspace, flt: CaseFilter) -> list[int]:
    return review.queue_page(ws, flt, limit=1000)


def test_queue_pages_are_stable_and_complete(loaded: Workspace) -> None:
    every = _rowids(loaded, CaseFilter())
    assert len(every) == review.queue_count(loaded, CaseFilter()) == 8
    paged = review.queue_page(loaded, CaseFilter(), limit=3) + review.queue_page(
        loaded, CaseFilter(), offset=3, limit=3
    )
    paged += review.queue_page(loaded, CaseFilter(), offset=6, limit=3)
    assert paged == every
    rows = review.summaries(loaded, every)
    started = [rows[r].started_at for r in every]
    assert started == sorted(started)  # type: ignore[type-var]


def test_search_covers_request_output_context_and_tools(loaded: Workspace) -> None:
    def hits(words: str) -> set[str]:
        rows = review.summaries(loaded, _rowids(loaded, CaseFilter(text=words)))
        return {r.workflow or "" for r in rows.values()}

    assert hits("return order") == {"refund_question"}  # the request
    assert hits("Trailhead") == {"refund_question"}  # the output and a tool result
    assert hits("lookup_ord") == {"refund_question"}  # a tool name, as a prefix
    assert hits("kb policies") == {"refund_question"}  # a retrieved document's source
    assert hits("Premium cancel") == {"cancel_subscription_request"}
    assert hits("nothing-like-this-anywhere") == set()
    # FTS5 syntax typed by a user is searched as words, never parsed (no error, no injection).
    assert hits('"AND( NEAR') == set()
    assert _rowids(loaded, CaseFilter(text="*** ()")) == []


def test_match_query_quotes_every_word() -> None:
    # Folded as stored words are; a word of six letters (the stored words' longest) is an exact term.
    assert match_query('refund "policy" OR x*') == '"refund" "policy" "or"* "x"*'
    assert match_query("delivery") == '"delive"'  # cut to 6 letters, as stored
    assert match_query("lookup_order NW-4471") == '"lookup" "order"* "nw"* "4471"*'
    assert match_query("Résumé résumé") == '"resume"'  # each word once
    assert match_query("  ") is None


def test_ts_query_looks_words_of_the_stored_length_up_exactly(loaded: Workspace) -> None:
    """Stored words are cut to PREFIX_CHARS letters, so a query word that long can only match itself."""
    from reviewdesk.storage.search import ts_query

    assert ts_query("Refunds policy ab") == "'ab':* & 'policy' & 'refund'"
    # "refunds" is looked up as 'refund' exactly: it finds cases, each of which the prefix "refun" finds.
    exact = set(_rowids(loaded, CaseFilter(text="refunds")))
    assert exact and exact <= set(_rowids(loaded, CaseFilter(text="refun")))


def test_facets_and_smart_queues(loaded: Workspace) -> None:
    facets = review.facets(loaded)
    assert {c.key for c in facets.workflows} == {"refund_question", "cancel_subscription_request"}
    assert sum(c.count for c in facets.workflows) == 8
    assert facets.error_types and all(c.count > 0 for c in facets.error_types)
    errors = review.summaries(loaded, _rowids(loaded, smart_queue("errors").filter))
    assert errors and all(r.status == "error" for r in errors.values())
    slowest = _rowids(loaded, smart_queue("slowest").filter)
    rows = review.summaries(loaded, slowest)
    latencies = [rows[r].latency_ms for r in slowest]
    assert latencies == sorted(latencies, reverse=True)  # type: ignore[type-var]
    assert {q.id for q in SMART_QUEUES} >= {"unreviewed", "errors", "worst", "costliest", "slowest"}
    error_type = facets.error_types[0].key
    assert set(_rowids(loaded, CaseFilter(error_type=error_type))) <= set(errors)


def test_record_undo_redo_and_queues(loaded: Workspace) -> None:
    ok_case = next(r for r in review.summaries(loaded, _rowids(loaded, CaseFilter(status="ok"))).values())
    session = review.ReviewSession(loaded, "ana")
    before = review.load_detail(loaded, ok_case.case_rowid)
    assert before.case.labels is None

    first = session.record(
        ok_case.case_rowid, ok_case.case_id, LabelChange(verdict="fail"), before=None, seconds_spent=4.0
    )
    second = session.record(
        ok_case.case_rowid,
        ok_case.case_id,
        LabelChange(
            root_causes=["stale_source"], evidence=[Evidence(root_cause="stale_source", kind="document", ref="d1")]
        ),
        before=first.label,
        seconds_spent=2.5,
    )
    assert second.changes.labels and second.changes.cases and not second.changes.traces
    assert second.label.verdict == "fail" and second.label.root_causes == ["stale_source"]
    assert ok_case.case_rowid in _rowids(loaded, smart_queue("worst").filter)
    assert ok_case.case_rowid not in _rowids(loaded, smart_queue("unreviewed").filter)
    assert ok_case.case_rowid in _rowids(loaded, CaseFilter(root_cause="stale_source"))

    undone = session.undo()
    assert undone is not None and undone.label.root_causes == [] and undone.label.evidence == []
    assert undone.label.verdict == "fail"
    undone = session.undo()
    assert undone is not None and undone.label.verdict is None
    assert session.undo() is None
    # Back to no verdict: unreviewed again, and out of the root-cause facet.
    assert ok_case.case_rowid in _rowids(loaded, smart_queue("unreviewed").filter)
    assert ok_case.case_rowid not in _rowids(loaded, CaseFilter(root_cause="stale_source"))

    redone = session.redo()
    assert redone is not None and redone.label.verdict == "fail"
    redone = session.redo()
    assert redone is not None and redone.label.root_causes == ["stale_source"]
    assert session.redo() is None

    history = review.history(loaded, ok_case.case_rowid)
    assert len(history) == 6  # two changes, two undos, two redos: nothing is erased
    assert [h.seconds_spent for h in history[:2]] == [4.0, 2.5]
    assert history[0].summary == "verdict fail"
    assert "root causes stale_source" in history[1].summary
    assert all(h.reviewer == "ana" and h.schema_version == 1 for h in history)


def test_record_rejects_unknown_root_cause(loaded: Workspace) -> None:
    case = review.summaries(loaded, _rowids(loaded, CaseFilter()))
    rowid, summary = next(iter(case.items()))
    session = review.ReviewSession(loaded, "ana")
    with pytest.raises(LabelError):
        session.record(rowid, summary.case_id, LabelChange(root_causes=["not_a_cause"]), before=None)
    assert not session.can_undo


def test_events_are_append_only(loaded: Workspace) -> None:
    rowid, summary = next(iter(review.summaries(loaded, _rowids(loaded, CaseFilter())).items()))
    review.ReviewSession(loaded, "ana").record(rowid, summary.case_id, LabelChange(verdict="pass"), before=None)
    with loaded.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE label_events SET reviewer = 'mallory'"))


def test_label_schema_and_describe_change(loaded: Workspace) -> None:
    schema = review.label_schema(loaded)
    assert [rc.id for rc in schema.root_causes][:3] == ["weak_prompt", "prompt_injection", "user_ambiguity"]
    assert schema.scores == ("correctness", "groundedness", "safety", "usefulness")
    assert schema.title("stale_source") == "Stale source"
    assert schema.title("retired_cause") == "retired_cause"
    text_ = review.describe_change({"verdict": "pass", "escalate": True, "scores": {"safety": 5}, "comment": None})
    assert text_ == "verdict pass · escalated · scores safety=5 · comment cleared"


def test_reimport_keeps_search_in_sync(loaded: Workspace) -> None:
    with loaded.engine.connect() as conn:
        indexed = conn.execute(text("SELECT count(*) FROM case_search")).scalar_one()
    assert indexed == 8
    imports.import_files(loaded, FILES)  # idempotent: nothing added, nothing duplicated
    with loaded.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_search")).scalar_one() == 8
        conn.execute(text("DELETE FROM cases WHERE case_rowid = (SELECT min(case_rowid) FROM cases)"))
        conn.commit()
        assert conn.execute(text("SELECT count(*) FROM case_search")).scalar_one() == 7


def test_migration_0002_indexes_existing_cases(tmp_path: Path) -> None:
    # A workspace from before 0002: import with today's code, then take away what 0002 added and
    # mark the schema as 0001. Reopening must run 0002, which indexes the cases already there.
    path = tmp_path / "old.reviewdesk"
    ws = open_workspace(path)
    imports.import_files(ws, FILES)
    # Alembic's own downgrade takes away 0002 and every later revision's tables too.
    from alembic import command

    command.downgrade(storage_engine.alembic_config(ws.engine), "0001")
    ws.close()
    ws = open_workspace(path)
    try:
        assert storage_engine.current_revision(ws.engine) == storage_engine.head_revision()
        assert len(_rowids(ws, CaseFilter(text="Trailhead"))) == 4
    finally:
        ws.close()


@pytest.mark.parametrize(("few", "broad"), [(2000, 50_000), (0, 50_000), (0, 0)])
def test_search_plans_agree_on_what_matches(
    loaded: Workspace, monkeypatch: pytest.MonkeyPatch, few: int, broad: int
) -> None:
    from reviewdesk.storage import queries

    monkeypatch.setattr(queries, "FEW_MATCHES", few)
    monkeypatch.setattr(queries, "BROAD_SEARCH", broad)
    flt = CaseFilter(text="order", sort="latency", descending=True)
    found = _rowids(loaded, flt)
    assert set(found) == set(_rowids(loaded, CaseFilter(text="order")))
    rows = review.summaries(loaded, found)
    latencies = [rows[r].latency_ms for r in found]
    info = review.queue_info(loaded, flt)
    assert info.count == len(found)
    if broad:  # sorted as asked
        assert latencies == sorted(latencies, reverse=True) and not info.in_import_order  # type: ignore[type-var]
    else:  # too many to sort: import order, newest import last (descending: first)
        assert found == sorted(found, reverse=True) and info.in_import_order
    assert review.queue_info(loaded, CaseFilter(text="order")).in_import_order
    assert not review.queue_info(loaded, CaseFilter()).in_import_order


def test_queue_counts_stop_past_the_cap_on_both_engines(loaded: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A queue's figures are counted up to ``COUNT_CAP`` ("10,000+"): the same rule on SQLite and PostgreSQL."""
    matching = len(_rowids(loaded, CaseFilter(text="order")))
    assert matching > 2
    monkeypatch.setattr(review, "COUNT_CAP", 2)
    for flt in (CaseFilter(), CaseFilter(text="order"), CaseFilter(text="order", status="ok", sort="cost")):
        info = review.queue_info(loaded, flt)
        assert (info.count, info.more) == (2, True), flt
    monkeypatch.setattr(review, "COUNT_CAP", 100)
    info = review.queue_info(loaded, CaseFilter(text="order"))
    assert (info.count, info.more, info.in_import_order) == (matching, False, True)
    assert (review.queue_info(loaded, CaseFilter()).count, review.count_text(10_000, True)) == (8, "10,000+")


@pytest.mark.parametrize("walk_above", [0.0, 2.0])
def test_search_pages_are_the_same_walked_or_read_from_the_index(
    loaded: Workspace, monkeypatch: pytest.MonkeyPatch, walk_above: float
) -> None:
    """PostgreSQL picks how a page of matches is read (``search.page_plan``); what it lists is the same."""
    from reviewdesk.storage import queries, search

    with loaded.session() as session:
        expected = sorted(int(r) for r in session.execute(search.matching_rowids("order")).scalars())
    monkeypatch.setattr(search, "WALK_ABOVE", walk_above)  # 0: always walked; 2: never
    monkeypatch.setattr(queries, "BROAD_SEARCH", 0)  # every search listed in index order
    assert _rowids(loaded, CaseFilter(text="order", sort="latency")) == expected
    assert _rowids(loaded, CaseFilter(text="order", descending=True)) == expected[::-1]
    assert _rowids(loaded, CaseFilter(text="order", review="unreviewed")) == expected
    assert review.queue_page(loaded, CaseFilter(text="order"), offset=1, limit=2) == expected[1:3]
