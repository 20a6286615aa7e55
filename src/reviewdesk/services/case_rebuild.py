"""Bringing stored cases to the current case format when a workspace made by an older reviewdesk is
opened (format 5: the facts a reviewer judges by, ``normalize.facts``).

Each case gets the new facts by the rules of an import (``normalize.with_span_facts``: the span ids
and recovered tool calls from its stored spans, then the facts its own fields give) and nothing else
of it changes: its text, its row and so its labels, label events, evidence and search entries stay.
A case without stored spans (restored from a ``reviewdesk-jsonl`` export) gets the facts its own
fields give; the span-only facts stay unknown. (The cost estimate is brought up to date by
``cost_estimates`` right after, as before.)

Safe against an interruption, kill -9 included: the cases are rebuilt a page at a time, each page
in one transaction (a page is either stored rebuilt or not at all), a case already in the current
format is skipped, and the workspace records that it is done (``workspace_settings`` key
``cases.format``) only after the last page. The next open carries on where the last one stopped.
Until then, readers fill in the facts of an older case in memory with the same rules
(``storage.queries.load_case``, the insights), so nothing shows a case without them.

``index_documents_if_missing`` lists the dated documents of cases stored before the workspace had
``case_documents`` (migration 0006), the index behind "a newer version is in the workspace"
(docs/CONTEXT.md, *Stale document*): from the stored case JSON, page by page, each page with the
row id it reached (``cases.documents.after``) in one transaction, so it too carries on after a kill.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from reviewdesk.domain.case import CASE_FORMAT_VERSION, Case
from reviewdesk.normalize import with_span_facts
from reviewdesk.storage import governance, writes
from reviewdesk.storage.handles import Engine
from reviewdesk.storage.rows import case_columns

log = logging.getLogger(__name__)

FORMAT_KEY = "cases.format"
DOCUMENTS_KEY = "cases.documents"
"""Set once every stored case's dated documents are in ``case_documents``."""
DOCUMENTS_AFTER_KEY = "cases.documents.after"
"""The last case row id listed so far, while that is under way."""
_PAGE = 500


def rebuild_if_outdated(engine: Engine) -> int:
    """Bring the cases stored in an older format up to date, unless the workspace says it is done; the count."""
    with engine.connect() as conn:
        if governance.get_setting(conn, FORMAT_KEY) == CASE_FORMAT_VERSION:
            return 0
    done = 0
    after = 0
    while True:
        with engine.begin() as conn:
            page = writes.cases_page(conn, after_rowid=after, limit=_PAGE)
            if not page:
                governance.put_setting(conn, FORMAT_KEY, CASE_FORMAT_VERSION, datetime.now(UTC))
                if done:
                    log.info("rebuilt %d case(s) in case format %d", done, CASE_FORMAT_VERSION)
                return done
            older = [(c, t, d) for c, t, d in page if int((d or {}).get("format_version") or 1) < CASE_FORMAT_VERSION]
            spans = writes.load_spans(conn, [trace_rowid for _, trace_rowid, _ in older])
            now = datetime.now(UTC)
            rows = []
            for _, trace_rowid, data in older:
                case = with_span_facts(Case.model_validate(data), spans.get(trace_rowid, []))
                rows.append(case_columns(case, trace_rowid, now))
            writes.upsert_cases(conn, rows)  # the text is unchanged: the search index stays as it is
            done += len(rows)
            after = page[-1][0]


def index_documents_if_missing(engine: Engine) -> int:
    """List the dated documents of every stored case, unless the workspace says it is done; the count."""
    with engine.connect() as conn:
        if governance.get_setting(conn, DOCUMENTS_KEY) == 1:
            return 0
        after = int(governance.get_setting(conn, DOCUMENTS_AFTER_KEY) or 0)
    done = 0
    while True:
        with engine.begin() as conn:
            page = writes.cases_page(conn, after_rowid=after, limit=_PAGE)
            now = datetime.now(UTC)
            if not page:
                governance.put_setting(conn, DOCUMENTS_KEY, 1, now)
                governance.delete_setting(conn, DOCUMENTS_AFTER_KEY)
                if done:
                    log.info("listed the dated documents of %d case(s)", done)
                return done
            writes.index_case_documents(conn, [(case_rowid, data or {}) for case_rowid, _, data in page])
            after = page[-1][0]
            governance.put_setting(conn, DOCUMENTS_AFTER_KEY, after, now)
            done += len(page)
