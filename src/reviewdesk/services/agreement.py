"""Inter-rater agreement between reviewers, per label dimension.

Pure computation on plain rows (``storage.label_log.rating_rows``: one row per reviewer label).
Dimensions: the verdict (nominal), each root cause as present/absent (nominal, rated by every
reviewer who gave a verdict), the root-cause set (nominal: two sets agree only when equal), and
each score (ordinal, 1–5). Each figure says how many cases and reviewers stand behind it; only
cases with at least two ratings count.

* Krippendorff's alpha from the ``krippendorff`` package (any number of reviewers, missing
  ratings allowed), with a bootstrap 95% interval over cases. The bootstrap redraws cases; as a
  case's part in alpha is its coincidences (Krippendorff 2011, §3), cases are grouped by the
  multiset of values they hold and redrawn as multinomial counts of those groups, so a thousand
  draws over 100,000 cases cost milliseconds. Our own coincidence-matrix alpha (used for the
  draws) equals the package's on the data itself (tests hold them together).
* Cohen's kappa for each reviewer pair and Fleiss' kappa when every case has the same number of
  ratings, from ``statsmodels.stats.inter_rater``.
* Percent agreement: the share of agreeing rating pairs within a case, averaged over cases.

Each figure also holds the case row ids behind it and those its ratings disagree on (numpy arrays,
so 100,000 cases cost no Python loop), for the Agreement tab's cells to open exactly those cases.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import krippendorff
import numpy as np
from statsmodels.stats import inter_rater

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services.labels import current_taxonomy
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import label_log, queries
from reviewdesk.storage.label_log import RatingColumns, RatingRow

Level = Literal["nominal", "ordinal"]
BOOTSTRAP_DRAWS = 1000
BOOTSTRAP_SEED = 0
VERDICT_ORDER: tuple[str, ...] = ("pass", "fail", "unsure")
SCORE_ORDER: tuple[int, ...] = (1, 2, 3, 4, 5)


def _no_rowids() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class PairKappa:
    reviewers: tuple[str, str]
    cohen_kappa: float | None
    percent_agreement: float | None
    cases: int
    case_rowids: np.ndarray = field(default_factory=_no_rowids, compare=False, repr=False)
    """The ``cases`` both reviewers rated on this dimension (ascending row ids)."""
    disagreed_rowids: np.ndarray = field(default_factory=_no_rowids, compare=False, repr=False)
    """Of those, the cases they rated differently."""


@dataclass(slots=True)
class Figures:
    """Agreement on one dimension."""

    krippendorff_alpha: float | None
    alpha_ci95: tuple[float, float] | None
    percent_agreement: float | None
    fleiss_kappa: float | None
    cases: int
    reviewers: int
    pairs: list[PairKappa] = field(default_factory=list)
    case_rowids: np.ndarray = field(default_factory=_no_rowids, compare=False, repr=False)
    """The ``cases`` behind the figures (two ratings or more; ascending row ids)."""
    disagreed_rowids: np.ndarray = field(default_factory=_no_rowids, compare=False, repr=False)
    """Of those, the cases whose ratings are not all the same: where this dimension is disputed."""

    def to_json(self) -> dict[str, Any]:
        return {
            "krippendorff_alpha": _round(self.krippendorff_alpha),
            "alpha_ci95": None if self.alpha_ci95 is None else [_round(v) for v in self.alpha_ci95],
            "percent_agreement": _round(self.percent_agreement),
            "fleiss_kappa": _round(self.fleiss_kappa),
            "cases": self.cases,
            "reviewers": self.reviewers,
            "cohen_kappa": {
                f"{a}|{b}": {
                    "kappa": _round(p.cohen_kappa),
                    "percent_agreement": _round(p.percent_agreement),
                    "cases": p.cases,
                }
                for p in self.pairs
                for a, b in [p.reviewers]
            },
        }


@dataclass(slots=True)
class Agreement:
    verdict: Figures
    root_causes: dict[str, Figures]
    root_cause_set: Figures
    scores: dict[str, Figures]
    reviewers: list[str]
    matrix: list[list[float | None]]
    """Verdict percent agreement of each reviewer pair (row, column in ``reviewers`` order); diagonal 1."""
    matrix_cases: list[list[int]]
    matrix_rowids: list[list[np.ndarray]] = field(default_factory=list, compare=False, repr=False)
    """The cases behind each ``matrix_cases`` count: both labeled (on the diagonal: the reviewer labeled)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.to_json(),
            "root_causes": {k: v.to_json() for k, v in self.root_causes.items()},
            "root_cause_set": self.root_cause_set.to_json(),
            "scores": {k: v.to_json() for k, v in self.scores.items()},
            "reviewers": self.reviewers,
            "matrix": {
                "reviewers": self.reviewers,
                "verdict_percent_agreement": [[_round(v) for v in row] for row in self.matrix],
                "cases": self.matrix_cases,
            },
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


# -- the figures ------------------------------------------------------------------------------------

Ratings = dict[int, dict[str, Hashable]]
"""case -> reviewer -> value."""


def _coincidences(values: Sequence[int], k: int) -> np.ndarray:
    """One case's coincidence matrix (Krippendorff): each ordered pair of its values, weighted 1/(m-1)."""
    matrix = np.zeros((k, k))
    m = len(values)
    for i, j in itertools.permutations(range(m), 2):
        matrix[values[i], values[j]] += 1.0 / (m - 1)
    return matrix


def _delta(level: Level, totals: np.ndarray) -> np.ndarray:
    k = len(totals)
    if level == "nominal":
        return 1.0 - np.eye(k)
    # Ordinal metric: squared (sum of marginals between c and k, less half of each end's).
    cumulative = np.concatenate([[0.0], np.cumsum(totals)])
    delta = np.zeros((k, k))
    for c in range(k):
        for d in range(k):
            low, high = min(c, d), max(c, d)
            delta[c, d] = (cumulative[high + 1] - cumulative[low] - (totals[c] + totals[d]) / 2) ** 2
    return delta


def alpha_from_coincidences(matrices: np.ndarray, level: Level) -> np.ndarray:
    """Alpha for each coincidence matrix in a stack ``(draws, k, k)``; ``nan`` where undefined."""
    totals = matrices.sum(axis=2)
    n = totals.sum(axis=1)
    result = np.full(len(matrices), np.nan)
    for index in range(len(matrices)):
        delta = _delta(level, totals[index])
        observed = float((matrices[index] * delta).sum())
        expected = float((np.outer(totals[index], totals[index]) * delta).sum())
        if expected > 0 and n[index] > 1:
            result[index] = 1.0 - (n[index] - 1) * observed / expected
    return result


def figures(ratings: Ratings, level: Level = "nominal", order: Sequence[Hashable] | None = None) -> Figures:
    """All figures of one dimension. ``order``: the values in order (needed for ordinal data)."""
    cases = {case: n for n, case in enumerate(ratings)}
    names = sorted({who for by in ratings.values() for who in by})
    where = {who: n for n, who in enumerate(names)}
    keys = list(order) if order is not None else list(dict.fromkeys(v for by in ratings.values() for v in by.values()))
    index = {value: n for n, value in enumerate(keys)}
    triples = [(cases[case], where[who], index[value]) for case, by in ratings.items() for who, value in by.items()]
    columns = np.array(triples, dtype=np.int64).reshape(-1, 3)
    return _figures(
        columns[:, 0],
        columns[:, 1],
        columns[:, 2],
        names=names,
        keys=keys,
        level=level,
        ordered=order is not None,
        rowids=np.array(list(cases), dtype=np.int64),
    )


def _figures(
    case: np.ndarray,
    reviewer: np.ndarray,
    value: np.ndarray,
    *,
    names: Sequence[str],
    keys: Sequence[Hashable],
    level: Level,
    ordered: bool,
    rowids: np.ndarray,
) -> Figures:
    """The figures from one rating per row: ``case`` (codes in case order, ``rowids[code]`` its
    row id), ``reviewer`` (codes into ``names``, which are sorted), ``value`` (codes into
    ``keys``). Vectorised: every figure comes from the cases x values count matrix or the cases x
    reviewers grid, never from a Python loop over cases."""
    if len(case):
        pairable = np.bincount(case)[case] >= 2  # only cases with two ratings or more count
        case, reviewer, value = case[pairable], reviewer[pairable], value[pairable]
    used_cases, unit = _compact(case)
    used_reviewers, rater = _compact(reviewer)
    behind = rowids[used_cases]
    if len(used_cases) == 0 or len(used_reviewers) < 2:
        return Figures(None, None, None, None, len(used_cases), len(used_reviewers), case_rowids=behind)
    if not ordered:  # nominal values without a given order: those present, in a stable order
        present, _ = _compact(value)
        ranked = sorted(present.tolist(), key=lambda code: repr(keys[code]))
        recode = np.zeros(len(keys), dtype=np.int64)
        recode[ranked] = np.arange(len(ranked))
        value, keys = recode[value], [keys[code] for code in ranked]
    k, units = len(keys), len(used_cases)
    counts = np.bincount(unit * k + value, minlength=units * k).reshape(units, k)
    # One value only (everyone said pass): agreement is undefined, not perfect — the package
    # answers nan (or refuses), and so do we, as None.
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = _finite(
                krippendorff.alpha(value_counts=counts, level_of_measurement=level, value_domain=list(range(k)))
            )
    except ValueError:
        alpha = None
    ci = _bootstrap(counts, level) if alpha is not None else None
    rated = counts.sum(axis=1)
    agreeing = (counts * (counts - 1) // 2).sum(axis=1)  # agreeing pairs within each case
    fleiss = None
    if len(np.unique(rated)) == 1 and k > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            fleiss = _finite(inter_rater.fleiss_kappa(counts.astype(float), method="fleiss"))
    grid = np.full((units, len(used_reviewers)), -1, dtype=np.int64)
    grid[unit, rater] = value
    who = [names[code] for code in used_reviewers.tolist()]
    pairs = [_pair(grid, (a, b), (who[a], who[b]), k, behind) for a, b in itertools.combinations(range(len(who)), 2)]
    order = np.argsort(behind, kind="stable")  # row ids ascending: the queue opens them in import order
    disputed = counts.max(axis=1) < rated
    return Figures(
        krippendorff_alpha=alpha,
        alpha_ci95=ci,
        percent_agreement=float(np.mean(agreeing / (rated * (rated - 1) // 2))),
        fleiss_kappa=fleiss,
        cases=units,
        reviewers=len(used_reviewers),
        pairs=[p for p in pairs if p.cases],
        case_rowids=behind[order],
        disagreed_rowids=behind[order][disputed[order]],
    )


def _compact(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The codes present, ascending, and each row's position among them (``np.unique`` without its sort)."""
    if not len(codes):
        return codes, codes
    seen = np.bincount(codes) > 0
    return np.flatnonzero(seen), (np.cumsum(seen) - 1)[codes]


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None


def _pair(grid: np.ndarray, columns: tuple[int, int], pair: tuple[str, str], k: int, rowids: np.ndarray) -> PairKappa:
    a, b = columns
    both = (grid[:, a] >= 0) & (grid[:, b] >= 0)
    cases = int(both.sum())
    if not cases:
        return PairKappa(pair, None, None, 0)
    x, y = grid[both, a], grid[both, b]
    shared = rowids[both]
    order = np.argsort(shared, kind="stable")
    table = np.bincount(x * k + y, minlength=k * k).reshape(k, k).astype(float)
    agree = int((x == y).sum()) / cases
    expected = float((table.sum(axis=1) * table.sum(axis=0)).sum()) / cases**2
    kappa = None if expected >= 1 else _finite(inter_rater.cohens_kappa(table, return_results=False))
    return PairKappa(pair, kappa, agree, cases, shared[order], shared[order][(x != y)[order]])


def _bootstrap(counts: np.ndarray, level: Level) -> tuple[float, float] | None:
    # Cases with the same values (the same row of counts) contribute the same coincidences:
    # group them, in order of first appearance, and redraw multinomial counts of the groups.
    patterns, first, sizes = np.unique(counts, axis=0, return_index=True, return_counts=True)
    ranked = np.argsort(first, kind="stable")
    patterns, sizes = patterns[ranked].astype(float), sizes[ranked]
    rated = patterns.sum(axis=1)
    outer = patterns[:, :, None] * patterns[:, None, :]
    outer[:, np.arange(counts.shape[1]), np.arange(counts.shape[1])] -= patterns
    stack = outer / (rated - 1)[:, None, None]  # (patterns, k, k): each case's coincidence matrix
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    total = int(sizes.sum())
    draws = rng.multinomial(total, sizes / total, size=BOOTSTRAP_DRAWS)
    with np.errstate(divide="ignore", invalid="ignore"):
        alphas = alpha_from_coincidences(np.einsum("dp,pij->dij", draws, stack), level)
    alphas = alphas[np.isfinite(alphas)]
    if len(alphas) == 0:
        return None
    low, high = np.percentile(alphas, [2.5, 97.5])
    return float(low), float(high)


# -- from the workspace ---------------------------------------------------------------------------


def compute(rows: Sequence[RatingRow], root_cause_ids: Sequence[str], score_names: Sequence[str]) -> Agreement:
    """Every figure from reviewer-label rows."""
    columns = RatingColumns(
        case_rowid=[r.case_rowid for r in rows],
        reviewer=[r.reviewer for r in rows],
        verdict=[r.verdict for r in rows],
        root_causes=[r.root_causes for r in rows],
        scores=[r.scores for r in rows],
    )
    return compute_columns(columns, root_cause_ids, score_names)


def compute_columns(columns: RatingColumns, root_cause_ids: Sequence[str], score_names: Sequence[str]) -> Agreement:
    """Every figure from reviewer labels held column by column (one row per reviewer label)."""
    cases: dict[int, int] = {}
    case = np.array([cases.setdefault(rowid, len(cases)) for rowid in columns.case_rowid], dtype=np.int64)
    rowids = np.fromiter(cases, dtype=np.int64, count=len(cases))
    names = sorted(set(columns.reviewer))
    where = {who: n for n, who in enumerate(names)}
    reviewer = np.array([where[who] for who in columns.reviewer], dtype=np.int64)
    verdict_code: dict[str | None, int] = {v: n for n, v in enumerate(VERDICT_ORDER)}
    voted = np.array([v is not None for v in columns.verdict], dtype=bool)
    voted_rows = np.flatnonzero(voted)

    def dimension(
        rows: np.ndarray, value: np.ndarray, keys: Sequence[Hashable], level: Level, ordered: bool
    ) -> Figures:
        return _figures(
            case[rows], reviewer[rows], value, names=names, keys=keys, level=level, ordered=ordered, rowids=rowids
        )

    # Python passes over the rows are kept to one per column (plain lists, not numpy scalars).
    voted_causes = [columns.root_causes[i] for i in voted_rows.tolist()]
    verdicts = np.array([verdict_code[v] for v in columns.verdict if v is not None], dtype=np.int64)
    verdict = dimension(voted_rows, verdicts, VERDICT_ORDER, "nominal", True)
    named = {rc for given in voted_causes for rc in given}
    seen = list(dict.fromkeys([*root_cause_ids, *sorted(named - set(root_cause_ids))]))
    marks: dict[str, list[int]] = {rc: [] for rc in seen}
    set_keys: dict[tuple[str, ...], int] = {}
    by_given: dict[tuple[str, ...], int] = {}  # the same stored tuple is one set: sort it once
    set_codes = np.empty(len(voted_causes), dtype=np.int64)
    for position, given in enumerate(voted_causes):
        code = by_given.get(given)
        if code is None:
            code = by_given[given] = set_keys.setdefault(tuple(sorted(set(given))), len(set_keys))
        set_codes[position] = code
        for rc in set(given):
            marks[rc].append(position)
    causes: dict[str, Figures] = {}
    for rc in seen:
        present = np.zeros(len(voted_rows), dtype=np.int64)
        present[marks[rc]] = 1
        causes[rc] = dimension(voted_rows, present, [False, True], "nominal", True)
    cause_set = dimension(voted_rows, set_codes, list(set_keys), "nominal", False)
    score_code = {v: n for n, v in enumerate(SCORE_ORDER)}
    rated: dict[str, tuple[list[int], list[int]]] = {name: ([], []) for name in score_names}
    for i, scored in enumerate(columns.scores):
        for name, score in scored.items():
            rows, values = rated.setdefault(name, ([], []))
            rows.append(i)
            values.append(score_code[score])
    scores: dict[str, Figures] = {}
    for name in dict.fromkeys([*score_names, *sorted(set(rated) - set(score_names))]):
        rows, values = rated[name]
        scores[name] = dimension(
            np.array(rows, dtype=np.int64), np.array(values, dtype=np.int64), SCORE_ORDER, "ordinal", True
        )
    reviewers = sorted({names[code] for code in reviewer[voted_rows].tolist()})
    labeled = Counter(names[code] for code in reviewer[voted_rows].tolist())
    by_pair = {p.reviewers: p for p in verdict.pairs}
    voted_case, voted_reviewer = case[voted_rows], reviewer[voted_rows]
    matrix: list[list[float | None]] = []
    matrix_cases: list[list[int]] = []
    matrix_rowids: list[list[np.ndarray]] = []
    for a in reviewers:
        row: list[float | None] = []
        counts: list[int] = []
        behind: list[np.ndarray] = []
        for b in reviewers:
            pair = by_pair.get((a, b)) or by_pair.get((b, a))
            row.append(1.0 if a == b else (pair.percent_agreement if pair else None))
            counts.append(labeled[a] if a == b else (pair.cases if pair else 0))
            if a == b:
                behind.append(np.unique(rowids[voted_case[voted_reviewer == where[a]]]))
            else:
                behind.append(pair.case_rowids if pair else _no_rowids())
        matrix.append(row)
        matrix_cases.append(counts)
        matrix_rowids.append(behind)
    return Agreement(verdict, causes, cause_set, scores, reviewers, matrix, matrix_cases, matrix_rowids)


def workspace_agreement(workspace: Workspace, flt: CaseFilter | None = None) -> Agreement:
    """Agreement over the cases matching ``flt`` (all cases without one)."""
    schema = current_taxonomy(workspace)
    with workspace.session() as session:
        rowids = (
            None if flt is None or flt == CaseFilter() else [s.case_rowid for s in queries.list_cases(session, flt)]
        )
        columns = label_log.rating_columns(session.connection(), rowids)
    return compute_columns(columns, list(schema.ids()), [s.name for s in schema.scores])
