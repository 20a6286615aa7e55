"""Load a DeepEval goldens export with ``EvaluationDataset.add_goldens_from_json_file``, turn each golden
into an ``LLMTestCase`` as a user would before evaluating, and print what was loaded as JSON.

Runs in the deepeval consumer venv (tests/consumers/envs.py), never in reviewdesk's own.
"""

import json
import sys
from importlib.metadata import version

from deepeval.dataset import EvaluationDataset
from deepeval.test_case import LLMTestCase

dataset = EvaluationDataset()
dataset.add_goldens_from_json_file(sys.argv[1])
goldens = []
for golden in dataset.goldens:
    case = LLMTestCase(
        input=golden.input,
        actual_output=golden.actual_output or "",
        expected_output=golden.expected_output,
        retrieval_context=golden.retrieval_context,
        tools_called=golden.tools_called,
        expected_tools=golden.expected_tools,
        additional_metadata=golden.additional_metadata,
        name=golden.name,
        comments=golden.comments,
    )
    goldens.append(
        {
            "type": type(golden).__name__,
            "name": golden.name,
            "input": golden.input,
            "actual_output": golden.actual_output,
            "expected_output": golden.expected_output,
            "retrieval_context": golden.retrieval_context,
            "context": golden.context,
            "tools_called": [t.model_dump(mode="json") for t in golden.tools_called or []],
            "expected_tools": [t.model_dump(mode="json") for t in golden.expected_tools or []],
            "comments": golden.comments,
            "source_file": golden.source_file,
            "additional_metadata": golden.additional_metadata,
            "must_not": list(golden.expectations.must_not) if golden.expectations else None,
            "test_case_input": case.input,
            "test_case_tools": [t.name for t in case.tools_called or []],
        }
    )
print(json.dumps({"version": version("deepeval"), "goldens": goldens}))
