"""The one list of export formats, shared by ``reviewdesk export`` and the export dialog.

The order here is the order ``reviewdesk export --list-formats`` and the dialog show them.
"""

from __future__ import annotations

from reviewdesk.domain.errors import UsageError
from reviewdesk.exporters.base import Exporter
from reviewdesk.exporters.inspect_dataset import InspectExporter
from reviewdesk.exporters.openai_formats import (
    OpenAIEvalsExporter,
    OpenAIEvalsGradedExporter,
    OpenAIFinetuneExporter,
)
from reviewdesk.exporters.platform_datasets import (
    BraintrustDatasetExporter,
    LangfuseDatasetExporter,
    LangsmithExamplesExporter,
    PhoenixDatasetExporter,
)
from reviewdesk.exporters.promptfoo import PromptfooJsonlExporter, PromptfooYamlExporter
from reviewdesk.exporters.rag_eval import (
    DeepEvalConversationalExporter,
    DeepEvalExporter,
    RagasExporter,
    RagasMultiTurnExporter,
)
from reviewdesk.exporters.reviewdesk_jsonl import ReviewdeskJsonlExporter
from reviewdesk.exporters.tabular import CsvExporter, ParquetExporter

EXPORTERS: list[Exporter] = [
    ReviewdeskJsonlExporter(),
    InspectExporter(),
    PromptfooYamlExporter(),
    PromptfooJsonlExporter(),
    OpenAIEvalsExporter(),
    OpenAIEvalsGradedExporter(),
    OpenAIFinetuneExporter(),
    LangfuseDatasetExporter(),
    LangsmithExamplesExporter(),
    PhoenixDatasetExporter(),
    BraintrustDatasetExporter(),
    DeepEvalExporter(),
    DeepEvalConversationalExporter(),
    RagasExporter(),
    RagasMultiTurnExporter(),
    CsvExporter(),
    ParquetExporter(),
]


def exporter_names() -> list[str]:
    return [exporter.name for exporter in EXPORTERS]


def get_exporter(name: str) -> Exporter:
    for exporter in EXPORTERS:
        if exporter.name == name:
            return exporter
    raise UsageError(f"unknown export format {name!r}; supported: {', '.join(exporter_names())}")


def summary(exporter: Exporter) -> str | None:
    """What the written file is for, when the format says more than its title (the eval class it feeds)."""
    text = getattr(exporter, "summary", None)
    return text if isinstance(text, str) and text else None


def file_dialog_filter(name: str) -> str:
    """Name filter for the export dialog's save-file dialog."""
    exporter = get_exporter(name)
    return f"{exporter.title} (*{exporter.file_ending});;All files (*)"
