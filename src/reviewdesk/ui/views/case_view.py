"""The case in the centre: a header strip, four panes, and the span waterfall.

Prompt | Context | Tools | Output show what the model was told, what it was given, what it did
and what it said, so a reviewer can judge the answer without scrolling between screens. Where
the case area is too narrow for four readable columns (a laptop screen with the queue and the
label panel open), the panes go into two rows: Prompt and Output (the request and the answer
judged against it) above, Context and Tools below. Tool calls and earlier turns are one line
each until opened (``case_panes``). The second tab replays the trace span by span with every
attribute. JSON is shown as ``key: value`` rows; ``toggle_raw`` shows it as recorded. All
trace text is inert (see ``widgets.text_pane``); the panes are rebuilt when the colour scheme
changes, so no colour chosen for one scheme stays behind in the other.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.case import Case, Document, Usage
from reviewdesk.domain.money import usd
from reviewdesk.domain.spans import RawSpan
from reviewdesk.domain.standing import CaseStanding
from reviewdesk.normalize import readable
from reviewdesk.services.review import CaseDetail
from reviewdesk.services.standing import signals
from reviewdesk.ui.views.case_panes import build_output, build_prompt, build_tools
from reviewdesk.ui.views.span_replay import SpanReplay
from reviewdesk.ui.widgets.chips import Chip, ChipRow
from reviewdesk.ui.widgets.inert import visible
from reviewdesk.ui.widgets.text_pane import TextPane, error_color

PANES = ("Prompt", "Context", "Tools", "Output")
SPANS = "Spans"
READING_TARGETS = (*PANES, SPANS)
"""What Alt+1 … Alt+5 focus, in that order."""
OPENED_WHEN_READ = "Tools"
"""Reading on into this pane opens its folded items (a tool result is read whole, not by its first words)."""
TWO_ROWS = (("Prompt", "Output"), ("Context", "Tools"))
"""The panes of each row when the case area is too narrow for four columns."""
TOP_ROW_SHARE = (0.25, 0.5)
"""The least and the most of the height the top row (request, answer) gets in two rows (``fit_rows``)."""
MIN_COLUMN_WIDTH = 270
"""Below four columns of this width (about 40 characters of text) the panes go into two rows."""


_ms = readable.duration_text


def document_meta(doc: Document) -> str:
    """``score 0.812 · confluence://… · updated 2024-01-11, 416 days before the case`` (facts of format 5)."""
    meta = [f"score {doc.score:.3f}" if doc.score is not None else "no score"]
    if doc.source:
        meta.append(doc.source)
    if doc.updated_at is not None:
        age = f", {doc.age_days:,.0f} days before the case" if doc.age_days is not None and doc.age_days >= 0 else ""
        meta.append(f"updated {doc.updated_at.date().isoformat()}{age}")
    else:
        meta.append("no update time in its metadata")
    return " · ".join(meta)


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
        # The facts a reviewer judges by, at a glance (services.standing.signals), as coloured chips.
        self.signals = ChipRow()
        self.signals.setObjectName("case_signals")
        self.signals.setContentsMargins(6, 0, 6, 0)
        self.signals.hide()
        layout.addWidget(self.signals)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)

        self.pane_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.pane_splitter.setObjectName("pane_splitter")
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
            pane.setMinimumWidth(160)
            pane.focus_changed.connect(lambda _on, t=title: self._mark_focus())
            pane.installEventFilter(self)
            box_layout.addWidget(pane, 1)
            self.panes[title] = pane
            self.pane_boxes[title] = box
            self.captions[title] = caption
            self.pane_splitter.addWidget(box)
        # The two-row arrangement: a vertical splitter of two rows; the boxes move between the two.
        self.rows_splitter = QSplitter(Qt.Orientation.Vertical)
        self.rows_splitter.setObjectName("rows_splitter")
        self.rows_splitter.setChildrenCollapsible(False)
        self.row_splitters: list[QSplitter] = []
        for _row in TWO_ROWS:
            row_splitter = QSplitter(Qt.Orientation.Horizontal)
            row_splitter.setChildrenCollapsible(False)
            self.rows_splitter.addWidget(row_splitter)
            self.row_splitters.append(row_splitter)
        self._rows_dragged = False
        """The reviewer moved the line between the rows: their split stays, case after case."""
        self.rows_splitter.splitterMoved.connect(lambda _pos, _index: setattr(self, "_rows_dragged", True))
        self.pane_stack = QStackedWidget()
        self.pane_stack.addWidget(self.pane_splitter)
        self.pane_stack.addWidget(self.rows_splitter)
        self.two_rows = False
        self.raw = False
        """JSON shown as recorded instead of key/value rows (R)."""
        self.tabs.addTab(self.pane_stack, "Case")
        self.maximised: str | None = None
        self._last_pane = PANES[0]
        # The pane that reads the keyboard is framed in the highlight colour (light and dark).
        self.setStyleSheet("QPlainTextEdit:focus, QTreeWidget:focus { border: 2px solid palette(highlight); }")

        # The Spans tab (ui.views.span_replay); its tree and attributes pane read the keyboard as the panes do.
        self.span_replay = SpanReplay(lambda: self.tabs.currentIndex() == 1)
        self.span_splitter = self.span_replay
        self.span_tree = self.span_replay.tree
        self.span_attributes = self.span_replay.attributes
        self.span_tree.installEventFilter(self)
        self.span_attributes.installEventFilter(self)
        self.tabs.addTab(self.span_replay, "Spans")
        self.tabs.currentChanged.connect(self._tab_changed)
        self._mark_focus()
        # The system switched light/dark: rebuild once the new palette is in place.
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(lambda _scheme: QTimer.singleShot(0, self.refresh_colors))
        self.show_empty("No case selected. Import traces with Ctrl+O, or drop files on the window.")

    # --- public --------------------------------------------------------------------------------
    def toggle_tab(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.focus_pane(SPANS)
        else:
            self.tabs.setCurrentIndex(0)
            self.leave_pane.emit()

    def _tab_changed(self, index: int) -> None:
        if index == 1:
            self.span_replay.tab_shown()

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
        """Space / Shift+Space: from the review surface, a page of every pane at once (``page_all``);
        in a pane read with Alt+1…4, a page of that pane, and at its end Space reads on (``read_on``)."""
        reading_one = self.maximised is not None or any(p.hasFocus() for p in self.panes.values())
        if self.tabs.currentIndex() == 0 and not reading_one:
            self.page_all(step)
            return
        pane = self.reading_pane()
        if step > 0 and self.tabs.currentIndex() == 0 and self.maximised is None and self.read_on(pane):
            return
        pane.page(step)

    def page_all(self, step: int) -> bool:
        """Every pane with something left to read shows its next page (back: its previous one) at once.

        A case's panes are read side by side, so one Space turns the whole reading area, as a page
        of a newspaper: the keys a case takes to read are those of its longest pane, not the sum of
        all of them. Tool calls are opened the first time (a result is read whole). False when
        everything is read (Space then does nothing, and never moves to another case).
        """
        moved = False
        for title, pane in self.panes.items():
            if step > 0 and title == OPENED_WHEN_READ and pane.foldable - pane.expanded:
                pane.toggle_all()
                moved = True
            elif step > 0 and not pane.at_end():
                pane.page(1)
                moved = True
            elif step < 0 and pane.verticalScrollBar().value() > pane.verticalScrollBar().minimum():
                pane.page(-1)
                moved = True
        return moved

    def read_on(self, pane: TextPane) -> bool:
        """Space where the reading pane is read: the next thing left to read, in reading order.

        Every pane's top is on screen, so reading on pages the next pane not yet read to its end
        (Prompt → Context → Tools → Output, then round); tool calls are opened first, since a result is only
        read whole. A case is read by pressing Space until nothing is left (then Space does
        nothing); never a key per pane. False when ``pane`` still has a page to show.
        """
        if pane.title == OPENED_WHEN_READ and pane.foldable - pane.expanded:
            pane.toggle_all()
            return True
        if not pane.at_end():
            return False
        at = PANES.index(pane.title)
        # Then round to the first panes: one read before the reading pane may still have more (a
        # long document whose layout grew after it was passed, or a pane read from the middle).
        for title in (*PANES[at + 1 :], *PANES[:at]):
            following = self.panes[title]
            folded = title == OPENED_WHEN_READ and bool(following.foldable - following.expanded)
            if not folded and following.at_end():
                continue
            if any(p.hasFocus() for p in self.panes.values()):
                self.focus_pane(title)
            else:
                self._last_pane = title
            if folded:
                following.toggle_all()
            else:
                following.page(1)
            self._mark_focus()
            return True
        return True  # everything read: Space stays put (it never moves to another case)

    def to_start(self) -> None:
        self.reading_pane().to_start()

    def to_end(self) -> None:
        self.reading_pane().to_end()

    def step_item(self, step: int) -> int | None:
        """Next/previous item of the reading pane; on the Spans tab, the next/previous span."""
        if self.tabs.currentIndex() == 1:
            self.span_replay.step(step)
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
        for row, titles in zip(self.row_splitters, TWO_ROWS, strict=True):
            row.setVisible(self.maximised is None or self.maximised in titles)
        self._mark_focus()

    # --- folding and the raw form ----------------------------------------------------------------
    def toggle_item(self) -> bool:
        """Open or close the current item of the reading pane (a tool call, an earlier turn)."""
        if self.tabs.currentIndex() == 1:
            return False
        return self.reading_pane().toggle_item()

    def toggle_all_items(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.reading_pane().toggle_all()

    def toggle_raw(self) -> None:
        """JSON as key/value rows, or as the trace recorded it: every pane and the span attributes."""
        self.raw = not self.raw
        self.span_replay.raw = self.raw
        for pane in self.panes.values():
            pane.rerender()
        self.span_replay.refresh()
        self._mark_focus()

    # --- arrangement ---------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange(event.size().width() < MIN_COLUMN_WIDTH * len(PANES))
        if self.two_rows:
            QTimer.singleShot(0, self.fit_rows)  # once the rows have their new size

    def arrange(self, two_rows: bool) -> None:
        """Four panes in one row, or two rows of two (see the module docstring)."""
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        if two_rows:
            for row, titles in zip(self.row_splitters, TWO_ROWS, strict=True):
                for title in titles:
                    row.addWidget(self.pane_boxes[title])
                row.setSizes([1, 1])
            self.pane_stack.setCurrentWidget(self.rows_splitter)
        else:
            for title in PANES:
                self.pane_splitter.addWidget(self.pane_boxes[title])
            self.pane_stack.setCurrentWidget(self.pane_splitter)
        if self.maximised is not None:
            for row, titles in zip(self.row_splitters, TWO_ROWS, strict=True):
                row.setVisible(self.maximised in titles)

    def fit_rows(self) -> None:
        """Two rows: the request and the answer get the height they need (a quarter to half of the
        area), the documents and tool calls below the rest.

        The top row is usually a few lines and the bottom one pages of policy text; halves left
        the top half empty and the documents a third of the screen a page, so a case took more
        Spaces than its text needs. Not once the reviewer has moved the split themselves.
        """
        if not self.two_rows or self._rows_dragged or self.maximised is not None:
            return
        sizes = self.rows_splitter.sizes()
        total = sum(sizes)
        if total <= 0:
            return
        need = 0
        for title in TWO_ROWS[0]:
            pane, box = self.panes[title], self.pane_boxes[title]
            chrome = box.height() - pane.viewport().height()
            need = max(need, chrome + _content_height(pane))
        top = max(int(total * TOP_ROW_SHARE[0]), min(need, int(total * TOP_ROW_SHARE[1])))
        if abs(top - sizes[0]) > 2:
            self.rows_splitter.setSizes([top, total - top])

    def _mark_focus(self) -> None:
        for number, (title, caption) in enumerate(self.captions.items(), 1):
            focused = self.panes[title].hasFocus()
            zoom = "   (maximised, M restores)" if self.maximised == title else ""
            raw = "   raw JSON (R)" if self.raw else ""
            caption.setText(f"{'▶ ' if focused else ''}{title}   Alt+{number}{raw}{zoom}")
            palette = caption.palette()
            role = caption.foregroundRole()
            palette.setColor(
                role, self.palette().highlight().color() if focused else self.palette().windowText().color()
            )
            caption.setPalette(palette)

    def refresh_colors(self) -> None:
        """Rebuild what carries colours of its own (highlights, errors, muted text) in the current scheme.

        The panes write colours into their text when they are built, so a switch between light and
        dark (Preferences, or the system's scheme) must build them again: otherwise the request
        stays on pale yellow under the dark scheme's white text. Style-sheeted widgets get no
        palette-change event, hence the explicit call (the window after Preferences) and the
        colour-scheme signal. Setting the style sheet again makes Qt resolve the panes' palette
        from the new application palette (it keeps the old one under a style sheet otherwise).
        """
        sheet = self.styleSheet()
        self.setStyleSheet("")
        self.setStyleSheet(sheet)
        self._mark_focus()
        if self.detail is None:
            return
        for pane in self.panes.values():
            pane.rerender()
        current = self.current_span()
        self._header(self.detail)
        self.span_replay.show_spans(
            self.detail.spans,
            select=current.span_id if current is not None else None,
            answer=self.detail.case.generation.span_id,
        )

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
        self.signals.set_chips([])
        for pane in self.panes.values():
            pane.reset()
        self.span_replay.clear()

    def show_detail(self, detail: CaseDetail) -> None:
        self.detail = detail
        case = detail.case
        self._header(detail)
        panes = self.panes
        panes["Prompt"].fill(lambda: build_prompt(panes["Prompt"], case, raw=self.raw))
        panes["Context"].fill(lambda: self._context(case, detail.standing))
        panes["Tools"].fill(lambda: build_tools(panes["Tools"], case, raw=self.raw))
        panes["Output"].fill(lambda: build_output(panes["Output"], case, raw=self.raw))
        self.fit_rows()
        # The Spans tab opens on the span the answer came from (the root when the case names none).
        self.span_replay.show_spans(detail.spans, select=case.generation.span_id, answer=case.generation.span_id)

    # --- rendering -----------------------------------------------------------------------------
    def _header(self, detail: CaseDetail) -> None:
        case = detail.case
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
        self.signals.set_chips(
            [Chip(s.text, s.level, s.detail, f"signal_{s.name}") for s in signals(case, detail.standing)]
        )

    def _context(self, case: Case, standing: CaseStanding) -> None:
        pane = self.panes["Context"]
        pane.start()
        if case.retrieval.query:
            pane.heading("Query")
            pane.body(case.retrieval.query)
        # In rank order; the standing's reasons are by position in the case's list, hence the index.
        docs = sorted(enumerate(case.retrieval.documents), key=lambda pair: pair[1].rank)
        if not docs:
            pane.empty("No documents were retrieved.")
        for index, doc in docs:
            stale = standing.stale_reason(index)
            badges = [("✓ cited", "good")] if doc.cited else []
            if stale is not None:
                badges.append(("STALE", "alarm"))
            pane.heading(f"#{doc.rank}  {doc.id or '(no id)'}", item=True, badges=badges)
            pane.meta(document_meta(doc))
            if stale is not None:
                pane.body(f"stale: {stale}", error=True)
            if doc.content:
                pane.body(doc.content)
            else:
                pane.empty("content not recorded in the trace")
        pane.finish()

    def current_span(self) -> RawSpan | None:
        return self.span_replay.current_span()


def _content_height(pane: TextPane) -> int:
    """The height ``pane``'s text takes at its width, in pixels (lays out each block: short panes only)."""
    height = 2 * pane.document().documentMargin()
    block = pane.document().begin()
    while block.isValid():
        height += pane.blockBoundingRect(block).height()
        block = block.next()
    return int(height) + 2 * pane.frameWidth()


def _tokens(count: int | None) -> str:
    """A token count; ``?`` when the trace did not count (unknown is not zero)."""
    return "?" if count is None else f"{count:,}"


def _cost_text(usage: Usage) -> str:
    """The recorded cost, else the estimate marked as one, with the prices it used."""
    if usage.cost_usd is not None:
        return f"cost {usd(usage.cost_usd)}"
    estimate = usage.cost_estimate
    if estimate is None:
        return "cost –"
    if estimate.usd is None:
        return f"cost – (no price for {', '.join(estimate.unpriced_models)})"
    left_out = f", {estimate.calls_unpriced} call(s) unpriced" if estimate.calls_unpriced else ""
    return f"cost ≈{usd(estimate.usd)} estimated ({estimate.prices}{left_out})"
