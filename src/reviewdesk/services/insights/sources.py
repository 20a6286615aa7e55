"""Source health: per retrieved document and per source system, how it is used and judged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reviewdesk.services.insights.facts import NONE_KEY, CaseFacts
from reviewdesk.services.insights.stats import Distribution

STALE_CAUSE = "stale_source"
IRRELEVANT_CAUSE = "bad_retrieval"


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One retrieved document (or one source system): how it is used and how it is judged."""

    key: str
    source: str | None
    retrieved_ids: tuple[str, ...]
    """Cases that retrieved it (each case once, however many times its trace retrieved it)."""
    cited_ids: tuple[str, ...]
    stale_ids: tuple[str, ...]
    stale_evidence_ids: tuple[str, ...]
    """The subset of ``stale_ids`` where evidence names this document (not just the case's cause)."""
    irrelevant_ids: tuple[str, ...]
    irrelevant_evidence_ids: tuple[str, ...]
    age_days: Distribution
    out_of_date_ids: tuple[str, ...] = ()
    """Cases that retrieved it stale (the fact, ``DocumentRef.stale``: by date, whatever the label says)."""
    """Age of the document when it was retrieved (case start − metadata ``updated_at``), in days."""
    documents: int = 1
    """Distinct documents (more than one only for a source system)."""


def source_system(source: str | None) -> str:
    """The system a document came from: the URL scheme (``confluence://…``) or host, else the source."""
    if not source:
        return NONE_KEY
    scheme, sep, rest = source.partition("://")
    if sep and scheme.casefold() not in ("http", "https"):
        return scheme
    host = (rest if sep else source).split("/", 1)[0]
    return host or source


def source_health(facts: Sequence[CaseFacts]) -> tuple[list[SourceHealth], list[SourceHealth]]:
    """Per document and per source system: retrieved, cited, stale by date, labeled stale or irrelevant, age.

    Labeled stale (``stale_source``) or irrelevant (``bad_retrieval``) counts a case against a
    document when the label's evidence for that root cause names the document; when the case has
    the root cause but its evidence names no document for it, every document the case retrieved
    is counted (the reviewer said one of them was bad without saying which). ``*_evidence_ids``
    keep the first kind apart.
    """
    per_doc: dict[str, dict[str, Any]] = {}
    doc_source: dict[str, str | None] = {}
    for f in facts:
        pinned = {
            cause: {ref for rc, kind, ref in f.evidence if rc == cause and kind == "document"}
            for cause in (STALE_CAUSE, IRRELEVANT_CAUSE)
        }
        seen: set[str] = set()
        for doc in f.documents:
            if doc.doc_id in seen:
                continue
            seen.add(doc.doc_id)
            entry = per_doc.setdefault(
                doc.doc_id,
                {
                    "retrieved": [],
                    "cited": [],
                    "stale": [],
                    "stale_ev": [],
                    "irr": [],
                    "irr_ev": [],
                    "age": [],
                    "dated_stale": [],
                },
            )
            doc_source.setdefault(doc.doc_id, doc.source)
            entry["retrieved"].append(f.case_id)
            if any(d.cited for d in f.documents if d.doc_id == doc.doc_id):
                entry["cited"].append(f.case_id)
            if any(d.stale for d in f.documents if d.doc_id == doc.doc_id):
                entry["dated_stale"].append(f.case_id)
            for cause, key, ev_key in ((STALE_CAUSE, "stale", "stale_ev"), (IRRELEVANT_CAUSE, "irr", "irr_ev")):
                if doc.doc_id in pinned[cause]:
                    entry[key].append(f.case_id)
                    entry[ev_key].append(f.case_id)
                elif cause in f.root_causes and not pinned[cause]:
                    entry[key].append(f.case_id)
            if doc.age_days is not None:
                entry["age"].append((f.case_id, doc.age_days))

    def health(key: str, source: str | None, entry: Mapping[str, Any], documents: int = 1) -> SourceHealth:
        return SourceHealth(
            key=key,
            source=source,
            retrieved_ids=tuple(entry["retrieved"]),
            cited_ids=tuple(entry["cited"]),
            stale_ids=tuple(entry["stale"]),
            stale_evidence_ids=tuple(entry["stale_ev"]),
            irrelevant_ids=tuple(entry["irr"]),
            irrelevant_evidence_ids=tuple(entry["irr_ev"]),
            age_days=Distribution.of(entry["age"]),
            out_of_date_ids=tuple(entry["dated_stale"]),
            documents=documents,
        )

    def order(item: SourceHealth) -> tuple[int, int, str]:
        return (-(len(item.stale_ids) + len(item.irrelevant_ids)), -len(item.retrieved_ids), item.key)

    documents = sorted((health(k, doc_source[k], e) for k, e in per_doc.items()), key=order)
    systems: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = defaultdict(int)
    for doc_id, entry in per_doc.items():
        system = source_system(doc_source[doc_id])
        counts[system] += 1
        merged = systems.setdefault(system, {k: [] for k in entry})
        for k, values in entry.items():
            merged[k].extend(values)
    sources = []
    for system, entry in systems.items():
        # A case that retrieved two documents of one system counts once for the system.
        unique = {k: list(dict.fromkeys(v)) if k != "age" else v for k, v in entry.items()}
        sources.append(health(system, None, unique, counts[system]))
    return documents, sorted(sources, key=order)
