"""Completion functions for ``oaieval`` that need no model (used by run_evals.py).

``ReplayCompletionFn`` answers each sample with the answer recorded for its input (the JSON file
``answers_path``: a list of [input messages, answer]); two samples with the same input must have
the same recorded answer. ``FixedGraderCompletionFn`` stands in for the closedqa model grader: it
reads the submission and the criterion out of the grading prompt and answers "Y" when the
submission is not empty, is not the rejected answer the criterion quotes, and equals the
reviewer-approved answer when the criterion gives one; "N" otherwise.
"""

import json

from evals.api import CompletionFn, CompletionResult

REJECTED = "The rejected answer was: "
APPROVED = "The answer must agree with this reviewer-approved answer: "


class _Result(CompletionResult):
    def __init__(self, text):
        self.text = text

    def get_completions(self):
        return [self.text]


def _key(prompt):
    return json.dumps(prompt, sort_keys=True, ensure_ascii=False)


class ReplayCompletionFn(CompletionFn):
    def __init__(self, answers_path, **kwargs):
        self.answers = {}
        with open(answers_path, encoding="utf-8") as handle:
            for prompt, answer in json.load(handle):
                key = _key(prompt)
                if self.answers.get(key, answer) != answer:
                    raise ValueError("two samples share an input but not a recorded answer")
                self.answers[key] = answer

    def __call__(self, prompt, **kwargs):
        return _Result(self.answers[_key(prompt)])


class FixedGraderCompletionFn(CompletionFn):
    def __init__(self, **kwargs):
        pass

    def __call__(self, prompt, **kwargs):
        text = prompt if isinstance(prompt, str) else "\n".join(m["content"] for m in prompt)
        start = text.rindex("[Criterion]: ")
        criterion = text[start + len("[Criterion]: ") : text.rindex("\n***\n[END DATA]")]
        submission = text[text.rindex("[Submission]: ", 0, start) + len("[Submission]: ") : start - len("\n***\n")]
        approved = criterion.split(APPROVED, 1)[1] if APPROVED in criterion else None
        rejected = criterion.split(REJECTED, 1)[1] if REJECTED in criterion else None
        if rejected is not None and approved is not None:
            rejected = rejected.split("\n" + APPROVED, 1)[0]
        ok = bool(submission.strip()) and submission != rejected and (approved is None or submission == approved)
        letter = "Y" if ok else "N"
        return _Result(f"Fixed offline grader.\n{letter}\n{letter}")
