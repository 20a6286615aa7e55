"""The case in the centre: a header strip, four panes side by side, and the span waterfall.

Prompt | Context | Tools | Output show what the model was told, what it was given, what it did
and what it said, so a reviewer can judge the answer without scrolling between screens. The
second tab replays the trace span by span with every raw attribute. All trace text is inert
(see ``widgets.text_pane``).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.case import Case, Document, Usage
from reviewdesk.domain.spans import RawSpan
from reviewdesk.services.review import CaseDetail
from reviewdesk.ui.widgets.inert import inert_tooltip, visible
from reviewdesk.ui.widgets.text_pane import TextPane, error_color
from reviewdesk.ui.widgets.waterfall import BAR_ROLE, WaterfallDelegate

_DATE_KEYS = ("updated", "updated_at", "last_updated", "last_modified", "modified", "date", "published", "created_at")
PANES = ("Prompt", "Context", "Tools", "Output")
SPANS = "Spans"
READING_TARGETS = (*PANES, SPANS)
"""What Alt+1 … Alt+5 focus, in that order."""


def pretty(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
    except (TypeError, ValueError):
        return str(value)


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"


def document_age(doc: Document, at: datetime | None) -> str | None:
    """``updated 2026-03-02 (269 days before the case)`` from the first date-like metadata key."""
    for key in _DATE_KEYS:
        raw = doc.metadata.get(key)
        if not isinstance(raw, str):
            continue
        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if at is None:
            return f"{key} {raw}"
        days = (at - when).days
        return f"{key} {raw} ({days} days before the case)" if days >= 0 else f"{key} {raw}"
    return None


def cited(doc: Document, output: str | None) -> bool:
    """Whether the answer names the document (by id, or by its source's file name)."""
    if not output:
        return False
    if doc.id and len(doc.id) >= 3 and doc.id in output:
        return True
    if doc.source:
        stem = re.split(r"[/\\]", doc.source)[-1]
        return len(stem) >= 5 and stem in output
    return False


class CaseView(QWidget):
    """Header, the four panes (tab "Case") and the span waterfall (tab "Spans")."""

    leave_pane = Signal()
    """Esc in a pane or the span tree: the keyboard goes back to the review surface."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: CaseDetail | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.header = QLabel()
        self.header.setObjectName("case_header")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setContentsMargins(6, 4, 6, 0)
        layout.addWidget(self.header)
        self.error_line = QLabel()
        self.error_line.setTextFormat(Qt.TextFormat.PlainText)
        self.error_line.setWordWrap(True)
        self.error_line.setContentsMargins(6, 0, 6, 0)
        self.error_line.hide()
        layout.addWidget(self.error_line)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)

        self.pane_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.pane_splitter.setChildrenCollapsible(False)
        self.panes: dict[str, TextPane] = {}
        self.pane_boxes: dict[str, QWidget] = {}
        self.captions: dict[str, QLabel] = {}
        for number, title in enumerate(PANES, 1):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(2, 2, 2, 2)
            box_layout.setSpacing(2)
            caption = QLabel()
            caption.setObjectName(f"caption_{title.lower()}")
            caption.setTextFormat(Qt.TextFormat.PlainText)
            caption.setToolTip(f"Alt+{number} reads this pane: Space pages, N steps items, M maximises, Esc leaves")
            font = caption.font()
            font.setBold(True)
            caption.setFont(font)
            box_layout.addWidget(caption)
            pane = TextPane(title)
            pane.setMinimumWidth(140)
            pane.focus_changed.connect(lambda _on, t=title: self._mark_focus())
            pane.installEventFilter(self)
            box_layout.addWidget(pane, 1)
            self.panes[title] = pane
            self.pane_boxes[title] = box
            self.captions[title] = caption
            self.pane_splitter.addWidget(box)
        self.tabs.addTab(self.pane_splitter, "Case")
        self.maximised: str | None = None
        self._last_pane = PANES[0]
        # The pane that reads the keyboard is framed in the highlight colour (light and dark).
        self.setStyleSheet("QPlainTextEdit:focus, QTreeWidget:focus { border: 2px solid palette(highlight); }")

        self.span_splitter = QSplitter(Qt.Orientation.Vertical)
        self.span_tree = QTreeWidget()
        self.span_tree.setObjectName("span_tree")
        self.span_tree.setColumnCount(4)
        self.span_tree.setHeaderLabels(["Span", "Start", "Duration", "Waterfall"])
        self.span_tree.setItemDelegateForColumn(3, WaterfallDelegate(self.span_tree))
        self.span_tree.setUniformRowHeights(True)
        header = self.span_tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.span_tree.setColumnWidth(0, 260)
        self.span_tree.setColumnWidth(1, 70)
        self.span_tree.setColumnWidth(2, 80)
        self.span_tree.currentItemChanged.connect(self._show_span)
        self.span_tree.installEventFilter(self)
        self.span_attributes = TextPane("Span attributes")
        self.span_attributes.setObjectName("span_attributes")
        self.span_attributes.installEventFilter(self)
        mono = self.span_attributes.font()
        mono.setFamilies(["monospace"])
        mono.setFixedPitch(True)
        self.span_attributes.setFont(mono)
        self.span_splitter.addWidget(self.span_tree)
        self.span_splitter.addWidget(self.span_attributes)
        self.span_splitter.setSizes([300, 300])
        self.tabs.addTab(self.span_splitter, "Spans")
        self._spans_by_item: dict[int, RawSpan] = {}
        self._mark_focus()
        self.show_empty("No case selected. Import traces with Ctrl+O, or drop files on the window.")

    # --- public --------------------------------------------------------------------------------
    def toggle_tab(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.focus_pane(SPANS)
        else:
            self.tabs.setCurrentIndex(0)
            self.leave_pane.emit()

    # --- reading from the keyboard -------------------------------------------------------------
    def focus_pane(self, title: str) -> None:
        """Give ``title`` (a pane, or ``SPANS`` for the span tree) the keyboard."""
        if title == SPANS:
            self.tabs.setCurrentIndex(1)
            self.span_tree.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        self.tabs.setCurrentIndex(0)
        if self.maximised is not None and self.maximised != title:
            self.toggle_maximise()  # reading another pane brings the others back
        self._last_pane = title
        self.panes[title].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def reading_pane(self) -> TextPane:
        """The pane the reading keys act on: the focused one, else the one read last."""
        if self.tabs.currentIndex() == 1:
            return self.span_attributes
        for title, pane in self.panes.items():
            if pane.hasFocus():
                self._last_pane = title
                return pane
        return self.panes[self._last_pane]

    def page(self, step: int) -> None:
        self.reading_pane().page(step)

    def to_start(self) -> None:
        self.reading_pane().to_start()

    def to_end(self) -> None:
        self.reading_pane().to_end()

    def step_item(self, step: int) -> int | None:
        """Next/previous item of the reading pane; on the Spans tab, the next/previous span."""
        if self.tabs.currentIndex() == 1:
            below = self.span_tree.itemBelow if step > 0 else self.span_tree.itemAbove
            current = self.span_tree.currentItem()
            target = below(current) if current is not None else self.span_tree.topLevelItem(0)
            if target is not None:
                self.span_tree.setCurrentItem(target)
            return None
        return self.reading_pane().step_item(step)

    def toggle_maximise(self) -> None:
        """The reading pane takes the whole case area, or all four panes come back."""
        if self.maximised is None:
            title = self.reading_pane().title if self.tabs.currentIndex() == 0 else self._last_pane
            self.maximised = title
            for other, box in self.pane_boxes.items():
                box.setVisible(other == title)
        else:
            self.maximised = None
            for box in self.pane_boxes.values():
                box.setVisible(True)
        self._mark_focus()

    def _mark_focus(self) -> None:
        for number, (title, caption) in enumerate(self.captions.items(), 1):
            focused = self.panes[title].hasFocus()
            zoom = "   (maximised, M restores)" if self.maximised == title else ""
            caption.setText(f"{'▶ ' if focused else ''}{title}   Alt+{number}{zoom}")
            palette = caption.palette()
            role = caption.foregroundRole()
            palette.setColor(
                role, self.palette().highlight().color() if focused else self.palette().windowText().color()
            )
            caption.setPalette(palette)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Esc gives the keyboard back to the queue, from a pane or the span tree alike.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and watched in (self.span_tree, self.span_attributes, *self.panes.values())
        ):
            self.leave_pane.emit()
            return True
        return super().eventFilter(watched, event)

    def show_empty(self, message: str) -> None:
        self.detail = None
        self.header.setText(message)
        self.error_line.hide()
        for pane in self.panes.values():
            pane.clear()
        self.span_tree.clear()
        self.span_attributes.clear()

    def show_detail(self, detail: CaseDetail) -> None:
        self.detail = detail
        case = detail.case
        self._header(case)
        self._prompt(case)
        self._context(case)
        self._tools(case)
        self._output(case)
        self._span_tree(detail.spans)

    # --- rendering -----------------------------------------------------------------------------
    def _header(self, case: Case) -> None:
        usage = case.usage
        tokens = "–"
        if usage.input_tokens is not None or usage.output_tokens is not None:
            tokens = f"{_tokens(usage.input_tokens)} in / {_tokens(usage.output_tokens)} out"
        elif usage.total_tokens is not None:
            tokens = f"{usage.total_tokens:,}"
        parts = [
            f"case {case.case_id}",
            f"trace {case.trace_id}",
            case.workflow or "no workflow",
            f"release {case.release}" if case.release else "no release",
            case.generation.model or "no model",
            f"tokens {tokens}",
            _cost_text(usage),
            f"latency {_ms(case.latency_ms)}",
            "ERROR" if case.status == "error" else "ok",
        ]
        self.header.setText(visible("   ·   ".join(parts)))
        if case.error is not None and case.status == "error":
            self.error_line.setText(
                visible(f"{case.error.type or 'error'}: {' '.join((case.error.message or '').split())[:400]}")
            )
            palette = self.error_line.palette()
            palette.setColor(self.error_line.foregroundRole(), error_color())
            self.error_line.setPalette(palette)
            self.error_line.show()
        else:
            self.error_line.hide()

    def _prompt(self, case: Case) -> None:
        # The conversation comes first: the request is what the answer is judged against, and
        # system prompts are often long enough to push it off the screen.
        pane = self.panes["Prompt"]
        pane.start()
        pane.heading("Conversation")
        messages = [m for m in case.input.messages if m.role != "system"]
        if not messages and case.input.user_request:
            pane.meta("user (request)")
            pane.body(case.input.user_request, highlight=True)
        for message in messages:
            is_request = message.role == "user" and message.content == case.input.user_request
            pane.item_anchor()
            pane.meta(
                f"{message.role}{' (request)' if is_request else ''}{f' · {message.name}' if message.name else ''}"
            )
            if message.content:
                pane.body(message.content, highlight=is_request)
            for call in message.tool_calls or []:
                pane.body(f"→ calls {call.name}({pretty(call.arguments)})", mono=True)
        if not messages and not case.input.user_request:
            pane.empty("no conversation recorded")
        template = case.input.prompt_template
        if template is not None and (template.name or template.version):
            pane.heading("Prompt template", item=True)
            pane.body(f"{template.name or '(unnamed)'}  version {template.version or '–'}")
            if template.variables:
                pane.meta("variables:")
                pane.body(pretty(template.variables), mono=True)
        pane.heading("System instructions", item=True)
        if case.input.system_instructions:
            pane.body(case.input.system_instructions)
        else:
            pane.empty("none recorded")
        pane.finish()

    def _context(self, case: Case) -> None:
        pane = self.panes["Context"]
        pane.start()
        if case.retrieval.query:
            pane.heading("Query")
            pane.body(case.retrieval.query)
        docs = sorted(case.retrieval.documents, key=lambda d: d.rank)
        if not docs:
            pane.empty("No documents were retrieved.")
        for doc in docs:
            mark = "  ✓ cited in the output" if cited(doc, case.generation.output) else ""
            score = f"score {doc.score:.3f}" if doc.score is not None else "no score"
            pane.heading(f"#{doc.rank}  {doc.id or '(no id)'}{mark}", item=True)
            meta = [score]
            if doc.source:
                meta.append(doc.source)
            age = document_age(doc, case.started_at)
            if age:
                meta.append(age)
            pane.meta(" · ".join(meta))
            if doc.content:
                pane.body(doc.content)
            else:
                pane.empty("content not recorded in the trace")
        pane.finish()

    def _tools(self, case: Case) -> None:
        pane = self.panes["Tools"]
        pane.start()
        if not case.tool_calls:
            pane.empty("No tool calls.")
        for number, call in enumerate(case.tool_calls, 1):
            pane.heading(f"{number}. {call.name}   {_ms(call.duration_ms)}", item=True)
            if call.arguments is not None:
                pane.meta("arguments")
                pane.body(pretty(call.arguments), mono=True)
            if call.error:
                pane.meta("error")
                pane.body(call.error, error=True)
            if call.result is not None:
                pane.meta("result")
                pane.body(pretty(call.result), mono=True)
            elif not call.error:
                pane.empty("no result recorded")
        pane.finish()

    def _output(self, case: Case) -> None:
        pane = self.panes["Output"]
        pane.start()
        gen = case.generation
        pane.heading("Answer", item=True)
        if gen.output:
            pane.body(gen.output)
        else:
            pane.empty("no output recorded")
        if gen.refusal:
            pane.heading("Refusal", item=True)
            pane.body(gen.refusal, error=True)
        facts = [f"finish reason {gen.finish_reason or '–'}", gen.provider, gen.request_model]
        pane.meta(" · ".join(fact for fact in facts if fact))
        if gen.parameters:
            pane.meta("parameters " + ", ".join(f"{k}={v}" for k, v in gen.parameters.items()))
        if case.error is not None and case.status == "error":
            pane.heading("Error", item=True)
            pane.body(f"{case.error.type or 'error'}: {case.error.message or ''}", error=True)
        if case.outcome.feedback:
            pane.heading("Feedback in the trace", item=True)
            for fb in case.outcome.feedback:
                value = fb.label if fb.label is not None else fb.score
                comment = f" — {fb.comment}" if fb.comment else ""
                source = f" ({fb.source})" if fb.source else ""
                pane.body(f"{fb.name}: {value}{comment}{source}")
        pane.finish()

    def _span_tree(self, spans: list[RawSpan]) -> None:
        self.span_tree.clear()
        self._spans_by_item.clear()
        self.span_attributes.clear()
        starts = [s.start_ns for s in spans if s.start_ns is not None]
        ends = [s.end_ns for s in spans if s.end_ns is not None]
        t0 = min(starts) if starts else 0
        total = max((max(ends) if ends else t0) - t0, 1)
        ids = {s.span_id for s in spans}
        items: dict[str, QTreeWidgetItem] = {}
        children: dict[str | None, list[RawSpan]] = {}
        for span in spans:
            parent = span.parent_span_id if span.parent_span_id in ids else None
            children.setdefault(parent, []).append(span)

        def add(span: RawSpan, parent_item: QTreeWidgetItem | None) -> None:
            offset = None if span.start_ns is None else (span.start_ns - t0) / 1e6
            item = QTreeWidgetItem(
                [visible(span.name), "" if offset is None else f"+{offset:.0f} ms", _ms(span.duration_ms), ""]
            )
            if span.start_ns is not None and span.end_ns is not None:
                item.setData(
                    3, BAR_ROLE, ((span.start_ns - t0) / total, (span.end_ns - span.start_ns) / total, span.failed)
                )
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, inert_tooltip(f"{span.name} [{span.span_id}]"))
            if span.failed:
                for column in range(3):
                    item.setForeground(column, error_color())
            if parent_item is None:
                self.span_tree.addTopLevelItem(item)
            else:
                parent_item.addChild(item)
            items[span.span_id] = item
            self._spans_by_item[id(item)] = span
            for child in children.get(span.span_id, []):
                add(child, item)

        for root in children.get(None, []):
            add(root, None)
        self.span_tree.expandAll()
        first = self.span_tree.topLevelItem(0)
        if first is not None:
            self.span_tree.setCurrentItem(first)

    def _show_span(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        span = self._spans_by_item.get(id(current)) if current is not None else None
        if span is None:
            self.span_attributes.clear()
            return
        raw = {
            "name": span.name,
            "span_id": span.span_id,
            "parent_span_id": span.parent_span_id,
            "kind": span.kind,
            "status": {"code": span.status_code, "message": span.status_message},
            "duration_ms": span.duration_ms,
            "attributes": span.attributes,
            "events": [event.to_json() for event in span.events],
            "resource": span.resource,
            "scope": span.scope,
            "links": span.links,
        }
        # setPlainText: attribute values are untrusted trace content (bidi and controls made visible).
        self.span_attributes.start()
        self.span_attributes.body(json.dumps(raw, indent=2, ensure_ascii=False, default=str), mono=True)
        self.span_attributes.finish()

    def current_span(self) -> RawSpan | None:
        item = self.span_tree.currentItem()
        return self._spans_by_item.get(id(item)) if item is not None else None


def _tokens(count: int | None) -> str:
    """A token count; ``?`` when the trace did not count (unknown is not zero)."""
    return "?" if count is None else f"{count:,}"


def _cost_text(usage: Usage) -> str:
    """The recorded cost, else the estimate marked as one, with the prices it used."""
    if usage.cost_usd is not None:
        return f"cost ${usage.cost_usd:.4f}"
    estimate = usage.cost_estimate
    if estimate is None:
        return "cost –"
    if estimate.usd is None:
        return f"cost – (no price for {', '.join(estimate.unpriced_models)})"
    left_out = f", {estimate.calls_unpriced} call(s) unpriced" if estimate.calls_unpriced else ""
    return f"cost ≈${estimate.usd:.4f} estimated ({estimate.prices}{left_out})"
