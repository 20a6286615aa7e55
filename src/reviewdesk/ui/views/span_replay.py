"""The case's second tab: the trace replayed span by span, a waterfall above, every attribute below.

The tree shows each span with its start offset, its duration and a bar on the trace's time line
(failed spans in the error colour, the span the answer came from marked ``← answer``). The
attributes pane shows the current span as ``key: value`` rows, or as recorded when ``raw`` is on.
Writing the attributes is the costly part of a case change, so it waits until the tab is on
screen (``visible_now``): the window changes case far more often than a reviewer opens this tab.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QSplitter, QTreeWidget, QTreeWidgetItem, QWidget

from reviewdesk.domain.spans import RawSpan
from reviewdesk.normalize import readable
from reviewdesk.ui.widgets.inert import inert_tooltip, visible
from reviewdesk.ui.widgets.text_pane import TextPane, error_color
from reviewdesk.ui.widgets.waterfall import BAR_ROLE, WaterfallDelegate

_ms = readable.duration_text


class SpanReplay(QSplitter):
    """The span tree and the current span's attributes; ``visible_now`` says whether the tab is on screen."""

    def __init__(self, visible_now: Callable[[], bool], parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self._visible_now = visible_now
        self.raw = False
        """Attributes as recorded instead of key/value rows (the case view's R)."""
        self.tree = QTreeWidget()
        self.tree.setObjectName("span_tree")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Span", "Start", "Duration", "Waterfall"])
        self.tree.setItemDelegateForColumn(3, WaterfallDelegate(self.tree))
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.tree.setColumnWidth(0, 260)
        self.tree.setColumnWidth(1, 70)
        self.tree.setColumnWidth(2, 80)
        self.tree.currentItemChanged.connect(lambda current, _previous: self.show_attributes(current))
        self.attributes = TextPane("Span attributes")
        self.attributes.setObjectName("span_attributes")
        self.addWidget(self.tree)
        self.addWidget(self.attributes)
        self.setSizes([300, 300])
        self._spans_by_item: dict[int, RawSpan] = {}
        self._stale = False
        """The current span changed while the tab was off screen: its attributes are not written yet."""

    def clear(self) -> None:
        self.tree.clear()
        self._spans_by_item.clear()
        self.attributes.clear()

    def tab_shown(self) -> None:
        if self._stale:
            self.show_attributes(self.tree.currentItem())

    def refresh(self) -> None:
        """The attributes written again (the raw form toggled, the colour scheme changed)."""
        self.show_attributes(self.tree.currentItem())

    def step(self, step: int) -> None:
        """The next (``step`` > 0) or previous span in the tree."""
        below = self.tree.itemBelow if step > 0 else self.tree.itemAbove
        current = self.tree.currentItem()
        target = below(current) if current is not None else self.tree.topLevelItem(0)
        if target is not None:
            self.tree.setCurrentItem(target)

    def current_span(self) -> RawSpan | None:
        item = self.tree.currentItem()
        return self._spans_by_item.get(id(item)) if item is not None else None

    def show_spans(self, spans: list[RawSpan], *, select: str | None = None, answer: str | None = None) -> None:
        self.clear()
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
            name = visible(span.name) + ("   ← answer" if span.span_id == answer else "")
            item = QTreeWidgetItem([name, "" if offset is None else f"+{offset:.0f} ms", _ms(span.duration_ms), ""])
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
                self.tree.addTopLevelItem(item)
            else:
                parent_item.addChild(item)
            items[span.span_id] = item
            self._spans_by_item[id(item)] = span
            for child in children.get(span.span_id, []):
                add(child, item)

        for root in children.get(None, []):
            add(root, None)
        self.tree.expandAll()
        # Every span name whole: the first column is as wide as its deepest, longest name.
        self.tree.resizeColumnToContents(0)
        self.tree.resizeColumnToContents(1)
        self.tree.resizeColumnToContents(2)
        first = items.get(select) if select is not None else None
        first = first or self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def show_attributes(self, current: QTreeWidgetItem | None) -> None:
        if not self._visible_now():
            # Off screen (the Case tab is shown): written when the Spans tab opens, not on every case.
            self._stale = True
            return
        self._stale = False
        span = self._spans_by_item.get(id(current)) if current is not None else None
        if span is None:
            self.attributes.clear()
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
        # Attribute values are untrusted trace content: written as text runs (bidi and controls made visible).
        pane = self.attributes
        pane.start()
        if self.raw:
            pane.body(json.dumps(raw, indent=2, ensure_ascii=False, default=str), mono=True)
        else:
            pane.rows(readable.rows(json.loads(json.dumps(raw, ensure_ascii=False, default=str))))
        pane.finish()
