"""Exporting cases through the exporter registry (the CLI and the export dialog share it).

Selection happens in three steps, all in a fixed order so that the same workspace and the same
options always give the same bytes:

1. the list filter (``CaseFilter``: workflow, release, verdict, root cause, …) in SQL, in the
   filter's sort order with the case id breaking ties;
2. what only the label knows — reviewer (anyone in the case's label log), labeled since, has a
   corrected output — on the small label rows;
3. each case is loaded whole and the format says whether it can hold it (``skip_reason``); the
   skipped ones are counted by reason, so the user learns why the file has fewer cases. With a
   stratified sample, this check runs first and the sample is drawn from the cases the format
   can use, so a stratum is never filled with cases the format then skips.

``plan_export`` runs the steps without writing (the dialog's preview count); ``export_cases``
writes beside the target and renames, so the file appears whole or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from reviewdesk.domain.case import LabelHistoryEvent
from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.domain.labels import Label
from reviewdesk.domain.queries import CaseFilter, CaseSummary
from reviewdesk.domain.team import RESOLVED_STATES
from reviewdesk.exporters import registry
from reviewdesk.exporters.base import Exporter, ExportItem, ExportOptions
from reviewdesk.exporters.reviewdesk_jsonl import ReviewdeskJsonlExporter
from reviewdesk.files import atomic_output
from reviewdesk.progress import NullProgress, Progress
from reviewdesk.services import audit, splits, standing
from reviewdesk.services.export_manifest import (
    UNSPLIT,
    ManifestRecorder,
    previous_manifest,
    selection_json,
    write_manifest,
)
from reviewdesk.services.labels import current_taxonomy
from reviewdesk.services.sampling import Candidate, SampleSpec, stratified_sample
from reviewdesk.services.splits import SplitSpec
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import exports as storage_exports
from reviewdesk.storage import label_log, queries
from reviewdesk.storage.handles import Session

_IN_CHUNK = 500  # stay well below SQLite's bound-parameter limit
_WITH_HISTORY = ReviewdeskJsonlExporter.name
"""The format whose cases carry their whole label log (``Case.label_history``), to be restored from."""


class ExportCancelledError(ReviewdeskError):
    """The user stopped the export; the target file was left as it was."""


@dataclass(frozen=True, slots=True)
class ExportSelection:
    """Which cases an export takes. Empty fields do not filter."""

    flt: CaseFilter = field(default_factory=CaseFilter)
    reviewer: str | None = None
    """Only cases this reviewer labeled (made any change to), whoever changed them last."""
    labeled_since: datetime | None = None
    """Only cases whose label last changed at or after this time (naive times are UTC)."""
    has_corrected_output: bool | None = None
    """``True``: only cases with a corrected output; ``False``: only cases without one."""
    sample: SampleSpec | None = None
    case_rowids: tuple[int, ...] | None = None
    """Only these cases, in this order (a list opened from the insights); ``flt`` must be empty then,
    but for ``resolved_only``."""


@dataclass(slots=True)
class ExportPlan:
    """What an export would write, before it writes it."""

    format: str
    rowids: list[int]
    """Selected cases (filters and sample applied), in export order."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Cases the format cannot hold, by reason; counted as the cases are loaded (with a sample:
    before it is drawn, since it draws only from the cases the format can hold)."""
    accepted: int = 0
    """Cases the format takes; counted as the cases are loaded."""
    splits: dict[str, int] = field(default_factory=dict)
    """With a split: cases per split (``plan_export(split=…)``)."""


@dataclass(slots=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    format: str
    cases: int
    skipped: dict[str, int] = field(default_factory=dict)
    """Selected cases the format could not hold, counted by reason."""
    summary: str | None = None
    """What the file is for, when the format says (OpenAI Evals: the eval class whose samples it holds)."""
    files: dict[str, Path] = field(default_factory=dict)
    """The files written, by split (``all`` when the export has no split or one file holds them)."""
    splits: dict[str, int] = field(default_factory=dict)
    """Cases per split (empty without ``--split``)."""
    manifest: Path | None = None
    """The dataset manifest written next to the export."""


def select_cases(workspace: Workspace, selection: ExportSelection, exporter: Exporter | None = None) -> list[int]:
    """Row ids of the selected cases in export order (steps 1 and 2 above, and the sample).

    With ``exporter``, the sample draws only from cases the format can hold (its ``skip_reason``
    is ``None``); without one, from every selected case.
    """
    return _select(workspace, selection, exporter)[0]


def _select(
    workspace: Workspace, selection: ExportSelection, exporter: Exporter | None
) -> tuple[list[int], dict[str, int]]:
    """``select_cases``, plus the cases the format skipped before a sample was drawn, by reason."""
    skipped: dict[str, int] = {}
    with workspace.session() as session:
        if selection.case_rowids is not None:
            found = queries.summaries_by_rowid(session, list(dict.fromkeys(selection.case_rowids)))
            summaries = [found[rowid] for rowid in dict.fromkeys(selection.case_rowids) if rowid in found]
            if selection.flt.resolved_only:  # a fixed list still honours "resolved cases only"
                states = label_log.resolutions(session.connection(), [s.case_rowid for s in summaries])
                summaries = [s for s in summaries if states[s.case_rowid] in RESOLVED_STATES]
        else:
            summaries = queries.list_cases(session, selection.flt)
        labels = storage_exports.labels_of(session, [s.case_rowid for s in summaries])
        reviewers = (
            storage_exports.reviewers_of(session, [s.case_rowid for s in summaries]) if selection.reviewer else {}
        )
    since = selection.labeled_since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    kept: list[CaseSummary] = []
    for summary in summaries:
        label = labels.get(summary.case_rowid)
        if selection.reviewer is not None and selection.reviewer not in reviewers.get(summary.case_rowid, ()):
            continue
        if since is not None and (label is None or label.labeled_at is None or label.labeled_at < since):
            continue
        if selection.has_corrected_output is not None:
            corrected = label is not None and bool(label.corrected_output and label.corrected_output.strip())
            if corrected != selection.has_corrected_output:
                continue
        kept.append(summary)
    if selection.sample is not None:
        spec = selection.sample
        if exporter is not None:
            probe = ExportPlan(format=exporter.name, rowids=[s.case_rowid for s in kept])
            usable = {rowid for rowid, _ in _rowid_items(workspace, probe, exporter, NullProgress())}
            kept = [s for s in kept if s.case_rowid in usable]
            skipped = probe.skipped
        candidates = [Candidate(key=s.case_rowid, case_id=s.case_id, strata=_strata(s, labels, spec)) for s in kept]
        chosen = stratified_sample(candidates, spec)
        kept = [s for s in kept if s.case_rowid in chosen]
    return [s.case_rowid for s in kept], skipped


def _strata(summary: CaseSummary, labels: dict[int, Label], spec: SampleSpec) -> tuple[str, ...]:
    if spec.by == "workflow":
        return (summary.workflow,) if summary.workflow else ()
    label = labels.get(summary.case_rowid)
    return tuple(label.root_causes) if label is not None else ()


def export_options(workspace: Workspace, *, dataset_name: str = "reviewdesk", excel_bom: bool = False) -> ExportOptions:
    """The per-export settings, with root-cause wording and score names from the label schema."""
    schema = current_taxonomy(workspace)
    return ExportOptions(
        dataset_name=dataset_name,
        excel_bom=excel_bom,
        # Retired causes and scores too: the labels that have them are exported as they are.
        root_causes={rc.id: f"{rc.title}: {rc.description}" for rc in schema.root_causes},
        score_names=tuple(s.name for s in schema.scores),
    )


def plan_export(
    workspace: Workspace,
    format_name: str,
    selection: ExportSelection | None = None,
    *,
    split: SplitSpec | None = None,
    progress: Progress | None = None,
) -> ExportPlan:
    """Select the cases and apply the format's skip rules without writing (the dialog's preview count).

    With ``split``, ``ExportPlan.splits`` counts the cases each split will get, as the export assigns them.

    Loads every selected case, so it costs about as much as the export minus the writing. A
    ``progress`` whose ``cancel_requested()`` turns true stops it between batches with
    ``ExportCancelledError`` (the dialog drops a count the user has already changed the options of).
    """
    exporter = registry.get_exporter(format_name)
    progress = progress or NullProgress()
    rowids, skipped = _select(workspace, selection or ExportSelection(), exporter)
    plan = ExportPlan(format=exporter.name, rowids=rowids, skipped=skipped)
    progress.set_total(len(plan.rowids))
    if split is None:
        for _ in _items(workspace, plan, exporter, progress):
            pass
    else:
        strata = _split_strata(workspace, plan, exporter, split, progress, counted=plan)
        plan.splits = dict(sorted(Counter(assign_splits(strata, split).by_case.values()).items()))
    return plan


def file_ending(format_name: str) -> str:
    """The file ending the format writes (``.jsonl``, ``.yaml`` …): the export dialog names the file with it."""
    return registry.get_exporter(format_name).file_ending


def known_reviewers(workspace: Workspace) -> list[str]:
    """Everyone in the workspace's label log, sorted: the names ``ExportSelection.reviewer`` can match."""
    with workspace.session() as session:
        return storage_exports.known_reviewers(session)


def export_cases(
    workspace: Workspace,
    format_name: str,
    out: Path,
    *,
    selection: ExportSelection | None = None,
    flt: CaseFilter | None = None,
    dataset_name: str | None = None,
    excel_bom: bool = False,
    split: SplitSpec | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the selected cases to ``out``, and the dataset manifest next to it; each file appears whole.

    ``flt`` alone is shorthand for ``selection=ExportSelection(flt=flt)`` (the queue's filter).
    ``dataset_name`` (Langfuse's ``datasetName``, the manifest's name) defaults to the output
    file's stem; ``excel_bom`` starts a CSV with a UTF-8 byte-order mark for Excel. ``split``
    assigns each case a split: a format that keeps splits in its records (``holds_splits``:
    LangSmith, Phoenix) writes one file, every other format one file per split
    (``set.train.jsonl``, ``set.test.jsonl``).
    """
    exporter = registry.get_exporter(format_name)
    progress = progress or NullProgress()
    out = out.expanduser()
    if selection is None:
        selection = ExportSelection(flt=flt) if flt is not None else ExportSelection()
    elif flt is not None:
        raise ValueError("give selection or flt, not both")
    previous = previous_manifest(out)  # a foreign file in the manifest's place stops us before any writing
    rowids, skipped = _select(workspace, selection, exporter)
    plan = ExportPlan(format=exporter.name, rowids=rowids, skipped=skipped)
    name = dataset_name or out.stem
    options = export_options(workspace, dataset_name=name, excel_bom=excel_bom)
    progress.set_total(len(plan.rowids) * (2 if split is not None else 1))
    progress.set_status(f"Exporting {exporter.name}")
    recorder = ManifestRecorder()

    def recorded(items: Iterator[ExportItem]) -> Iterator[ExportItem]:
        for item in items:
            recorder.add(item)
            yield item

    files: dict[str, Path] = {}
    if split is None:
        with atomic_output(out) as handle:
            count = exporter.write(
                recorded(_items(workspace, plan, exporter, progress)), handle, options, NullProgress()
            )
        files[UNSPLIT] = out
    else:
        # Splits are drawn over the cases the format can hold, so every split is usable as it is.
        assignment = assign_splits(_split_strata(workspace, plan, exporter, split, progress), split)
        usable = ExportPlan(format=exporter.name, rowids=[r for r in plan.rowids if r in assignment.rowids])

        def in_split(wanted: str | None) -> Iterator[ExportItem]:
            for item in _items(workspace, usable, exporter, progress):
                name_of = assignment.by_case[item.case.case_id]
                if wanted is None or name_of == wanted:
                    yield replace(item, split=name_of)

        count = 0
        if getattr(exporter, "holds_splits", False):
            with atomic_output(out) as handle:
                count = exporter.write(recorded(in_split(None)), handle, options, NullProgress())
            files[UNSPLIT] = out
        else:
            for split_name in split.names:
                target = split_file(out, split_name)
                with atomic_output(target) as handle:
                    count += exporter.write(recorded(in_split(split_name)), handle, options, NullProgress())
                files[split_name] = target
    manifest = write_manifest(
        out,
        name=name,
        format_name=exporter.name,
        files=files,
        recorder=recorder,
        selection=selection_json(selection, split),
        taxonomy=current_taxonomy(workspace),
        previous=previous,
    )
    splits = dict(sorted(Counter(c["split"] for c in recorder.cases.values()).items())) if split else {}
    result = ExportResult(
        out,
        exporter.name,
        count,
        dict(plan.skipped),
        summary=registry.summary(exporter),
        files=files,
        splits=splits,
        manifest=manifest,
    )
    return audit.record_export(workspace, result, selection)


def split_file(out: Path, split_name: str) -> Path:
    """``set.jsonl`` → ``set.train.jsonl``: the file of one split, for formats without a split field."""
    return out.with_name(f"{out.stem}.{split_name}{out.suffix}")


@dataclass(frozen=True, slots=True)
class _Assignment:
    by_case: dict[str, str]
    rowids: frozenset[int]


def _split_strata(
    workspace: Workspace,
    plan: ExportPlan,
    exporter: Exporter,
    spec: SplitSpec,
    progress: Progress,
    *,
    counted: ExportPlan | None = None,
) -> _Strata:
    """Each usable case's stratum for the split: its first root cause, or its workflow.

    Skips and accepted cases are counted into ``counted`` (the preview's plan), else into a probe.
    """
    probe = counted or ExportPlan(format=exporter.name, rowids=plan.rowids)
    strata = _Strata()
    for rowid, item in _rowid_items(workspace, probe, exporter, progress):
        case = item.case
        if spec.by == "workflow":
            stratum = case.workflow or ""
        else:
            stratum = case.labels.root_causes[0] if case.labels and case.labels.root_causes else ""
        strata.by_case[case.case_id] = stratum
        strata.rowid_of[case.case_id] = rowid
    return strata


@dataclass(slots=True)
class _Strata:
    by_case: dict[str, str] = field(default_factory=dict)
    rowid_of: dict[str, int] = field(default_factory=dict)


def assign_splits(strata: _Strata, spec: SplitSpec) -> _Assignment:
    by_case = splits.assign_splits(strata.by_case, spec)
    return _Assignment(by_case=by_case, rowids=frozenset(strata.rowid_of[c] for c in by_case))


def _items(workspace: Workspace, plan: ExportPlan, exporter: Exporter, progress: Progress) -> Iterator[ExportItem]:
    """Load the planned cases one by one (bounded memory), counting the ones the format skips."""
    for _, item in _rowid_items(workspace, plan, exporter, progress):
        yield item


def _rowid_items(
    workspace: Workspace, plan: ExportPlan, exporter: Exporter, progress: Progress
) -> Iterator[tuple[int, ExportItem]]:
    with workspace.session() as session:
        for start in range(0, len(plan.rowids), _IN_CHUNK):
            if progress.cancel_requested():
                raise ExportCancelledError("export cancelled; the target file was not changed")
            chunk = plan.rowids[start : start + _IN_CHUNK]
            reviewers = storage_exports.reviewers_of(session, chunk)
            # Only the lossless format carries the label log: one query per chunk, nothing for the others.
            histories = queries.label_histories(session, chunk) if exporter.name == _WITH_HISTORY else None
            own = label_log.reviewer_labels(session.connection(), chunk) if histories is not None else {}
            items = [
                _item(session, rowid, reviewers.get(rowid, ()), None if histories is None else histories[rowid])
                for rowid in chunk
            ]
            # Stale documents and the medians, for the whole chunk at once (services.standing).
            stand = standing.standings(workspace, [item.case for item in items])
            for rowid, loaded, found in zip(chunk, items, stand, strict=True):
                item = replace(loaded, standing=found)
                if histories is not None:
                    item.case.reviewer_labels = own[rowid] or None
                progress.advance(1)
                reason = exporter.skip_reason(item)
                if reason is not None:
                    plan.skipped[reason] = plan.skipped.get(reason, 0) + 1
                    continue
                plan.accepted += 1
                yield rowid, item


def _item(
    session: Session, rowid: int, reviewers: tuple[str, ...], history: list[LabelHistoryEvent] | None = None
) -> ExportItem:
    case = queries.load_case(session, rowid)
    case.label_history = history
    # The span ids are the case's own facts (normalize, case format 5): the root span, and the LLM
    # call the answer came from.
    return ExportItem(
        case=case, reviewers=reviewers, root_span_id=case.root_span_id, output_span_id=case.generation.span_id
    )
