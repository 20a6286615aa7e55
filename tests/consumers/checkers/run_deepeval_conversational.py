"""Load a DeepEval conversational goldens export with ``add_goldens_from_json_file``, turn each
``ConversationalGolden`` into a ``ConversationalTestCase`` with the replayed answer (argv[2]: JSON
{case id: answer}) as its last assistant turn, run ``deepeval.evaluate`` and print what was loaded
and each golden's result as JSON.

Non-LLM metrics only (both ``BaseConversationalMetric``s): ``LastTurnIsTheExpectedOutcome`` on
goldens with an ``expected_outcome`` (the last assistant turn equals it), and for a regression
golden (none) ``NotTheRejectedAnswer`` (fails an empty last turn or one equal to
``additional_metadata.rejected_output``).

Runs in the deepeval consumer venv (tests/consumers/envs.py), never in reviewdesk's own.
"""

import json
import sys
from importlib.metadata import version
from pathlib import Path

from deepeval import evaluate
from deepeval.dataset import EvaluationDataset
from deepeval.evaluate.configs import AsyncConfig, CacheConfig, DisplayConfig
from deepeval.metrics import BaseConversationalMetric
from deepeval.test_case import ConversationalTestCase, Turn


class _LastTurnMetric(BaseConversationalMetric):
    def __init__(self):
        self.threshold = 1.0
        self.async_mode = False

    def judge(self, test_case, answer):
        raise NotImplementedError

    def measure(self, test_case, *args, **kwargs):
        last = test_case.turns[-1]
        answer = last.content if last.role == "assistant" else ""
        self.success = self.judge(test_case, answer)
        self.score = 1.0 if self.success else 0.0
        self.reason = "last turn passes" if self.success else "last turn fails"
        return self.score

    async def a_measure(self, test_case, *args, **kwargs):
        return self.measure(test_case)

    def is_successful(self):
        return self.success


class LastTurnIsTheExpectedOutcome(_LastTurnMetric):
    def judge(self, test_case, answer):
        return answer == test_case.expected_outcome

    @property
    def __name__(self):
        return "LastTurnIsTheExpectedOutcome"


class NotTheRejectedAnswer(_LastTurnMetric):
    def judge(self, test_case, answer):
        return bool(answer.strip()) and answer != (test_case.metadata or {}).get("rejected_output")

    @property
    def __name__(self):
        return "NotTheRejectedAnswer"


answers = json.loads(Path(sys.argv[2]).read_text())
dataset = EvaluationDataset()
dataset.add_goldens_from_json_file(sys.argv[1])
loaded, reference, regression = [], [], []
for golden in dataset.goldens:
    turns = list(golden.turns or [])
    if not turns or turns[-1].role != "assistant":
        raise SystemExit(f"golden {golden.name}: the last turn is not the recorded answer")
    loaded.append(
        {
            "type": type(golden).__name__,
            "name": golden.name,
            "scenario": golden.scenario,
            "expected_outcome": golden.expected_outcome,
            "context": golden.context,
            "comments": golden.comments,
            "must_not": list(golden.expectations.must_not) if golden.expectations else None,
            "additional_metadata": golden.additional_metadata,
            "turns": [t.model_dump(mode="json", exclude_none=True) for t in turns],
        }
    )
    replayed = turns[-1].model_copy(update={"content": answers[golden.name]})
    case = ConversationalTestCase(
        turns=[*turns[:-1], Turn.model_validate(replayed.model_dump())],
        scenario=golden.scenario,
        expected_outcome=golden.expected_outcome,
        context=golden.context,
        name=golden.name,
        metadata=golden.additional_metadata,
    )
    (reference if golden.expected_outcome is not None else regression).append(case)

quiet = {
    "display_config": DisplayConfig(show_indicator=False, print_results=False),
    "async_config": AsyncConfig(run_async=False),
    "cache_config": CacheConfig(write_cache=False),
}
results = {}
for cases, metric in ((reference, LastTurnIsTheExpectedOutcome()), (regression, NotTheRejectedAnswer())):
    if cases:
        for result in evaluate(test_cases=cases, metrics=[metric], **quiet).test_results:
            results[result.name] = {"success": result.success, "metrics": [m.name for m in result.metrics_data]}
print(json.dumps({"version": version("deepeval"), "goldens": loaded, "results": results}))
