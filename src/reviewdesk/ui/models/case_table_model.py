"""The queue: a lazy table model over case row ids.

The model holds only the ordered row ids of the queue, fetched a page at a time
(``canFetchMore``/``fetchMore``, so a million-case queue opens with one page), and a bounded
cache of ``CaseSummary`` rows. ``data()`` fills the cache a block at a time around the row asked
for, so painting a screen of rows is one query, not forty. No ORM object or session is kept:
every fetch goes through ``reviewdesk.services.review`` and returns plain rows.

Refresh is driven by ``Changes``: a label write only drops that case's cached row
(``refresh_case``), so the reviewer's position and selection stay put; an import reloads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QGuiApplication

from reviewdesk.domain.money import usd
from reviewdesk.domain.queries import CaseFilter, CaseSummary
from reviewdesk.services import review, visibility
from reviewdesk.services.workspace import Workspace
from reviewdesk.ui.models.roles import CASE_ROWID_ROLE, SUMMARY_ROLE
from reviewdesk.ui.widgets.inert import inert_tooltip, visible

CACHE_ROWS = 4000
BLOCK_BEFORE = 20
BLOCK_AFTER = 80

ModelIndex = QModelIndex | QPersistentModelIndex
_INVALID = QModelIndex()


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def _cost(row: CaseSummary) -> str:
    """The recorded cost; an estimate from list prices is marked ``≈`` (it is not what was billed)."""
    if row.cost_usd is not None:
        return usd(row.cost_usd)
    return "" if row.estimated_cost_usd is None else "≈" + usd(row.estimated_cost_usd)


def _one_line(text: str | None, width: int = 200) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


VERDICT_MARKS: dict[str | None, tuple[str, str]] = {
    "pass": ("✓", "pass"),
    "fail": ("✗", "fail"),
    "unsure": ("?", "unsure"),
    None: ("○", "no verdict yet"),
}
"""Each verdict has its own shape, so the queue reads without colour (and in a grey-scale print)."""
ESCALATED_MARK = "⚑"
DISPUTED_MARK = "≠"
"""A case whose reviewers disagree on the verdict or the root causes: no resolved verdict yet."""
ERROR_DOT = "●"
VERDICT_COLORS = {"pass": ("#2e7d32", "#7ee787"), "fail": ("#b3261e", "#ff7b72"), "unsure": ("#8a5a00", "#f2cc60")}
"""Light and dark scheme colours of the verdict marks (the shape already tells them apart)."""


def verdict_mark(row: CaseSummary) -> str:
    """``✓ pass``, ``✗ fail``, ``? unsure``, ``≠`` (disputed) or ``○`` (no verdict), then ``⚑`` when escalated."""
    if row.resolution == "disputed":
        text = DISPUTED_MARK  # alone, like ○: the word would not fit the column
    else:
        glyph, _title = VERDICT_MARKS.get(row.verdict, VERDICT_MARKS[None])
        text = f"{glyph} {row.verdict}" if row.verdict else glyph
    return f"{text} {ESCALATED_MARK}" if row.escalate else text


def _verdict_tip(row: CaseSummary) -> str:
    if row.resolution == "disputed":
        tip = "Disputed: its reviewers disagree on the verdict or the root causes (A adjudicates)"
    else:
        tip = f"Verdict: {VERDICT_MARKS.get(row.verdict, VERDICT_MARKS[None])[1]}"
    return tip + " · flagged for escalation" if row.escalate else tip


def error_mark(row: CaseSummary) -> str:
    """``● CRMTimeout`` for a failed trace (the error type's last dotted part), empty otherwise."""
    if row.status != "error":
        return ""
    kind = (row.error_type or "error").rsplit(".", 1)[-1]
    return f"{ERROR_DOT} {kind}"


Column = tuple[str, Callable[[CaseSummary], str], Qt.AlignmentFlag]
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

# Verdict and Error first: what a reviewer scans for must be on screen in a 260-pixel queue.
COLUMNS: tuple[Column, ...] = (
    ("Verdict", verdict_mark, _LEFT),
    ("Error", error_mark, _LEFT),
    ("Workflow", lambda r: r.workflow or "", _LEFT),
    ("Request", lambda r: _one_line(r.user_request), _LEFT),
    ("Model", lambda r: r.model or "", _LEFT),
    ("Latency", lambda r: _ms(r.latency_ms), _RIGHT),
    ("Cost", _cost, _RIGHT),
    ("Root causes", lambda r: ", ".join(r.root_causes), _LEFT),
)
COLUMN_VERDICT = 0
COLUMN_ERROR = 1
COLUMN_REQUEST = 3
COLUMN_WIDTHS = (64, 88, 96, 280, 130, 64, 70, 160)


class CaseTableModel(QAbstractTableModel):
    """Rows are cases of the current queue, in queue order; see the module docstring."""

    def __init__(self, workspace: Workspace, parent: Any = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._filter = CaseFilter()
        self._ids: list[int] = []
        self._row_of: dict[int, int] = {}
        self._exhausted = True
        self._cache: OrderedDict[int, CaseSummary] = OrderedDict()
        self._fixed: list[int] | None = None
        self.viewer: visibility.Viewer | None = None
        """Who reads the queue: rows show what blind review lets them see (``services.visibility``)."""

    # --- our API -------------------------------------------------------------------------------
    @property
    def case_filter(self) -> CaseFilter:
        return self._filter

    def set_workspace(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self.set_filter(CaseFilter())

    @property
    def fixed(self) -> bool:
        """The queue is a fixed list of cases (opened from the insights), not a filter."""
        return self._fixed is not None

    @property
    def fixed_rowids(self) -> list[int] | None:
        """The cases of a fixed list, in order; ``None`` when the queue is a filter."""
        return None if self._fixed is None else list(self._fixed)

    def set_rowids(self, rowids: list[int]) -> None:
        """Show exactly these cases, in this order (a slice or sample picked in the insights)."""
        self.beginResetModel()
        self._filter = CaseFilter()
        self._fixed = list(dict.fromkeys(rowids))
        self._ids = []
        self._row_of = {}
        self._cache.clear()
        self._append(self._fixed)
        self._exhausted = True
        self.endResetModel()

    def set_filter(self, flt: CaseFilter) -> None:
        """Show another queue: reset, then load its first page."""
        self.beginResetModel()
        self._filter = flt
        self._fixed = None
        self._ids = []
        self._row_of = {}
        self._cache.clear()
        self._exhausted = False
        self._load_page()
        self.endResetModel()

    def reload(self) -> None:
        """Re-read the queue (after an import), loading as many rows as were loaded before."""
        if self._fixed is not None:
            # A fixed list stays the same cases; only their rows are re-read.
            self.set_rowids(self._fixed)
            return
        wanted = max(len(self._ids), review.QUEUE_PAGE)
        self.beginResetModel()
        self._ids = []
        self._row_of = {}
        self._cache.clear()
        self._exhausted = False
        while not self._exhausted and len(self._ids) < wanted:
            self._load_page()
        self.endResetModel()

    def refresh_case(self, case_rowid: int) -> None:
        """One case's label changed: re-read its row only."""
        self._cache.pop(case_rowid, None)
        row = self._row_of.get(case_rowid)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def refresh_rows(self) -> None:
        """Every row's text may have changed (the taxonomy renamed a cause): re-read them, keep the rows."""
        self._cache.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    def drop_case(self, case_rowid: int) -> None:
        """A case left the queue's filter (adjudicated in the Disputed queue): remove its row now."""
        row = self._row_of.get(case_rowid)
        if row is None:
            return
        self.beginRemoveRows(_INVALID, row, row)
        del self._ids[row]
        self._row_of = {rowid: n for n, rowid in enumerate(self._ids)}
        self._cache.pop(case_rowid, None)
        if self._fixed is not None:
            self._fixed = [r for r in self._fixed if r != case_rowid]
        self.endRemoveRows()

    def case_rowid(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, case_rowid: int) -> int | None:
        return self._row_of.get(case_rowid)

    def summary(self, row: int) -> CaseSummary | None:
        rowid = self.case_rowid(row)
        if rowid is None:
            return None
        cached = self._cache.get(rowid)
        if cached is None:
            self._fill_cache(row)
            cached = self._cache.get(rowid)
        return cached

    def ensure_row(self, row: int) -> bool:
        """Fetch pages until ``row`` exists (J on the last loaded row); False at the queue's end."""
        while row >= len(self._ids) and self.canFetchMore(_INVALID):
            self.fetchMore(_INVALID)
        return row < len(self._ids)

    # --- loading -------------------------------------------------------------------------------
    def _next_page(self) -> list[int]:
        ids = review.queue_page(self._workspace, self._filter, offset=len(self._ids))
        if len(ids) < review.QUEUE_PAGE:
            self._exhausted = True
        # A case can move while paging (labeled between two pages of an "unreviewed" queue);
        # never show it twice.
        return [rowid for rowid in ids if rowid not in self._row_of]

    def _append(self, ids: list[int]) -> None:
        start = len(self._ids)
        self._ids.extend(ids)
        for offset, rowid in enumerate(ids):
            self._row_of[rowid] = start + offset

    def _load_page(self) -> None:
        """Inside a reset: no row signals needed."""
        self._append(self._next_page())

    def _fill_cache(self, row: int) -> None:
        block = self._ids[max(0, row - BLOCK_BEFORE) : row + BLOCK_AFTER]
        missing = [rowid for rowid in block if rowid not in self._cache]
        for rowid, summary in visibility.summaries(self._workspace, missing, self.viewer).items():
            self._cache[rowid] = summary
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)

    # --- Qt overrides --------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: ModelIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: ModelIndex) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: ModelIndex) -> None:
        if parent.isValid() or self._exhausted:
            return
        fresh = self._next_page()
        if fresh:
            self.beginInsertRows(_INVALID, len(self._ids), len(self._ids) + len(fresh) - 1)
            self._append(fresh)
            self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole and section == COLUMN_VERDICT:
            return (
                "Verdict: ✓ pass, ✗ fail, ? unsure, ≠ disputed (its reviewers disagree), ○ not reviewed yet; "
                "⚑ flagged for escalation"
            )
        if role == Qt.ItemDataRole.ToolTipRole and section == COLUMN_ERROR:
            return "● the trace failed at run time (its error type)"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return COLUMNS[section][2]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids) or not 0 <= index.column() < len(COLUMNS):
            return None
        if role == CASE_ROWID_ROLE:
            return self._ids[index.row()]
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.ForegroundRole,
            SUMMARY_ROLE,
        ):
            return None
        row = self.summary(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return visible(COLUMNS[column][1](row))
        if role == SUMMARY_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return COLUMNS[column][2]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COLUMN_REQUEST:
                return inert_tooltip(_one_line(row.user_request, 600))
            if column == COLUMN_VERDICT:
                return _verdict_tip(row)
            if column == COLUMN_ERROR and row.status == "error":
                return inert_tooltip(f"failed trace: {row.error_type or 'error'}")
            return inert_tooltip(f"case {row.case_id} · trace {row.trace_id}")
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == COLUMN_ERROR and row.status == "error":
                return error_color()
            if column == COLUMN_VERDICT and row.verdict in VERDICT_COLORS:
                return verdict_color(row.verdict)
            return None
        return None


def _dark() -> bool:
    return QGuiApplication.palette().base().color().lightness() < 128


def error_color() -> QColor:
    """A red that reads on the current (light or dark) palette."""
    return QColor("#ff7b72") if _dark() else QColor("#b3261e")


def verdict_color(verdict: str) -> QColor:
    light, dark = VERDICT_COLORS[verdict]
    return QColor(dark if _dark() else light)
