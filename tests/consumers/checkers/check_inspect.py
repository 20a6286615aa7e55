"""Load an Inspect AI dataset export with ``inspect_ai.dataset.json_dataset``; print what it loaded as JSON.

Runs in the inspect consumer venv (tests/consumers/envs.py), never in reviewdesk's own.
"""

import json
import sys
from importlib.metadata import version

from inspect_ai.dataset import json_dataset


def message(m):
    data = {"role": m.role, "text": m.text, "source": m.source}
    if getattr(m, "tool_calls", None):
        data["tool_calls"] = [{"id": c.id, "function": c.function, "arguments": c.arguments} for c in m.tool_calls]
    return data


dataset = json_dataset(sys.argv[1])
samples = []
for sample in dataset:
    samples.append(
        {
            "id": sample.id,
            "input": sample.input if isinstance(sample.input, str) else [message(m) for m in sample.input],
            "target": sample.target,
            "description": getattr(sample, "description", None),
            "metadata": sample.metadata,
        }
    )
print(json.dumps({"version": version("inspect_ai"), "name": dataset.name, "samples": samples}))
