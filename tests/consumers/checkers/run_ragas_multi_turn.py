"""Load a Ragas multi-turn export with ``EvaluationDataset.from_jsonl``, replay each case's recorded
answer (argv[2]: JSON {case id: answer}) as the conversation's last ``ai`` message, run
``ragas.evaluate`` and print what was loaded and each sample's scores as JSON.

Non-LLM metrics only: Ragas' ``ToolCallAccuracy`` on samples with ``reference_tool_calls`` (the
calls of a conversation a reviewer passed); ``LastAnswerIsTheReference`` (a ``MultiTurnMetric``:
the last ``ai`` message equals ``reference``) on samples with a reference; and for a regression
sample (no reference) ``NotTheRejectedAnswer``, which scores 0 for an empty last answer or the
rejected one (``metadata.rejected_output`` on the line, which Ragas itself ignores). Samples are
joined back to case ids by file order, as Ragas keeps it.

Runs in the ragas consumer venv (tests/consumers/envs.py), never in reviewdesk's own.
"""

import json
import sys
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from ragas import EvaluationDataset, evaluate
from ragas.messages import AIMessage
from ragas.metrics import ToolCallAccuracy
from ragas.metrics.base import MetricType, MultiTurnMetric

path = Path(sys.argv[1])
lines = [json.loads(line) for line in path.read_bytes().decode().split("\n") if line.strip()]
answers = json.loads(Path(sys.argv[2]).read_text())
loaded = EvaluationDataset.from_jsonl(str(path))  # as a user loads the file
case_ids = [line["metadata"]["case_id"] for line in lines]
samples = []
for case_id, sample in zip(case_ids, loaded.samples, strict=True):
    last = sample.user_input[-1]
    if not isinstance(last, AIMessage) or last.tool_calls:
        raise SystemExit(f"sample {case_id}: the last message is not the recorded answer")
    replayed = sample.model_copy(update={"user_input": [*sample.user_input[:-1], AIMessage(content=answers[case_id])]})
    samples.append(replayed)


def last_answer(sample):
    return sample.user_input[-1].content or ""


@dataclass
class LastAnswerIsTheReference(MultiTurnMetric):
    name: str = "last_answer_is_the_reference"
    _required_columns: dict[MetricType, set[str]] = field(
        default_factory=lambda: {MetricType.MULTI_TURN: {"user_input", "reference"}}
    )

    def init(self, run_config):
        pass

    async def _multi_turn_ascore(self, sample, callbacks):
        return 1.0 if last_answer(sample) == sample.reference else 0.0


@dataclass
class NotTheRejectedAnswer(MultiTurnMetric):
    name: str = "not_the_rejected_answer"
    rejected: str = ""
    _required_columns: dict[MetricType, set[str]] = field(
        default_factory=lambda: {MetricType.MULTI_TURN: {"user_input"}}
    )

    def init(self, run_config):
        pass

    async def _multi_turn_ascore(self, sample, callbacks):
        answer = last_answer(sample)
        return 1.0 if answer.strip() and answer != self.rejected else 0.0


def run(rows, metric):
    """Case id → the metric's score, for the (case id, sample) pairs in ``rows``."""
    dataset = EvaluationDataset(samples=[sample for _, sample in rows])
    result = evaluate(dataset, metrics=[metric], show_progress=False, raise_exceptions=True)
    return dict(zip([case_id for case_id, _ in rows], result.to_pandas()[metric.name].tolist(), strict=True))


rows = list(zip(case_ids, samples, strict=True))
scores = {case_id: {} for case_id in case_ids}
with_tools = [(c, s) for c, s in rows if s.reference_tool_calls]
if with_tools:
    for case_id, score in run(with_tools, ToolCallAccuracy()).items():
        scores[case_id]["tool_call_accuracy"] = score
reference = [(c, s) for c, s in rows if s.reference is not None]
if reference:
    for case_id, score in run(reference, LastAnswerIsTheReference()).items():
        scores[case_id]["last_answer_is_the_reference"] = score
by_case = {line["metadata"]["case_id"]: line for line in lines}
for case_id, sample in rows:
    if sample.reference is None:
        metric = NotTheRejectedAnswer(rejected=by_case[case_id]["metadata"].get("rejected_output") or "")
        scores[case_id][metric.name] = run([(case_id, sample)], metric)[case_id]
print(
    json.dumps(
        {
            "version": version("ragas"),
            "sample_types": sorted({type(s).__name__ for s in loaded.samples}),
            "samples": [s.model_dump(mode="json") for s in loaded.samples],
            "scores": scores,
        }
    )
)
