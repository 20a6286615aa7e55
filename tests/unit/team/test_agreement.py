"""Agreement figures against published worked examples and small cases computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import LabelChange
from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services import agreement, labels
from reviewdesk.services.agreement import alpha_from_coincidences, figures
from reviewdesk.storage.label_log import RatingRow
from tests.consumers.labeled import LabeledWorkspace, build

# Fleiss (1971), Table 1: 30 patients, each diagnosed by 6 psychiatrists into 5 categories
# (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other). Fleiss: kappa = .430.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5], [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4], [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4], [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5], [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4], [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4], [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units, values
# 1-5, * missing. Published: nominal alpha = .743, ordinal alpha = .815.
KRIPPENDORFF_2011 = {
    "A": "1 2 3 3 2 1 4 1 2 * * *",
    "B": "1 2 3 3 2 2 4 1 2 5 * 3",
    "C": "* 3 3 3 2 3 4 2 2 5 1 *",
    "D": "1 2 3 3 2 4 4 1 2 5 1 *",
}


def _krippendorff() -> dict[int, dict[str, object]]:
    ratings: dict[int, dict[str, object]] = {}
    for who, line in KRIPPENDORFF_2011.items():
        for unit, value in enumerate(line.split()):
            if value != "*":
                ratings.setdefault(unit, {})[who] = int(value)
    return ratings


def test_fleiss_1971() -> None:
    ratings = {case: {f"r{n}": v for n, v in enumerate(row)} for case, row in enumerate(FLEISS_1971)}
    result = figures(ratings, "nominal", [1, 2, 3, 4, 5])  # type: ignore[arg-type]
    assert result.fleiss_kappa == pytest.approx(0.4302, abs=5e-5)
    assert (result.cases, result.reviewers) == (30, 6)


def test_krippendorff_2011_reliability_data() -> None:
    ratings = _krippendorff()
    nominal = figures(ratings, "nominal", [1, 2, 3, 4, 5])  # type: ignore[arg-type]
    assert nominal.krippendorff_alpha == pytest.approx(0.743, abs=5e-4)
    assert figures(ratings, "ordinal", [1, 2, 3, 4, 5]).krippendorff_alpha == pytest.approx(0.815, abs=5e-4)  # type: ignore[arg-type]
    assert nominal.cases == 11  # unit 12 has one value only: not pairable
    assert nominal.fleiss_kappa is None  # units have 2, 3 or 4 values
    assert nominal.alpha_ci95 is not None
    lo, hi = nominal.alpha_ci95
    assert lo < 0.743 < hi <= 1.0


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_our_coincidence_alpha_equals_the_package(level: str) -> None:
    # The bootstrap draws use our alpha: on the data itself it must be the package's.
    from reviewdesk.services.agreement import _coincidences

    ratings = _krippendorff()
    pairable = [by for by in ratings.values() if len(by) >= 2]
    matrix = np.sum([_coincidences([int(str(v)) - 1 for v in by.values()], 5) for by in pairable], axis=0)
    ours = alpha_from_coincidences(np.stack([matrix]), level)[0]  # type: ignore[arg-type]
    assert ours == pytest.approx(figures(ratings, level, [1, 2, 3, 4, 5]).krippendorff_alpha)  # type: ignore[arg-type]


def test_small_case_by_hand() -> None:
    # 4 cases, 2 reviewers: agree pass, agree fail, disagree (pass/fail), agree pass.
    # Observed agreement 3/4. Cohen: p_e = 3/4*2/4 + 1/4*2/4 = 0.5, so kappa = (0.75-0.5)/0.5 = 0.5.
    # Alpha (nominal): coincidences pass-pass 4, fail-fail 2, pass-fail 1, fail-pass 1; n = 8,
    # n_pass 5, n_fail 3: alpha = 1 - 7 * 2 / (2 * 5 * 3) = 1 - 14/30.
    ratings = {
        1: {"a": "pass", "b": "pass"},
        2: {"a": "fail", "b": "fail"},
        3: {"a": "pass", "b": "fail"},
        4: {"a": "pass", "b": "pass"},
    }
    result = figures(ratings, "nominal", ["pass", "fail", "unsure"])  # type: ignore[arg-type]
    assert result.percent_agreement == pytest.approx(0.75)
    assert result.krippendorff_alpha == pytest.approx(1 - 14 / 30)
    (pair,) = result.pairs
    assert pair.cohen_kappa == pytest.approx(0.5) and pair.cases == 4
    # Fleiss, 2 raters: P_bar = 0.75, p_pass = 5/8, p_fail = 3/8, P_e = 34/64: (0.75 - 34/64)/(30/64) = 7/15.
    assert result.fleiss_kappa == pytest.approx(7 / 15)


def test_no_variation_is_undefined_not_perfect() -> None:
    same = {1: {"a": "pass", "b": "pass"}, 2: {"a": "pass", "b": "pass"}}
    result = figures(same, "nominal", ["pass", "fail"])  # type: ignore[arg-type]
    assert result.krippendorff_alpha is None and result.percent_agreement == 1.0


def test_compute_dimensions_and_matrix() -> None:
    rows = [
        RatingRow(1, "a", "fail", ("hallucination",), {"correctness": 2}),
        RatingRow(1, "b", "fail", ("hallucination", "stale_source"), {"correctness": 1}),
        RatingRow(2, "a", "pass", (), {"correctness": 5}),
        RatingRow(2, "b", "pass", (), {"correctness": 5}),
        RatingRow(3, "a", "fail", ("stale_source",), {}),
        RatingRow(3, "b", "pass", (), {}),
    ]
    result = agreement.compute(rows, ["hallucination", "stale_source", "tool_error"], ["correctness"])
    assert result.verdict.percent_agreement == pytest.approx(2 / 3)
    assert result.root_causes["hallucination"].percent_agreement == pytest.approx(1.0)
    assert result.root_causes["stale_source"].percent_agreement == pytest.approx(1 / 3)
    assert result.root_cause_set.percent_agreement == pytest.approx(1 / 3)  # only case 2's empty sets agree
    assert result.scores["correctness"].cases == 2
    assert result.root_causes["tool_error"].krippendorff_alpha is None  # never present: undefined
    assert result.reviewers == ["a", "b"]
    assert result.matrix == [[1.0, pytest.approx(2 / 3)], [pytest.approx(2 / 3), 1.0]]
    data = result.to_json()
    keys = {"krippendorff_alpha", "percent_agreement", "cases", "reviewers"}
    assert set(data["verdict"]) >= keys and set(data["root_causes"]["hallucination"]) >= keys


def test_each_figure_holds_the_cases_behind_it_and_those_disputed() -> None:
    # Three reviewers, not all on every case; case 40 has one rating only, so it is behind no figure.
    rows = [
        RatingRow(10, "a", "fail", ("hallucination",), {"correctness": 2}),
        RatingRow(10, "b", "fail", ("stale_source",), {"correctness": 2}),
        RatingRow(20, "a", "pass", (), {}),
        RatingRow(20, "c", "fail", ("hallucination",), {}),
        RatingRow(30, "b", "pass", (), {"correctness": 4}),
        RatingRow(30, "c", "pass", (), {"correctness": 5}),
        RatingRow(40, "a", "fail", ("hallucination",), {}),
        RatingRow(50, "a", "unsure", (), {}),
        RatingRow(50, "b", "pass", (), {}),
        RatingRow(50, "c", "unsure", (), {}),
    ]
    result = agreement.compute(rows, ["hallucination", "stale_source"], ["correctness"])

    def ids(array: np.ndarray) -> list[int]:
        return array.tolist()

    verdict = result.verdict
    assert ids(verdict.case_rowids) == [10, 20, 30, 50] and verdict.cases == 4
    assert ids(verdict.disagreed_rowids) == [20, 50]
    assert ids(result.root_cause_set.disagreed_rowids) == [10, 20]  # {hallucination} vs {stale_source}; vs {}
    assert ids(result.root_causes["hallucination"].disagreed_rowids) == [10, 20]
    assert ids(result.root_causes["stale_source"].disagreed_rowids) == [10]
    assert ids(result.scores["correctness"].case_rowids) == [10, 30]
    assert ids(result.scores["correctness"].disagreed_rowids) == [30]
    pairs = {p.reviewers: p for p in verdict.pairs}
    assert ids(pairs[("a", "b")].case_rowids) == [10, 50] and ids(pairs[("a", "b")].disagreed_rowids) == [50]
    assert ids(pairs[("a", "c")].case_rowids) == [20, 50] and ids(pairs[("a", "c")].disagreed_rowids) == [20]
    assert ids(pairs[("b", "c")].case_rowids) == [30, 50] and ids(pairs[("b", "c")].disagreed_rowids) == [50]
    for pair in pairs.values():
        assert len(pair.case_rowids) == pair.cases
    # The matrix: both labeled off the diagonal; on it, every case the reviewer gave a verdict.
    assert result.reviewers == ["a", "b", "c"]
    assert [[ids(cell) for cell in row] for row in result.matrix_rowids] == [
        [[10, 20, 40, 50], [10, 50], [20, 50]],
        [[10, 50], [10, 30, 50], [30, 50]],
        [[20, 50], [30, 50], [20, 30, 50]],
    ]
    assert [[len(cell) for cell in row] for row in result.matrix_rowids] == result.matrix_cases


def test_cli_json_on_a_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    team: LabeledWorkspace = build(tmp_path / "w.reviewdesk", label=False)
    ws = team.open()
    keys = sorted(team.case_ids)
    try:
        for n, key in enumerate(keys[:4]):
            labels.record_label(ws, team.case_ids[key], LabelChange(verdict="pass"), reviewer="a")
            labels.record_label(ws, team.case_ids[key], LabelChange(verdict="pass" if n < 3 else "fail"), reviewer="b")
    finally:
        ws.close()
    assert main(["--workspace", str(team.path), "agreement", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"]["percent_agreement"] == pytest.approx(0.75)
    assert (data["verdict"]["cases"], data["verdict"]["reviewers"]) == (4, 2)
    # pass-pass x3 and pass-fail: n_pass 7, n_fail 1, D_o pairs 2: alpha = 1 - 7 * 2 / (2 * 7 * 1) = 0.
    assert data["verdict"]["krippendorff_alpha"] == pytest.approx(0.0, abs=1e-9)
    assert "hallucination" in data["root_causes"]


def test_workspace_agreement_reads_causes_and_scores_on_each_engine(workspace_location: WorkspaceLocation) -> None:
    # rating_columns reads only the root causes and scores out of each label's JSON, which the two
    # engines hand back differently (SQLite as text, PostgreSQL parsed): the figures must not care.
    team = build(workspace_location, label=False)
    ws = team.open()
    keys = sorted(team.case_ids)[:3]
    try:
        for n, key in enumerate(keys):
            case = team.case_ids[key]
            a = LabelChange(verdict="fail", root_causes=["hallucination"], scores={"correctness": 2})
            b = LabelChange(verdict="fail", root_causes=["hallucination"] if n else [], scores={"correctness": 2 + n})
            labels.record_label(ws, case, a, reviewer="a")
            labels.record_label(ws, case, b, reviewer="b")
        result = agreement.workspace_agreement(ws)
    finally:
        ws.close()
    assert result.verdict.percent_agreement == 1.0 and result.verdict.cases == 3
    assert result.root_causes["hallucination"].percent_agreement == pytest.approx(2 / 3)
    assert result.root_cause_set.percent_agreement == pytest.approx(2 / 3)
    assert result.scores["correctness"].cases == 3
    assert result.scores["correctness"].percent_agreement == pytest.approx(1 / 3)  # 2-2 agree, 2-3 and 2-4 do not


def test_each_pairs_kappa_is_that_pair_alone_among_three_reviewers() -> None:
    # The pairs are found once per dimension from the ratings within each case: with three
    # reviewers and gaps, each pair's figures must be those of its two reviewers' common cases.
    values = ["pass", "fail", "unsure"]
    ratings: dict[int, dict[str, object]] = {}
    for case in range(40):
        for n, who in enumerate(("a", "b", "c")):
            if (case + n) % 5:  # each reviewer skips some cases
                ratings.setdefault(case, {})[who] = values[(case * (n + 1) + case // 7) % 3]
    together = figures(ratings, "nominal", values)  # type: ignore[arg-type]
    assert [p.reviewers for p in together.pairs] == [("a", "b"), ("a", "c"), ("b", "c")]
    for pair in together.pairs:
        alone = {
            case: {w: by[w] for w in pair.reviewers}
            for case, by in ratings.items()
            if all(w in by for w in pair.reviewers)
        }
        (only,) = figures(alone, "nominal", values).pairs  # type: ignore[arg-type]
        assert (pair.cases, pair.percent_agreement, pair.cohen_kappa) == (
            only.cases,
            only.percent_agreement,
            only.cohen_kappa,
        )


def test_bootstrap_patterns_as_integers_are_the_rows_unique() -> None:
    # Cases are grouped by their row of value counts; narrow rows go through one integer each.
    from reviewdesk.services.agreement import _patterns

    rng = np.random.default_rng(3)
    for width, top in ((3, 4), (40, 3)):  # the second is too wide for one integer
        counts = rng.integers(0, top, size=(500, width))
        patterns, sizes = _patterns(counts)
        rows, first, expected = np.unique(counts, axis=0, return_index=True, return_counts=True)
        ranked = np.argsort(first, kind="stable")
        assert np.array_equal(patterns, rows[ranked]) and np.array_equal(sizes, expected[ranked])
