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


def _deltas(level: Level, totals: np.ndarray) -> np.ndarray:
    """The distance matrix of each of a stack of value totals ``(draws, k)``, as ``(draws, k, k)``."""
    draws, k = totals.shape
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(k), (draws, k, k))
    # Ordinal metric: squared (sum of marginals between c and d, less half of each end's).
    cumulative = np.concatenate([np.zeros((draws, 1)), np.cumsum(totals, axis=1)], axis=1)
    c, d = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    low, high = np.minimum(c, d), np.maximum(c, d)
    between: np.ndarray = cumulative[:, high + 1] - cumulative[:, low] - (totals[:, c] + totals[:, d]) / 2
    return between**2


def alpha_from_coincidences(matrices: np.ndarray, level: Level) -> np.ndarray:
    """Alpha for each coincidence matrix in a stack ``(draws, k, k)``; ``nan`` where undefined."""
    draws = len(matrices)
    totals = matrices.sum(axis=2)
    n = totals.sum(axis=1)
    delta = _deltas(level, totals)
    observed = (matrices * delta).reshape(draws, -1).sum(axis=1)
    expected = (totals[:, :, None] * totals[:, None, :] * delta).reshape(draws, -1).sum(axis=1)
    result = np.full(draws, np.nan)
    defined = (expected > 0) & (n > 1)
    result[defined] = 1.0 - (n[defined] - 1) * observed[defined] / expected[defined]
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
    rowids = np.array(list(cases), dtype=np.int64)
    return _figures(
        _units(columns[:, 0], columns[:, 1], names, rowids),
        columns[:, 2],
        keys=keys,
        level=level,
        ordered=order is not None,
    )


@dataclass(frozen=True, slots=True)
class _Units:
    """The ratings of one dimension that figures use, and every pair of them within a case.

    Built once for all the dimensions rated on the same rows (the verdict, each root cause, the
    root-cause set): only the values differ between them."""

    keep: np.ndarray
    """Positions of the ratings in cases with two ratings or more (the only ones that count)."""
    unit: np.ndarray
    """Each kept rating's case, coded 0… in case order."""
    rater: np.ndarray
    """Each kept rating's reviewer, coded into ``who``."""
    who: list[str]
    units: int
    behind: np.ndarray
    """The row id of each unit (``unit`` code)."""
    order: np.ndarray
    """The units in ascending row id order (the order the queue opens cases in)."""
    first: np.ndarray
    """Rating pairs within a case (positions among the kept ratings), ``first`` by the reviewer
    earlier in ``who``; grouped by reviewer pair, in ``pairs`` order, each pair's by row id."""
    second: np.ndarray
    pair_rowids: np.ndarray
    """The case row id of each rating pair."""
    pairs: list[tuple[int, int, int, int]]
    """(reviewer a, reviewer b, start, stop): pair slices of ``first``/``second``, a < b ascending."""


def _units(case: np.ndarray, reviewer: np.ndarray, names: Sequence[str], rowids: np.ndarray) -> _Units:
    """``case``: codes in case order (``rowids[code]`` its row id); ``reviewer``: codes into
    ``names``, which are sorted."""
    keep = np.flatnonzero(np.bincount(case)[case] >= 2) if len(case) else np.zeros(0, dtype=np.int64)
    used_cases, unit = _compact(case[keep])
    used_reviewers, rater = _compact(reviewer[keep])
    # Every pair of ratings within a case: in case order, pair each rating with the d-th next one
    # while that is the same case (d < the most ratings a case has, at most the reviewers).
    order = np.argsort(unit, kind="stable")
    ordered = unit[order]
    firsts, seconds = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for d in range(1, len(ordered)):
        same = ordered[d:] == ordered[:-d]
        if not same.any():
            break
        firsts.append(order[:-d][same])
        seconds.append(order[d:][same])
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    swap = rater[first] > rater[second]
    first, second = np.where(swap, second, first), np.where(swap, first, second)
    count = len(used_reviewers)
    behind = rowids[used_cases]
    by_pair = np.lexsort((behind[unit[first]], rater[first] * count + rater[second]))
    first, second = first[by_pair], second[by_pair]
    code = rater[first] * count + rater[second]
    starts = np.flatnonzero(np.concatenate([[True], code[1:] != code[:-1]])).tolist() if len(code) else []
    stops = [*starts[1:], len(code)] if starts else []
    pairs = [(int(code[a]) // count, int(code[a]) % count, a, b) for a, b in zip(starts, stops, strict=True)]
    return _Units(
        keep=keep,
        unit=unit,
        rater=rater,
        who=[names[c] for c in used_reviewers.tolist()],
        units=len(used_cases),
        behind=behind,
        order=np.argsort(behind, kind="stable"),
        first=first,
        second=second,
        pair_rowids=behind[unit[first]],
        pairs=pairs,
    )


def _figures(units: _Units, value: np.ndarray, *, keys: Sequence[Hashable], level: Level, ordered: bool) -> Figures:
    """The figures from one value per rating of ``units`` (codes into ``keys``). Vectorised: every
    figure comes from the cases x values count matrix or the rating pairs, never from a Python
    loop over cases."""
    if units.units == 0 or len(units.who) < 2:
        return Figures(None, None, None, None, units.units, len(units.who), case_rowids=units.behind)
    value = value[units.keep]
    if not ordered:  # nominal values without a given order: those present, in a stable order
        present, _ = _compact(value)
        ranked = sorted(present.tolist(), key=lambda code: repr(keys[code]))
        recode = np.zeros(len(keys), dtype=np.int64)
        recode[ranked] = np.arange(len(ranked))
        value, keys = recode[value], [keys[code] for code in ranked]
    k = len(keys)
    counts = np.bincount(units.unit * k + value, minlength=units.units * k).reshape(units.units, k)
    # One value only (everyone said pass): agreement is undefined, not perfect — the package
    # answers nan (or refuses), and so do we, as None, without asking it.
    alpha = None
    if np.count_nonzero(counts.any(axis=0)) > 1:
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
    x, y = value[units.first], value[units.second]
    pairs = [
        _pair(x[start:stop], y[start:stop], (units.who[a], units.who[b]), k, units.pair_rowids[start:stop])
        for a, b, start, stop in units.pairs
    ]
    behind = units.behind[units.order]  # row ids ascending: the queue opens them in import order
    disputed = counts.max(axis=1) < rated
    return Figures(
        krippendorff_alpha=alpha,
        alpha_ci95=ci,
        percent_agreement=float(np.mean(agreeing / (rated * (rated - 1) // 2))),
        fleiss_kappa=fleiss,
        cases=units.units,
        reviewers=len(units.who),
        pairs=pairs,
        case_rowids=behind,
        disagreed_rowids=behind[disputed[units.order]],
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


def _pair(x: np.ndarray, y: np.ndarray, pair: tuple[str, str], k: int, shared: np.ndarray) -> PairKappa:
    """One reviewer pair's figures from the values each gave on the cases both rated (``shared``,
    ascending row ids)."""
    cases = len(x)
    table = np.bincount(x * k + y, minlength=k * k).reshape(k, k).astype(float)
    agree = int((x == y).sum()) / cases
    expected = float((table.sum(axis=1) * table.sum(axis=0)).sum()) / cases**2
    kappa = None if expected >= 1 else _finite(inter_rater.cohens_kappa(table, return_results=False))
    return PairKappa(pair, kappa, agree, cases, shared, shared[x != y])


def _patterns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``counts`` in order of first appearance, and how many cases have each."""
    base = int(counts.max()) + 1
    if counts.shape[1] * np.log2(base) < 62:  # each row as one integer: a 1-d unique, not a row sort
        keys = counts @ (base ** np.arange(counts.shape[1], dtype=np.int64))
        _, first, sizes = np.unique(keys, return_index=True, return_counts=True)
    else:
        _, first, sizes = np.unique(counts, axis=0, return_index=True, return_counts=True)
    ranked = np.argsort(first, kind="stable")
    return counts[first[ranked]], sizes[ranked]


def _bootstrap(counts: np.ndarray, level: Level) -> tuple[float, float] | None:
    # Cases with the same values (the same row of counts) contribute the same coincidences:
    # group them, in order of first appearance, and redraw multinomial counts of the groups.
    patterns, sizes = _patterns(counts)
    patterns = patterns.astype(float)
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
    return compute_columns(RatingColumns.from_rows(rows), root_cause_ids, score_names)


def _first_appearance(values: np.ndarray) -> np.ndarray:
    """Codes 0… for ``values``, numbered in order of first appearance."""
    if not len(values):
        return values
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.reshape(-1)]


def compute_columns(columns: RatingColumns, root_cause_ids: Sequence[str], score_names: Sequence[str]) -> Agreement:
    """Every figure from reviewer labels held column by column (one row per reviewer label).

    One Python pass over the rows per column (codes); everything after works on arrays, and on
    the distinct root-cause sets and score sets rather than on each label."""
    case_rowid = np.array(columns.case_rowid, dtype=np.int64)
    case = _first_appearance(case_rowid)
    rowids = np.zeros(int(case.max()) + 1 if len(case) else 0, dtype=np.int64)
    rowids[case] = case_rowid
    names = sorted(set(columns.reviewer))
    where = {who: n for n, who in enumerate(names)}
    reviewer = np.array([where[who] for who in columns.reviewer], dtype=np.int64)
    verdict_code: dict[str | None, int] = {v: n for n, v in enumerate(VERDICT_ORDER)}
    verdict_of = np.array([-1 if v is None else verdict_code[v] for v in columns.verdict], dtype=np.int64)
    voted_rows = np.flatnonzero(verdict_of >= 0)

    def dimension(rows: np.ndarray) -> _Units:
        return _units(case[rows], reviewer[rows], names, rowids)

    voted = dimension(voted_rows)
    verdict = _figures(voted, verdict_of[voted_rows], keys=VERDICT_ORDER, level="nominal", ordered=True)

    # Root causes: which of the distinct stored sets each voted label has, then one table of
    # (distinct set x cause) presence gives every cause's present/absent column at once.
    cause_code = np.array(columns.cause_code, dtype=np.int64)[voted_rows]
    used_sets = np.unique(cause_code).tolist()
    named = {rc for code in used_sets for rc in columns.cause_sets[code]}
    seen = list(dict.fromkeys([*root_cause_ids, *sorted(named - set(root_cause_ids))]))
    column_of = {rc: n for n, rc in enumerate(seen)}
    presence = np.zeros((len(columns.cause_sets), len(seen)), dtype=np.int64)
    set_keys: dict[tuple[str, ...], int] = {}
    set_of = np.zeros(len(columns.cause_sets), dtype=np.int64)
    for code in used_sets:
        given = columns.cause_sets[code]
        presence[code, [column_of[rc] for rc in set(given)]] = 1
        set_of[code] = set_keys.setdefault(tuple(sorted(set(given))), len(set_keys))
    marks = presence[cause_code]
    causes = {
        rc: _figures(voted, marks[:, n], keys=[False, True], level="nominal", ordered=True) for n, rc in enumerate(seen)
    }
    cause_set = _figures(voted, set_of[cause_code], keys=list(set_keys), level="nominal", ordered=False)

    # Scores: every label with a score counts, given a verdict or not.
    score_code = np.array(columns.score_code, dtype=np.int64)
    given_names = {name for scored in columns.score_sets for name in scored}
    ordinal = {v: n for n, v in enumerate(SCORE_ORDER)}
    scores: dict[str, Figures] = {}
    for name in dict.fromkeys([*score_names, *sorted(given_names - set(score_names))]):
        value_of = np.array([ordinal[s[name]] if name in s else -1 for s in columns.score_sets], dtype=np.int64)
        values = value_of[score_code] if len(score_code) else score_code
        rows = np.flatnonzero(values >= 0)
        scores[name] = _figures(dimension(rows), values[rows], keys=SCORE_ORDER, level="ordinal", ordered=True)

    labeled = np.bincount(reviewer[voted_rows], minlength=len(names))
    reviewers = [names[code] for code in np.flatnonzero(labeled).tolist()]
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
            counts.append(int(labeled[where[a]]) if a == b else (pair.cases if pair else 0))
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
