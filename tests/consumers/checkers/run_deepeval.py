"""Run a DeepEval goldens export with ``deepeval.evaluate``, replaying each case's recorded answer
(argv[2]: JSON {case id: answer}) as the test case's ``actual_output``; print each golden's result.

Non-LLM metrics only: DeepEval's ``ExactMatchMetric`` on goldens with an ``expected_output``, and
for a regression golden (no expected output) ``NotTheRejectedAnswer``, a ``BaseMetric`` that fails
an empty answer or one equal to ``additional_metadata.rejected_output``.

Runs in the deepeval consumer venv (tests/consumers/envs.py), never in reviewdesk's own.
"""

import json
import sys
from importlib.metadata import version
from pathlib import Path

from deepeval import evaluate
from deepeval.dataset import EvaluationDataset
from deepeval.evaluate.configs import AsyncConfig, CacheConfig, DisplayConfig
from deepeval.metrics import BaseMetric, ExactMatchMetric
from deepeval.test_case import LLMTestCase


class NotTheRejectedAnswer(BaseMetric):
    threshold = 1.0

    def __init__(self):
        self.threshold = 1.0

    def measure(self, test_case, *args, **kwargs):
        rejected = (test_case.additional_metadata or {}).get("rejected_output")
        answer = test_case.actual_output or ""
        self.success = bool(answer.strip()) and answer != rejected
        self.score = 1.0 if self.success else 0.0
        self.reason = "avoids the rejected answer" if self.success else "empty or the rejected answer"
        return self.score

    async def a_measure(self, test_case, *args, **kwargs):
        return self.measure(test_case)

    def is_successful(self):
        return self.success

    @property
    def __name__(self):
        return "NotTheRejectedAnswer"


answers = json.loads(Path(sys.argv[2]).read_text())
dataset = EvaluationDataset()
dataset.add_goldens_from_json_file(sys.argv[1])
reference, regression, empty = [], [], []
for golden in dataset.goldens:
    case = LLMTestCase(
        input=golden.input,
        actual_output=answers[golden.name],
        expected_output=golden.expected_output,
        retrieval_context=golden.retrieval_context,
        context=golden.context,
        tools_called=golden.tools_called,
        additional_metadata=golden.additional_metadata,
        name=golden.name,
    )
    if golden.expected_output is not None and not case.actual_output:
        # ExactMatchMetric refuses an empty actual_output; an empty answer matches no reference.
        empty.append(golden.name)
        continue
    (reference if golden.expected_output is not None else regression).append(case)

quiet = {
    "display_config": DisplayConfig(show_indicator=False, print_results=False),
    "async_config": AsyncConfig(run_async=False),
    "cache_config": CacheConfig(write_cache=False),
}
results = {name: {"success": False, "metrics": ["(empty answer)"]} for name in empty}
for cases, metric in ((reference, ExactMatchMetric()), (regression, NotTheRejectedAnswer())):
    if cases:
        for result in evaluate(test_cases=cases, metrics=[metric], **quiet).test_results:
            results[result.name] = {"success": result.success, "metrics": [m.name for m in result.metrics_data]}
print(json.dumps({"version": version("deepeval"), "results": results}))
