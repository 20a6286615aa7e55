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
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import krippendorff
import numpy as np
from statsmodels.stats import inter_rater

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services.labels import current_taxonomy
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import label_log, queries
from reviewdesk.storage.label_log import RatingRow

Level = Literal["nominal", "ordinal"]
BOOTSTRAP_DRAWS = 1000
BOOTSTRAP_SEED = 0


@dataclass(frozen=True, slots=True)
class PairKappa:
    reviewers: tuple[str, str]
    cohen_kappa: float | None
    percent_agreement: float | None
    cases: int


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
    pairable = {case: by for case, by in ratings.items() if len(by) >= 2}
    reviewers = sorted({who for by in pairable.values() for who in by})
    values = (
        list(order) if order is not None else sorted({v for by in pairable.values() for v in by.values()}, key=repr)
    )
    index = {value: n for n, value in enumerate(values)}
    if not pairable or len(reviewers) < 2:
        return Figures(None, None, None, None, len(pairable), len(reviewers))
    cases = sorted(pairable)
    data = np.full((len(reviewers), len(cases)), np.nan)
    where = {who: n for n, who in enumerate(reviewers)}
    for column, case in enumerate(cases):
        for who, value in pairable[case].items():
            data[where[who], column] = index[value]
    # One value only (everyone said pass): agreement is undefined, not perfect — the package
    # answers nan (or refuses), and so do we, as None.
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            domain = list(range(len(values)))
            alpha = _finite(krippendorff.alpha(reliability_data=data, level_of_measurement=level, value_domain=domain))
    except ValueError:
        alpha = None
    ci = _bootstrap(pairable, index, level) if alpha is not None else None
    agree = [_agreeing_share(list(by.values())) for by in pairable.values()]
    counts = Counter(len(by) for by in pairable.values())
    fleiss = None
    if len(counts) == 1 and len(values) > 1:
        table = np.zeros((len(cases), len(values)))
        for row, case in enumerate(cases):
            for value in pairable[case].values():
                table[row, index[value]] += 1
        with np.errstate(divide="ignore", invalid="ignore"):
            fleiss = _finite(inter_rater.fleiss_kappa(table, method="fleiss"))
    pairs = [_pair(a, b, pairable, index) for a, b in itertools.combinations(reviewers, 2)]
    return Figures(
        krippendorff_alpha=alpha,
        alpha_ci95=ci,
        percent_agreement=float(np.mean(agree)),
        fleiss_kappa=fleiss,
        cases=len(pairable),
        reviewers=len(reviewers),
        pairs=[p for p in pairs if p.cases],
    )


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None


def _agreeing_share(values: list[Hashable]) -> float:
    pairs = list(itertools.combinations(values, 2))
    return sum(1 for a, b in pairs if a == b) / len(pairs)


def _pair(a: str, b: str, ratings: Ratings, index: dict[Hashable, int]) -> PairKappa:
    both = [(by[a], by[b]) for by in ratings.values() if a in by and b in by]
    if not both:
        return PairKappa((a, b), None, None, 0)
    table = np.zeros((len(index), len(index)))
    for x, y in both:
        table[index[x], index[y]] += 1
    agree = sum(1 for x, y in both if x == y) / len(both)
    expected = float((table.sum(axis=1) * table.sum(axis=0)).sum()) / len(both) ** 2
    kappa = None if expected >= 1 else _finite(inter_rater.cohens_kappa(table, return_results=False))
    return PairKappa((a, b), kappa, agree, len(both))


def _bootstrap(ratings: Ratings, index: dict[Hashable, int], level: Level) -> tuple[float, float] | None:
    patterns = Counter(tuple(sorted(index[v] for v in by.values())) for by in ratings.values())
    keys = list(patterns)
    k = len(index)
    stack = np.stack([_coincidences(key, k) for key in keys])  # (patterns, k, k)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    total = sum(patterns.values())
    draws = rng.multinomial(total, [patterns[key] / total for key in keys], size=BOOTSTRAP_DRAWS)
    with np.errstate(divide="ignore", invalid="ignore"):
        alphas = alpha_from_coincidences(np.einsum("dp,pij->dij", draws, stack), level)
    alphas = alphas[np.isfinite(alphas)]
    if len(alphas) == 0:
        return None
    low, high = np.percentile(alphas, [2.5, 97.5])
    return float(low), float(high)


# -- from the workspace ---------------------------------------------------------------------------


def _dimension(rows: Sequence[RatingRow], value: Callable[[RatingRow], Hashable | None]) -> Ratings:
    ratings: Ratings = {}
    for row in rows:
        rated = value(row)
        if rated is not None:
            ratings.setdefault(row.case_rowid, {})[row.reviewer] = rated
    return ratings


def _has_cause(root_cause: str) -> Callable[[RatingRow], Hashable | None]:
    return lambda row: root_cause in row.root_causes


def _score(name: str) -> Callable[[RatingRow], Hashable | None]:
    return lambda row: row.scores.get(name)


def compute(rows: Sequence[RatingRow], root_cause_ids: Sequence[str], score_names: Sequence[str]) -> Agreement:
    """Every figure from reviewer-label rows."""
    voted = [r for r in rows if r.verdict is not None]
    verdict = figures(_dimension(voted, lambda r: r.verdict), "nominal", ["pass", "fail", "unsure"])
    seen = list(
        dict.fromkeys([*root_cause_ids, *sorted({rc for r in voted for rc in r.root_causes} - set(root_cause_ids))])
    )
    causes = {rc: figures(_dimension(voted, _has_cause(rc)), "nominal", [False, True]) for rc in seen}
    cause_set = figures(_dimension(voted, lambda r: tuple(sorted(set(r.root_causes)))), "nominal")
    names = list(dict.fromkeys([*score_names, *sorted({s for r in rows for s in r.scores} - set(score_names))]))
    scores = {name: figures(_dimension(rows, _score(name)), "ordinal", [1, 2, 3, 4, 5]) for name in names}
    reviewers = sorted({r.reviewer for r in voted})
    by_pair = {p.reviewers: p for p in verdict.pairs}
    matrix: list[list[float | None]] = []
    matrix_cases: list[list[int]] = []
    for a in reviewers:
        row: list[float | None] = []
        counts: list[int] = []
        for b in reviewers:
            pair = by_pair.get((a, b)) or by_pair.get((b, a))
            row.append(1.0 if a == b else (pair.percent_agreement if pair else None))
            counts.append(sum(1 for r in voted if r.reviewer == a) if a == b else (pair.cases if pair else 0))
        matrix.append(row)
        matrix_cases.append(counts)
    return Agreement(verdict, causes, cause_set, scores, reviewers, matrix, matrix_cases)


def workspace_agreement(workspace: Workspace, flt: CaseFilter | None = None) -> Agreement:
    """Agreement over the cases matching ``flt`` (all cases without one)."""
    schema = current_taxonomy(workspace)
    with workspace.session() as session:
        rowids = (
            None if flt is None or flt == CaseFilter() else [s.case_rowid for s in queries.list_cases(session, flt)]
        )
        rows = label_log.rating_rows(session.connection(), rowids)
    return compute(rows, list(schema.ids()), [s.name for s in schema.scores])
