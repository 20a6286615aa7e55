"""Agreement figures as the Insights' Agreement tab and the HTML report show them, from one place.

``services.agreement`` computes; this turns its ``Agreement`` into rows of text — one per label
dimension (the verdict, the root-cause set, each root cause present/absent, each score), one per
reviewer pair and dimension (Cohen's kappa), and the reviewer × reviewer verdict matrix — so the
window and the report never format a figure differently. Root causes on which every rating was
the same (nearly always: no reviewer chose them) are left out: alpha is undefined there and a
row of dashes per unused cause would bury the ones that matter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from reviewdesk.services.agreement import Agreement, Figures, PairKappa

UNDEFINED = "–"
UNDEFINED_NOTE = "undefined: every rating was the same value, or too few ratings"


def coefficient(value: float | None) -> str:
    return UNDEFINED if value is None else f"{value:.3f}"


def percent(value: float | None) -> str:
    return UNDEFINED if value is None else f"{value * 100:.0f}%"


def interval(ci: tuple[float, float] | None) -> str:
    return UNDEFINED if ci is None else f"{ci[0]:.2f} to {ci[1]:.2f}"


@dataclass(frozen=True, slots=True)
class DimensionRow:
    """One label dimension's figures, as text."""

    key: str
    """``verdict``, ``root_cause_set``, ``root_cause:ID`` or ``score:NAME``."""
    title: str
    alpha: str
    ci: str
    percent: str
    fleiss: str
    cases: int
    reviewers: int
    figures: Figures


@dataclass(frozen=True, slots=True)
class PairRow:
    dimension: str
    reviewers: str
    """``ana × bo``."""
    kappa: str
    percent: str
    cases: int
    figures: PairKappa
    """The cases behind the row, and those the two disagreed on."""


@dataclass(frozen=True, slots=True)
class Matrix:
    """Verdict agreement of each reviewer pair: ``cells[i][j]`` is ``67% (3)`` (share, cases)."""

    reviewers: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    rowids: tuple[tuple[np.ndarray, ...], ...] = field(default=(), compare=False, repr=False)
    """The cases behind each cell: both labeled (on the diagonal: the reviewer labeled)."""


def has_overlap(agreement: Agreement | None) -> bool:
    """Whether any case in scope has verdicts from two or more reviewers (else there is nothing to show)."""
    return agreement is not None and agreement.verdict.cases > 0


def _row(key: str, title: str, f: Figures) -> DimensionRow:
    return DimensionRow(
        key=key,
        title=title,
        alpha=coefficient(f.krippendorff_alpha),
        ci=interval(f.alpha_ci95),
        percent=percent(f.percent_agreement),
        fleiss=coefficient(f.fleiss_kappa),
        cases=f.cases,
        reviewers=f.reviewers,
        figures=f,
    )


def _all_alike(f: Figures) -> bool:
    return f.krippendorff_alpha is None and f.percent_agreement in (None, 1.0)


def dimension_rows(agreement: Agreement, title: Callable[[str], str]) -> list[DimensionRow]:
    """Verdict, root-cause set, each root cause used, each score rated; ``title`` names a root cause."""
    rows = [
        _row("verdict", "Verdict", agreement.verdict),
        _row("root_cause_set", "Root-cause set", agreement.root_cause_set),
    ]
    rows += [
        _row(f"root_cause:{rc}", f"Root cause: {title(rc)}", f)
        for rc, f in agreement.root_causes.items()
        if f.cases and not _all_alike(f)
    ]
    rows += [
        _row(f"score:{name}", f"Score: {name.replace('_', ' ')}", f) for name, f in agreement.scores.items() if f.cases
    ]
    return rows


def pair_rows(rows: list[DimensionRow]) -> list[PairRow]:
    """Cohen's kappa of each reviewer pair, dimension by dimension (pairs with shared cases only)."""
    return [
        PairRow(
            row.title,
            f"{p.reviewers[0]} × {p.reviewers[1]}",
            coefficient(p.cohen_kappa),
            percent(p.percent_agreement),
            p.cases,
            p,
        )
        for row in rows
        for p in row.figures.pairs
    ]


def matrix(agreement: Agreement) -> Matrix:
    cells = tuple(
        tuple(
            UNDEFINED if value is None or not count else f"{percent(value)} ({count})"
            for value, count in zip(values, counts, strict=True)
        )
        for values, counts in zip(agreement.matrix, agreement.matrix_cases, strict=True)
    )
    return Matrix(tuple(agreement.reviewers), cells, tuple(tuple(row) for row in agreement.matrix_rowids))


def summary(agreement: Agreement | None) -> str:
    """One line: what the figures stand on, or why there are none."""
    if agreement is None:
        return "Agreement is not shown: it compares every reviewer's own labels, which blind review hides here."
    if not has_overlap(agreement):
        return (
            "No case in scope has verdicts from two or more reviewers, so there is no agreement to measure "
            "(reviewdesk assign --overlap 2 gives cases to two reviewers each)."
        )
    assert agreement is not None
    return (
        f"{agreement.verdict.cases} case(s) with verdicts from two or more reviewers; "
        f"{len(agreement.reviewers)} reviewer(s): {', '.join(agreement.reviewers)}."
    )
