"""Run a Ragas samples export with ``ragas.evaluate``, replaying each case's recorded answer as the
sample's ``response`` (argv[2]: JSON {case id: answer}); print each sample's scores as JSON.

Non-LLM metrics only: Ragas' ``ExactMatch`` on samples with a ``reference``; for a regression sample
(no reference: its rubric is for an LLM judge) a ``SingleTurnMetric`` stand-in that scores 0 for an
empty answer or the rejected answer (``metadata.rejected_output`` on the line, which Ragas itself
ignores) and 1 otherwise. Samples are joined back to case ids by file order, as Ragas keeps it.

Runs in the ragas consumer venv (tests/consumers/envs.py), never in reviewdesk's own.
"""

import json
import sys
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from ragas import EvaluationDataset, evaluate
from ragas.metrics import ExactMatch
from ragas.metrics.base import MetricType, SingleTurnMetric

lines = [json.loads(line) for line in Path(sys.argv[1]).read_bytes().decode().split("\n") if line.strip()]
answers = json.loads(Path(sys.argv[2]).read_text())
for line in lines:
    line["response"] = answers[line["metadata"]["case_id"]]


@dataclass
class NotTheRejectedAnswer(SingleTurnMetric):
    name: str = "not_the_rejected_answer"
    _required_columns: dict[MetricType, set[str]] = field(
        default_factory=lambda: {MetricType.SINGLE_TURN: {"user_input", "response"}}
    )

    def init(self, run_config):
        pass

    async def _single_turn_ascore(self, sample, callbacks):
        rejected = rejected_by_user_input.get(sample.user_input)
        answer = sample.response or ""
        return 1.0 if answer.strip() and answer != rejected else 0.0


def run(rows, metric):
    dataset = EvaluationDataset.from_list([{k: v for k, v in r.items() if k != "metadata"} for r in rows])
    result = evaluate(dataset, metrics=[metric], show_progress=False, raise_exceptions=True)
    return result.to_pandas()[metric.name].tolist()


scores = {}
reference = [line for line in lines if line.get("reference") is not None]
regression = [line for line in lines if line.get("reference") is None]
# The metric sees the sample only: find the rejected answer by the request (unique among regressions).
rejected_by_user_input = {line["user_input"]: line["metadata"].get("rejected_output") for line in regression}
if len(rejected_by_user_input) != len(regression):
    raise SystemExit("two regression samples share a user_input")
for rows, metric in ((reference, ExactMatch()), (regression, NotTheRejectedAnswer())):
    if rows:
        for line, score in zip(rows, run(rows, metric), strict=True):
            scores[line["metadata"]["case_id"]] = {"metric": metric.name, "score": score}
print(json.dumps({"version": version("ragas"), "scores": scores}))
