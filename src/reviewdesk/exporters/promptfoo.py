"""promptfoo test cases, as a YAML tests file or as JSON lines (one test per line).

Either file is what a promptfoo config points at with ``tests: file://…``. Each test has:

* ``vars``: ``user_request``, ``system_instructions``, ``messages`` (the conversation up to the
  request, ``[{role, content}]``, for chat prompts) and ``context`` (the retrieved documents'
  text, which promptfoo's ``context-*`` assertions read by default);
* ``assert``: ``factuality`` against the expected output when there is one; for a failing case
  ``not-equals`` on the rejected answer and an ``llm-rubric`` built from its root causes;
* ``metadata``: the provenance keys (promptfoo's ``--filter-metadata`` selects on them).

promptfoo renders every assertion value and every top-level string var as a Nunjucks template
(with the test's vars, and ``env`` holding the process environment), and treats a value that
starts with ``file://`` as a file to load or a script to run. Trace text is data, so each such
value goes through ``literal``: a ``{`` that would open a tag (``{{``, ``{%``, ``{#``) and a ``#``
that would close a comment are written as Nunjucks string expressions (``{{ "{" }}``), which
render back to exactly the original character, and a leading ``file://`` / ``package:`` gets its
first letter the same way. Values nested in ``messages`` are not rendered by promptfoo and stay
as they are. (Nunjucks' ``{% raw %}`` would not do: data containing ``{% endraw %}`` ends it.)

YAML is written with PyYAML's safe dumper (multi-line text as literal blocks, keys in a fixed
order), so the same export gives the same bytes and stays readable in review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, BinaryIO

import yaml

from reviewdesk.exporters import chat, mapping
from reviewdesk.exporters.base import ExportItem, ExportOptions
from reviewdesk.exporters.jsonlines import JsonLinesExporter
from reviewdesk.progress import Progress

_TEMPLATE_SYNTAX = re.compile(r"\{(?=[{%#])|#(?=\})")
_LOADED_PREFIXES = ("file://", "package:")


def literal(text: str) -> str:
    """``text`` as a Nunjucks template that renders to exactly ``text`` (see the module docstring)."""
    escaped = _TEMPLATE_SYNTAX.sub(lambda m: '{{ "' + m.group(0) + '" }}', text)
    if escaped.startswith(_LOADED_PREFIXES):
        escaped = '{{ "' + escaped[0] + '" }}' + escaped[1:]
    return escaped


def promptfoo_test(item: ExportItem, options: ExportOptions) -> dict[str, Any]:
    """One promptfoo ``TestCase`` as a plain dict, keys in display order; every rendered value is ``literal``."""
    case = item.case
    variables: dict[str, Any] = {"user_request": literal(case.input.user_request or "")}
    if case.input.system_instructions:
        variables["system_instructions"] = literal(case.input.system_instructions)
    variables["messages"] = chat.input_messages(case)
    contexts = mapping.context_texts(case)
    if contexts:
        variables["context"] = literal("\n\n".join(contexts))

    asserts: list[dict[str, Any]] = []
    expected = mapping.expected_output(case)
    if expected is not None:
        asserts.append({"type": "factuality", "value": literal(expected)})
    rejected = mapping.rejected_output(case)
    if rejected is not None:
        asserts.append({"type": "not-equals", "value": literal(rejected)})
    rubric = mapping.rubric(case, options)
    if rubric is not None:
        asserts.append({"type": "llm-rubric", "value": literal(rubric)})

    return {
        "description": mapping.description(case),
        "vars": variables,
        "assert": asserts,
        # promptfoo's metadata values are strings, numbers or lists of them: drop the nulls.
        "metadata": mapping.compact(mapping.provenance(item)),
    }


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line strings as ``|`` blocks, which diff and read far better."""


# PyYAML quotes what YAML 1.1 would read as a non-string, but promptfoo reads YAML 1.2 (js-yaml),
# whose core schema differs: a hex id such as ``1234e5678901`` is a float there. Quote those too.
_YAML12_NON_STRING = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        style: str | None = "|"
    elif _YAML12_NON_STRING.match(value):
        style = "'"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


class PromptfooYamlExporter:
    name = "promptfoo-yaml"
    title = "promptfoo tests (YAML, for tests: file://…)"
    file_ending = ".yaml"

    def skip_reason(self, item: ExportItem) -> str | None:
        return mapping.eval_skip_reason(item)

    def write(self, items: Iterable[ExportItem], out: BinaryIO, options: ExportOptions, progress: Progress) -> int:
        tests = []
        for item in items:
            tests.append(promptfoo_test(item, options))
            progress.advance(1)
        out.write(
            b"# promptfoo tests exported by reviewdesk. Use from a config as: tests: file://<this file>\n"
            b"# Prompt variables: user_request, system_instructions, messages, context.\n"
        )
        text = yaml.dump(
            tests, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
        )
        out.write(text.encode("utf-8"))
        return len(tests)


class PromptfooJsonlExporter(JsonLinesExporter):
    name = "promptfoo-jsonl"
    title = "promptfoo tests (JSONL, one test per line)"

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        return promptfoo_test(item, options)
