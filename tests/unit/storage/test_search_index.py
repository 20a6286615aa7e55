"""The search index of distinct words (docs/adr/0014): it finds exactly the cases a plain reading of
the cases' text finds, on both engines; SQLite's index answers as the five-column index before it
did; migration 0009 rebuilds older workspaces' index without changing what a search finds."""

from __future__ import annotations

import importlib
import random
import re
import sqlite3
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from alembic import command
from sqlalchemy import Connection, text

from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage import search, search_words, writes

_OLD_REVISION = "0008"
_VOCABULARY = [
    "refund", "refunded", "Refunds", "policy", "POLICIES", "delivery", "delivered", "order", "orders",
    "lookup_order", "ORD-12345", "ord_98", "a1b2c3", "x", "ab", "abc", "abcdef", "abcdefg", "abcdeh",
    "Résumé", "resume", "naïve", "Straße", "strasse", "café", "CAFE", "Ångström", "Łódź", "Ελληνικά",
    "Привет", "東京都", "東京", "😀party", "emoji😀", "ＦＵＬＬ", "ﬁnance", "x²", "İstanbul",
    "tenant_7", "sess-42", "user@example.com", "2026-12-03", "3.14159", "deadbeefcafe",
]  # fmt: skip
_WORD = re.compile(r"[^\W_]+")


def _fold(value: str) -> str:
    # The rule itself, written out again: casefold, compatibility decomposition, marks dropped.
    return "".join(c for c in unicodedata.normalize("NFKD", value.casefold()) if not unicodedata.combining(c))


def _phrase(rng: random.Random, ascii_only: bool) -> str:
    words = [w for w in _VOCABULARY if w.isascii()] if ascii_only else _VOCABULARY
    return " ".join(rng.choice(words) for _ in range(rng.randint(1, 5)))


def _corpus(rng: random.Random, count: int, *, ascii_only: bool = False) -> list[dict[str, Any]]:
    """Cases as (the searchable parts of) ``cases`` rows, with every kind of place text is searched in."""
    cases = []
    for n in range(count):
        data: dict[str, Any] = {
            "trace_id": f"trace{n:04d}",
            "retrieval": {
                "query": _phrase(rng, ascii_only),
                "documents": [
                    {"id": f"doc-{n}-{k}", "source": _phrase(rng, ascii_only), "content": _phrase(rng, ascii_only)}
                    for k in range(rng.randint(0, 2))
                ],
            },
            "tool_calls": [
                {
                    "name": rng.choice(["lookup_order", "issue_refund", "search_kb"]),
                    "arguments": {"query": _phrase(rng, ascii_only), "limit": rng.randint(1, 99)},
                    "result": rng.choice([_phrase(rng, ascii_only), None, {"ok": True, "items": [1, 2]}]),
                    "error": rng.choice([None, None, "Timeout while refunding"]),
                }
                for _ in range(rng.randint(0, 2))
            ],
        }
        cases.append(
            {
                "case_id": f"case-{n:04d}",
                "user_request": _phrase(rng, ascii_only),
                "output": rng.choice([None, _phrase(rng, ascii_only)]),
                "workflow": rng.choice([None, "refunds", "Support_Flow"]),
                "session_id": rng.choice([None, f"sess-{n % 7}"]),
                "user_id": rng.choice([None, f"user{n % 5}"]),
                "tenant": rng.choice([None, "acme", "Globex"]),
                "data": data,
            }
        )
    return cases


def _full_words(case: dict[str, Any]) -> set[str]:
    """Every folded word of a case, uncut, read straight from its parts (not through ``search_words``)."""
    data = case["data"]
    parts = [case["case_id"], data["trace_id"], data["retrieval"]["query"]]
    parts += [case[k] or "" for k in ("user_request", "output", "workflow", "session_id", "user_id", "tenant")]
    for document in data["retrieval"]["documents"]:
        parts += [document["id"], document["source"], document["content"]]
    for call in data["tool_calls"]:
        parts += [call["name"], orjson.dumps(call["arguments"]).decode(), call["error"] or ""]
        if call["result"] is not None:
            parts.append(call["result"] if isinstance(call["result"], str) else orjson.dumps(call["result"]).decode())
    return {word for part in parts for word in _WORD.findall(_fold(part))}


def _brute_force(cases: list[dict[str, Any]], query: str) -> set[str]:
    """The cases where every typed word, folded and cut to six letters, begins some word of the case."""
    wanted = {word[: search.PREFIX_CHARS] for word in _WORD.findall(_fold(query))}
    if not wanted:
        return set()
    return {
        case["case_id"] for case in cases if all(any(word.startswith(w) for word in _full_words(case)) for w in wanted)
    }


def _queries(rng: random.Random, cases: list[dict[str, Any]]) -> list[str]:
    words = sorted({w for case in cases for w in _full_words(case)} | set(_VOCABULARY))
    queries = {"", "  ", "--", "_", '"refund', "refund OR policy", "NEAR(a b)", "ab*", "Refund-Policy"}
    for word in words:
        for cut in (1, 2, 3, 5, 6, 7, len(word)):
            queries.update((word[:cut], word[:cut].upper()))
    for _ in range(150):
        queries.add(" ".join(rng.sample(_VOCABULARY, 2)))
    return sorted(queries)


def _store(conn: Connection, cases: list[dict[str, Any]]) -> None:
    now = datetime(2026, 12, 3, tzinfo=UTC)
    rows = []
    for case in cases:
        trace_rowid = conn.execute(
            text("INSERT INTO traces (trace_id, span_count) VALUES (:t, 1) RETURNING trace_rowid"),
            {"t": case["data"]["trace_id"]},
        ).scalar_one()
        rows.append(
            {
                **case,
                "trace_rowid": trace_rowid,
                "status": "ok",
                "tool_calls": len(case["data"]["tool_calls"]),
                "tool_errors": 0,
                "documents": len(case["data"]["retrieval"]["documents"]),
                "source_format": "test",
                "source_file": "t.jsonl",
                "updated_at": now,
            }
        )
    writes.upsert_cases(conn, rows)
    search.index_cases(conn, rows)


def _found(ws: Workspace, query: str) -> set[str]:
    with ws.session() as session:
        rowids = list(session.execute(search.matching_rowids(query)).scalars())
        if not rowids:
            return set()
        marks = ", ".join(str(int(r)) for r in rowids)
        return set(session.execute(text(f"SELECT case_id FROM cases WHERE case_rowid IN ({marks})")).scalars())


def test_search_finds_exactly_the_cases_whose_words_begin_with_the_typed_words(
    workspace_location: WorkspaceLocation,
) -> None:
    rng = random.Random(12)
    cases = _corpus(rng, 120)
    ws = open_workspace(workspace_location)
    with ws.engine.begin() as conn:
        _store(conn, cases)
    wrong = [
        (query, sorted(found ^ expected)[:5])
        for query in _queries(rng, cases)
        if (found := _found(ws, query)) != (expected := _brute_force(cases, query))
    ]
    ws.close()
    assert wrong == []


def test_a_reindexed_case_is_found_by_its_new_words_only_and_a_deleted_one_not_at_all(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "w.reviewdesk")
    cases = _corpus(random.Random(3), 3, ascii_only=True)
    cases[0]["user_request"] = "zebra crossing"
    with ws.engine.begin() as conn:
        _store(conn, cases)
    assert _found(ws, "zebr") == {"case-0000"}
    row = {**cases[0], "user_request": "quokka sighting"}
    with ws.engine.begin() as conn:
        trace_rowid = conn.execute(text("SELECT trace_rowid FROM cases WHERE case_id = 'case-0000'")).scalar_one()
        writes.upsert_cases(conn, [{**row, "trace_rowid": trace_rowid, "status": "ok", "source_format": "test",
                                    "source_file": "t.jsonl", "updated_at": datetime.now(UTC)}])  # fmt: skip
        search.index_cases(conn, [{**row, "trace_rowid": trace_rowid}])
    assert (_found(ws, "zebr"), _found(ws, "quokka")) == (set(), {"case-0000"})
    with ws.engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_search")).scalar_one() == 3
        conn.execute(text("DELETE FROM cases WHERE case_id = 'case-0000'"))
        assert conn.execute(text("SELECT count(*) FROM case_search")).scalar_one() == 2
    assert _found(ws, "quokka") == set()
    ws.close()


def test_words_carried_by_the_rows_are_what_is_stored(tmp_path: Path) -> None:
    """An import's worker computes the words (``WORDS_KEY``); the index stores those, not its own."""
    ws = open_workspace(tmp_path / "w.reviewdesk")
    case = _corpus(random.Random(5), 1, ascii_only=True)[0]
    with ws.engine.begin() as conn:
        _store(conn, [case])
        search.index_cases(conn, [{"case_id": case["case_id"], search_words.WORDS_KEY: "carried words"}])
        stored = conn.execute(text("SELECT words FROM case_search")).scalar_one()
    assert stored == "carried words"
    ws.close()


def _old_query(user_text: str) -> str | None:
    """What migration 0002's index was asked: every typed word's first six letters, as a prefix."""
    words = _WORD.findall(user_text)
    return " ".join(f'"{word[:6]}"*' for word in words) if words else None


def _old_index_answers(db: sqlite3.Connection, queries: list[str]) -> dict[str, set[str]]:
    answers = {}
    for query in queries:
        match = _old_query(query)
        sql = (
            "SELECT c.case_id FROM case_search AS s JOIN cases AS c ON c.case_rowid = s.rowid WHERE case_search MATCH ?"
        )
        rows = db.execute(sql, (match,)).fetchall() if match else []
        answers[query] = {r[0] for r in rows}
    return answers


def test_migration_0009_rebuilds_the_index_and_searches_find_what_they_found_before(tmp_path: Path) -> None:
    """A workspace at 0008 (the five-column index) with cases: the same answers before and after the upgrade.

    Text in ASCII, where the old index's own folding (FTS5's unicode61) and the words' (NFKD) agree;
    beyond ASCII the words fold more (compatibility forms, ß) as PostgreSQL's always did (ADR 0014).
    """
    rng = random.Random(9)
    cases = _corpus(rng, 150, ascii_only=True)
    path = tmp_path / "old.reviewdesk"
    engine = storage_engine.create_workspace_engine(path)
    command.upgrade(storage_engine.alembic_config(engine), _OLD_REVISION)
    with engine.begin() as conn:
        _store_old(conn, cases)
    engine.dispose()
    queries = [query for query in _queries(rng, cases) if query.isascii()]
    db = sqlite3.connect(path)
    before = _old_index_answers(db, queries)
    db.close()
    assert sum(1 for found in before.values() if found) > len(queries) // 2  # the old index answers

    ws = open_workspace(path)  # upgrades to the head revision
    assert storage_engine.current_revision(ws.engine) == storage_engine.head_revision()
    after = {query: _found(ws, query) for query in queries}
    with ws.engine.connect() as conn:
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(case_search)")]
    ws.close()
    assert columns == ["words"]
    assert {q: (before[q], after[q]) for q in queries if before[q] != after[q]} == {}


def _store_old(conn: Connection, cases: list[dict[str, Any]]) -> None:
    """Cases written at revision 0008: the rows, and the old index filled as 0002's code filled it."""
    # Migration 0002's own fill, loaded from its file (a module name that starts with a digit).
    fill = importlib.import_module("reviewdesk.storage.migrations.versions.0002_case_search")._FILL
    for case in cases:
        trace_rowid = conn.execute(
            text("INSERT INTO traces (trace_id, span_count) VALUES (:t, 1) RETURNING trace_rowid"),
            {"t": case["data"]["trace_id"]},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO cases (case_id, trace_rowid, status, tool_calls, tool_errors, documents, source_format,"
                " source_file, data, updated_at, user_request, output, workflow, session_id, user_id, tenant)"
                " VALUES (:case_id, :trace_rowid, 'ok', 0, 0, 0, 'test', 't.jsonl', :data, '2026-12-03',"
                " :user_request, :output, :workflow, :session_id, :user_id, :tenant)"
            ),
            # A case format far ahead: opening the workspace leaves these partial cases as they are.
            {
                **case,
                "trace_rowid": trace_rowid,
                "data": orjson.dumps({**case["data"], "format_version": 999}).decode(),
            },
        )
    conn.execute(text(fill))


@pytest.mark.parametrize(
    "value",
    [True, False, 0, -7, 2**40, 2.0, 0.1, 1 / 3, 1e20, 1e-5, 123456789.123456789, -2.5, [1, True, "x"], {"a": 1.5}],
)
def test_non_string_json_reads_as_the_old_index_read_it(value: object) -> None:
    """Old index: SQLite's ``json_extract`` text of the value. The words: the same text, in Python."""
    db = sqlite3.connect(":memory:")
    (expected,) = db.execute("SELECT '' || json_extract(?, '$.v')", (orjson.dumps({"v": value}),)).fetchone()
    db.close()
    assert search_words._as_text(value) == expected


def test_folding_ascii_takes_the_short_path_to_the_same_words() -> None:
    rng = random.Random(1)
    alphabet = "".join(chr(c) for c in range(32, 127))
    for _ in range(300):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert search_words.fold(value) == _fold(value)
    assert search_words.fold("Résumé ＦＵＬＬ Straße") == "resume full strasse"


def test_ascii_text_is_split_into_the_same_words_as_by_the_general_rule() -> None:
    """The byte-table path for ASCII text gives what the regular expression gives (letters and digits, cut)."""
    rng = random.Random(4)
    alphabet = "".join(chr(c) for c in range(128))
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        expected = list(dict.fromkeys(w[: search.PREFIX_CHARS] for w in _WORD.findall(_fold(value))))
        assert search_words.words_of_text(value) == expected
