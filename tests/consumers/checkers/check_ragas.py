"""Load a Ragas samples export with ``EvaluationDataset.from_jsonl``; print what it loaded as JSON.

Runs in the ragas consumer venv (tests/consumers/envs.py), never in reviewdesk's own.
"""

import json
import sys
from importlib.metadata import version

from ragas import EvaluationDataset

dataset = EvaluationDataset.from_jsonl(sys.argv[1])
print(
    json.dumps(
        {
            "version": version("ragas"),
            "sample_types": sorted({type(s).__name__ for s in dataset.samples}),
            "features": dataset.features(),
            "samples": [s.model_dump(mode="json") for s in dataset.samples],
        }
    )
)
