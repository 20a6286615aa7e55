"""Insights for risk owners: how often the system fails, why, where, at what cost — per slice, with n.

Risk owners do not label; they read. Averages hide the problems, so every figure here is kept per
slice (workflow, release, model, tenant, language), every rate carries its 95% interval and its n,
and every figure carries the case ids behind it, so a click (GUI) or a list (report) leads to the
cases themselves. Nothing here writes; everything is computed from one read of the workspace
(``compute_insights``) into small per-case facts, then grouped in memory.

Definitions (docs/insights.md says the same for readers):

* **Labeled** — the case has a verdict (pass, fail or unsure), as in the queue's review filter.
* **Failure rate** — failed / labeled in the slice. Unsure cases stay in the denominator (as in
  ``reviewdesk findings``) and are counted on their own, so the two reports never disagree.
* **Root-cause share** — labeled cases carrying the root cause / labeled cases (any verdict: a
  handled tool error is still a tool error).
* **Intervals** — Wilson score intervals from scipy (``binomtest(k, n).proportion_ci(method=
  "wilson")``). The difference of two rates uses Newcombe's hybrid score interval, composed from
  the two Wilson intervals (tests compare it with Newcombe's published values), and Fisher's exact
  test from scipy. A difference is *beyond noise* when both say so, *borderline* when only one does.
* **Language** — the primary subtag of a locale or language found on the trace's root span
  (``locale``/``language`` attributes, or inside OpenInference's ``metadata`` JSON), so ``de-DE``
  and ``de-AT`` are both ``de``. Traces without one are ``(none)``.
* **Cited** — see ``cited_documents``: the document id, or a distinctive passage of it, occurs
  in the answer.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import orjson
from sqlalchemy import select

from reviewdesk.domain.labels import RootCause
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import review
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import queries
from reviewdesk.storage.orm import CaseRow, LabelEventRow, LabelRow, SpanRow

SliceDimension = Literal["workflow", "release", "model", "tenant", "language"]
SLICE_DIMENSIONS: tuple[SliceDimension, ...] = ("workflow", "release", "model", "tenant", "language")
SLICE_TITLES: dict[str, str] = {
    "workflow": "Workflow",
    "release": "Release",
    "model": "Model",
    "tenant": "Tenant",
    "language": "Language",
}
NONE_KEY = "(none)"
CONFIDENCE = 0.95
EXAMPLES_PER_GROUP = 3
PASSAGE_WORDS = 6
"""A run of this many consecutive words shared by answer and document counts as a citation."""
MIN_ID_LENGTH = 4
"""Shorter document ids (``1``, ``a``) would match any answer by accident."""
STALE_CAUSE = "stale_source"
IRRELEVANT_CAUSE = "bad_retrieval"
_IN_CHUNK = 500
_SNIPPET = 280

Significance = Literal["beyond noise", "borderline", "within noise", "too few cases"]


# --- statistics (library-backed) -------------------------------------------------------------
def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The Wilson score interval of k successes in n trials, from scipy; ``None`` when n is 0."""
    if n <= 0:
        return None
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def newcombe_interval(
    k_a: int, n_a: int, k_b: int, n_b: int, confidence: float = CONFIDENCE
) -> tuple[float, float, float] | None:
    """Difference ``p_b - p_a`` with Newcombe's hybrid score interval (method 10, 1998).

    Built from the two library Wilson intervals: the interval of a difference of independent
    proportions whose coverage stays near nominal at small n, where the Wald interval does not.
    Tests check it against Newcombe's published worked example.
    """
    wa = wilson_interval(k_a, n_a, confidence)
    wb = wilson_interval(k_b, n_b, confidence)
    if wa is None or wb is None:
        return None
    pa, pb = k_a / n_a, k_b / n_b
    diff = pb - pa
    low = diff - ((pb - wb[0]) ** 2 + (wa[1] - pa) ** 2) ** 0.5
    high = diff + ((wb[1] - pb) ** 2 + (pa - wa[0]) ** 2) ** 0.5
    return diff, low, high


def fisher_p_value(k_a: int, n_a: int, k_b: int, n_b: int) -> float | None:
    """Two-sided p-value of Fisher's exact test (scipy) on the 2×2 table; ``None`` without data."""
    if n_a <= 0 or n_b <= 0:
        return None
    from scipy.stats import fisher_exact

    result = fisher_exact([[k_a, n_a - k_a], [k_b, n_b - k_b]])
    return float(result.pvalue)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (numpy's default linear interpolation); ``None`` for no values."""
    if not values:
        return None
    import numpy

    return float(numpy.percentile(numpy.asarray(values, dtype=float), q))


# --- figures -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Proportion:
    """k of n cases, with the 95% Wilson interval; the ids of both the k and the n cases."""

    k: int
    n: int
    low: float | None
    high: float | None
    case_ids: tuple[str, ...]
    """The k cases (the failed ones, those with the root cause, …)."""
    base_ids: tuple[str, ...]
    """The n cases the rate is taken over."""

    @property
    def rate(self) -> float | None:
        return self.k / self.n if self.n else None


def proportion(hits: Iterable[str], base: Sequence[str]) -> Proportion:
    """A ``Proportion`` of the ``hits`` among ``base`` (hits outside the base are ignored)."""
    base_set = set(base)
    k_ids = tuple(case_id for case_id in hits if case_id in base_set)
    interval = wilson_interval(len(k_ids), len(base))
    return Proportion(
        k=len(k_ids),
        n=len(base),
        low=interval[0] if interval else None,
        high=interval[1] if interval else None,
        case_ids=k_ids,
        base_ids=tuple(base),
    )


@dataclass(frozen=True, slots=True)
class Distribution:
    """Mean, median and 95th percentile of one quantity over the cases that have it."""

    n: int
    mean: float | None
    p50: float | None
    p95: float | None
    total: float | None
    case_ids: tuple[str, ...]
    """The cases that have a value (cases without one are not in n)."""

    @staticmethod
    def of(pairs: Sequence[tuple[str, float]]) -> Distribution:
        values = [value for _, value in pairs]
        if not values:
            return Distribution(0, None, None, None, None, ())
        return Distribution(
            n=len(values),
            mean=sum(values) / len(values),
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            total=sum(values),
            case_ids=tuple(case_id for case_id, _ in pairs),
        )


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """One retrieved document of one case, reduced to what source health needs."""

    doc_id: str
    source: str | None
    rank: int
    updated_at: datetime | None
    cited: bool


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The few fields of a case (and its label) that the insights are computed from."""

    case_rowid: int
    case_id: str
    trace_id: str
    workflow: str | None
    release: str | None
    model: str | None
    tenant: str | None
    language: str | None
    started_at: datetime | None
    latency_ms: float | None
    cost_usd: float | None
    total_tokens: int | None
    status: str
    tool_errors: int
    source_file: str
    request: str
    output: str
    documents: tuple[DocumentRef, ...] = ()
    negative_feedback: bool = False
    refused: bool = False
    verdict: str | None = None
    root_causes: tuple[str, ...] = ()
    evidence: tuple[tuple[str, str, str], ...] = ()
    """``(root_cause, kind, ref)`` of each evidence item."""
    comment: str | None = None
    corrected_output: bool = False
    escalate: bool = False
    reviewer: str | None = None
    labeled_at: datetime | None = None
    estimated_cost_usd: float | None = None
    """The cost estimate of a case whose trace records no cost (kept apart from ``cost_usd``)."""

    @property
    def labeled(self) -> bool:
        return self.verdict is not None

    def slice_key(self, dimension: str) -> str:
        value = getattr(self, dimension)
        return str(value) if value else NONE_KEY


@dataclass(frozen=True, slots=True)
class SliceRow:
    """One value of one slice dimension (e.g. workflow = refund_request)."""

    dimension: str
    key: str
    case_ids: tuple[str, ...]
    labeled_ids: tuple[str, ...]
    unreviewed_ids: tuple[str, ...]
    unsure_ids: tuple[str, ...]
    failure: Proportion
    root_causes: dict[str, Proportion]
    """Share of labeled cases with each root cause that occurs in the slice."""


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One rate in release A and release B, their difference and whether it is beyond noise."""

    key: str
    a: Proportion
    b: Proportion
    difference: float | None
    """``rate(b) - rate(a)``: positive means B fails more often."""
    low: float | None
    high: float | None
    p_value: float | None
    significance: Significance


@dataclass(frozen=True, slots=True)
class ReleaseComparison:
    release_a: str
    release_b: str
    failure: ComparisonRow
    root_causes: list[ComparisonRow]
    workflows: list[ComparisonRow]
    """Failure rate per workflow in the two releases."""


@dataclass(frozen=True, slots=True)
class WeekRow:
    """One calendar week (Monday to Sunday, UTC) of traffic, by when the interaction happened."""

    week_start: date
    case_ids: tuple[str, ...]
    verdicts: dict[str, tuple[str, ...]]
    """``pass``, ``fail``, ``unsure`` and ``unreviewed`` → case ids."""
    failure: Proportion
    root_causes: dict[str, tuple[str, ...]]

    @property
    def label(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class CostLatencyRow:
    """Cost and latency per task of one workflow in one segment (``(all)`` for every segment)."""

    workflow: str
    segment: str
    case_ids: tuple[str, ...]
    cost: Distribution
    latency: Distribution
    tokens: Distribution
    failed_ids: tuple[str, ...]
    failed_cost: Distribution
    """Cost of the failed cases (the money spent on answers that were wrong)."""
    estimated_cost: Distribution
    """Estimated cost of the cases whose trace records none: list prices, not what was billed."""
    failed_estimated_cost: Distribution


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
    """Age of the document when it was retrieved (case start − metadata ``updated_at``), in days."""
    documents: int = 1
    """Distinct documents (more than one only for a source system)."""


@dataclass(frozen=True, slots=True)
class ReviewerRow:
    """One reviewer's label activity on the cases in scope."""

    reviewer: str
    events: int
    case_ids: tuple[str, ...]
    """Cases the reviewer changed a label of."""
    current_ids: tuple[str, ...]
    """Cases whose current label was last changed by the reviewer."""
    seconds_per_case: Distribution
    """Seconds spent per case (label events' ``seconds_spent`` summed per case; untimed cases left out)."""
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True, slots=True)
class Example:
    """A case chosen to represent a root cause or a slice, shown compactly."""

    case_id: str
    workflow: str | None
    release: str | None
    verdict: str | None
    root_causes: tuple[str, ...]
    request: str
    output: str
    comment: str | None
    evidence: tuple[str, ...]
    why: str
    """Why it was picked: ``comment, evidence, failed`` …"""


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cases the figures are about."""

    filter_description: tuple[str, ...]
    cases: int
    labeled: int
    unreviewed: int
    first_started: datetime | None
    last_started: datetime | None
    source_files: tuple[tuple[str, int], ...]
    workspace: str
    generated_at: datetime
    schema_version: int


@dataclass(slots=True)
class Insights:
    """Every figure of the Insights view and the report, computed once from one read."""

    scope: Scope
    taxonomy: tuple[RootCause, ...]
    overall: SliceRow
    slices: dict[str, list[SliceRow]]
    releases: list[str]
    """Releases in order of their first case (oldest first)."""
    weeks: list[WeekRow]
    cost_latency: list[CostLatencyRow]
    documents: list[SourceHealth]
    sources: list[SourceHealth]
    reviewers: list[ReviewerRow]
    backlog: tuple[str, ...]
    backlog_by_workflow: dict[str, tuple[str, ...]]
    examples: dict[str, list[Example]]
    """Representative examples per root cause id."""
    facts: tuple[CaseFacts, ...] = field(repr=False, default=())

    def title(self, root_cause: str) -> str:
        for rc in self.taxonomy:
            if rc.id == root_cause:
                return rc.title
        return root_cause

    def root_cause_ids(self) -> list[str]:
        """Taxonomy order, then any root cause of an older schema found on labels."""
        known = [rc.id for rc in self.taxonomy]
        extra = sorted({rc for f in self.facts for rc in f.root_causes} - set(known))
        return known + extra

    def compare(self, release_a: str, release_b: str) -> ReleaseComparison:
        return compare_releases(self.facts, release_a, release_b, self.root_cause_ids())

    def default_comparison(self) -> ReleaseComparison | None:
        """The latest release against the one before it, when there are two."""
        if len(self.releases) < 2:
            return None
        return self.compare(self.releases[-2], self.releases[-1])

    def slice_examples(self, dimension: str, key: str, count: int = EXAMPLES_PER_GROUP) -> list[Example]:
        return slice_examples(self.facts, dimension, key, count)


# --- reading the workspace ---------------------------------------------------------------------
_LOCALE_KEYS = (
    "reviewdesk.locale",
    "reviewdesk.language",
    "locale",
    "language",
    "user.locale",
    "user.language",
    "app.locale",
    "session.locale",
    "langfuse.trace.metadata.locale",
    "langfuse.trace.metadata.language",
    "langsmith.metadata.locale",
    "langsmith.metadata.language",
)
_METADATA_KEYS = ("metadata", "langfuse.trace.metadata", "langsmith.metadata")
_INNER_LOCALE_KEYS = ("locale", "language", "lang")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}$")


def language_of(attributes: Mapping[str, Any]) -> str | None:
    """The language of a trace from its root span's attributes (see the module docstring)."""
    for key in _LOCALE_KEYS:
        found = _language(attributes.get(key))
        if found:
            return found
    for key in _METADATA_KEYS:
        metadata = _json_object(attributes.get(key))
        for inner in _INNER_LOCALE_KEYS:
            found = _language(metadata.get(inner))
            if found:
                return found
    return None


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip().strip('"').strip()
    if not text:
        return None
    primary = re.split(r"[-_.@]", text, maxsplit=1)[0]
    # A BCP 47 / POSIX primary subtag; anything else ("English") is kept whole, lower-cased.
    return primary.lower() if _LANGUAGE.match(primary) else text.lower()[:32]


_UPDATED_KEYS = ("updated_at", "last_updated", "updated", "modified_at", "last_modified", "lastModified", "updatedAt")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def document_updated_at(metadata: Mapping[str, Any]) -> datetime | None:
    """When the document was last updated, from its metadata (``updated_at`` and common synonyms)."""
    for key in _UPDATED_KEYS:
        found = _parse_time(metadata.get(key))
        if found is not None:
            return found
    return None


_WORD = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, size: int = PASSAGE_WORDS) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in _WORD.findall(text)]
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _mentions_id(output: str, doc_id: str) -> bool:
    if len(doc_id) < MIN_ID_LENGTH:
        return False
    pattern = r"(?<![\w-])" + re.escape(doc_id.casefold()) + r"(?![\w-])"
    return re.search(pattern, output.casefold()) is not None


def cited_documents(output: str | None, request: str | None, documents: Sequence[tuple[str, str | None]]) -> list[bool]:
    """Which of ``documents`` (``(id, content)`` pairs) the answer cites.

    A document is cited when the answer names its id (as a whole token, ids of 4+ characters),
    or repeats a distinctive passage of it: a run of ``PASSAGE_WORDS`` consecutive words (case and
    punctuation ignored) that occurs in this document but in no other document retrieved for the
    case and not in the user's request — so shared boilerplate and echoes of the question do not
    count. LLM answers paraphrase, so this finds quoting, not every use: "retrieved but never
    cited" is a hint to look, not proof the document was ignored.
    """
    if not output:
        return [False] * len(documents)
    answer = _shingles(output)
    asked = _shingles(request or "")
    doc_shingles = [_shingles(content or "") for _, content in documents]
    result: list[bool] = []
    for index, (doc_id, _content) in enumerate(documents):
        if doc_id and _mentions_id(output, doc_id):
            result.append(True)
            continue
        shared = (answer & doc_shingles[index]) - asked
        for other, shingles in enumerate(doc_shingles):
            if other != index and shared:
                shared -= shingles
        result.append(bool(shared))
    return result


_NEGATIVE_LABELS = ("thumbs_down", "thumbsdown", "negative", "dislike", "bad", "down", "unhelpful")


def _negative_feedback(feedback: Iterable[Mapping[str, Any]]) -> bool:
    for item in feedback:
        label = str(item.get("label") or "").casefold()
        if any(word in label for word in _NEGATIVE_LABELS):
            return True
        score = item.get("score")
        if isinstance(score, int | float) and score <= 0 and "up" not in label:
            return True
    return False


def _snippet(text: str | None, width: int = _SNIPPET) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def load_facts(workspace: Workspace, flt: CaseFilter | None = None) -> list[CaseFacts]:
    """The facts of every case matching ``flt``, in queue order (oldest first by default).

    One list query (the queue's filter semantics), then the case JSON, current label and root
    span of 500 cases at a time; document texts are reduced to a cited flag straight away, so
    memory holds only small facts.
    """
    flt = flt or CaseFilter()
    facts: list[CaseFacts] = []
    with workspace.session() as session:
        summaries = queries.list_cases(session, flt)
        for chunk in _chunks(summaries):
            rowids = [s.case_rowid for s in chunk]
            rows = {
                row.case_rowid: row
                for row in session.execute(
                    select(
                        CaseRow.case_rowid,
                        CaseRow.trace_rowid,
                        CaseRow.tenant,
                        CaseRow.source_file,
                        CaseRow.data,
                        LabelRow.data.label("label"),
                    )
                    .outerjoin(LabelRow, LabelRow.case_rowid == CaseRow.case_rowid)
                    .where(CaseRow.case_rowid.in_(rowids))
                )
            }
            languages = _root_languages(session, [row.trace_rowid for row in rows.values()])
            for summary in chunk:
                row = rows.get(summary.case_rowid)
                if row is None:  # deleted between the two reads
                    continue
                facts.append(_facts(summary, row, languages.get(row.trace_rowid)))
    return facts


def _root_languages(session: Any, trace_rowids: Sequence[int]) -> dict[int, str]:
    """Language per trace, from its root spans (earliest first)."""
    found: dict[int, str] = {}
    rows = session.execute(
        select(SpanRow.trace_rowid, SpanRow.attributes)
        .where(SpanRow.trace_rowid.in_(list(trace_rowids)), SpanRow.parent_span_id.is_(None))
        .order_by(SpanRow.trace_rowid, SpanRow.start_ns)
    )
    for trace_rowid, attributes in rows:
        if trace_rowid not in found:
            language = language_of(attributes or {})
            if language:
                found[trace_rowid] = language
    return found


def _facts(summary: Any, row: Any, language: str | None) -> CaseFacts:
    data: dict[str, Any] = row.data or {}
    label: dict[str, Any] = row.label or {}
    output = str((data.get("generation") or {}).get("output") or "")
    request = str((data.get("input") or {}).get("user_request") or "")
    raw_docs = [d for d in (data.get("retrieval") or {}).get("documents") or [] if isinstance(d, dict)]
    cited = cited_documents(
        output, request, [(str(d.get("id") or f"rank-{d.get('rank')}"), d.get("content")) for d in raw_docs]
    )
    documents = tuple(
        DocumentRef(
            doc_id=str(d.get("id") or f"rank-{d.get('rank')}"),
            source=d.get("source"),
            rank=int(d.get("rank") or 0),
            updated_at=document_updated_at(d.get("metadata") or {}),
            cited=flag,
        )
        for d, flag in zip(raw_docs, cited, strict=True)
    )
    generation = data.get("generation") or {}
    return CaseFacts(
        case_rowid=summary.case_rowid,
        case_id=summary.case_id,
        trace_id=summary.trace_id,
        workflow=summary.workflow,
        release=summary.release,
        model=summary.model,
        tenant=row.tenant,
        language=language,
        started_at=summary.started_at,
        latency_ms=summary.latency_ms,
        cost_usd=summary.cost_usd,
        estimated_cost_usd=summary.estimated_cost_usd,
        total_tokens=summary.total_tokens,
        status=summary.status,
        tool_errors=summary.tool_errors,
        source_file=row.source_file,
        request=_snippet(request),
        output=_snippet(output),
        documents=documents,
        negative_feedback=_negative_feedback((data.get("outcome") or {}).get("feedback") or []),
        refused=bool(generation.get("refusal")) or generation.get("finish_reason") == "content_filter",
        verdict=summary.verdict,
        root_causes=tuple(summary.root_causes),
        evidence=tuple(
            (str(e.get("root_cause")), str(e.get("kind")), str(e.get("ref")))
            for e in label.get("evidence") or []
            if isinstance(e, dict)
        ),
        comment=label.get("comment") or None,
        corrected_output=bool(label.get("corrected_output")),
        escalate=summary.escalate,
        reviewer=label.get("reviewer"),
        labeled_at=_parse_time(label.get("labeled_at")),
    )


# --- grouping ----------------------------------------------------------------------------------
def _ids(facts: Iterable[CaseFacts], keep: Callable[[CaseFacts], bool] | None = None) -> tuple[str, ...]:
    return tuple(f.case_id for f in facts if keep is None or keep(f))


def slice_row(dimension: str, key: str, members: Sequence[CaseFacts], root_causes: Sequence[str]) -> SliceRow:
    labeled = [f for f in members if f.labeled]
    labeled_ids = _ids(labeled)
    present = {rc for f in labeled for rc in f.root_causes}
    return SliceRow(
        dimension=dimension,
        key=key,
        case_ids=_ids(members),
        labeled_ids=labeled_ids,
        unreviewed_ids=_ids(members, lambda f: not f.labeled),
        unsure_ids=_ids(labeled, lambda f: f.verdict == "unsure"),
        failure=proportion(_ids(labeled, lambda f: f.verdict == "fail"), labeled_ids),
        root_causes={
            rc: proportion(_ids(labeled, lambda f, rc=rc: rc in f.root_causes), labeled_ids)  # type: ignore[misc]
            for rc in root_causes
            if rc in present
        },
    )


def _group(facts: Iterable[CaseFacts], key: Callable[[CaseFacts], str]) -> dict[str, list[CaseFacts]]:
    groups: dict[str, list[CaseFacts]] = defaultdict(list)
    for f in facts:
        groups[key(f)].append(f)
    return groups


def _by_size(groups: Mapping[str, Sequence[Any]]) -> list[str]:
    """Biggest group first; ``(none)`` last; ties by name."""
    return sorted(groups, key=lambda k: (k == NONE_KEY, -len(groups[k]), k))


def slice_rows(facts: Sequence[CaseFacts], dimension: str, root_causes: Sequence[str]) -> list[SliceRow]:
    groups = _group(facts, lambda f: f.slice_key(dimension))
    return [slice_row(dimension, key, groups[key], root_causes) for key in _by_size(groups)]


def _significance(p_value: float | None, low: float | None, high: float | None) -> Significance:
    if p_value is None or low is None or high is None:
        return "too few cases"
    interval_says = low > 0 or high < 0
    test_says = p_value < 1 - CONFIDENCE
    if interval_says and test_says:
        return "beyond noise"
    if interval_says or test_says:
        return "borderline"
    return "within noise"


def compare(key: str, a: Proportion, b: Proportion) -> ComparisonRow:
    """B against A: the difference of the two rates, its Newcombe interval and Fisher's p."""
    interval = newcombe_interval(a.k, a.n, b.k, b.n)
    p_value = fisher_p_value(a.k, a.n, b.k, b.n)
    diff, low, high = interval if interval else (None, None, None)
    return ComparisonRow(
        key=key,
        a=a,
        b=b,
        difference=diff,
        low=low,
        high=high,
        p_value=p_value,
        significance=_significance(p_value, low, high),
    )


def compare_releases(
    facts: Sequence[CaseFacts], release_a: str, release_b: str, root_causes: Sequence[str]
) -> ReleaseComparison:
    """The same breakdown for two releases side by side (A is the baseline, B the candidate)."""
    in_a = [f for f in facts if f.slice_key("release") == release_a]
    in_b = [f for f in facts if f.slice_key("release") == release_b]
    row_a = slice_row("release", release_a, in_a, root_causes)
    row_b = slice_row("release", release_b, in_b, root_causes)
    causes = [rc for rc in root_causes if rc in row_a.root_causes or rc in row_b.root_causes]
    rc_rows = [
        compare(
            rc,
            row_a.root_causes.get(rc) or proportion((), row_a.labeled_ids),
            row_b.root_causes.get(rc) or proportion((), row_b.labeled_ids),
        )
        for rc in causes
    ]
    workflows_a = _group(in_a, lambda f: f.slice_key("workflow"))
    workflows_b = _group(in_b, lambda f: f.slice_key("workflow"))
    both = {**{k: list(v) for k, v in workflows_a.items()}}
    for k, v in workflows_b.items():
        both.setdefault(k, []).extend(v)
    workflow_rows = [
        compare(
            key,
            slice_row("workflow", key, workflows_a.get(key, []), ()).failure,
            slice_row("workflow", key, workflows_b.get(key, []), ()).failure,
        )
        for key in _by_size(both)
    ]
    return ReleaseComparison(
        release_a=release_a,
        release_b=release_b,
        failure=compare("failure rate", row_a.failure, row_b.failure),
        root_causes=rc_rows,
        workflows=workflow_rows,
    )


def week_of(moment: datetime) -> date:
    """Monday of the (UTC) week containing ``moment``."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def weekly(facts: Sequence[CaseFacts], root_causes: Sequence[str]) -> list[WeekRow]:
    """Verdicts and root causes per week of traffic; empty weeks in between are kept (a gap is news)."""
    dated = [f for f in facts if f.started_at is not None]
    if not dated:
        return []
    groups = _group(dated, lambda f: week_of(f.started_at).isoformat())  # type: ignore[arg-type]
    first = min(week_of(f.started_at) for f in dated)  # type: ignore[arg-type]
    last = max(week_of(f.started_at) for f in dated)  # type: ignore[arg-type]
    rows: list[WeekRow] = []
    week = first
    while week <= last:
        members = groups.get(week.isoformat(), [])
        labeled = [f for f in members if f.labeled]
        rows.append(
            WeekRow(
                week_start=week,
                case_ids=_ids(members),
                verdicts={
                    "pass": _ids(labeled, lambda f: f.verdict == "pass"),
                    "fail": _ids(labeled, lambda f: f.verdict == "fail"),
                    "unsure": _ids(labeled, lambda f: f.verdict == "unsure"),
                    "unreviewed": _ids(members, lambda f: not f.labeled),
                },
                failure=proportion(_ids(labeled, lambda f: f.verdict == "fail"), _ids(labeled)),
                root_causes={
                    rc: ids
                    for rc in root_causes
                    if (ids := _ids(labeled, lambda f, rc=rc: rc in f.root_causes))  # type: ignore[misc]
                },
            )
        )
        week += timedelta(days=7)
    return rows


ALL = "(all)"


def _cost_row(workflow: str, segment: str, members: Sequence[CaseFacts]) -> CostLatencyRow:
    failed = [f for f in members if f.verdict == "fail"]
    return CostLatencyRow(
        workflow=workflow,
        segment=segment,
        case_ids=_ids(members),
        cost=Distribution.of([(f.case_id, f.cost_usd) for f in members if f.cost_usd is not None]),
        latency=Distribution.of([(f.case_id, f.latency_ms) for f in members if f.latency_ms is not None]),
        tokens=Distribution.of([(f.case_id, float(f.total_tokens)) for f in members if f.total_tokens is not None]),
        failed_ids=_ids(failed),
        failed_cost=Distribution.of([(f.case_id, f.cost_usd) for f in failed if f.cost_usd is not None]),
        estimated_cost=Distribution.of(
            [(f.case_id, f.estimated_cost_usd) for f in members if f.estimated_cost_usd is not None]
        ),
        failed_estimated_cost=Distribution.of(
            [(f.case_id, f.estimated_cost_usd) for f in failed if f.estimated_cost_usd is not None]
        ),
    )


def cost_latency(facts: Sequence[CaseFacts], segment: SliceDimension = "tenant") -> list[CostLatencyRow]:
    """All workflows, then each workflow over all segments followed by its segments."""
    rows = [_cost_row(ALL, ALL, facts)]
    workflows = _group(facts, lambda f: f.slice_key("workflow"))
    for workflow in _by_size(workflows):
        members = workflows[workflow]
        rows.append(_cost_row(workflow, ALL, members))
        segments = _group(members, lambda f: f.slice_key(segment))
        rows.extend(_cost_row(workflow, key, segments[key]) for key in _by_size(segments))
    return rows


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
    """Per document and per source system: retrieved, cited, labeled stale or irrelevant, age.

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
                {"retrieved": [], "cited": [], "stale": [], "stale_ev": [], "irr": [], "irr_ev": [], "age": []},
            )
            doc_source.setdefault(doc.doc_id, doc.source)
            entry["retrieved"].append(f.case_id)
            if any(d.cited for d in f.documents if d.doc_id == doc.doc_id):
                entry["cited"].append(f.case_id)
            for cause, key, ev_key in ((STALE_CAUSE, "stale", "stale_ev"), (IRRELEVANT_CAUSE, "irr", "irr_ev")):
                if doc.doc_id in pinned[cause]:
                    entry[key].append(f.case_id)
                    entry[ev_key].append(f.case_id)
                elif cause in f.root_causes and not pinned[cause]:
                    entry[key].append(f.case_id)
            if doc.updated_at is not None and f.started_at is not None:
                entry["age"].append((f.case_id, (f.started_at - doc.updated_at).total_seconds() / 86400))

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


@dataclass(frozen=True, slots=True)
class LabelEvent:
    case_id: str
    reviewer: str
    created_at: datetime
    seconds_spent: float | None


def load_events(workspace: Workspace, facts: Sequence[CaseFacts]) -> list[LabelEvent]:
    """The label events of the cases in scope, oldest first."""
    by_rowid = {f.case_rowid: f.case_id for f in facts}
    events: list[LabelEvent] = []
    with workspace.session() as session:
        for chunk in _chunks(list(by_rowid)):
            rows = session.execute(
                select(
                    LabelEventRow.case_rowid,
                    LabelEventRow.reviewer,
                    LabelEventRow.created_at,
                    LabelEventRow.seconds_spent,
                ).where(LabelEventRow.case_rowid.in_(chunk))
            )
            events.extend(LabelEvent(by_rowid[r[0]], r[1], r[2], r[3]) for r in rows)
    events.sort(key=lambda e: (e.created_at, e.case_id))
    return events


def reviewer_activity(facts: Sequence[CaseFacts], events: Sequence[LabelEvent]) -> list[ReviewerRow]:
    """Per reviewer: events, cases touched, current labels, seconds per case; busiest first."""
    by_reviewer: dict[str, list[LabelEvent]] = _group_events(events)
    rows = []
    for reviewer, items in by_reviewer.items():
        seconds: dict[str, float] = {}
        for e in items:
            if e.seconds_spent is not None:
                seconds[e.case_id] = seconds.get(e.case_id, 0.0) + e.seconds_spent
        rows.append(
            ReviewerRow(
                reviewer=reviewer,
                events=len(items),
                case_ids=tuple(dict.fromkeys(e.case_id for e in items)),
                current_ids=_ids(facts, lambda f, r=reviewer: f.labeled and f.reviewer == r),  # type: ignore[misc]
                seconds_per_case=Distribution.of(list(seconds.items())),
                first=items[0].created_at,
                last=items[-1].created_at,
            )
        )
    return sorted(rows, key=lambda r: (-len(r.case_ids), r.reviewer))


def _group_events(events: Sequence[LabelEvent]) -> dict[str, list[LabelEvent]]:
    grouped: dict[str, list[LabelEvent]] = defaultdict(list)
    for e in events:
        grouped[e.reviewer].append(e)
    return grouped


# --- representative examples -------------------------------------------------------------------
def _stable_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _example(f: CaseFacts, focus: str | None) -> Example:
    reasons = []
    if f.comment:
        reasons.append("comment")
    if any(rc == focus for rc, _, _ in f.evidence) or (focus is None and f.evidence):
        reasons.append("evidence")
    elif f.evidence:
        reasons.append("evidence (other cause)")
    if f.verdict == "fail":
        reasons.append("failed")
    if f.corrected_output:
        reasons.append("corrected output")
    return Example(
        case_id=f.case_id,
        workflow=f.workflow,
        release=f.release,
        verdict=f.verdict,
        root_causes=f.root_causes,
        request=f.request,
        output=f.output,
        comment=f.comment,
        evidence=tuple(f"{rc}: {kind} {ref}" for rc, kind, ref in f.evidence),
        why=", ".join(reasons) or "labeled",
    )


def _richness(f: CaseFacts, focus: str | None) -> tuple[int, ...]:
    """Higher is a better example: a reviewer explained it (comment, evidence), it failed, it is labeled."""
    return (
        int(bool(f.comment)),
        int(any(rc == focus for rc, _, _ in f.evidence)) if focus else int(bool(f.evidence)),
        int(bool(f.evidence)),
        int(f.verdict == "fail"),
        int(f.corrected_output),
        int(f.labeled),
    )


def representative(
    candidates: Sequence[CaseFacts], *, stratum: Callable[[CaseFacts], str], focus: str | None, count: int, salt: str
) -> list[Example]:
    """Up to ``count`` cases: round-robin over strata (biggest first), richest case of each first.

    Deterministic: ties are broken by a hash of ``salt`` and the case id, never by database order,
    so the same workspace gives the same examples, and one new case does not reshuffle them all.
    """
    groups = _group(candidates, stratum)
    queues = {
        key: sorted(
            members,
            key=lambda f: (tuple(-x for x in _richness(f, focus)), _stable_hash(salt, f.case_id)),
        )
        for key, members in groups.items()
    }
    # Strata whose best case explains itself come first, then bigger strata: the first example
    # shown is the most telling one, and later ones still spread over the strata.
    order = sorted(
        groups,
        key=lambda k: (tuple(-x for x in _richness(queues[k][0], focus)), k == NONE_KEY, -len(groups[k]), k),
    )
    chosen: list[Example] = []
    depth = 0
    while len(chosen) < count and any(depth < len(q) for q in queues.values()):
        for key in order:
            if depth < len(queues[key]) and len(chosen) < count:
                chosen.append(_example(queues[key][depth], focus))
        depth += 1
    return chosen


def root_cause_examples(
    facts: Sequence[CaseFacts], root_causes: Sequence[str], count: int = EXAMPLES_PER_GROUP
) -> dict[str, list[Example]]:
    """For each root cause that occurs, a few labeled cases stratified by workflow."""
    result: dict[str, list[Example]] = {}
    for rc in root_causes:
        candidates = [f for f in facts if f.labeled and rc in f.root_causes]
        if candidates:
            result[rc] = representative(
                candidates, stratum=lambda f: f.slice_key("workflow"), focus=rc, count=count, salt=rc
            )
    return result


def slice_examples(
    facts: Sequence[CaseFacts], dimension: str, key: str, count: int = EXAMPLES_PER_GROUP
) -> list[Example]:
    """Examples of what goes wrong in one slice: its failed cases (else its labeled cases with a
    root cause, else its labeled cases), stratified by workflow — or by first root cause when the
    slice is a workflow."""
    members = [f for f in facts if f.slice_key(dimension) == key and f.labeled]
    candidates = [f for f in members if f.verdict == "fail"] or [f for f in members if f.root_causes] or members

    def stratum(f: CaseFacts) -> str:
        if dimension == "workflow":
            return f.root_causes[0] if f.root_causes else NONE_KEY
        return f.slice_key("workflow")

    return representative(candidates, stratum=stratum, focus=None, count=count, salt=f"{dimension}={key}")


# --- the whole picture -------------------------------------------------------------------------
def describe_filter(flt: CaseFilter) -> tuple[str, ...]:
    """``("workflow = refund_request", …)`` for the filter fields that are set."""
    parts = []
    for item in fields(flt):
        if item.name in ("sort", "descending"):
            continue
        value = getattr(flt, item.name)
        if value not in (None, False, ""):
            parts.append(f"{item.name.replace('_', ' ')} = {value}")
    return tuple(parts)


def compute_insights(
    workspace: Workspace,
    flt: CaseFilter | None = None,
    *,
    segment: SliceDimension = "tenant",
    now: datetime | None = None,
) -> Insights:
    """Every figure for the cases matching ``flt`` (all cases by default)."""
    flt = flt or CaseFilter()
    schema = review.label_schema(workspace)
    facts = load_facts(workspace, flt)
    events = load_events(workspace, facts)
    return build_insights(
        facts,
        events,
        taxonomy=schema.root_causes,
        schema_version=schema.version,
        flt=flt,
        workspace_name=workspace.name,
        segment=segment,
        now=now,
    )


def build_insights(
    facts: Sequence[CaseFacts],
    events: Sequence[LabelEvent],
    *,
    taxonomy: Sequence[RootCause],
    schema_version: int,
    flt: CaseFilter,
    workspace_name: str,
    segment: SliceDimension = "tenant",
    now: datetime | None = None,
) -> Insights:
    """The figures from already-loaded facts (the pure half of ``compute_insights``)."""
    known = [rc.id for rc in taxonomy]
    extra = sorted({rc for f in facts for rc in f.root_causes} - set(known))
    root_causes = known + extra
    started = [f.started_at for f in facts if f.started_at is not None]
    files: dict[str, int] = defaultdict(int)
    for f in facts:
        files[f.source_file] += 1
    labeled = sum(1 for f in facts if f.labeled)
    scope = Scope(
        filter_description=describe_filter(flt),
        cases=len(facts),
        labeled=labeled,
        unreviewed=len(facts) - labeled,
        first_started=min(started) if started else None,
        last_started=max(started) if started else None,
        source_files=tuple(sorted(files.items(), key=lambda item: (-item[1], item[0]))),
        workspace=workspace_name,
        generated_at=now or datetime.now(UTC),
        schema_version=schema_version,
    )
    first_seen: dict[str, datetime] = {}
    for f in facts:
        if f.release and f.started_at is not None:
            first_seen[f.release] = min(first_seen.get(f.release, f.started_at), f.started_at)
    releases = sorted(
        {f.release for f in facts if f.release}, key=lambda r: (r not in first_seen, first_seen.get(r), r)
    )
    documents, sources = source_health(facts)
    backlog = [f for f in facts if not f.labeled]
    backlog_groups = _group(backlog, lambda f: f.slice_key("workflow"))
    return Insights(
        scope=scope,
        taxonomy=tuple(taxonomy),
        overall=slice_row("all", ALL, facts, root_causes),
        slices={dimension: slice_rows(facts, dimension, root_causes) for dimension in SLICE_DIMENSIONS},
        releases=releases,
        weeks=weekly(facts, root_causes),
        cost_latency=cost_latency(facts, segment),
        documents=documents,
        sources=sources,
        reviewers=reviewer_activity(facts, events),
        backlog=_ids(backlog),
        backlog_by_workflow={key: _ids(backlog_groups[key]) for key in _by_size(backlog_groups)},
        examples=root_cause_examples(facts, root_causes),
        facts=tuple(facts),
    )
